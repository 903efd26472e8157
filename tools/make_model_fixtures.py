"""Golden outputs of torchvision `alexnet` and Caffe `bvlc_alexnet` from PyTorch, on the
seeded weights of src/nn/init.ts (mirrored by tools/seeded.py), for
test/models/torch_parity.test.ts.

Run: /usr/bin/python3 tools/make_model_fixtures.py
Writes test/fixtures/models/{alexnet,bvlc_alexnet}_logits.json (10 classes, to stay small).
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torchvision

sys.path.insert(0, os.path.dirname(__file__))
from seeded import generate, init_params  # noqa: E402
from torch_models import BvlcAlexNet  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CLASSES = 10


def torch_default(name, shape, fan_in):
    b = 1 / math.sqrt(fan_in)
    return {"name": name, "shape": shape, "init": {"kind": "uniform", "low": -b, "high": b}}


def alexnet_specs(classes):
    specs = []
    for i, cin, cout, k in ((0, 3, 64, 11), (3, 64, 192, 5), (6, 192, 384, 3), (8, 384, 256, 3), (10, 256, 256, 3)):
        specs.append(torch_default("features.%d.weight" % i, [cout, cin, k, k], cin * k * k))
        specs.append(torch_default("features.%d.bias" % i, [cout], cin * k * k))
    for i, cin, cout in ((1, 9216, 4096), (4, 4096, 4096), (6, 4096, classes)):
        specs.append(torch_default("classifier.%d.weight" % i, [cout, cin], cin))
        specs.append(torch_default("classifier.%d.bias" % i, [cout], cin))
    return specs


def bvlc_specs(classes):
    specs = []
    for name, cin, cout, k, b in (("conv1", 3, 96, 11, 0), ("conv2", 48, 256, 5, 0.1), ("conv3", 256, 384, 3, 0),
                                  ("conv4", 192, 384, 3, 0.1), ("conv5", 192, 256, 3, 0.1)):
        specs.append({"name": name + "/weights", "shape": [k, k, cin, cout], "init": {"kind": "normal", "mean": 0, "stddev": 0.01}})
        specs.append({"name": name + "/biases", "shape": [cout], "init": {"kind": "constant", "value": b}})
    for name, cin, cout, std, b in (("fc6", 9216, 4096, 0.005, 0.1), ("fc7", 4096, 4096, 0.005, 0.1), ("fc8", 4096, classes, 0.01, 0)):
        specs.append({"name": name + "/weights", "shape": [cin, cout], "init": {"kind": "normal", "mean": 0, "stddev": std}})
        specs.append({"name": name + "/biases", "shape": [cout], "init": {"kind": "constant", "value": b}})
    return specs


def seeded_input(shape, seed, low, high):
    return torch.tensor(generate({"kind": "uniform", "low": low, "high": high}, int(np.prod(shape)), seed, "input").reshape(shape))


def main():
    torch.set_num_threads(2)
    # torchvision alexnet at 224, at an odd size (adaptive pooling as MatMuls) and at the minimum 63
    tv = torchvision.models.alexnet(num_classes=CLASSES).eval()
    tv.load_state_dict({k: torch.tensor(v) for k, v in init_params(alexnet_specs(CLASSES), 0).items()})
    cases = []
    for size, batch in (([224, 224], 2), ([100, 130], 1), ([63, 63], 1), ([256, 320], 1)):
        x = seeded_input([batch, 3] + size, 1, -2, 2)
        with torch.no_grad():
            y = tv(x)
        cases.append({"size": size, "batch": batch, "shape": list(y.shape), "values": [float(v) for v in y.reshape(-1)]})
    write("alexnet_logits.json", {"weightSeed": 0, "inputSeed": 1, "input": [-2, 2], "classes": CLASSES, "cases": cases})

    bv = BvlcAlexNet(CLASSES).eval()
    d = init_params(bvlc_specs(CLASSES), 0)
    bv.load_npy_dict({n: [d[n + "/weights"], d[n + "/biases"]] for n in ("conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8")})
    x = seeded_input([2, 3, 227, 227], 1, -120, 130)
    with torch.no_grad():
        y = bv(x)
    write("bvlc_alexnet_logits.json", {"weightSeed": 0, "inputSeed": 1, "input": [-120, 130], "classes": CLASSES,
                                       "cases": [{"size": [227, 227], "batch": 2, "shape": list(y.shape), "values": [float(v) for v in y.reshape(-1)]}]})


def write(name, obj):
    path = os.path.join(HERE, "..", "test", "fixtures", "models", name)
    with open(path, "w") as f:
        json.dump(obj, f)
    print("wrote", os.path.normpath(path), [c["values"][:2] for c in obj["cases"]])


if __name__ == "__main__":
    main()
