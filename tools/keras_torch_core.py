"""keras_torch's layers, part 1: Keras tensors, automatic names, the Layer base and the
layers with weights (Conv2D, DepthwiseConv2D, SeparableConv2D, BatchNormalization, Dense)
and activations, in PyTorch with Keras 2's semantics (see tools/keras_torch.py).
"""
import re

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
