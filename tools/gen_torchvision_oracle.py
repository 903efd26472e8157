"""Oracle for the torchvision models of the zoo (run by npm test:
/usr/bin/python3 tools/gen_torchvision_oracle.py --out DIR).

For each model, torchvision builds it (torchvision/models/<file>.py, as its pretrained
weights use it: inception_v3 with transform_input=True and its AuxLogits branch) and
seeds its weights; this writes into DIR/torchvision/:

  <model>.pth         the state dict (torch.save, zip format), num_batches_tracked included
  <model>.input.bin   the test photos as torchvision's ImageClassification preset makes them
                      (resize 256 / crop 224, or 342 / 299), float32 NCHW little-endian
  <model>.grad.pth    (resnet50.torchvision, mobilenet_v2) seeded weights for 10 classes
  <model>.grad.bin    its gradient check: the input (2x3x48x48, seeded), then each parameter's
                      cross-entropy gradient in train mode (BatchNorm on the batch's
                      statistics, dropout off), in state-dict order, float32 little-endian
  oracle.json         per model: the weights and input files, the input shape, the logits
                      (eval mode), the trainable parameter count and the BatchNorm running
                      statistics' (our non-trainable parameters)

Weights: He-normal convs and linears (variance-preserving through ReLUs), small random
biases; BatchNorm gamma U(0.5, 1.5), beta N(0, 0.1), and running statistics taken from a
train-mode pass over the photos (momentum 1) then perturbed (mean + N(0, 0.1) * std,
variance * U(0.8, 1.25)), so they are non-trivial yet keep activations in range. The last
layer is rescaled so the logits have standard deviation 6 (a peaked softmax).
"""
import argparse
import copy
import json
import os

import torch
import torchvision
from PIL import Image
from torchvision import transforms

IMAGES = ["chelsea.png", "coffee.png", "rocket.jpg", "astronaut.png"]
HERE = os.path.dirname(os.path.abspath(__file__))
IMAGE_DIR = os.path.join(HERE, "..", "test", "fixtures", "images")

# our model name -> (torchvision builder, crop size, resize size, seed)
MODELS = {
    "squeezenet1_1": (lambda: torchvision.models.squeezenet1_1(), 224, 256, 11),
    "vgg16.torchvision": (lambda: torchvision.models.vgg16(), 224, 256, 12),
    "resnet50.torchvision": (lambda: torchvision.models.resnet50(), 224, 256, 13),
    "mobilenet_v2": (lambda: torchvision.models.mobilenet_v2(), 224, 256, 14),
    "inception_v3.torchvision": (
        lambda: torchvision.models.inception_v3(aux_logits=True, transform_input=True, init_weights=False),
        299,
        342,
        15,
    ),
}


def load_rgb(name):
    with open(os.path.join(IMAGE_DIR, name), "rb") as f:
        return Image.open(f).convert("RGB")


def photos(crop, resize):
    tf = transforms.Compose([transforms.Resize(resize), transforms.CenterCrop(crop), transforms.ToTensor(),
                             transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])])
    return torch.stack([tf(load_rgb(n)) for n in IMAGES])


