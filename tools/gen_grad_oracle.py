"""PyTorch oracle for the training graph (src/train/train_graph.ts): two SGD (or AdamW) steps.

Run by `npm test` (tools/run-tests.mjs) as: /usr/bin/python3 tools/gen_grad_oracle.py --out DIR

For each case, a model with seeded weights (tools/seeded.py, bit-identical to
src/nn/init.ts) takes two steps of torch.optim.SGD (momentum 0.9, weight decay
0.0005 on regularised weights only, dampening 0) on two seeded batches, with
dropout off. The second step is where momentum matters. Written to DIR:

  grad_oracle.json          per case: settings, labels, per-step loss / xent /
                            correct / grad norm / per-parameter squared norms,
                            and where each tensor lies in the .bin file
  grad_oracle_<case>.bin    float32 little-endian, three sections, each holding
                            every trainable tensor in the model's own layout:
                            weights after step 1 (w1), momentum buffers after
                            step 1 (buf1), weights after step 2 (w2)

The test checks step 1 from the seeded weights against w1 and buf1, then restores
w1 and buf1 and checks step 2 against w2, so both sides take step 2 from the same
point. (Continuing from its own step-1 weights instead, which differ from w1 in the
last bits, the trajectories part wherever a ReLU or max-pool decision sits within
float32 rounding of a tie: measured on bvlc_alexnet, where float32 PyTorch and ours
both differ from float64 by 8e-4 in conv1's bias gradient at one point, and the
last-bit difference in w1 sent the two runs to different sides of it.)

The reported loss is slim's total loss: mean cross-entropy + wd/2 * sum(w^2) over
all regularised weights (trainable or not), before the step. The gradient is of
the cross-entropy only; SGD's weight_decay adds wd*w, which is the L2 term's
gradient.

Models are looked up in MODELS: a model entry gives its parameter specs (name,
shape, init, in the order src/models/<model>.ts declares them), a forward function
on a dict of torch tensors, the input shape and which parameters are regularised.
alexnet_v2's forward is tools/torch_models.py's; torchvision's alexnet and BVLC
AlexNet are written functionally below (the alexnet one is checked against
torchvision.models.alexnet at start-up). alexnet runs at 256x256, where its
features are 7x7 and the adaptive 6x6 average pool is the MatMul form.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from seeded import generate, init_params  # noqa: E402
from torch_models import alexnet_v2_forward, alexnet_v2_specs  # noqa: E402

WEIGHT_SEED = 0
# lr is large enough that every tensor moves well beyond the test's 1e-4 tolerance
# (at 0.02, conv1's biases moved by only 4e-4 of their largest value).
SGD = {"lr": 0.1, "momentum": 0.9, "weightDecay": 0.0005, "steps": 2}


def alexnet_v2_model(num_classes):
    def forward(params, x):
        y, _ = alexnet_v2_forward(params, x, num_classes=num_classes, is_training=False)
        return y

    return {
        "specs": alexnet_v2_specs(num_classes),
        "forward": forward,
        "input": lambda batch, h, w: [batch, h, w, 3],  # NHWC
        "size": [224, 224],
        # slim regularises conv weights, not biases
        "regularized": lambda name: name.endswith("/weights"),
    }


def _conv_spec(name, shape, init):
    return {"name": name, "shape": shape, "init": init}


def alexnet_model(num_classes):
    """torchvision's AlexNet; parameters and inits as src/models/alexnet.ts declares them."""
    specs = []

    def layer(prefix, wshape, fan_in):
        lim = 1 / math.sqrt(fan_in)  # PyTorch's default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
        init = {"kind": "uniform", "low": -lim, "high": lim}
        specs.append(_conv_spec(prefix + ".weight", wshape, init))
        specs.append(_conv_spec(prefix + ".bias", [wshape[0]], init))

    for i, cin, cout, k in [(0, 3, 64, 11), (3, 64, 192, 5), (6, 192, 384, 3), (8, 384, 256, 3), (10, 256, 256, 3)]:
        layer("features.%d" % i, [cout, cin, k, k], cin * k * k)
    for i, fin, fout in [(1, 9216, 4096), (4, 4096, 4096), (6, 4096, num_classes)]:
        layer("classifier.%d" % i, [fout, fin], fin)

    def forward(p, x):
        c = lambda t, i, s, pad: F.relu(F.conv2d(t, p["features.%d.weight" % i], p["features.%d.bias" % i], stride=s, padding=pad))  # noqa: E731
        x = F.max_pool2d(c(x, 0, 4, 2), 3, 2)
        x = F.max_pool2d(c(x, 3, 1, 2), 3, 2)
        x = F.max_pool2d(c(c(c(x, 6, 1, 1), 8, 1, 1), 10, 1, 1), 3, 2)
        x = torch.flatten(F.adaptive_avg_pool2d(x, (6, 6)), 1)
        x = F.relu(F.linear(x, p["classifier.1.weight"], p["classifier.1.bias"]))
        x = F.relu(F.linear(x, p["classifier.4.weight"], p["classifier.4.bias"]))
        return F.linear(x, p["classifier.6.weight"], p["classifier.6.bias"])

    return {
        "specs": specs,
        "forward": forward,
        "input": lambda batch, h, w: [batch, 3, h, w],  # NCHW
        "size": [256, 256],
        "regularized": lambda name: name.endswith(".weight"),
        "check": _check_against_torchvision,
    }


