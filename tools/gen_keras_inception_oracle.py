"""Oracle fixtures for Keras's 299x299 models: inception_v3, xception, inception_resnet_v2.

The fixtures of tools/gen_keras_oracle.py (seeded .h5 and _notop.h5, the same weights as
.safetensors under our parameter names, the test photos as Keras prepares them, float64
logits and parameter counts), into <out>/keras/, for these three models built by
keras_applications' own code on tools/keras_torch.py; and for inception_v3 the loss
gradients of a few parameters at a small input with BatchNorm in training mode, with
PyTorch float32's own error on them (<out>/keras/inception_v3_grad.safetensors). The gradient input is 107x107, the smallest
size at which every BatchNorm averages over more than one pixel per image (mixed8 on is
2x2; inception_v3's minimum, 75, leaves it 1x1).

    /usr/bin/python3 tools/gen_keras_inception_oracle.py --out test/.generated [--models inception_v3,...]
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_keras_oracle as gk  # noqa: E402

MODELS = ['inception_v3', 'xception', 'inception_resnet_v2']
GRAD = {
    'inception_v3': ['conv2d_1/kernel', 'batch_normalization_1/beta', 'conv2d_30/kernel', 'batch_normalization_52/beta',
                     'conv2d_77/kernel', 'conv2d_94/kernel', 'predictions/kernel', 'predictions/bias'],
}
GRAD_SIZE = {'inception_v3': 107}
# a model's fixtures are regenerated when its version here changes
VERSION = {'inception_v3': 2, 'xception': 2, 'inception_resnet_v2': 2}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--models', default=','.join(MODELS))
    ap.add_argument('--seed', type=int, default=19)
    ap.add_argument('--force', action='store_true', help='regenerate models whose files are up to date')
    a = ap.parse_args()
    out_dir = os.path.join(a.out, 'keras')
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(a.seed)
    for name in a.models.split(','):
        if not a.force and gk.up_to_date(out_dir, name, VERSION[name]):
            print('%s: up to date' % name)
            continue
        gk.generate(name, out_dir, a.seed, VERSION[name], GRAD.get(name), GRAD_SIZE.get(name, gk.GRAD_SIZE))


if __name__ == '__main__':
    main()
