"""PyTorch twins of our models, for oracle fixtures (run with /usr/bin/python3).

alexnet_v2 follows TF-slim's research/slim/nets/alexnet.py exactly as
src/models/alexnet_v2.ts does: NHWC input, HWIO weights named
alexnet_v2/<layer>/weights, SAME padding as TensorFlow computes it.
"""
import math

import torch
import torch.nn.functional as F

from seeded import init_params

# (layer, filters, kernel, stride, padding, initializer family)
ALEXNET_V2_LAYERS = [
    ("conv1", 64, 11, 4, "VALID", "xavier"),
    ("pool1",),
    ("conv2", 192, 5, 1, "SAME", "xavier"),
    ("pool2",),
    ("conv3", 384, 3, 1, "SAME", "xavier"),
    ("conv4", 384, 3, 1, "SAME", "xavier"),
    ("conv5", 256, 3, 1, "SAME", "xavier"),
    ("pool5",),
    ("fc6", 4096, 5, 1, "VALID", "trunc"),
    ("fc7", 4096, 1, 1, "SAME", "trunc"),
    ("fc8", None, 1, 1, "SAME", "trunc"),
]


def alexnet_v2_specs(num_classes=1000, scope="alexnet_v2"):
    """Parameter specs in the order the TypeScript model declares them."""
    specs = []
    cin = 3
    for layer in ALEXNET_V2_LAYERS:
        if len(layer) == 1:
            continue
        name, filters, k, _, _, family = layer
        if filters is None:
            if not num_classes:
                break
            filters = num_classes
        if family == "xavier":
            init = {"kind": "glorot_uniform", "fanIn": k * k * cin, "fanOut": k * k * filters}
        else:
            init = {"kind": "truncated_normal", "mean": 0.0, "stddev": 0.005}
        bias = 0.0 if name == "fc8" else 0.1
        specs.append({"name": "%s/%s/weights" % (scope, name), "shape": [k, k, cin, filters], "init": init})
        specs.append({"name": "%s/%s/biases" % (scope, name), "shape": [filters], "init": {"kind": "constant", "value": bias}})
        cin = filters
    return specs


def alexnet_v2_params(seed, num_classes=1000, requires_grad=False):
    arrays = init_params(alexnet_v2_specs(num_classes), seed)
    return {k: torch.tensor(v, requires_grad=requires_grad) for k, v in arrays.items()}


def _same_pads(size, k, s):
    out = math.ceil(size / s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def alexnet_v2_forward(params, x_nhwc, num_classes=1000, spatial_squeeze=True, global_pool=False,
                       is_training=False, keep_prob=0.5, scope="alexnet_v2"):
    """Returns (net, end_points) like slim; net is NHWC (or squeezed [N, classes])."""
    x = x_nhwc.permute(0, 3, 1, 2)
    end_points = {}
    for layer in ALEXNET_V2_LAYERS:
        name = layer[0]
        if len(layer) == 1:
            x = F.max_pool2d(x, 3, 2)
            end_points["%s/%s" % (scope, name)] = x
            continue
        _, filters, k, s, padding, _ = layer
        if name == "fc8":
            if not num_classes:
                break
            if global_pool:
                x = x.mean(dim=(2, 3), keepdim=True)
                end_points["global_pool"] = x
            if is_training:
                x = F.dropout(x, 1 - keep_prob, True)
        w = params["%s/%s/weights" % (scope, name)].permute(3, 2, 0, 1)
        b = params["%s/%s/biases" % (scope, name)]
        if padding == "SAME":
            pt, pb = _same_pads(x.shape[2], k, s)
            pl, pr = _same_pads(x.shape[3], k, s)
            x = F.pad(x, (pl, pr, pt, pb))
        x = F.conv2d(x, w, b, stride=s)
        if name != "fc8":
            x = F.relu(x)
        if name == "fc6" and is_training:
            x = F.dropout(x, 1 - keep_prob, True)
        end_points["%s/%s" % (scope, name)] = x
    if global_pool and not num_classes:
        x = x.mean(dim=(2, 3), keepdim=True)
        end_points["global_pool"] = x
    x = x.permute(0, 2, 3, 1)
    if num_classes and spatial_squeeze:
        x = x.squeeze(2).squeeze(1)
    return x, end_points


class BvlcAlexNet(torch.nn.Module):
    """Caffe's bvlc_alexnet (deploy.prototxt) in PyTorch: groups, LRN, ceil-mode pools.

    Weights load from a kratzert-style dict {layer: [W, b]} with conv W in HWIO and fc W
    as [in, out], fc6's rows in (H, W, C) order.
    """

    def __init__(self, num_classes=1000):
        super().__init__()
        nn = torch.nn
        self.conv1 = nn.Conv2d(3, 96, 11, 4)
        self.conv2 = nn.Conv2d(96, 256, 5, padding=2, groups=2)
        self.conv3 = nn.Conv2d(256, 384, 3, padding=1)
        self.conv4 = nn.Conv2d(384, 384, 3, padding=1, groups=2)
        self.conv5 = nn.Conv2d(384, 256, 3, padding=1, groups=2)
        self.fc6 = nn.Linear(9216, 4096)
        self.fc7 = nn.Linear(4096, 4096)
        self.fc8 = nn.Linear(4096, num_classes)
        self.lrn = nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0)

    def forward(self, x):
        pool = lambda t: F.max_pool2d(t, 3, 2, ceil_mode=True)  # noqa: E731
        x = pool(self.lrn(F.relu(self.conv1(x))))
        x = pool(self.lrn(F.relu(self.conv2(x))))
        x = F.relu(self.conv3(x))
        x = F.relu(self.conv4(x))
        x = pool(F.relu(self.conv5(x)))
        x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)  # (H, W, C) rows, as the .npy's fc6
        x = F.relu(self.fc6(x))
        x = F.relu(self.fc7(x))
        return self.fc8(x)

    def load_npy_dict(self, d):
        for name in ("conv1", "conv2", "conv3", "conv4", "conv5"):
            w, b = d[name]
            getattr(self, name).weight.data = torch.tensor(w).permute(3, 2, 0, 1).contiguous()
            getattr(self, name).bias.data = torch.tensor(b)
        for name in ("fc6", "fc7", "fc8"):
            w, b = d[name]
            getattr(self, name).weight.data = torch.tensor(w).t().contiguous()
            getattr(self, name).bias.data = torch.tensor(b)
