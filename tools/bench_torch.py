"""PyTorch side of `npm run bench` (run with /usr/bin/python3, 2 threads, OpenBLAS).

Prints one JSON object per line: {"task":..., "batch":..., "msPerImage":..., ...}.
Tasks:
  infer         alexnet_v2 forward at the given batches (fc layers as convolutions, as
                slim writes them, and as linear layers; the faster is reported)
  classify      torchvision alexnet on a folder: PIL decode, torchvision transforms, batches,
                softmax, top-5; end to end, one pass per request line on stdin (the
                number of DataLoader workers), so that the caller interleaves passes
  classify-one  one image, the whole job a cold process does (imports, torch.load of the
                .pth, transforms, forward); timed from outside by the caller
  save-alexnet  torch.save a torchvision alexnet state dict to --out (for classify-one)
  train         alexnet_v2 training steps at 224 (forward, cross-entropy, backward, SGD momentum
                0.9 with weight decay 0.0005 on weights, dropout 0.5), one line per layout: fc
                layers as convolutions (slim's) and as linear layers; ms per image and peak RSS
  fashion       torchvision alexnet from scratch on Fashion-MNIST at 64x64, the recipe of
                tools/bench/train.ts; validation on all of t10k after each epoch
  zoo           one model of the zoo (--model, --size, --layout), eval mode, no_grad: one
                forward per request line on stdin (the batch), replying {"ms": ...}, so that
                the caller interleaves its own runs (tools/bench/zoo.ts)
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from torch_models import alexnet_v2_forward, alexnet_v2_params  # noqa: E402


def timed(fn, min_seconds=3.0, min_iters=5, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < min_iters or time.perf_counter() - start < min_seconds:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2]


def alexnet_v2_linear(params, x_nhwc, keep_prob=None):
    """alexnet_v2 with fc6-fc8 as matrix products on NHWC rows (same arithmetic); with
    keep_prob, dropout after fc6 and fc7 as in training."""
    x = x_nhwc.permute(0, 3, 1, 2)
    s = "alexnet_v2"
    convs = [("conv1", 4, 0), ("pool",), ("conv2", 1, 2), ("pool",), ("conv3", 1, 1), ("conv4", 1, 1), ("conv5", 1, 1), ("pool",)]
    for c in convs:
        if c[0] == "pool":
            x = F.max_pool2d(x, 3, 2)
            continue
        name, stride, pad = c
        w = params["%s/%s/weights" % (s, name)].permute(3, 2, 0, 1)
        x = F.relu(F.conv2d(x, w, params["%s/%s/biases" % (s, name)], stride=stride, padding=pad))
    x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)
    for name, relu in (("fc6", True), ("fc7", True), ("fc8", False)):
        w = params["%s/%s/weights" % (s, name)]
        x = torch.addmm(params["%s/%s/biases" % (s, name)], x, w.reshape(-1, w.shape[-1]))
        if relu:
            x = F.relu(x)
            if keep_prob is not None:
                x = F.dropout(x, 1 - keep_prob, True)
    return x


def infer(batches, threads):
    params = alexnet_v2_params(0)
    # contiguous copies of the permuted views, so neither formulation pays for a permute
    for k in params:
        params[k] = params[k].contiguous()
    for batch in batches:
        x = torch.rand(batch, 224, 224, 3)
        best = None
        for variant, fn in (("conv", lambda: alexnet_v2_forward(params, x)), ("linear", lambda: alexnet_v2_linear(params, x))):
            with torch.no_grad():
                sec = timed(fn)
            if best is None or sec < best[1]:
                best = (variant, sec)
        ms = best[1] * 1000 / batch
        print(json.dumps({"task": "infer", "model": "alexnet_v2", "batch": batch, "threads": threads,
                          "variant": best[0], "msPerImage": ms, "imagesPerSec": 1000 / ms}), flush=True)


def peak_rss_mb():
    """This process's peak resident memory: VmHWM, not ru_maxrss, which Linux carries over
    exec from the process that forked this one (the bench, holding its own memory)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def tv_transform():
    from torchvision import transforms
    return transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
                               transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])])


