"""A PyTorch stand-in for the Keras modules keras_applications takes as arguments.

keras_applications 1.0.8 (Debian's python3-keras-applications) builds every model from
the `backend`, `layers`, `models` and `utils` passed as keyword arguments
(keras_applications/__init__.py, get_submodules_from_kwargs). This module provides those
four in PyTorch, so the Keras architectures are built by Keras's own code, unmodified:

    import keras_torch as kt
    model = kt.build('resnet50')                  # keras_applications.resnet_common.ResNet50
    kt.load_h5(model, 'resnet50.h5')              # Keras's legacy .h5 layout, by layer name
    logits = model(x_nhwc)                        # the final softmax left out

Layers follow Keras 2's semantics with channels_last data (TF's SAME padding puts the odd
pixel at the bottom and right; AveragePooling2D 'same' leaves the padding out of the
average; BatchNormalization's momentum is the moving averages' decay). Parameters keep
Keras's layouts (kernels HWIO, depthwise kernels (kh, kw, in, multiplier), dense kernels
(in, out)) under Keras's weight names, so gradients come out in those layouts too.
Feature maps flow NCHW inside; Flatten and Reshape see them NHWC, as Keras does.
The layers are in keras_torch_core.py (tensors, naming, layers with weights) and
keras_torch_layers.py (pooling, padding, reshaping, merges); this file has the model,
the injected modules, preprocessing and the .h5 files.
"""
import importlib
import os
import sys
import types

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keras_torch_core import *  # noqa: E402,F401,F403
from keras_torch_core import KTensor, Layer, _from_keras, _to_keras, reset_uids  # noqa: E402
from keras_torch_layers import *  # noqa: E402,F401,F403
from keras_torch_layers import Add, Concatenate, add, concatenate  # noqa: E402
import keras_torch_core  # noqa: E402
import keras_torch_layers  # noqa: E402

# ---------------------------------------------------------------- the model

class Model(nn.Module):
    """The layer graph from inputs to outputs, run in the order the layers were called."""

    def __init__(self, inputs, outputs, name=None, **_kw):
        super().__init__()
        self.kname = name
        self.input_t = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        self.output_t = outputs
        self.nodes = []
        seen = set()

        def visit(t):
            if id(t) in seen:
                return
            seen.add(id(t))
            for i in t.inputs:
                visit(i)
            self.nodes.append(t)
        visit(outputs)
        self.nodes.sort(key=lambda t: t.layer._order)
        self.klayers = nn.ModuleDict()
        for t in self.nodes:
            self.klayers[t.layer.kname] = t.layer

    @property
    def layers(self):
        return list(self.klayers.values())

    def get_layer(self, name):
        return self.klayers[name]

    def forward(self, x_nhwc, logits=True, bn_training=False, dropout=False, bn_momentum=None):
        """x NHWC -> output; logits=True leaves out a final softmax."""
        ctx = {'bn_training': bn_training, 'dropout': dropout}
        if bn_momentum is not None:
            ctx['bn_momentum'] = bn_momentum
        if logits:
            ctx['raw'] = self.output_t.layer
        vals = {id(self.input_t): _from_keras(x_nhwc)}
        for t in self.nodes:
            if not t.inputs:
                continue
            ins = [vals[id(i)] for i in t.inputs]
            vals[id(t)] = t.layer.run(ins if len(ins) > 1 or isinstance(t.layer, (Add, Concatenate)) else ins[0], ctx)
        return _to_keras(vals[id(self.output_t)])

    def named_weights(self):
        """[(layer name, weight name, tensor)] in layer order, Keras's weight order within."""
        return [(layer.kname, w, t) for layer in self.layers for w, t in layer.weights()]

    def count_params(self):
        n = [t.numel() for _, w, t in self.named_weights()]
        frozen = [t.numel() for _, w, t in self.named_weights() if w.startswith('moving_')]
        return {'total': sum(n), 'nonTrainable': sum(frozen), 'trainable': sum(n) - sum(frozen)}


# ---------------------------------------------------------------- the injected modules

backend = types.SimpleNamespace(
    image_data_format=lambda: 'channels_last',
    int_shape=lambda t: t.shape,
    is_keras_tensor=lambda t: isinstance(t, KTensor),
    backend=lambda: 'tensorflow',
    floatx=lambda: 'float32',
)
_LAYERS = {k: v for mod in (keras_torch_core, keras_torch_layers) for k, v in vars(mod).items()
           if isinstance(v, type) and issubclass(v, Layer)}
layers = types.SimpleNamespace(**_LAYERS, Input=keras_torch_core.Input, add=add, concatenate=concatenate)


def _no_download(*a, **kw):
    raise RuntimeError('keras_torch: no downloads; build with weights=None and load an .h5 with load_h5')


utils = types.SimpleNamespace(get_source_inputs=lambda t: [t], get_file=_no_download,
                              convert_all_kernels_in_model=lambda m: None)
models = types.SimpleNamespace(Model=Model)
KWARGS = dict(backend=backend, layers=layers, models=models, utils=utils)