def _check_against_torchvision(model, params, x):
    """The functional forward above is torchvision's AlexNet (eval mode: dropout off)."""
    import torchvision

    tv = torchvision.models.alexnet(num_classes=params["classifier.6.bias"].shape[0]).eval()
    tv.load_state_dict({k: v.detach() for k, v in params.items()})
    with torch.no_grad():
        a, b = tv(x), model["forward"](params, x)
    if not torch.allclose(a, b, rtol=1e-5, atol=1e-5 * float(a.abs().max())):
        raise SystemExit("alexnet: the functional forward differs from torchvision's by %g" % float((a - b).abs().max()))


def bvlc_alexnet_model(num_classes):
    """Caffe's bvlc_alexnet as src/models/bvlc_alexnet.ts builds it: HWIO convs with groups,
    LRN, ceil-mode pools, fc weights [in, out] with fc6's rows in (H, W, C) order."""
    specs = []
    normal = lambda std: {"kind": "normal", "mean": 0.0, "stddev": std}  # noqa: E731
    const = lambda v: {"kind": "constant", "value": v}  # noqa: E731
    for name, k, cin, cout, b in [("conv1", 11, 3, 96, 0.0), ("conv2", 5, 48, 256, 0.1), ("conv3", 3, 256, 384, 0.0),
                                  ("conv4", 3, 192, 384, 0.1), ("conv5", 3, 192, 256, 0.1)]:
        specs.append(_conv_spec(name + "/weights", [k, k, cin, cout], normal(0.01)))
        specs.append(_conv_spec(name + "/biases", [cout], const(b)))
    for name, fin, fout, std, b in [("fc6", 9216, 4096, 0.005, 0.1), ("fc7", 4096, 4096, 0.005, 0.1), ("fc8", 4096, num_classes, 0.01, 0.0)]:
        specs.append(_conv_spec(name + "/weights", [fin, fout], normal(std)))
        specs.append(_conv_spec(name + "/biases", [fout], const(b)))

    def forward(p, x):
        def conv(t, name, stride=1, pad=0, groups=1):
            w = p[name + "/weights"].permute(3, 2, 0, 1)  # HWIO -> OIHW
            return F.relu(F.conv2d(t, w, p[name + "/biases"], stride=stride, padding=pad, groups=groups))

        lrn = lambda t: F.local_response_norm(t, 5, alpha=1e-4, beta=0.75, k=1.0)  # noqa: E731
        pool = lambda t: F.max_pool2d(t, 3, 2, ceil_mode=True)  # noqa: E731
        x = pool(lrn(conv(x, "conv1", 4)))
        x = pool(lrn(conv(x, "conv2", 1, 2, 2)))
        x = pool(conv(conv(conv(x, "conv3", 1, 1), "conv4", 1, 1, 2), "conv5", 1, 1, 2))
        x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)
        x = F.relu(x @ p["fc6/weights"] + p["fc6/biases"])
        x = F.relu(x @ p["fc7/weights"] + p["fc7/biases"])
        return x @ p["fc8/weights"] + p["fc8/biases"]

    return {
        "specs": specs,
        "forward": forward,
        "input": lambda batch, h, w: [batch, 3, h, w],  # NCHW
        "size": [227, 227],
        "regularized": lambda name: name.endswith("/weights"),
    }


