"""Oracle fixtures for the Keras models: seeded weights as Keras .h5 files, and PyTorch's
logits and gradients for them (tools/keras_torch.py builds keras_applications' own code).

For each model in --models, into <out>/keras/:
  <name>.h5, <name>_notop.h5   the weights in Keras's legacy layout (VGG16/VGG19 in the
                               naming of their published files, block1_conv1_W_1:0; the
                               others in Keras 2's, conv1_conv/kernel:0)
  <name>.safetensors           the same weights under our parameter names, <layer>/<weight>
  <name>_input.bin             the test photos as Keras prepares them (load_img at the
                               model's size, nearest; preprocess_input in the model's
                               mode), float32 NHWC
  <name>.json                  the logits (float64 forward) and the parameter counts
  <name>_grad.safetensors      (resnet50, mobilenet) loss gradients of a few parameters at
                               a small input with BatchNorm in training mode, and the input
Weights are N(0, 2/fan_in) kernels and small biases; BatchNorm statistics are those of the
photos (so activations keep their scale through the depth), perturbed; the last layer is
scaled so the logits spread over a few units.

    /usr/bin/python3 tools/gen_keras_oracle.py --out test/.generated [--models vgg16,...]
"""
import argparse
import re
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keras_torch as kt  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PHOTOS = ['chelsea.png', 'coffee.png']
MODELS = ['vgg16', 'vgg19', 'resnet50', 'mobilenet']
GRAD = {
    # (a conv bias followed by BatchNorm in training mode has gradient 0: none of those)
    'resnet50': ['conv1_conv/kernel', 'conv1_bn/gamma', 'conv2_block1_0_conv/kernel', 'conv2_block1_1_bn/beta',
                 'conv3_block2_2_conv/kernel', 'conv5_block3_3_bn/gamma', 'probs/kernel', 'probs/bias'],
    'mobilenet': ['conv1/kernel', 'conv1_bn/gamma', 'conv_dw_1/depthwise_kernel', 'conv_dw_2/depthwise_kernel',
                  'conv_dw_7_bn/beta', 'conv_pw_13/kernel', 'conv_preds/kernel', 'conv_preds/bias'],
}
GRAD_SIZE, GRAD_LABELS = 64, [3, 7, 11, 500]
# BatchNorm gammas scaled down, as trained ResNets have them in each residual branch's
# last BN: at random initialisation the residual stream makes the training-mode
# gradients chaotic (float32 PyTorch differs from float64 by 10-25% in some layers);
# with these it agrees to 4e-5
GAMMA_SCALE = {'resnet50': (r'_3_bn$', 0.2)}
# a model's fixtures are regenerated when its version here changes
VERSION = {'vgg16': 1, 'vgg19': 1, 'resnet50': 2, 'mobilenet': 2}


def seed_weights(model, seed, gamma_scale=None):
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for layer, w, t in model.named_weights():
            shape = tuple(t.shape)
            if w in ('kernel', 'depthwise_kernel', 'pointwise_kernel'):
                fan_in = int(np.prod(shape[:2])) if w == 'depthwise_kernel' else int(np.prod(shape[:-1]))
                a = rng.standard_normal(shape, dtype=np.float32) * np.float32(np.sqrt(2.0 / fan_in))
            elif w == 'bias':
                a = rng.standard_normal(shape, dtype=np.float32) * np.float32(0.05)
            elif w == 'gamma':
                a = rng.uniform(0.8, 1.2, shape).astype(np.float32)
                if gamma_scale and re.search(gamma_scale[0], layer):
                    a *= np.float32(gamma_scale[1])
            elif w == 'beta':
                a = rng.standard_normal(shape, dtype=np.float32) * np.float32(0.1)
            else:
                continue  # moving statistics: calibrate()
            t.copy_(torch.from_numpy(a))


def calibrate(model, x, seed):
    """Moving statistics = the photos' batch statistics, perturbed; last layer scaled."""
    rng = np.random.default_rng(seed + 1)
    with torch.no_grad():
        model(x, bn_training=True, bn_momentum=0.0)
        for layer in model.layers:
            if isinstance(layer, kt.BatchNormalization):
                c = layer.moving_mean.numel()
                var = layer.moving_variance.numpy() * rng.uniform(0.8, 1.25, c).astype(np.float32)
                mean = layer.moving_mean.numpy() + 0.1 * np.sqrt(var) * rng.standard_normal(c).astype(np.float32)
                layer.moving_variance.copy_(torch.from_numpy(var))
                layer.moving_mean.copy_(torch.from_numpy(mean))
        last = [l for l in model.layers if l.weights()][-1]
        scale = 4.0 / float(model(x).std())
        for _, t in last.weights():
            t.mul_(scale)


