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
"""
import importlib
import math
import re
import types

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# ---------------------------------------------------------------- symbolic tensors

_uids = {}
_order = [0]


def reset_uids():
    """Keras's backend.reset_uids: auto names start again at <prefix>_1."""
    _uids.clear()


def _auto_name(prefix):
    _uids[prefix] = _uids.get(prefix, 0) + 1
    return '%s_%d' % (prefix, _uids[prefix])


def _snake(name):
    """keras/engine/base_layer.py _to_snake_case."""
    s = re.sub('(.)([A-Z][a-z0-9]+)', r'\1_\2', name)
    return re.sub('([a-z])([A-Z])', r'\1_\2', s).lower()


class KTensor:
    """A Keras tensor: the layer call that made it and its static Keras (NHWC) shape."""

    def __init__(self, layer, inputs, shape):
        self.layer, self.inputs, self.shape = layer, inputs, tuple(shape)
        self._keras_shape = self.shape


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _out_size(size, k, s, padding, d=1):
    if size is None:
        return None
    ek = (k - 1) * d + 1
    return -(-size // s) if padding == 'same' else (size - ek) // s + 1


def _same_pads(size, k, s, d=1):
    """TF's SAME: total padding split with the extra pixel after (bottom/right)."""
    ek = (k - 1) * d + 1
    total = max((_out_size(size, k, s, 'same') - 1) * s + ek - size, 0)
    return total // 2, total - total // 2


def _axis(axis, ndim):
    """A Keras channels_last axis -> the NCHW axis used inside."""
    axis = axis % ndim
    if ndim != 4:
        return axis
    return {0: 0, 3: 1, 1: 2, 2: 3}[axis]


def _to_keras(t):
    return t.permute(0, 2, 3, 1) if t.dim() == 4 else t


def _from_keras(t):
    return t.permute(0, 3, 1, 2) if t.dim() == 4 else t


_ACTIVATIONS = {
    None: lambda t: t,
    'linear': lambda t: t,
    'relu': F.relu,
    'relu6': lambda t: F.relu6(t),
    'sigmoid': torch.sigmoid,
    'tanh': torch.tanh,
    'softmax': lambda t: F.softmax(t, dim=1),
}


# ---------------------------------------------------------------- layers

class Layer(nn.Module):
    """Base: a name, Keras weights in declaration order, shape inference and forward."""

    activation = None

    def __init__(self, name=None, **_ignored):
        super().__init__()
        self.kname = name or _auto_name(_snake(type(self).__name__))
        self.weight_names = []  # Keras's order within the layer, as its .h5 stores them
        _order[0] += 1
        self._order = _order[0]  # creation order: the order the model runs and lists layers

    def add_weight(self, wname, shape, trainable=True):
        t = torch.zeros(*shape, dtype=torch.float32)
        if trainable:
            self.register_parameter(wname, nn.Parameter(t))
        else:
            self.register_buffer(wname, t)
        self.weight_names.append(wname)

    def weights(self):
        return [(w, getattr(self, w)) for w in self.weight_names]

    def __call__(self, inputs, **_kwargs):
        many = isinstance(inputs, (list, tuple))
        shapes = [t.shape for t in inputs] if many else inputs.shape
        return KTensor(self, list(inputs) if many else [inputs], self.build(shapes))

    def build(self, shape):
        return shape

    def run(self, x, ctx):
        return self.call(x, ctx) if ctx.get('raw') is not self else self.call_raw(x, ctx)

    def call_raw(self, x, ctx):  # the layer without its activation (a final softmax)
        return self.call(x, ctx)


class InputLayer(Layer):
    def __init__(self, name=None):
        super().__init__(name=name or _auto_name('input'))


def Input(shape=None, tensor=None, batch_shape=None, name=None, **_kw):
    if tensor is not None:
        raise NotImplementedError('Input(tensor=...) is not supported by the shim')
    shape = tuple(batch_shape) if batch_shape else (None,) + tuple(shape)
    layer = InputLayer(name)
    return KTensor(layer, [], shape)


class _ConvBase(Layer):
    def __init__(self, kernel_size, strides=(1, 1), padding='valid', dilation_rate=(1, 1),
                 activation=None, use_bias=True, **kw):
        super().__init__(**kw)
        self.k, self.s, self.d = _pair(kernel_size), _pair(strides), _pair(dilation_rate)
        self.padding, self.activation, self.use_bias = padding.lower(), activation, use_bias

    def out_hw(self, shape):
        return [_out_size(shape[1 + i], self.k[i], self.s[i], self.padding, self.d[i]) for i in range(2)]

    def pad(self, x):
        if self.padding != 'same':
            return x
        (t, b), (l, r) = [_same_pads(x.shape[2 + i], self.k[i], self.s[i], self.d[i]) for i in range(2)]
        return F.pad(x, (l, r, t, b))

    def call(self, x, ctx):
        return _ACTIVATIONS[self.activation](self.call_raw(x, ctx))


class Conv2D(_ConvBase):
    def __init__(self, filters, kernel_size, **kw):
        super().__init__(kernel_size, **kw)
        self.filters = filters

    def build(self, shape):
        self.add_weight('kernel', (*self.k, shape[3], self.filters))
        if self.use_bias:
            self.add_weight('bias', (self.filters,))
        return (shape[0], *self.out_hw(shape), self.filters)

    def call_raw(self, x, ctx):
        bias = self.bias if self.use_bias else None
        return F.conv2d(self.pad(x), self.kernel.permute(3, 2, 0, 1), bias, self.s, 0, self.d)


class DepthwiseConv2D(_ConvBase):
    def __init__(self, kernel_size, depth_multiplier=1, **kw):
        super().__init__(kernel_size, **kw)
        self.m = depth_multiplier

    def build(self, shape):
        self.cin = shape[3]
        self.add_weight('depthwise_kernel', (*self.k, self.cin, self.m))
        if self.use_bias:
            self.add_weight('bias', (self.cin * self.m,))
        return (shape[0], *self.out_hw(shape), self.cin * self.m)

    def depthwise(self, x, kernel):
        # (kh, kw, in, m) -> (in*m, 1, kh, kw): output channel c*m + j, as TF orders them
        w = kernel.permute(2, 3, 0, 1).reshape(self.cin * self.m, 1, *self.k)
        return F.conv2d(self.pad(x), w, None, self.s, 0, self.d, groups=self.cin)

    def call_raw(self, x, ctx):
        y = self.depthwise(x, self.depthwise_kernel)
        return y + self.bias.view(1, -1, 1, 1) if self.use_bias else y


class SeparableConv2D(DepthwiseConv2D):
    def __init__(self, filters, kernel_size, **kw):
        super().__init__(kernel_size, **kw)
        self.filters = filters

    def build(self, shape):
        self.cin = shape[3]
        self.add_weight('depthwise_kernel', (*self.k, self.cin, self.m))
        self.add_weight('pointwise_kernel', (1, 1, self.cin * self.m, self.filters))
        if self.use_bias:
            self.add_weight('bias', (self.filters,))
        return (shape[0], *self.out_hw(shape), self.filters)

    def call_raw(self, x, ctx):
        y = self.depthwise(x, self.depthwise_kernel)
        bias = self.bias if self.use_bias else None
        return F.conv2d(y, self.pointwise_kernel.permute(3, 2, 0, 1), bias)


class BatchNormalization(Layer):
    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, **kw):
        super().__init__(**kw)
        self.axis, self.momentum, self.eps, self.center, self.scale = axis, momentum, epsilon, center, scale

    def build(self, shape):
        c = shape[self.axis]
        if self.scale:
            self.add_weight('gamma', (c,))
        if self.center:
            self.add_weight('beta', (c,))
        self.add_weight('moving_mean', (c,), trainable=False)
        self.add_weight('moving_variance', (c,), trainable=False)
        with torch.no_grad():
            if self.scale:
                self.gamma.fill_(1.0)
            self.moving_variance.fill_(1.0)
        return shape

    def call(self, x, ctx):
        # ctx['bn_momentum'] overrides the decay: 0.0 makes the moving statistics the batch's
        decay = ctx.get('bn_momentum', self.momentum)
        return F.batch_norm(x, self.moving_mean, self.moving_variance,
                            self.gamma if self.scale else None, self.beta if self.center else None,
                            training=ctx.get('bn_training', False), momentum=1.0 - decay, eps=self.eps)


