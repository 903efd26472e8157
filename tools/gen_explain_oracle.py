"""Oracle for `explain` (run by npm test: /usr/bin/python3 tools/gen_explain_oracle.py --out DIR).

Reads the seeded weights tools/gen_classify_oracle.py writes into DIR (alexnet_seeded.pth,
bvlc_alexnet_seeded.npy; generators run in name order, so it has run) and writes
DIR/explain/explain_oracle.json: per model and image, with the definitions of `explain`:

  Grad-CAM  A = the last convolution's ReLU output (torchvision features.11 through a forward
            hook and a tensor hook on its output; Caffe's relu5), y = the class's logit,
            alpha_k = mean over positions of dy/dA_k, map = ReLU(sum_k alpha_k A_k) / max
            (all zero stays zero); for the top class and the second most likely one.
  occlusion a patch x patch square set to 0 in the normalised input at rows and columns
            0, stride, ... up to size - patch; map = p(class | image) - p(class | occluded),
            softmax probabilities, for the top class.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torchvision
from torchvision import transforms

sys.path.insert(0, os.path.dirname(__file__))
from gen_classify_oracle import caffe_input, load_rgb  # noqa: E402
from torch_models import BvlcAlexNet  # noqa: E402

IMAGES = ["chelsea.png", "astronaut.png"]
PATCH, STRIDE = 32, 16
F = torch.nn.functional


def torchvision_model(out):
    m = torchvision.models.alexnet()
    m.load_state_dict(torch.load(os.path.join(out, "alexnet_seeded.pth")))
    m.eval()
    store = {}

    def hook(_module, _inputs, output):
        store["A"] = output
        if output.requires_grad:
            output.register_hook(lambda g: store.__setitem__("dA", g))

    m.features[11].register_forward_hook(hook)

    def run(x):
        return m(x), store

    tf = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
                             transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])])
    return run, m, lambda img: tf(img)


def bvlc_model(out):
    m = BvlcAlexNet()
    m.load_npy_dict(np.load(os.path.join(out, "bvlc_alexnet_seeded.npy"), allow_pickle=True).item())
    m.eval()

    def forward(x, store):
        pool = lambda t: F.max_pool2d(t, 3, 2, ceil_mode=True)  # noqa: E731
        x = pool(m.lrn(F.relu(m.conv1(x))))
        x = pool(m.lrn(F.relu(m.conv2(x))))
        x = F.relu(m.conv3(x))
        x = F.relu(m.conv4(x))
        a = F.relu(m.conv5(x))  # Caffe's relu5
        if store is not None and a.requires_grad:
            store["A"] = a
            a.register_hook(lambda g: store.__setitem__("dA", g))
        x = pool(a)
        x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)
        return m.fc8(F.relu(m.fc7(F.relu(m.fc6(x)))))

    def run(x):
        store = {}
        return forward(x, store), store

    return run, lambda x: forward(x, None), caffe_input


def gradcam(run, x, cls):
    logits, store = run(x[None].clone().requires_grad_(False))
    logits[0, cls].backward()
    a, da = store["A"][0].detach(), store["dA"][0]
    alpha = da.mean(dim=(1, 2))
    cam = F.relu((alpha[:, None, None] * a).sum(0))
    mx = cam.max()
    if mx > 0:
        cam = cam / mx
    return cam.tolist()


def occlusion(forward, x, cls):
    h, w = x.shape[1], x.shape[2]
    rows, cols = (h - PATCH) // STRIDE + 1, (w - PATCH) // STRIDE + 1
    with torch.no_grad():
        base = torch.softmax(forward(x[None]), 1)[0, cls].item()
        batch = []
        for i in range(rows):
            for j in range(cols):
                o = x.clone()
                o[:, i * STRIDE:i * STRIDE + PATCH, j * STRIDE:j * STRIDE + PATCH] = 0
                batch.append(o)
        p = torch.cat([torch.softmax(forward(b), 1)[:, cls] for b in torch.stack(batch).split(32)])
    return {"base": base, "shape": [rows, cols], "map": (base - p).reshape(rows, cols).tolist()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    out = ap.parse_args().out
    os.makedirs(os.path.join(out, "explain"), exist_ok=True)
    torch.set_num_threads(2)
    result = {"images": IMAGES, "patch": PATCH, "stride": STRIDE, "models": {}}
    tv_run, tv_forward, tv_input = torchvision_model(out)
    bv_run, bv_forward, bv_input = bvlc_model(out)
    setups = {
        "alexnet": ("alexnet_seeded.pth", "features.11", tv_run, tv_forward, tv_input),
        "bvlc_alexnet": ("bvlc_alexnet_seeded.npy", "relu5", bv_run, bv_forward, bv_input),
    }
    for name, (weights, layer, run, forward, make_input) in setups.items():
        per = []
        for image in IMAGES:
            x = make_input(load_rgb(image))
            with torch.no_grad():
                logits = forward(x[None])[0]
            order = torch.argsort(logits, descending=True).tolist()
            top, second = order[0], order[1]
            per.append({
                "image": image,
                "logits": logits.tolist(),
                "top": top,
                "second": second,
                "gradcam": {"layer": layer, "top": gradcam(run, x, top), "second": gradcam(run, x, second)},
                "occlusion": occlusion(forward, x, top),
            })
            print("%s %s: top %d, second %d" % (name, image, top, second))
        result["models"][name] = {"weights": weights, "layer": layer, "images": per}
    with open(os.path.join(out, "explain", "explain_oracle.json"), "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
