#!/usr/bin/python3
"""Small Keras .h5 weight files for test/weights/h5.test.ts, written with h5py.

  /usr/bin/python3 tools/gen_h5_fixtures.py --out test/.generated

Writes <out>/h5/ in the legacy layout of Keras's saving.py (save_weights_to_hdf5_group):
the root attribute layer_names (split into layer_names0, layer_names1, ... when it would
pass HDF5's 64 KB object header limit, as save_attributes_to_hdf5_group splits it), one
group per layer with its ordered weight_names attribute, and each weight a dataset at
<layer>/<weight name>. The weights are seeded float32 values for the test's tiny model:

  block1_conv1  Conv2D 3x3, 3 -> 4, kernel HWIO [3,3,3,4], bias [4]
  block1_bn     BatchNormalization: gamma, beta, moving_mean, moving_variance [4]
  block1_bn2    BatchNormalization(scale=False): beta, moving_mean, moving_variance [4]
  fc1           Dense 256 -> 6, kernel [256,6] (IO), bias [6]
  predictions   Dense 6 -> 5, kernel [6,5], bias [5]
  and weightless layers (input, activations, flatten) between them.

  tiny_later.h5        later names (block1_conv1/kernel:0), a layer list long enough to be split
  tiny_vgg.h5          VGG-era names (block1_conv1_W_1:0, block1_bn_running_std_1:0), one list
  tiny_model.h5        a full-model save: attributes model_config, weights under model_weights
  tiny_notop.h5        the features only, as Keras's *_notop.h5 (no fc1, no predictions)
  tiny_badshape.h5     block1_conv1's kernel [3,3,3,2]
  tiny_missing.h5      no block1_bn2 layer
  tiny_truncated.h5    the first half of tiny_later.h5
  expected.json        every weight by model parameter name: shape and values
"""
import argparse
import json
import os

import h5py
import numpy as np

HDF5_OBJECT_HEADER_LIMIT = 64512  # Keras saving.py


def weights(rng):
    f = lambda *s: rng.standard_normal(s).astype(np.float32)
    pos = lambda *s: rng.uniform(0.5, 1.5, s).astype(np.float32)
    return [
        ('block1_conv1', [('kernel', f(3, 3, 3, 4)), ('bias', f(4))]),
        ('block1_bn', [('gamma', pos(4)), ('beta', f(4)), ('moving_mean', f(4)), ('moving_variance', pos(4))]),
        ('block1_bn2', [('beta', f(4)), ('moving_mean', f(4)), ('moving_variance', pos(4))]),
        ('fc1', [('kernel', f(256, 6)), ('bias', f(6))]),
        ('predictions', [('kernel', f(6, 5)), ('bias', f(5))]),
    ]


# Keras 1 names: W and b, BN's running_std (its moving_variance), a _1 suffix per session.
VGG_ERA = {'kernel': 'W', 'bias': 'b', 'gamma': 'gamma', 'beta': 'beta', 'moving_mean': 'running_mean', 'moving_variance': 'running_std'}


def weight_name(layer, leaf, era):
    return f'{layer}_{VGG_ERA[leaf]}_1:0' if era == 'vgg' else f'{layer}/{leaf}:0'


def put_name_list(group, name, names):
    """An attribute of byte strings, split as Keras's save_attributes_to_hdf5_group does."""
    data = np.array([n.encode('utf8') for n in names])
    chunks = 1
    parts = np.array_split(data, chunks)
    while any(p.nbytes > HDF5_OBJECT_HEADER_LIMIT for p in parts):
        chunks += 1
        parts = np.array_split(data, chunks)
    if chunks == 1:
        group.attrs[name] = data
    else:
        for i, p in enumerate(parts):
            group.attrs[f'{name}{i}'] = p


def layer_list(ws, padding):
    """The model's layers in order: weightless ones around the weighted (`padding` extra activations)."""
    by_name = dict(ws)
    names = ['input_1', 'block1_conv1', 'block1_bn', 'block1_relu', 'block1_bn2']
    names += [f'block1_identity_activation_with_a_long_name_to_split_layer_names_{i:04d}' for i in range(padding)]
    names += ['flatten', 'fc1', 'fc1_relu', 'predictions']
    return [(n, by_name.get(n, [])) for n in names]


def write(path, layers, era, root_attrs=None):
    with h5py.File(path, 'w') as f:
        if root_attrs is not None:
            for k, v in root_attrs.items():
                f.attrs[k] = v
            g = f.create_group('model_weights')
        else:
            g = f
        put_name_list(g, 'layer_names', [n for n, _ in layers])
        g.attrs['backend'] = b'tensorflow'
        g.attrs['keras_version'] = b'2.2.4' if era == 'later' else b'1.2.2'
        for name, ws in layers:
            lg = g.create_group(name)
            names = [weight_name(name, leaf, era) for leaf, _ in ws]
            put_name_list(lg, 'weight_names', names)
            for wn, (_, val) in zip(names, ws):
                lg.create_dataset(wn, data=val)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    args = ap.parse_args()
    out = os.path.join(args.out, 'h5')
    os.makedirs(out, exist_ok=True)
    ws = weights(np.random.default_rng(19))
    full = layer_list(ws, 1000)
    write(os.path.join(out, 'tiny_later.h5'), full, 'later')
    write(os.path.join(out, 'tiny_vgg.h5'), layer_list(ws, 3), 'vgg')
    write(os.path.join(out, 'tiny_model.h5'), layer_list(ws, 3), 'later', {'model_config': b'{"class_name": "Model"}', 'training_config': b'{}'})
    write(os.path.join(out, 'tiny_notop.h5'), [(n, w) for n, w in layer_list(ws, 3) if n not in ('fc1', 'fc1_relu', 'predictions')], 'later')
    bad = [(n, [(leaf, v[..., :2] if leaf == 'kernel' else v) for leaf, v in w] if n == 'block1_conv1' else w) for n, w in layer_list(ws, 3)]
    write(os.path.join(out, 'tiny_badshape.h5'), bad, 'later')
    write(os.path.join(out, 'tiny_missing.h5'), [(n, w) for n, w in layer_list(ws, 3) if n != 'block1_bn2'], 'later')
    with open(os.path.join(out, 'tiny_later.h5'), 'rb') as f:
        data = f.read()
    with open(os.path.join(out, 'tiny_truncated.h5'), 'wb') as f:
        f.write(data[:len(data) // 2])
    expected = {f'{layer}/{leaf}': {'shape': list(v.shape), 'values': [float(x) for x in v.ravel()]} for layer, w in ws for leaf, v in w}
    with open(os.path.join(out, 'expected.json'), 'w') as f:
        json.dump(expected, f)


if __name__ == '__main__':
    main()
