// SGD with momentum: PyTorch's torch.optim.SGD (dampening 0). Per trainable parameter w
// with cross-entropy gradient g (already multiplied by the clip coefficient when the run
// clips, as torch.nn.utils.clip_grad_norm_ does):
//   d   = g + weightDecay * w          for regularised weights (slim regularises weights,
//                                      not biases)
//   buf = momentum * buf + d           buf starts at zero, which equals PyTorch's
//                                      first-step clone of d
//   w  <- w - lr * buf                 or, nesterov: w - lr * (d + momentum * buf)
// d is the gradient of slim's total loss (cross-entropy plus weightDecay * sum(w^2) / 2),
// so decay is applied once, never twice.
//
// Graph form (sgdGraphUpdate): these nodes on flat views of the weights, with `lr` a
// float32 graph input and the momentum buffers inputs `momentum/<name>`. Host form
// (sgdHostStep): native/sgd.c, the same float32 operations in the same order
// (native/step.h); for an fc weight whose gradient is given as two factors,
// native/outer.c forms it tile by tile as it updates.
import type { Graph, Value } from '../graph/graph.js';
import * as b from '../graph/build.js';
import type { NativeKernels } from '../runtime/native.js';
import { type FlatParam, type GraphUpdate, type HostParam, type HostStepResult, momentumName, newMomentumName, newWeightName, outputBuffer } from './optimizers.js';

export interface SgdSettings {
  weightDecay: number;
  /** 0 disables the buffers. */
  momentum: number;
  nesterov: boolean;
}

/** Append SGD's update of every parameter to the step; `lr` is the step's learning-rate input. */
export function sgdGraphUpdate(g: Graph, params: readonly FlatParam[], lr: Value, s: SgdSettings): GraphUpdate {
  const newWeights: Value[] = [];
  const newState: Value[] = [];
  const wdC = b.f32(g, s.weightDecay, 'weight_decay');
  const muC = b.f32(g, s.momentum, 'momentum');
  for (const p of params) {
    const d = p.regularized && s.weightDecay > 0 ? b.add(p.grad, b.mul(p.weight, wdC, `train/${p.name}/decay`), `train/${p.name}/d`) : p.grad;
    let step = d;
    if (s.momentum > 0) {
      const buf = g.input(momentumName(p.name), { dtype: 'float32', shape: [p.size] });
      const nb = b.add(b.mul(buf, muC, `train/${p.name}/momentum_decay`), d, newMomentumName(p.name));
      newState.push(nb);
      step = s.nesterov ? b.add(d, b.mul(nb, muC, `train/${p.name}/nesterov`), `train/${p.name}/nesterov_step`) : nb;
    }
    newWeights.push(b.sub(p.weight, b.mul(step, lr, `train/${p.name}/lr_step`), newWeightName(p.name)));
  }
  return { newWeights, newState, stepInputs: [] };
}

export interface SgdHostSettings extends SgdSettings {
  lr: number;
  /** The clip coefficient (1 without clipping). */
  scale: number;
  threads: number;
}

/** One parameter's SGD step by the native kernels: new weights over a flat g (or into wOut), new momentum into mOut. */
export function sgdHostStep(k: NativeKernels, p: HostParam, s: SgdHostSettings): HostStepResult {
  const wd = p.regularized ? s.weightDecay : 0;
  if (p.g instanceof Float32Array) {
    const r = k.sgdStep(p.w, p.m, p.g, p.mOut, s.lr, wd, s.momentum, s.nesterov, s.scale, s.threads);
    return { weights: p.g, weightSq: r.weightSq, gradSq: r.gradSq };
  }
  const wOut = outputBuffer(p, 'sgdHostStep');
  const r = k.sgdStepOuter(p.w, p.m, p.g.a, p.g.b, p.g.n, wOut, p.mOut, s.lr, wd, s.momentum, s.nesterov, s.scale, s.threads);
  return { weights: wOut, weightSq: r.weightSq, gradSq: r.gradSq };
}