class Folder(torch.utils.data.Dataset):
    def __init__(self, files):
        self.files, self.tf = files, tv_transform()

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        from PIL import Image
        with open(self.files[i], "rb") as f:
            return self.tf(Image.open(f).convert("RGB"))


def classify(folder, batch, threads):
    """One pass over the folder per request line on stdin ("0" or "2": DataLoader workers);
    replies {"workers": w, "seconds": s} per pass, so the caller can interleave our passes
    with these and both see the same machine (its speed here drifts by 1.5x over minutes)."""
    import torchvision
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder))
    model = torchvision.models.alexnet().eval()
    print(json.dumps({"task": "classify", "images": len(files), "batch": batch, "threads": threads, "ready": True}), flush=True)
    for line in sys.stdin:
        workers = int(line)
        t = time.perf_counter()
        loader = torch.utils.data.DataLoader(Folder(files), batch_size=batch, num_workers=workers)
        with torch.no_grad():
            for x in loader:
                torch.softmax(model(x), 1).topk(5)
        print(json.dumps({"workers": workers, "seconds": time.perf_counter() - t}), flush=True)


def classify_peak(folder, batch):
    """One pass over the folder as classify's DataLoader does it (no workers: the peak of a
    single process), then the process's peak RSS."""
    import torchvision
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder))
    model = torchvision.models.alexnet().eval()
    loader = torch.utils.data.DataLoader(Folder(files), batch_size=batch, num_workers=0)
    with torch.no_grad():
        for x in loader:
            torch.softmax(model(x), 1).topk(5)
    print(json.dumps({"task": "classify-peak", "images": len(files),
                      "peakRssMB": peak_rss_mb()}), flush=True)


def classify_one(weights, image):
    import torchvision
    from PIL import Image
    model = torchvision.models.alexnet()
    model.load_state_dict(torch.load(weights))
    model.eval()
    with open(image, "rb") as f:
        x = tv_transform()(Image.open(f).convert("RGB")).unsqueeze(0)
    with torch.no_grad():
        p = torch.softmax(model(x), 1)
    print(json.dumps({"top5": p.topk(5).indices[0].tolist()}))


def train_steps(batch, steps, threads):
    from torch_models import alexnet_v2_params
    params = {k: v.contiguous().requires_grad_(True) for k, v in alexnet_v2_params(0).items()}
    decay = [p for n, p in params.items() if n.endswith("/weights")]
    no_decay = [p for n, p in params.items() if n.endswith("/biases")]
    x = torch.rand(batch, 224, 224, 3) * 2 - 1
    labels = torch.tensor([(i * 37) % 1000 for i in range(batch)])

    for variant, fwd in (("conv", lambda p, x: alexnet_v2_forward(p, x, 1000, is_training=True, keep_prob=0.5)[0]),
                         ("linear", lambda p, x: alexnet_v2_linear(p, x, keep_prob=0.5))):
        opt = torch.optim.SGD([{"params": decay, "weight_decay": 0.0005}, {"params": no_decay, "weight_decay": 0.0}],
                              lr=0.001, momentum=0.9)

        def step():
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(fwd(params, x), labels).backward()
            opt.step()
        sec = timed(step, min_seconds=0, min_iters=steps, warmup=2)
        ms = sec * 1000 / batch
        print(json.dumps({"task": "train", "model": "alexnet_v2", "batch": batch, "threads": threads, "variant": variant,
                          "msPerImage": ms, "imagesPerSec": 1000 / ms,
                          "peakRssMB": peak_rss_mb()}), flush=True)


def read_idx(path):
    import gzip
    import numpy as np
    with gzip.open(path) as f:
        data = f.read()
    nd = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * nd).reshape(dims)


