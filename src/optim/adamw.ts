// AdamW: PyTorch's torch.optim.AdamW (amsgrad off), in its order of operations. Per
// trainable parameter w with gradient g (already multiplied by the clip coefficient when
// the run clips), at step t = 1, 2, ...:
//   m   = m * beta1 + g * (1 - beta1)
//   v   = v * beta2 + ((1 - beta2) * g) * g
//   w  <- w * weight_decay_factor - (m * step_size) / (sqrt(v) / bias_correction2_sqrt + eps)
// with the step's scalars from adamwScalars, computed in float64 and used in float32:
// weight_decay_factor 1 - lr * weightDecay, step_size lr / (1 - beta1^t),
// bias_correction2_sqrt sqrt(1 - beta2^t). m and v start at zero. Decay is decoupled
// (applied to the weight, not added to the gradient) and, as with SGD, only to
// regularised weights; it is not a term of the objective.
//
// Graph form (adamwGraphUpdate): these nodes on flat views of the weights; the moments
// are inputs `exp_avg/<name>` and `exp_avg_sq/<name>`, and the three scalars are float32
// inputs (ADAMW_SCALARS) in place of `lr`. Host form (adamwHostStep): native/sgd.c's
// AdamW kernel, the same float32 operations in the same order (native/step.h).
import type { Graph, Value } from '../graph/graph.js';
import * as b from '../graph/build.js';
import type { AdamwScalars, NativeKernels } from '../runtime/native.js';
import {
  ADAMW_SCALARS,
  expAvgName,
  expAvgSqName,
  type FlatParam,
  type GraphUpdate,
  type HostParam,
  type HostStepResult,
  newExpAvgName,
  newExpAvgSqName,
  newWeightName,
  outputBuffer,
} from './optimizers.js';

export interface AdamwSettings {
  weightDecay: number;
  betas: readonly [number, number];
  eps: number;
}

/** AdamW's scalars for step t (1-based) at learning rate lr (AdamwScalars: torch.optim.AdamW's, in float64). */
export function adamwScalars(betas: readonly [number, number], eps: number, lr: number, wd: number, t: number): AdamwScalars {
  return { b1: betas[0], b2: betas[1], eps, wdFactor: 1 - lr * wd, stepSize: lr / (1 - betas[0] ** t), bc2Sqrt: Math.sqrt(1 - betas[1] ** t) };
}

/** Append AdamW's update of every parameter to the step, with the step's scalars as new graph inputs. */
export function adamwGraphUpdate(g: Graph, params: readonly FlatParam[], s: AdamwSettings): GraphUpdate {
  const newWeights: Value[] = [];
  const newState: Value[] = [];
  const [wdf, stepSize, bc2s] = [ADAMW_SCALARS.wdFactor, ADAMW_SCALARS.stepSize, ADAMW_SCALARS.bc2Sqrt].map((n) => g.input(n, { dtype: 'float32', shape: [] }));
  const [b1, omb1, b2, omb2, epsC] = [
    b.f32(g, s.betas[0], 'beta1'),
    b.f32(g, 1 - s.betas[0], 'one_minus_beta1'),
    b.f32(g, s.betas[1], 'beta2'),
    b.f32(g, 1 - s.betas[1], 'one_minus_beta2'),
    b.f32(g, s.eps, 'adam_eps'),
  ];
  for (const p of params) {
    const [d, n] = [p.grad, p.name];
    const m = g.input(expAvgName(n), { dtype: 'float32', shape: [p.size] });
    const v = g.input(expAvgSqName(n), { dtype: 'float32', shape: [p.size] });
    const nm = b.add(b.mul(m, b1!, `train/${n}/exp_avg_decay`), b.mul(d, omb1!, `train/${n}/exp_avg_part`), newExpAvgName(n));
    const nv = b.add(b.mul(v, b2!, `train/${n}/exp_avg_sq_decay`), b.mul(b.mul(d, omb2!, `train/${n}/exp_avg_sq_scaled`), d, `train/${n}/exp_avg_sq_part`), newExpAvgSqName(n));
    const den = b.add(b.div(b.unary('Sqrt', nv, `train/${n}/sqrt_exp_avg_sq`), bc2s!, `train/${n}/corrected`), epsC!, `train/${n}/denom`);
    const decayed = p.regularized && s.weightDecay > 0 ? b.mul(p.weight, wdf!, `train/${n}/decayed`) : p.weight;
    newState.push(nm, nv);
    newWeights.push(b.sub(decayed, b.div(b.mul(nm, stepSize!, `train/${n}/scaled_exp_avg`), den, `train/${n}/adam_step`), newWeightName(n)));
  }
  return { newWeights, newState, stepInputs: [wdf!, stepSize!, bc2s!] };
}

export interface AdamwHostSettings extends AdamwSettings {
  lr: number;
  /** The step number t, 1-based (bias correction). */
  t: number;
  /** The clip coefficient (1 without clipping). */
  scale: number;
  threads: number;
}

/** One parameter's AdamW step by the native kernels: new weights over a flat g (or into wOut), new moments into mOut and vOut. */
export function adamwHostStep(k: NativeKernels, p: HostParam & { v: Float32Array; vOut: Float32Array }, s: AdamwHostSettings): HostStepResult {
  if (!p.m || !p.mOut) throw new Error('adamwHostStep: AdamW needs its first moments (m and mOut)');
  const a = adamwScalars(s.betas, s.eps, s.lr, p.regularized ? s.weightDecay : 0, s.t);
  if (p.g instanceof Float32Array) {
    const r = k.adamwStep(p.w, p.m, p.v, p.g, p.mOut, p.vOut, a, s.scale, s.threads);
    return { weights: p.g, weightSq: r.weightSq, gradSq: r.gradSq };
  }
  const wOut = outputBuffer(p, 'adamwHostStep');
  const r = k.adamwStepOuter(p.w, p.m, p.v, p.g.a, p.g.b, p.g.n, wOut, p.mOut, p.vOut, a, s.scale, s.threads);
  return { weights: wOut, weightSq: r.weightSq, gradSq: r.gradSq };
}
