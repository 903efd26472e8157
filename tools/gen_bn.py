"""PyTorch oracle for batch normalisation in training mode (src/nn/norm.ts, src/grad/rules/norm.ts).

Run by `npm test` (tools/run-tests.mjs) as: /usr/bin/python3 tools/gen_bn.py --out DIR

Writes DIR/bn/bn_oracle.json, every tensor a flat list, computed in float64:

  layer   torch.nn.BatchNorm2d(3, eps=1e-5, momentum=0.1) in train mode on x [4, 3, 5, 5]
          with set weight, bias and running statistics; the loss sum(y * r) for a fixed r.
          y, dx, dweight, dbias, and the running mean and variance after the step
          (PyTorch updates running_var with the unbiased batch variance).
  model   test/nn/bn_model.ts's torch-style model (conv1 3x3 no bias, bn1, relu, 2x2
          max-pool, conv2 1x1 no bias, bn2, relu, flatten, fc) on a batch of 4 8x8 images
          in train mode, mean cross-entropy: the loss, every parameter's gradient and the
          running statistics after the forward pass.
  frozen  the same with conv1 and bn1 frozen as Keras freezes them (bn1 in eval mode:
          its running statistics normalise and stay as they are; no gradient for them):
          the gradients of conv2, bn2 and fc, and every running statistic after the step.
"""
import argparse
import json
import os

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def uniform(g, shape, low, high):
    return torch.rand(shape, generator=g) * (high - low) + low


def layer_case():
    g = torch.Generator().manual_seed(1)
    bn = torch.nn.BatchNorm2d(3, eps=1e-5, momentum=0.1)
    with torch.no_grad():
        bn.weight.copy_(uniform(g, [3], 0.5, 1.5))
        bn.bias.copy_(uniform(g, [3], -0.5, 0.5))
        bn.running_mean.copy_(uniform(g, [3], -0.3, 0.3))
        bn.running_var.copy_(uniform(g, [3], 0.5, 2.0))
    before = {k: flat(v) for k, v in [("weight", bn.weight), ("bias", bn.bias), ("running_mean", bn.running_mean), ("running_var", bn.running_var)]}
    x = (uniform(g, [4, 3, 5, 5], -2, 3)).requires_grad_(True)
    r = uniform(g, [4, 3, 5, 5], -1, 1)
    bn.train()
    y = bn(x)
    (y * r).sum().backward()
    return {
        "x": flat(x), "r": flat(r), **before,
        "y": flat(y), "dx": flat(x.grad), "dweight": flat(bn.weight.grad), "dbias": flat(bn.bias.grad),
        "next_running_mean": flat(bn.running_mean), "next_running_var": flat(bn.running_var),
    }


SPECS = [
    ("conv1.weight", [4, 3, 3, 3]), ("bn1.weight", [4]), ("bn1.bias", [4]), ("bn1.running_mean", [4]), ("bn1.running_var", [4]),
    ("conv2.weight", [6, 4, 1, 1]), ("bn2.weight", [6]), ("bn2.bias", [6]), ("bn2.running_mean", [6]), ("bn2.running_var", [6]),
    ("fc.weight", [5, 96]), ("fc.bias", [5]),
]


def model_params(g):
    p = {}
    for name, shape in SPECS:
        if name.endswith("running_var"):
            p[name] = uniform(g, shape, 0.5, 2.0)
        elif name.endswith("running_mean"):
            p[name] = uniform(g, shape, -0.3, 0.3)
        elif name.startswith("bn") and name.endswith("weight"):
            p[name] = uniform(g, shape, 0.5, 1.5)
        elif name.startswith("bn"):
            p[name] = uniform(g, shape, -0.5, 0.5)
        else:
            p[name] = uniform(g, shape, -0.5, 0.5)
    return p


def forward(p, x, bn1_training):
    y = F.conv2d(x, p["conv1.weight"], None, padding=1)
    y = F.batch_norm(y, p["bn1.running_mean"], p["bn1.running_var"], p["bn1.weight"], p["bn1.bias"], training=bn1_training, momentum=0.1, eps=1e-5)
    y = F.max_pool2d(F.relu(y), 2, 2)
    y = F.conv2d(y, p["conv2.weight"])
    y = F.batch_norm(y, p["bn2.running_mean"], p["bn2.running_var"], p["bn2.weight"], p["bn2.bias"], training=True, momentum=0.1, eps=1e-5)
    y = torch.flatten(F.relu(y), 1)
    return F.linear(y, p["fc.weight"], p["fc.bias"])


def model_case(frozen):
    g = torch.Generator().manual_seed(2)
    p = model_params(g)
    weights = {k: flat(v) for k, v in p.items()}
    x = uniform(g, [4, 3, 8, 8], -1, 1)
    labels = [0, 3, 1, 4]
    trainable = [n for n, _ in SPECS if "running" not in n and not (frozen and n.split(".")[0] in ("conv1", "bn1"))]
    for n in trainable:
        p[n].requires_grad_(True)
    loss = F.cross_entropy(forward(p, x, bn1_training=not frozen), torch.tensor(labels))
    loss.backward()
    return {
        "weights": weights, "x": flat(x), "labels": labels, "loss": float(loss),
        "grads": {n: flat(p[n].grad) for n in trainable},
        "running": {n: flat(p[n]) for n, _ in SPECS if "running" in n},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    out = os.path.join(args.out, "bn")
    os.makedirs(out, exist_ok=True)
    data = {"layer": layer_case(), "model": model_case(False), "frozen": model_case(True)}
    with open(os.path.join(out, "bn_oracle.json"), "w") as f:
        json.dump(data, f)


if __name__ == "__main__":
    main()