def fashion(a):
    """The time-to-accuracy recipe: see tools/bench/train.ts, which passes the same settings."""
    import math
    import numpy as np
    import torchvision
    from PIL import Image
    from torchvision import transforms
    torch.manual_seed(a.seed)
    d = a.folder
    train_x, train_y = read_idx(d + "/train-images-idx3-ubyte.gz"), read_idx(d + "/train-labels-idx1-ubyte.gz")
    test_x, test_y = read_idx(d + "/t10k-images-idx3-ubyte.gz"), read_idx(d + "/t10k-labels-idx1-ubyte.gz")
    norm = transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
    size = (a.size, a.size)
    train_tf = [transforms.Resize(size), transforms.RandomHorizontalFlip()] if a.flip else [transforms.Resize(size)]

    class Idx(torch.utils.data.Dataset):
        def __init__(self, x, y, tf):
            self.x, self.y, self.tf = x, y, transforms.Compose(tf + [transforms.ToTensor(), norm])

        def __len__(self):
            return len(self.y)

        def __getitem__(self, i):
            return self.tf(Image.fromarray(self.x[i], "L").convert("RGB")), int(self.y[i])

    n = len(train_y) if not a.limit else a.limit
    train_ds = Idx(train_x[:n], train_y[:n], train_tf)
    test_ds = Idx(test_x, test_y, [transforms.Resize(size)])
    loader = torch.utils.data.DataLoader(train_ds, batch_size=a.batch, shuffle=True, drop_last=True, num_workers=a.workers,
                                         persistent_workers=a.workers > 0)
    test_loader = torch.utils.data.DataLoader(test_ds, batch_size=256, num_workers=a.workers)
    model = torchvision.models.alexnet(num_classes=10)
    if a.init == "kaiming":
        # src/models/params.ts 'kaiming': torchvision's VGG/ResNet scheme (vgg.py _initialize_weights)
        for mod in model.modules():
            if isinstance(mod, torch.nn.Conv2d):
                torch.nn.init.kaiming_normal_(mod.weight, mode="fan_out", nonlinearity="relu")
                torch.nn.init.constant_(mod.bias, 0)
            elif isinstance(mod, torch.nn.Linear):
                torch.nn.init.normal_(mod.weight, 0, 0.01)
                torch.nn.init.constant_(mod.bias, 0)
    decay = [p for p in model.parameters() if p.dim() > 1]
    no_decay = [p for p in model.parameters() if p.dim() <= 1]
    groups = [{"params": decay, "weight_decay": a.wd}, {"params": no_decay, "weight_decay": 0.0}]
    if a.optimizer == "adamw":
        # src/optim/adamw.ts: torch.optim.AdamW, betas (0.9, 0.999), eps 1e-8
        opt = torch.optim.AdamW(groups, lr=a.lr)
    else:
        opt = torch.optim.SGD(groups, lr=a.lr, momentum=0.9, nesterov=a.nesterov)
    steps_per_epoch = len(loader)
    total = steps_per_epoch * a.epochs

    def factor(t):
        # src/optim/schedule.ts: cosine over all steps, times (t + 1) / W while t < W
        f = (1 + math.cos(math.pi * t / total)) / 2 if a.schedule == "cosine" else 1.0
        return f * (t + 1) / a.warmup if t < a.warmup else f
    sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
    # --interleave K: the caller runs its own training between our chunks of K steps
    # (tools/bench/train.ts), so that both sides see the same machine; "seconds" counts
    # only our own running time. Each chunk starts on a line from stdin and ends with one
    # JSON line: {"step": ..., "epochs": [epochs finished in the chunk], "done": ...}.
    finished = []
    clock = {"spent": 0.0, "since": None}

    def elapsed():
        return clock["spent"] + (time.perf_counter() - clock["since"])

    def pause(step, done=False):
        clock["spent"] = elapsed()
        print(json.dumps({"step": step, "epochs": finished[:], "done": done}), flush=True)
        finished.clear()
        if not done and not sys.stdin.readline():
            sys.exit(0)
        clock["since"] = time.perf_counter()

    if a.interleave:
        print(json.dumps({"task": "fashion", "ready": True}), flush=True)
        if not sys.stdin.readline():
            return
    clock["since"] = time.perf_counter()
    step = 0
    for epoch in range(a.epochs):
        model.train()
        loss_sum, seen = 0.0, 0
        for x, y in loader:
            loss = F.cross_entropy(model(x), y, label_smoothing=a.label_smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += float(loss) * len(y)
            seen += len(y)
            step += 1
            if a.interleave and step % a.interleave == 0:
                pause(step)
        model.eval()
        hits = 0
        with torch.no_grad():
            for x, y in test_loader:
                hits += int((model(x).argmax(1) == y).sum())
        record = {"task": "fashion", "epoch": epoch + 1, "seconds": elapsed(), "trainLoss": loss_sum / seen, "top1": hits / len(test_y)}
        if a.interleave:
            finished.append(record)
        else:
            print(json.dumps(record), flush=True)
    if a.interleave:
        pause(step, done=True)


# torchvision's own models for the torchvision names; torchvision 0.14 signatures
TORCHVISION_ZOO = {
    'alexnet': lambda tv: tv.alexnet(),
    'vgg16.torchvision': lambda tv: tv.vgg16(),
    'resnet50.torchvision': lambda tv: tv.resnet50(),
    # as for its published weights; init_weights=False skips scipy's truncated normal draws
    'inception_v3.torchvision': lambda tv: tv.inception_v3(aux_logits=True, transform_input=True, init_weights=False),
    'mobilenet_v2': lambda tv: tv.mobilenet_v2(),
    'squeezenet1_1': lambda tv: tv.squeezenet1_1(),
}


def zoo_model(name):
    """A callable on the model's input layout: torchvision's model, keras_applications' on
    tools/keras_torch.py, or the alexnet_v2 / bvlc_alexnet of tools/torch_models.py."""
    import torchvision
    from torch_models import BvlcAlexNet
    if name in TORCHVISION_ZOO:
        return TORCHVISION_ZOO[name](torchvision.models).eval()
    if name == 'bvlc_alexnet':
        return BvlcAlexNet().eval()
    if name == 'alexnet_v2':
        params = {k: v.contiguous() for k, v in alexnet_v2_params(0).items()}
        return lambda x: alexnet_v2_linear(params, x)
    import keras_torch as kt
    if name not in kt.ARCHS:
        raise SystemExit('bench_torch.py zoo: unknown model %s' % name)
    return kt.build(name).eval()


def zoo(name, size, layout, threads):
    model = zoo_model(name)
    inputs = {}
    print(json.dumps({"task": "zoo", "model": name, "threads": threads, "ready": True}), flush=True)
    for line in sys.stdin:
        batch = int(line)
        if batch not in inputs:
            inputs[batch] = torch.rand(batch, size, size, 3) if layout == 'NHWC' else torch.rand(batch, 3, size, size)
        t = time.perf_counter()
        with torch.no_grad():
            model(inputs[batch])
        print(json.dumps({"batch": batch, "ms": (time.perf_counter() - t) * 1000}), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("task", choices=["infer", "classify", "classify-peak", "classify-one", "save-alexnet", "train", "fashion", "zoo"])
    ap.add_argument("--batches", default="1,16")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--folder")
    ap.add_argument("--weights")
    ap.add_argument("--image")
    ap.add_argument("--out")
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--wd", type=float, default=0.0001)
    ap.add_argument("--schedule", default="cosine")
    ap.add_argument("--warmup", type=int, default=0)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--flip", action="store_true")
    ap.add_argument("--nesterov", action="store_true")
    ap.add_argument("--label-smoothing", type=float, default=0.0)
    ap.add_argument("--init", choices=["model", "kaiming"], default="model")
    ap.add_argument("--optimizer", choices=["sgd", "adamw"], default="sgd")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--interleave", type=int, default=0)
    ap.add_argument("--model")
    ap.add_argument("--layout", choices=["NHWC", "NCHW"], default="NCHW")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.task == "infer":
        infer([int(b) for b in a.batches.split(",")], a.threads)
    elif a.task == "classify":
        classify(a.folder, a.batch, a.threads)
    elif a.task == "classify-peak":
        classify_peak(a.folder, a.batch)
    elif a.task == "classify-one":
        classify_one(a.weights, a.image)
    elif a.task == "train":
        train_steps(a.batch, a.steps, a.threads)
    elif a.task == "fashion":
        fashion(a)
    elif a.task == "zoo":
        zoo(a.model, a.size, a.layout, a.threads)
    elif a.task == "save-alexnet":
        import torchvision
        torch.save(torchvision.models.alexnet().state_dict(), a.out)


if __name__ == "__main__":
    main()
