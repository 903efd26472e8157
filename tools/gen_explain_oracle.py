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
  fcn       the fully convolutional form on the image preprocessed at the trained size + 160
            (384 for torchvision, 387 for Caffe): the convolutions to pool5, fc6 as a 6x6
            conv (its weight reshaped from the flatten order), fc7 and fc8 as 1x1 convs; the
            top class's logit at each of the 6x6 positions.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torchvision
from PIL import Image
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

    def conv_form(x):
        c = m.classifier
        y = F.relu(F.conv2d(m.features(x), c[1].weight.reshape(4096, 256, 6, 6), c[1].bias))
        y = F.relu(F.conv2d(y, c[4].weight[:, :, None, None], c[4].bias))
        return F.conv2d(y, c[6].weight[:, :, None, None], c[6].bias)

    def tf(size):
        return transforms.Compose([transforms.Resize(round(size * 256 / 224)), transforms.CenterCrop(size), transforms.ToTensor(),
                                   transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])])
    return run, m, tf(224), (conv_form, tf(384), 384)


def bvlc_model(out):
    m = BvlcAlexNet()
    m.load_npy_dict(np.load(os.path.join(out, "bvlc_alexnet_seeded.npy"), allow_pickle=True).item())
    m.eval()

    pool = lambda t: F.max_pool2d(t, 3, 2, ceil_mode=True)  # noqa: E731

    def forward(x, store):
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

    def conv_form(x):
        x = pool(m.lrn(F.relu(m.conv1(x))))
        x = pool(m.lrn(F.relu(m.conv2(x))))
        x = pool(F.relu(m.conv5(F.relu(m.conv4(F.relu(m.conv3(x)))))))
        w6 = m.fc6.weight.reshape(4096, 6, 6, 256).permute(0, 3, 1, 2)  # rows (H, W, C)
        y = F.relu(F.conv2d(x, w6, m.fc6.bias))
        y = F.relu(F.conv2d(y, m.fc7.weight[:, :, None, None], m.fc7.bias))
        return F.conv2d(y, m.fc8.weight[:, :, None, None], m.fc8.bias)

    def caffe_at(size):
        def make(img):
            r = round(size * 256 / 227)
            off = (r - size) // 2
            a = np.asarray(img.resize((r, r), Image.BILINEAR), dtype=np.float32)[off:off + size, off:off + size]
            a = a[:, :, ::-1] - np.array([104.0, 117.0, 123.0], dtype=np.float32)
            return torch.tensor(np.ascontiguousarray(a.transpose(2, 0, 1)))
        return make
    return run, lambda x: forward(x, None), caffe_input, (conv_form, caffe_at(387), 387)


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
    setups = {
        "alexnet": ("alexnet_seeded.pth", "features.11", *torchvision_model(out)),
        "bvlc_alexnet": ("bvlc_alexnet_seeded.npy", "relu5", *bvlc_model(out)),
    }
    for name, (weights, layer, run, forward, make_input, (conv_form, fcn_input, fcn_size)) in setups.items():
        per = []
        for image in IMAGES:
            x = make_input(load_rgb(image))
            with torch.no_grad():
                logits = forward(x[None])[0]
            order = torch.argsort(logits, descending=True).tolist()
            top, second = order[0], order[1]
            with torch.no_grad():
                fcn = conv_form(fcn_input(load_rgb(image))[None])[0, top]
            per.append({
                "image": image,
                "logits": logits.tolist(),
                "top": top,
                "second": second,
                "gradcam": {"layer": layer, "top": gradcam(run, x, top), "second": gradcam(run, x, second)},
                "occlusion": occlusion(forward, x, top),
                "fcn": {"size": [fcn_size, fcn_size], "map": fcn.tolist()},
            })
            print("%s %s: top %d, second %d" % (name, image, top, second))
        result["models"][name] = {"weights": weights, "layer": layer, "images": per}
    with open(os.path.join(out, "explain", "explain_oracle.json"), "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