MODELS = {"alexnet_v2": alexnet_v2_model, "alexnet": alexnet_model, "bvlc_alexnet": bvlc_alexnet_model}

CASES = [
    {"name": "alexnet_v2_all", "model": "alexnet_v2", "classes": 1000, "batch": 4, "trainable": None},
    {
        "name": "alexnet_v2_fc8_fc7",
        "model": "alexnet_v2",
        "classes": 1000,
        "batch": 4,
        "trainable": ["alexnet_v2/fc8/weights", "alexnet_v2/fc8/biases", "alexnet_v2/fc7/weights", "alexnet_v2/fc7/biases"],
    },
    {"name": "alexnet_all", "model": "alexnet", "classes": 1000, "batch": 4, "trainable": None},
    # torch.optim.AdamW (betas 0.9, 0.999), decoupled decay 0.05 on weights only; "buf1"
    # holds exp_avg and "sq1" exp_avg_sq after step 1. eps is 1e-3, not the default 1e-8:
    # Adam's first step is lr * g / (|g| + eps), so for |g| near eps the update swings with
    # the last bits of g. With eps 1e-8, float32 PyTorch and ORT, whose gradients differ
    # by rounding, gave fc7 updates 1e-1 of the largest apart at such elements (and lr 1e-3
    # took the loss from 6.9 to 72 in one step); 1e-3 is above the gradients' rounding
    # noise, so the comparison checks the arithmetic, not that noise.
    {"name": "alexnet_v2_adamw", "model": "alexnet_v2", "classes": 1000, "batch": 4, "trainable": None, "optimizer": "adamw", "lr": 1e-4, "weightDecay": 0.05, "eps": 1e-3},
    # CrossEntropyLoss(label_smoothing=0.1); fc8 and fc7 only, which is all the loss changes
    {
        "name": "alexnet_v2_fc8_fc7_smoothing",
        "model": "alexnet_v2",
        "classes": 1000,
        "batch": 4,
        "trainable": ["alexnet_v2/fc8/weights", "alexnet_v2/fc8/biases", "alexnet_v2/fc7/weights", "alexnet_v2/fc7/biases"],
        "labelSmoothing": 0.1,
    },
    # Caffe's solver base_lr. At 0.1 the first step raised bvlc's loss (6.90 -> 7.01), and at
    # the point it reached, conv1-3's gradients come out of so much cancellation that float32
    # PyTorch itself differs from float64 by 3e-4 there: no float32 oracle at all.
    {"name": "bvlc_alexnet_all", "model": "bvlc_alexnet", "classes": 1000, "batch": 4, "trainable": None, "lr": 0.01},
]


def batch_of(model, case, step):
    """Images uniform in [-1, 1] (inception preprocessing's range) and labels, both seeded."""
    h, w = model["size"]
    shape = model["input"](case["batch"], h, w)
    n = int(np.prod(shape))
    images = generate({"kind": "uniform", "low": -1.0, "high": 1.0}, n, 100 + step, "images").reshape(shape)
    u = generate({"kind": "uniform", "low": 0.0, "high": 1.0}, case["batch"], 200 + step, "labels").astype(np.float64)
    labels = np.floor(u * case["classes"]).astype(np.int64)
    return images, labels


_INIT_CACHE = {}


