"""PyTorch oracle for the layer builders of src/nn (conv.ts, pool.ts, merge.ts, layers.ts).

Run by `npm test` (tools/run-tests.mjs) as: /usr/bin/python3 tools/gen_layers_oracle.py --out DIR

Writes DIR/layers/layers_oracle.json: per case, the inputs (NCHW) and parameters (in
the layout the builder declares: HWIO, HWIM, OIHW), a weighting R of the output, the
output y (NCHW, or [N, C] rows) and the gradients of L = sum(y * R) with respect to
every input and parameter, from torch autograd in float64 on the float32 values.
test/nn/layers_torch.test.ts builds the same case with the builders and compares the
forward pass and src/grad's gradients.

TensorFlow's SAME padding is written out here from TF's rule (total = max((ceil(n/s)-1)*s
+ k - n, 0), the extra pixel at the bottom/right), not taken from src/nn, and Keras's
`same` average pool divides by the count of real pixels in each window.
"""
import argparse
import json
import math
import os

import torch
import torch.nn.functional as F

torch.manual_seed(0)


def tf_same_pads(size, kernel, stride):
    """(top, bottom) or (left, right) of TF's SAME padding on one axis."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def same_pad(x, kernel, stride):
    """Zero-pad an NCHW tensor as TF's SAME does."""
    t, b = tf_same_pads(x.shape[2], kernel[0], stride[0])
    l, r = tf_same_pads(x.shape[3], kernel[1], stride[1])
    return F.pad(x, (l, r, t, b))


def hwio(w):
    return w.permute(3, 2, 0, 1)


def hwim(w):
    kh, kw, c, m = w.shape
    return w.reshape(kh, kw, 1, c * m).permute(3, 2, 0, 1)


def rnd(*shape, low=-1.0, high=1.0):
    return (torch.rand(*shape) * (high - low) + low).float()


# Each case: inputs (NCHW), params (builder layouts), forward(inputs, params) -> y.
def case_conv_same_odd():
    x = rnd(2, 3, 7, 9, low=-3.0, high=3.0)  # wide enough for relu6 to clip at both ends
    p = {"conv/kernel": rnd(4, 2, 3, 5), "conv/bias": rnd(5)}
    def fwd(i, q):
        y = F.conv2d(same_pad(i["x"], (4, 2), (2, 1)), hwio(q["conv/kernel"]), q["conv/bias"], stride=(2, 1))
        return F.relu6(y)
    return {"x": x}, p, fwd


def case_depthwise_hwim_zeropad():
    x = rnd(2, 4, 8, 8, low=-5.0, high=5.0)
    p = {"conv_dw/depthwise_kernel": rnd(3, 3, 4, 2)}
    def fwd(i, q):
        # keras_applications mobilenet.py _depthwise_conv_block: ZeroPadding2D(((0, 1), (0, 1))) before stride 2
        z = F.pad(i["x"], (0, 1, 0, 1))
        return F.relu6(F.conv2d(z, hwim(q["conv_dw/depthwise_kernel"]), None, stride=2, groups=4))
    return {"x": x}, p, fwd


def case_depthwise_oihw_pad1():
    x = rnd(1, 3, 9, 7)
    p = {"dw.weight": rnd(3, 1, 3, 3), "dw.bias": rnd(3)}
    def fwd(i, q):
        return F.conv2d(i["x"], q["dw.weight"], q["dw.bias"], stride=2, padding=1, groups=3)
    return {"x": x}, p, fwd


def case_separable_same():
    x = rnd(2, 4, 7, 6)
    p = {"sep/depthwise_kernel": rnd(3, 3, 4, 1), "sep/pointwise_kernel": rnd(1, 1, 4, 5), "sep/bias": rnd(5)}
    def fwd(i, q):
        d = F.conv2d(same_pad(i["x"], (3, 3), (2, 2)), hwim(q["sep/depthwise_kernel"]), None, stride=2, groups=4)
        return F.relu(F.conv2d(d, hwio(q["sep/pointwise_kernel"]), q["sep/bias"]))
    return {"x": x}, p, fwd