def output_layer(model):
    if hasattr(model, "fc"):
        return model.fc  # resnet, inception (not AuxLogits.fc)
    convs = [m for m in model.classifier.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    return convs[-1]  # vgg classifier.6, mobilenet_v2 classifier.1, squeezenet classifier.1


def seeded_init(model, seed, x):
    g = torch.Generator().manual_seed(seed)
    bns = []
    for m in model.modules():
        if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
            fan_in = m.weight[0].numel()
            m.weight.data = torch.randn(m.weight.shape, generator=g) * (2.0 / fan_in) ** 0.5
            if m.bias is not None:
                m.bias.data = torch.randn(m.bias.shape, generator=g) * 0.1
        elif isinstance(m, torch.nn.BatchNorm2d):
            m.weight.data = 0.5 + torch.rand(m.weight.shape, generator=g)
            m.bias.data = torch.randn(m.bias.shape, generator=g) * 0.1
            bns.append((m, m.momentum))
            m.momentum = 1.0
    if bns:
        model.train()
        with torch.no_grad():
            model(x)
        for m, momentum in bns:
            m.momentum = momentum
            std = m.running_var.sqrt()
            m.running_mean += torch.randn(m.running_mean.shape, generator=g) * 0.1 * std
            m.running_var *= 0.8 + 0.45 * torch.rand(m.running_var.shape, generator=g)
    model.eval()
    with torch.no_grad():
        scale = 6.0 / model(x).std().item()
    out = output_layer(model)
    out.weight.data *= scale
    out.bias.data *= scale


GRAD_MODELS = {
    "resnet50.torchvision": lambda: torchvision.models.resnet50(num_classes=10),
    "mobilenet_v2": lambda: torchvision.models.mobilenet_v2(num_classes=10, dropout=0.0),
}
GRAD_SHAPE = (2, 3, 48, 48)
GRAD_LABELS = [3, 7]


def relu_margin(model, x):
    """The smallest distance of any ReLU / ReLU6 input to a kink (0, or 6) in a train-mode pass."""
    margins = []

    def hook(mod, inp, out):
        v = inp[0].detach()
        m = v.abs().min()
        if isinstance(mod, torch.nn.ReLU6):
            m = torch.minimum(m, (v - 6).abs().min())
        margins.append(m.item())

    hooks = []
    for mod in model.modules():
        if isinstance(mod, (torch.nn.ReLU, torch.nn.ReLU6)):
            mod.inplace = False
            hooks.append(mod.register_forward_hook(hook))
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    return min(margins)


def gradient_case(name, build, out):
    """One forward and backward in train mode on a seeded batch: the loss and every gradient.

    A gradient is only as well conditioned as the ReLU decisions it rests on: an input within
    float32 rounding of a kink may fall on the other side in ORT, and moves the gradients
    below it by up to 1e-2 of their largest values. Of 100 seeded batches, the one whose
    smallest distance to a kink is largest is used (its margin is recorded)."""
    torch.manual_seed(21)
    model = build()
    seeded_init(model, 23, torch.randn(GRAD_SHAPE, generator=torch.Generator().manual_seed(22)))
    state = copy.deepcopy(model.state_dict())
    model.train()
    margin, seed = max((relu_margin(model, torch.randn(GRAD_SHAPE, generator=torch.Generator().manual_seed(s))), s) for s in range(100, 200))
    model.load_state_dict(state)
    torch.save(model.state_dict(), os.path.join(out, f"{name}.grad.pth"))
    x = torch.randn(GRAD_SHAPE, generator=torch.Generator().manual_seed(seed))
    loss = torch.nn.functional.cross_entropy(model(x), torch.tensor(GRAD_LABELS))
    loss.backward()
    params = [(n, p) for n, p in model.named_parameters()]
    with open(os.path.join(out, f"{name}.grad.bin"), "wb") as f:
        f.write(x.numpy().astype("<f4").tobytes())
        for _, p in params:
            f.write(p.grad.numpy().astype("<f4").tobytes())
    return {"weights": f"{name}.grad.pth", "data": f"{name}.grad.bin", "inputShape": list(GRAD_SHAPE),
            "labels": GRAD_LABELS, "loss": loss.item(), "reluMargin": margin,
            "params": [[n, list(p.shape)] for n, p in params]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", nargs="*", help="model names (default: all)")
    ap.add_argument("--grads-only", action="store_true", help="only the gradient cases")
    args = ap.parse_args()
    out = os.path.join(args.out, "torchvision")
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)
    index_path = os.path.join(out, "oracle.json")
    result = {"images": IMAGES, "models": {}}
    if args.only and os.path.exists(index_path):
        with open(index_path) as f:
            result = json.load(f)
    for name, (build, crop, resize, seed) in MODELS.items():
        if (args.only and name not in args.only) or args.grads_only:
            continue
        torch.manual_seed(seed)
        model = build()
        x = photos(crop, resize)
        seeded_init(model, seed, x)
        with torch.no_grad():
            logits = model(x)
        weights = f"{name}.pth"
        torch.save(model.state_dict(), os.path.join(out, weights))
        inputs = f"{name}.input.bin"
        x.numpy().astype("<f4").tofile(os.path.join(out, inputs))
        result["models"][name] = {
            "weights": weights,
            "input": inputs,
            "inputShape": list(x.shape),
            "trainableParams": sum(p.numel() for p in model.parameters() if p.requires_grad),
            "runningStats": sum(b.numel() for n, b in model.named_buffers() if n.endswith(("running_mean", "running_var"))),
            "logits": logits.tolist(),
        }
        print(f"{name}: logits {tuple(logits.shape)}, top-1 {logits.argmax(1).tolist()}", flush=True)
    for name, build in GRAD_MODELS.items():
        if args.only and name not in args.only:
            continue
        result.setdefault("grads", {})[name] = gradient_case(name, build, out)
        g = result["grads"][name]
        print(f"{name}: gradients at {GRAD_SHAPE}, loss {g['loss']:.6f}, ReLU margin {g['reluMargin']:.2e}", flush=True)
    with open(index_path, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