# name -> (keras_applications module, constructor, imagenet_utils preprocessing mode, size)
ARCHS = {
    'vgg16': ('vgg16', 'VGG16', 'caffe', 224),
    'vgg19': ('vgg19', 'VGG19', 'caffe', 224),
    'resnet50': ('resnet_common', 'ResNet50', 'caffe', 224),
    'mobilenet': ('mobilenet', 'MobileNet', 'tf', 224),
    'inception_v3': ('inception_v3', 'InceptionV3', 'tf', 299),
    'xception': ('xception', 'Xception', 'tf', 299),
    'inception_resnet_v2': ('inception_resnet_v2', 'InceptionResNetV2', 'tf', 299),
}


def build(name, include_top=True, input_shape=None, classes=1000, **kw):
    """keras_applications' own constructor for `name`, on this shim, weights=None."""
    mod, fn, _, _ = ARCHS[name]
    reset_uids()
    m = importlib.import_module('keras_applications.' + mod)
    return getattr(m, fn)(include_top=include_top, weights=None, input_shape=input_shape,
                          classes=classes, **kw, **KWARGS)


def preprocess(name, images_rgb):
    """imagenet_utils.preprocess_input with the model's mode, on float32 NHWC RGB 0..255."""
    from keras_applications import imagenet_utils
    return imagenet_utils.preprocess_input(np.array(images_rgb, dtype=np.float32), mode=ARCHS[name][2], **KWARGS)


def load_image(path, size):
    """keras_preprocessing.image.load_img(path, target_size=size) + img_to_array: PIL, RGB, nearest."""
    from PIL import Image
    img = Image.open(path)
    if img.mode != 'RGB':
        img = img.convert('RGB')
    h, w = size
    if img.size != (w, h):
        img = img.resize((w, h), Image.NEAREST)
    return np.asarray(img, dtype=np.float32)


# ---------------------------------------------------------------- .h5 files

def load_h5(model, path):
    """Keras's legacy .h5 layout: group <layer> holds its weights in `weight_names` order."""
    import h5py
    with h5py.File(path, 'r') as f:
        names = [n.decode() if isinstance(n, bytes) else n for n in _read_attr(f, 'layer_names')]
        for layer in model.layers:
            ws = layer.weights()
            if not ws:
                continue
            if layer.kname not in names:
                raise KeyError('%s: layer %s missing' % (path, layer.kname))
            g = f[layer.kname]
            wnames = [n.decode() if isinstance(n, bytes) else n for n in _read_attr(g, 'weight_names')]
            if len(wnames) != len(ws):
                raise ValueError('%s: layer %s has %d weights, model %d' % (path, layer.kname, len(wnames), len(ws)))
            for (wn, t), fn in zip(ws, wnames):
                a = np.asarray(g[fn])
                if tuple(a.shape) != tuple(t.shape):
                    raise ValueError('%s: %s/%s is %s, model wants %s' % (path, layer.kname, wn, a.shape, tuple(t.shape)))
                with torch.no_grad():
                    t.copy_(torch.from_numpy(a))


def _read_attr(group, name):
    """h5py attribute, joined from name0, name1, ... when Keras split it."""
    if name in group.attrs:
        return list(group.attrs[name])
    out, i = [], 0
    while '%s%d' % (name, i) in group.attrs:
        out.extend(group.attrs['%s%d' % (name, i)])
        i += 1
    return out


HDF5_OBJECT_HEADER_LIMIT = 64512  # keras/engine/saving.py save_attributes_to_hdf5_group


def _write_attr(group, name, values, split_bytes=HDF5_OBJECT_HEADER_LIMIT):
    data = np.array([v.encode() for v in values])
    chunks = 1
    while any(c.nbytes > split_bytes for c in np.array_split(data, chunks)):
        chunks += 1
    if chunks == 1:
        group.attrs[name] = data
    else:
        for i, c in enumerate(np.array_split(data, chunks)):
            group.attrs['%s%d' % (name, i)] = c


def keras_weight_name(layer, wname, naming):
    """The dataset name of a weight: 'later' = 'conv1_conv/kernel:0' (Keras 2),
    'vgg' = 'block1_conv1_W_1:0' (the Keras 1 files VGG16/VGG19 were published as)."""
    if naming == 'vgg':
        short = {'kernel': 'W', 'bias': 'b'}[wname]
        return '%s_%s_1:0' % (layer, short)
    return '%s/%s:0' % (layer, wname)


def save_h5(model, path, naming='later', split_bytes=HDF5_OBJECT_HEADER_LIMIT):
    """Every layer (with or without weights) in model order, as Keras's save_weights does."""
    import h5py
    with h5py.File(path, 'w') as f:
        _write_attr(f, 'layer_names', [l.kname for l in model.layers], split_bytes)
        f.attrs['backend'] = b'tensorflow'
        f.attrs['keras_version'] = b'2.2.4' if naming == 'later' else b'1.2.2'
        for layer in model.layers:
            g = f.create_group(layer.kname)
            wnames = [keras_weight_name(layer.kname, w, naming) for w, _ in layer.weights()]
            _write_attr(g, 'weight_names', wnames, split_bytes)
            for wn, (_, t) in zip(wnames, layer.weights()):
                g.create_dataset(wn, data=t.detach().cpu().numpy().astype(np.float32))
