"""keras_torch's layers, part 2: pooling, padding, reshaping, dropout and merges, in
PyTorch with Keras 2's semantics (see tools/keras_torch.py).
"""
import math

import numpy as np
import torch
import torch.nn.functional as F

from keras_torch_core import Layer, _axis, _from_keras, _out_size, _pair, _same_pads, _to_keras

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
