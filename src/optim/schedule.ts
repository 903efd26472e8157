// Learning-rate schedules, as a pure function of the global step (0-based: the step about
// to run), so a resumed run needs no scheduler state. Each follows a PyTorch scheduler
// (torch.optim.lr_scheduler, closed forms from its documentation):
//
//   constant  lr
//   step      StepLR(step_size, gamma) stepped once per epoch:
//             lr * gamma ^ floor(epoch / stepEpochs)
//   cosine    CosineAnnealingLR(T_max = total steps, eta_min = minLr) stepped once per step:
//             minLr + (lr - minLr) * (1 + cos(pi * t / T)) / 2
//   warm-up   (with any of the above) LinearLR(start_factor = 1/W, total_iters = W - 1)
//             chained with it, i.e. the schedule times (t + 1) / W for the first W steps:
//             the first step runs at lr / W and step W - 1 at the full rate.
// The NaN guard's reductions multiply the result (see src/train/guard.ts).

export type ScheduleKind = 'constant' | 'step' | 'cosine';
export const SCHEDULE_KINDS: readonly ScheduleKind[] = ['constant', 'step', 'cosine'];

export interface ScheduleSpec {
  kind: ScheduleKind;
  /** Base learning rate. */
  lr: number;
  /** step: epochs between decays (default 30, torchvision's AlexNet recipe). */
  stepEpochs?: number;
  /** step: decay factor (default 0.1). */
  gamma?: number;
  /** cosine: the final learning rate (default 0). */
  minLr?: number;
  /** Linear warm-up over this many steps (default 0: none). */
  warmupSteps?: number;
}

export interface ScheduleContext {
  stepsPerEpoch: number;
  totalSteps: number;
}

export function checkSchedule(s: ScheduleSpec): void {
  const bad = (what: string, v: unknown) => new Error(`learning-rate schedule: ${what} must be ${v}`);
  if (!(s.lr > 0 && Number.isFinite(s.lr))) throw bad(`lr (${s.lr})`, 'a positive number');
  if (!['constant', 'step', 'cosine'].includes(s.kind)) throw bad(`kind (${JSON.stringify(s.kind)})`, SCHEDULE_KINDS.join(', '));
  if (s.stepEpochs !== undefined && !(Number.isInteger(s.stepEpochs) && s.stepEpochs >= 1)) throw bad(`stepEpochs (${s.stepEpochs})`, 'an integer >= 1');
  if (s.gamma !== undefined && !(s.gamma > 0 && s.gamma <= 1)) throw bad(`gamma (${s.gamma})`, 'in (0, 1]');
  if (s.minLr !== undefined && !(s.minLr >= 0 && s.minLr <= s.lr)) throw bad(`minLr (${s.minLr})`, `in [0, lr ${s.lr}]`);
  if (s.warmupSteps !== undefined && !(Number.isInteger(s.warmupSteps) && s.warmupSteps >= 0)) throw bad(`warmupSteps (${s.warmupSteps})`, 'an integer >= 0');
}

/** The learning rate of global step `t` (0-based). */
export function learningRate(s: ScheduleSpec, t: number, ctx: ScheduleContext): number {
  let lr = s.lr;
  switch (s.kind) {
    case 'constant':
      break;
    case 'step': {
      const epoch = Math.floor(t / ctx.stepsPerEpoch);
      lr = s.lr * (s.gamma ?? 0.1) ** Math.floor(epoch / (s.stepEpochs ?? 30));
      break;
    }
    case 'cosine': {
      const min = s.minLr ?? 0;
      const T = Math.max(1, ctx.totalSteps);
      lr = min + ((s.lr - min) * (1 + Math.cos((Math.PI * Math.min(t, T)) / T))) / 2;
      break;
    }
  }
  const w = s.warmupSteps ?? 0;
  if (t < w) lr *= (t + 1) / w;
  return lr;
}