def keras_same_avg(x, kernel, stride):
    """Keras AveragePooling2D(padding='same'): the mean over the real pixels of each window."""
    s = F.avg_pool2d(same_pad(x, kernel, stride), kernel, stride, divisor_override=1)
    n = F.avg_pool2d(same_pad(torch.ones_like(x), kernel, stride), kernel, stride, divisor_override=1)
    return s / n


def case_avgpool_same_exclude():
    x = rnd(2, 3, 7, 9)
    return {"x": x}, {}, lambda i, q: keras_same_avg(i["x"], (3, 3), (2, 2))


def case_avgpool_same_stride1():
    x = rnd(1, 2, 6, 5)
    return {"x": x}, {}, lambda i, q: keras_same_avg(i["x"], (3, 3), (1, 1))


def case_avgpool_include_pad():
    x = rnd(2, 3, 7, 8)
    # torchvision inception.py InceptionA.forward: F.avg_pool2d(x, kernel_size=3, stride=1, padding=1)
    return {"x": x}, {}, lambda i, q: F.avg_pool2d(i["x"], 3, 1, 1)


def case_avgpool_exclude_pad_ceil():
    x = rnd(1, 2, 8, 7)
    return {"x": x}, {}, lambda i, q: F.avg_pool2d(i["x"], 3, 2, 1, ceil_mode=True, count_include_pad=False)


def case_global_avg_pool():
    x = rnd(2, 5, 4, 3)
    return {"x": x}, {}, lambda i, q: i["x"].mean(dim=(2, 3))


def case_add_scaled_relu():
    xs = {"a": rnd(2, 3, 4, 5), "b": rnd(2, 3, 4, 5)}
    # keras_applications inception_resnet_v2.py inception_resnet_block: x + scale * up, then relu
    return xs, {}, lambda i, q: F.relu(i["a"] + 0.17 * i["b"])


def case_add_three():
    xs = {"a": rnd(1, 2, 3, 3), "b": rnd(1, 2, 3, 3), "c": rnd(1, 2, 3, 3)}
    return xs, {}, lambda i, q: i["a"] + i["b"] + i["c"]


def case_concat():
    xs = {"a": rnd(2, 3, 4, 5), "b": rnd(2, 1, 4, 5), "c": rnd(2, 2, 4, 5)}
    return xs, {}, lambda i, q: torch.cat([i["a"], i["b"], i["c"]], dim=1)


def case_zero_pad():
    x = rnd(2, 3, 5, 4)
    return {"x": x}, {}, lambda i, q: F.pad(i["x"], (2, 0, 1, 3))  # top 1, left 2, bottom 3, right 0


def case_relu6():
    x = rnd(2, 3, 4, 5, low=-3.0, high=9.0)
    return {"x": x}, {}, lambda i, q: F.relu6(i["x"])


CASES = {name[len("case_"):]: f for name, f in sorted(globals().items()) if name.startswith("case_")}


def run(make):
    inputs, params, fwd = make()
    leaves = {k: v.double().requires_grad_() for k, v in {**inputs, **params}.items()}
    y = fwd({k: leaves[k] for k in inputs}, {k: leaves[k] for k in params})
    r = rnd(*y.shape).double()
    (y * r).sum().backward()
    t = lambda v: {"shape": list(v.shape), "data": [float(a) for a in v.detach().flatten().tolist()]}
    return {
        "inputs": {k: t(v) for k, v in inputs.items()},
        "params": {k: t(v) for k, v in params.items()},
        "R": t(r),
        "y": t(y),
        "grads": {k: t(v.grad) for k, v in leaves.items()},
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    out = os.path.join(args.out, "layers")
    os.makedirs(out, exist_ok=True)
    cases = {name: run(make) for name, make in CASES.items()}
    with open(os.path.join(out, "layers_oracle.json"), "w") as f:
        json.dump({"cases": cases}, f)
    print(f"gen_layers_oracle: {len(cases)} cases in {out}/layers_oracle.json")


if __name__ == "__main__":
    main()