def write_safetensors(path, tensors):
    header, offset = {}, 0
    for name, a in tensors.items():
        header[name] = {'dtype': 'F32', 'shape': list(a.shape), 'data_offsets': [offset, offset + a.nbytes]}
        offset += a.nbytes
    h = json.dumps(header).encode()
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(len(h).to_bytes(8, 'little'))
        f.write(h)
        for a in tensors.values():
            f.write(np.ascontiguousarray(a, dtype='<f4').tobytes())


def our_weights(model):
    return {'%s/%s' % (l, w): t.detach().numpy() for l, w, t in model.named_weights()}


def save_notop(name, model, path, naming):
    notop = kt.build(name, include_top=False)
    full = {l.kname: l for l in model.layers}
    with torch.no_grad():
        for layer in notop.layers:
            for w, t in layer.weights():
                t.copy_(getattr(full[layer.kname], w))
    kt.save_h5(notop, path, naming)


def _grads(name, model, x, dtype, names):
    small = kt.build(name, input_shape=x.shape[1:])
    small.load_state_dict(model.state_dict())
    small.to(dtype)
    logits = small(torch.from_numpy(x).to(dtype), bn_training=True)
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor(GRAD_LABELS))
    loss.backward()
    params = {'%s/%s' % (l, w): t for l, w, t in small.named_weights()}
    return float(loss), params, {n: params[n].grad.double().numpy() for n in names}


def grad_oracle(name, model, out_dir, seed, names, size):
    """Cross-entropy gradients of the parameters `names` at size x size with BN in training
    mode, float64; and how far PyTorch's own float32 gradients are from them (the
    conditioning of each)."""
    rng = np.random.default_rng(seed + 2)
    x = rng.standard_normal((len(GRAD_LABELS), size, size, 3)).astype(np.float32)
    loss, params, g64 = _grads(name, model, x, torch.float64, names)
    _, _, g32 = _grads(name, model, x, torch.float32, names)
    f32_error = {n: float(np.abs(g32[n] - g64[n]).max() / np.abs(g64[n]).max()) for n in names}
    grads = {'grad/' + n: g.astype(np.float32) for n, g in g64.items()}
    # the moving statistics after the step (Keras momentum 0.99, PyTorch's unbiased variance)
    stats = {n: params[n].numpy().astype(np.float32) for n in params if n.endswith('moving_variance')}
    write_safetensors(os.path.join(out_dir, name + '_grad.safetensors'),
                      {'input': x, **grads, **{'after/' + k: v for k, v in list(stats.items())[:2]}})
    return {'size': size, 'labels': GRAD_LABELS, 'loss': loss, 'params': names,
            'torchFloat32Error': f32_error, 'runningVar': list(stats)[:2]}


def generate(name, out_dir, seed, version, grad=None, grad_size=GRAD_SIZE):
    """One model's fixtures; `grad` names the parameters whose gradients are checked at
    grad_size (none: no gradient fixture)."""
    _, _, mode, size = kt.ARCHS[name]
    naming = 'vgg' if name.startswith('vgg') else 'later'
    model = kt.build(name)
    seed_weights(model, seed, GAMMA_SCALE.get(name))
    imgs = np.stack([kt.load_image(os.path.join(ROOT, 'test', 'fixtures', 'images', p), (size, size)) for p in PHOTOS])
    x = kt.preprocess(name, imgs)
    xt = torch.from_numpy(np.ascontiguousarray(x))
    calibrate(model, xt, seed)
    kt.save_h5(model, os.path.join(out_dir, name + '.h5'), naming)
    save_notop(name, model, os.path.join(out_dir, name + '_notop.h5'), naming)
    write_safetensors(os.path.join(out_dir, name + '.safetensors'), our_weights(model))
    np.ascontiguousarray(x, dtype='<f4').tofile(os.path.join(out_dir, name + '_input.bin'))
    info = {'model': name, 'version': version, 'seed': seed, 'photos': PHOTOS, 'inputShape': list(x.shape), 'mode': mode,
            'naming': naming, 'params': model.count_params()}
    if grad:
        info['grad'] = grad_oracle(name, model, out_dir, seed, grad, grad_size)
    with torch.no_grad():
        logits = model.double()(xt.double())
    info['logits'] = logits.numpy().tolist()
    info['top1'] = logits.argmax(1).tolist()
    with open(os.path.join(out_dir, name + '.json'), 'w') as f:
        json.dump(info, f)
    print('%s: params %s, top-1 %s' % (name, info['params'], info['top1']))


def up_to_date(out_dir, name, version):
    """The model's fixtures exist and were written by this version of its generator."""
    done = os.path.join(out_dir, name + '.json')
    if not os.path.exists(done):
        return False
    with open(done) as f:
        return json.load(f).get('version', 1) == version


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
        if not a.force and up_to_date(out_dir, name, VERSION[name]):
            print('%s: up to date' % name)
            continue
        generate(name, out_dir, a.seed, VERSION[name], GRAD.get(name))


if __name__ == '__main__':
    main()