class Activation(Layer):
    def __init__(self, activation, **kw):
        super().__init__(**kw)
        self.activation = activation

    def call(self, x, ctx):
        return _ACTIVATIONS[self.activation](x)

    def call_raw(self, x, ctx):
        return x


class ReLU(Layer):
    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kw):
        super().__init__(**kw)
        self.max_value, self.slope, self.threshold = max_value, negative_slope, threshold

    def call(self, x, ctx):
        y = torch.where(x >= self.threshold, x, self.slope * (x - self.threshold))
        return y if self.max_value is None else torch.clamp(y, max=self.max_value)


class Dense(Layer):
    def __init__(self, units, activation=None, use_bias=True, **kw):
        super().__init__(**kw)
        self.units, self.activation, self.use_bias = units, activation, use_bias

    def build(self, shape):
        self.add_weight('kernel', (shape[-1], self.units))
        if self.use_bias:
            self.add_weight('bias', (self.units,))
        return (shape[0], self.units)

    def call_raw(self, x, ctx):
        y = x @ self.kernel
        return y + self.bias if self.use_bias else y

    def call(self, x, ctx):
        return _ACTIVATIONS[self.activation](self.call_raw(x, ctx))


class _Pool2D(Layer):
    def __init__(self, pool_size=(2, 2), strides=None, padding='valid', **kw):
        super().__init__(**kw)
        self.k = _pair(pool_size)
        self.s = _pair(strides) if strides is not None else self.k
        self.padding = padding.lower()

    def build(self, shape):
        return (shape[0], *[_out_size(shape[1 + i], self.k[i], self.s[i], self.padding) for i in range(2)], shape[3])

    def pads(self, x):
        if self.padding != 'same':
            return (0, 0, 0, 0)
        (t, b), (l, r) = [_same_pads(x.shape[2 + i], self.k[i], self.s[i]) for i in range(2)]
        return (l, r, t, b)


