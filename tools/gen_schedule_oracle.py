"""Learning rates per step from PyTorch's schedulers, for test/train/schedule.test.ts.

Writes schedule_oracle.json into --out: for each case, the learning rate the optimizer
holds when each step runs (read from param_groups before optimizer.step()), with the
scheduler stepped once per epoch (StepLR) or once per step (the others), as
src/optim/schedule.ts documents.
"""
import argparse
import json
import os
import warnings

import torch

warnings.filterwarnings("ignore")  # "scheduler.step() before optimizer.step()"


def run(make, steps, per_epoch=None):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)
    sched = make(opt)
    out = []
    for t in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        if per_epoch is None:
            sched.step()
        elif (t + 1) % per_epoch == 0:
            sched.step()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    S = torch.optim.lr_scheduler
    cases = {
        "step": {"spec": {"kind": "step", "lr": 0.1, "stepEpochs": 2, "gamma": 0.5}, "stepsPerEpoch": 3, "totalSteps": 21,
                 "lrs": run(lambda o: S.StepLR(o, step_size=2, gamma=0.5), 21, per_epoch=3)},
        "cosine": {"spec": {"kind": "cosine", "lr": 0.1, "minLr": 0.001}, "stepsPerEpoch": 5, "totalSteps": 20,
                   "lrs": run(lambda o: S.CosineAnnealingLR(o, T_max=20, eta_min=0.001), 20)},
        "cosine_warmup": {"spec": {"kind": "cosine", "lr": 0.1, "warmupSteps": 4}, "stepsPerEpoch": 5, "totalSteps": 20,
                          "lrs": run(lambda o: S.ChainedScheduler([S.LinearLR(o, start_factor=1 / 4, total_iters=3),
                                                                   S.CosineAnnealingLR(o, T_max=20)]), 20)},
        "constant_warmup": {"spec": {"kind": "constant", "lr": 0.1, "warmupSteps": 5}, "stepsPerEpoch": 5, "totalSteps": 10,
                            "lrs": run(lambda o: S.LinearLR(o, start_factor=1 / 5, total_iters=4), 10)},
    }
    with open(os.path.join(a.out, "schedule_oracle.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1)


if __name__ == "__main__":
    main()
