"""Golden logits of alexnet_v2 from PyTorch, for test/models/alexnet_v2_torch.test.ts.

Run: /usr/bin/python3 tools/make_alexnet_v2_fixture.py
Writes test/fixtures/models/alexnet_v2_logits.json. Weights and inputs come from the
seeded generator shared with src/nn/init.ts, so nothing large is committed.
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from seeded import generate  # noqa: E402
from torch_models import alexnet_v2_forward, alexnet_v2_params  # noqa: E402

CASES = [
    {"name": "default", "batch": 2, "size": [224, 224], "classes": 1000, "spatialSqueeze": True, "globalPool": False},
    {"name": "fully_convolutional", "batch": 1, "size": [300, 400], "classes": 10, "spatialSqueeze": False, "globalPool": False},
    {"name": "global_pool", "batch": 2, "size": [256, 256], "classes": 50, "spatialSqueeze": True, "globalPool": True},
    {"name": "features", "batch": 1, "size": [224, 224], "classes": 0, "spatialSqueeze": True, "globalPool": False},
]
WEIGHT_SEED = 0
INPUT_SEED = 1


def main():
    torch.set_num_threads(2)
    out = {"weightSeed": WEIGHT_SEED, "inputSeed": INPUT_SEED, "input": {"kind": "uniform", "low": 0, "high": 1, "name": "input"}, "cases": []}
    for c in CASES:
        params = alexnet_v2_params(WEIGHT_SEED, c["classes"])
        h, w = c["size"]
        n = c["batch"] * h * w * 3
        x = torch.tensor(generate({"kind": "uniform", "low": 0, "high": 1}, n, INPUT_SEED, "input").reshape(c["batch"], h, w, 3))
        with torch.no_grad():
            y, _ = alexnet_v2_forward(params, x, num_classes=c["classes"], spatial_squeeze=c["spatialSqueeze"], global_pool=c["globalPool"])
        y = y.numpy().astype(np.float32)
        if not c["classes"]:  # features: keep the first 64 channels only, to stay small
            y = y[..., :64]
        out["cases"].append({**c, "shape": list(y.shape), "values": [float(v) for v in y.reshape(-1)]})
    path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "models", "alexnet_v2_logits.json")
    with open(path, "w") as f:
        json.dump(out, f)
    print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()