class MaxPooling2D(_Pool2D):
    def call(self, x, ctx):
        return F.max_pool2d(F.pad(x, self.pads(x), value=-math.inf), self.k, self.s)


class AveragePooling2D(_Pool2D):
    def call(self, x, ctx):
        pads = self.pads(x)
        total = F.avg_pool2d(F.pad(x, pads), self.k, self.s)
        if pads == (0, 0, 0, 0):
            return total
        # Keras 'same' averages over the window's pixels inside the image only
        ones = torch.ones_like(x[:1, :1])
        return total / F.avg_pool2d(F.pad(ones, pads), self.k, self.s)


class GlobalAveragePooling2D(Layer):
    def build(self, shape):
        return (shape[0], shape[3])

    def call(self, x, ctx):
        return x.mean(dim=(2, 3))


class GlobalMaxPooling2D(GlobalAveragePooling2D):
    def call(self, x, ctx):
        return x.amax(dim=(2, 3))


class ZeroPadding2D(Layer):
    def __init__(self, padding=(1, 1), **kw):
        super().__init__(**kw)
        if isinstance(padding, int):
            padding = ((padding, padding), (padding, padding))
        elif isinstance(padding[0], int):
            padding = ((padding[0], padding[0]), (padding[1], padding[1]))
        self.p = tuple(tuple(p) for p in padding)

    def build(self, shape):
        (t, b), (l, r) = self.p
        grow = lambda n, a, c: None if n is None else n + a + c  # noqa: E731
        return (shape[0], grow(shape[1], t, b), grow(shape[2], l, r), shape[3])

    def call(self, x, ctx):
        (t, b), (l, r) = self.p
        return F.pad(x, (l, r, t, b))


class Flatten(Layer):
    def build(self, shape):
        return (shape[0], int(np.prod(shape[1:])))

    def call(self, x, ctx):
        return _to_keras(x).reshape(x.shape[0], -1)  # NHWC order, as Keras flattens


class Reshape(Layer):
    def __init__(self, target_shape, **kw):
        super().__init__(**kw)
        self.target = tuple(target_shape)

    def build(self, shape):
        return (shape[0],) + self.target

    def call(self, x, ctx):
        return _from_keras(_to_keras(x).reshape(x.shape[0], *self.target))


class Dropout(Layer):
    def __init__(self, rate, noise_shape=None, seed=None, **kw):
        super().__init__(**kw)
        self.rate = rate

    def call(self, x, ctx):
        return F.dropout(x, self.rate, training=ctx.get('dropout', False))


class Add(Layer):
    def build(self, shapes):
        return shapes[0]

    def call(self, xs, ctx):
        out = xs[0]
        for t in xs[1:]:
            out = out + t
        return out


class Concatenate(Layer):
    def __init__(self, axis=-1, **kw):
        super().__init__(**kw)
        self.caxis = axis

    def build(self, shapes):
        a = self.caxis % len(shapes[0])
        out = list(shapes[0])
        out[a] = sum(s[a] for s in shapes)
        return tuple(out)

    def call(self, xs, ctx):
        return torch.cat(xs, dim=_axis(self.caxis, xs[0].dim()))


class Lambda(Layer):
    """Runs its function on the NCHW tensors: right for elementwise functions only."""

    def __init__(self, function, output_shape=None, arguments=None, **kw):
        super().__init__(**kw)
        self.fn, self.out_shape, self.arguments = function, output_shape, arguments or {}

    def build(self, shapes):
        first = shapes[0] if isinstance(shapes, list) else shapes
        return (first[0],) + tuple(self.out_shape) if self.out_shape else first

    def call(self, x, ctx):
        return self.fn(x, **self.arguments)


def add(inputs, **kw):
    return Add(**kw)(inputs)


def concatenate(inputs, axis=-1, **kw):
    return Concatenate(axis=axis, **kw)(inputs)


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
layers = types.SimpleNamespace(**{k: v for k, v in dict(globals()).items() if isinstance(v, type) and issubclass(v, Layer)},
                               Input=Input, add=add, concatenate=concatenate)


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
