"""Oracle for `classify` parity (run by npm test: /usr/bin/python3 tools/gen_classify_oracle.py --out DIR).

Writes, into DIR:
  alexnet_seeded.pth          torchvision AlexNet with seeded, scaled weights (torch.save, zip format)
  bvlc_alexnet_seeded.npy     a kratzert-style {layer: [W, b]} dict (np.save, Python 3 pickle)
  bvlcalexnet_seeded.onnx     the same Caffe weights as the ONNX model zoo's bvlcalexnet-12.onnx holds them:
                              initializers conv1_w_0 (OIHW) ... fc6_w_0 [4096, 9216] over Caffe's (C, H, W)
  classify_oracle.json        per model and image: torch's probabilities (all 1000) with the
                              reference preprocessing (torchvision transforms; Caffe protocol with PIL)

The weights are scaled so the logits spread (a peaked softmax) and the top-1 means something.
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
from torch_models import BvlcAlexNet  # noqa: E402

IMAGES = ["chelsea.png", "coffee.png", "rocket.jpg", "astronaut.png"]
HERE = os.path.dirname(os.path.abspath(__file__))
IMAGE_DIR = os.path.join(HERE, "..", "test", "fixtures", "images")


def scaled_init(model, seed, x, logit_std=6.0):
    """He-normal weights (variance-preserving through ReLUs) and small random biases; then
    the last layer is rescaled so the logits on the test images have standard deviation
    logit_std: a softmax peaked enough for top-1 to mean something, not saturated at 1."""
    g = torch.Generator().manual_seed(seed)
    mods = [m for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    for m in mods:
        fan_in = m.weight[0].numel()
        m.weight.data = torch.randn(m.weight.shape, generator=g) * (2.0 / fan_in) ** 0.5
        m.bias.data = torch.randn(m.bias.shape, generator=g) * 0.1
    with torch.no_grad():
        scale = logit_std / model(x).std().item()
    mods[-1].weight.data *= scale
    mods[-1].bias.data *= scale


def load_rgb(name):
    with open(os.path.join(IMAGE_DIR, name), "rb") as f:
        return Image.open(f).convert("RGB")


def caffe_input(img):
    """BVLC protocol: 256x256 (aspect not kept, bilinear), centre 227 (offset 14), BGR, minus mean."""
    a = np.asarray(img.resize((256, 256), Image.BILINEAR), dtype=np.float32)[14:241, 14:241]
    a = a[:, :, ::-1] - np.array([104.0, 117.0, 123.0], dtype=np.float32)
    return torch.tensor(np.ascontiguousarray(a.transpose(2, 0, 1)))


class ZooAlexNet(torch.nn.Module):
    """bvlc_alexnet with Caffe's blob names and layouts, as the ONNX model zoo exports it."""

    def __init__(self, d):
        super().__init__()
        P = torch.nn.Parameter
        for name in ("conv1", "conv2", "conv3", "conv4", "conv5"):
            w, b = d[name]
            setattr(self, name + "_w_0", P(torch.tensor(w).permute(3, 2, 0, 1).contiguous()))
            setattr(self, name + "_b_0", P(torch.tensor(b)))
        w6, b6 = d["fc6"]  # rows (H, W, C) -> Caffe's [out, (C, H, W)]
        self.fc6_w_0 = P(torch.tensor(w6).reshape(6, 6, 256, -1).permute(3, 2, 0, 1).reshape(-1, 9216).contiguous())
        self.fc6_b_0 = P(torch.tensor(b6))
        for name in ("fc7", "fc8"):
            w, b = d[name]
            setattr(self, name + "_w_0", P(torch.tensor(w).t().contiguous()))
            setattr(self, name + "_b_0", P(torch.tensor(b)))
        self.lrn = torch.nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0)

    def forward(self, x):
        F = torch.nn.functional
        pool = lambda t: F.max_pool2d(t, 3, 2, ceil_mode=True)  # noqa: E731
        x = pool(self.lrn(F.relu(F.conv2d(x, self.conv1_w_0, self.conv1_b_0, stride=4))))
        x = pool(self.lrn(F.relu(F.conv2d(x, self.conv2_w_0, self.conv2_b_0, padding=2, groups=2))))
        x = F.relu(F.conv2d(x, self.conv3_w_0, self.conv3_b_0, padding=1))
        x = F.relu(F.conv2d(x, self.conv4_w_0, self.conv4_b_0, padding=1, groups=2))
        x = pool(F.relu(F.conv2d(x, self.conv5_w_0, self.conv5_b_0, padding=1, groups=2)))
        x = torch.flatten(x, 1)
        x = F.relu(F.linear(x, self.fc6_w_0, self.fc6_b_0))
        x = F.relu(F.linear(x, self.fc7_w_0, self.fc7_b_0))
        return torch.softmax(F.linear(x, self.fc8_w_0, self.fc8_b_0), 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    out = ap.parse_args().out
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)
    result = {"images": IMAGES, "models": {}}

    tv = torchvision.models.alexnet()
    tv.eval()
    tf = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
                             transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])])
    x = torch.stack([tf(load_rgb(n)) for n in IMAGES])
    scaled_init(tv, 7, x)
    torch.save(tv.state_dict(), os.path.join(out, "alexnet_seeded.pth"))
    with torch.no_grad():
        result["models"]["alexnet"] = {"weights": "alexnet_seeded.pth",
                                       "probabilities": torch.softmax(tv(x), 1).tolist()}

    bv = BvlcAlexNet()
    bv.eval()
    x = torch.stack([caffe_input(load_rgb(n)) for n in IMAGES])
    scaled_init(bv, 4321, x)
    d = {}
    for name in ("conv1", "conv2", "conv3", "conv4", "conv5"):
        m = getattr(bv, name)
        d[name] = [m.weight.detach().permute(2, 3, 1, 0).contiguous().numpy(), m.bias.detach().numpy()]
    for name in ("fc6", "fc7", "fc8"):
        m = getattr(bv, name)
        d[name] = [m.weight.detach().t().contiguous().numpy(), m.bias.detach().numpy()]
    np.save(os.path.join(out, "bvlc_alexnet_seeded.npy"), d, allow_pickle=True)
    check = BvlcAlexNet()
    check.load_npy_dict(np.load(os.path.join(out, "bvlc_alexnet_seeded.npy"), allow_pickle=True).item())
    check.eval()
    with torch.no_grad():
        result["models"]["bvlc_alexnet"] = {"weights": "bvlc_alexnet_seeded.npy",
                                            "probabilities": torch.softmax(check(x), 1).tolist()}

    zoo = ZooAlexNet(d).eval()
    with torch.no_grad():
        zp = zoo(x)
        assert torch.allclose(zp, torch.tensor(result["models"]["bvlc_alexnet"]["probabilities"]), atol=1e-5)
        torch.onnx.export(zoo, x[:1], os.path.join(out, "bvlcalexnet_seeded.onnx"), input_names=["data_0"],
                          output_names=["prob_1"], opset_version=12)
    result["models"]["bvlc_alexnet"]["onnx"] = "bvlcalexnet_seeded.onnx"

    for k, v in result["models"].items():
        p = np.sort(np.array(v["probabilities"]), 1)
        print("%s: top-1 %s, max p %s, margin over the second %s" % (
            k, np.array(v["probabilities"]).argmax(1).tolist(), np.round(p[:, -1], 3).tolist(), np.round(p[:, -1] - p[:, -2], 3).tolist()))
    with open(os.path.join(out, "classify_oracle.json"), "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