def run_case(case, out_dir):
    model = MODELS[case["model"]](case["classes"])
    specs = model["specs"]
    names = [s["name"] for s in specs]
    key = (case["model"], case["classes"])
    if key not in _INIT_CACHE:  # seeded init of 50M parameters takes ~20 s in numpy
        _INIT_CACHE[key] = init_params(specs, WEIGHT_SEED)
    arrays = _INIT_CACHE[key]
    trainable = case["trainable"] or names
    unknown = set(trainable) - set(names)
    if unknown:
        raise SystemExit("%s: unknown parameters %s" % (case["name"], sorted(unknown)))
    params = {n: torch.tensor(arrays[n].copy(), requires_grad=n in trainable) for n in names}
    if "check" in model:
        model["check"](model, params, torch.tensor(batch_of(model, case, 0)[0]))
    train = [n for n in names if n in trainable]  # the TypeScript order: graph parameter order
    reg = [params[n] for n in train if model["regularized"](n)]
    noreg = [params[n] for n in train if not model["regularized"](n)]
    wd = case.get("weightDecay", SGD["weightDecay"])
    groups = [{"params": reg, "weight_decay": wd}]
    if noreg:
        groups.append({"params": noreg, "weight_decay": 0.0})
    adamw = case.get("optimizer") == "adamw"
    sgd = {**SGD, "lr": case.get("lr", SGD["lr"]), "weightDecay": wd, "optimizer": case.get("optimizer", "sgd")}
    if adamw:
        sgd["momentum"] = 0
        sgd["eps"] = case["eps"]
        opt = torch.optim.AdamW(groups, lr=sgd["lr"], betas=(0.9, 0.999), eps=case["eps"])
    else:
        opt = torch.optim.SGD(groups, lr=sgd["lr"], momentum=SGD["momentum"], dampening=0, nesterov=False)

    steps = []
    snapshots = {}
    for k in range(SGD["steps"]):
        images, labels = batch_of(model, case, k)
        opt.zero_grad(set_to_none=True)
        logits = model["forward"](params, torch.tensor(images))
        lab = torch.tensor(labels)
        xent = F.cross_entropy(logits, lab, label_smoothing=case.get("labelSmoothing", 0.0))
        with torch.no_grad():
            l2 = sum(float((params[n].double() ** 2).sum()) for n in names if model["regularized"](n))
            correct = int((logits.argmax(dim=1) == lab).sum())
        xent.backward()
        grad_sq = {n: float((params[n].grad.double() ** 2).sum()) for n in train}
        opt.step()
        weight_sq = {n: float((params[n].detach().double() ** 2).sum()) for n in train}
        if k == 0:
            snapshots["w1"] = [params[n].detach().numpy().copy() for n in train]
            first = "exp_avg" if adamw else "momentum_buffer"
            snapshots["buf1"] = [opt.state[params[n]][first].detach().numpy().copy() for n in train]
            if adamw:
                snapshots["sq1"] = [opt.state[params[n]]["exp_avg_sq"].detach().numpy().copy() for n in train]
        steps.append({
            "labels": [int(v) for v in labels],
            "imageSum": float(images.astype(np.float64).sum()),
            "xent": float(xent),
            "loss": float(xent) if adamw else float(xent) + wd / 2 * l2,  # AdamW's decay is no loss term
            "correct": correct,
            "gradNorm": math.sqrt(sum(grad_sq.values())),
            "paramGradSq": grad_sq,
            "paramWeightSq": weight_sq,
        })

    snapshots["w2"] = [params[n].detach().numpy() for n in train]
    bin_name = "grad_oracle_%s.bin" % case["name"]
    tensors = [{"name": n, "shape": list(params[n].shape)} for n in train]
    offset = 0
    with open(os.path.join(out_dir, bin_name), "wb") as f:
        for section in ("w1", "buf1", "sq1", "w2") if adamw else ("w1", "buf1", "w2"):
            for t, a in zip(tensors, snapshots[section]):
                f.write(np.ascontiguousarray(a, dtype="<f4").tobytes())
                t[section] = offset
                offset += a.size
    return {**case, "size": model["size"], "trainable": train, "weightSeed": WEIGHT_SEED, "sgd": sgd, "steps": steps, "bin": bin_name, "tensors": tensors}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(2)
    os.makedirs(args.out, exist_ok=True)
    cases = [run_case(c, args.out) for c in CASES]
    with open(os.path.join(args.out, "grad_oracle.json"), "w") as f:
        json.dump({"cases": cases}, f)
    for c in cases:
        print("grad oracle %s: xent %s" % (c["name"], ", ".join("%.5f" % s["xent"] for s in c["steps"])))


if __name__ == "__main__":
    main()
