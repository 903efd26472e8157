// The optimizers a training run can use, their defaults, and the names of their state in
// the training graph and in checkpoints.
//
//   sgd    torch.optim.SGD with momentum, optionally Nesterov (./sgd.ts)
//   adamw  torch.optim.AdamW, amsgrad off (./adamw.ts)
//
// Each has two forms that do the same float32 arithmetic in the same order, so they give
// the same weights bit for bit: a graph form that appends the update to the ONNX training
// step (TrainGraphOptions.update 'graph'), and a host form that calls the native kernels
// of native/ on the gradients the step outputs (update 'host').
import type { Value } from '../graph/graph.js';

export type Optimizer = 'sgd' | 'adamw';
export const OPTIMIZERS: readonly Optimizer[] = ['sgd', 'adamw'];
/** PyTorch's AdamW defaults. */
export const ADAMW_DEFAULTS = { betas: [0.9, 0.999] as const, eps: 1e-8 };

/** The graph inputs of an AdamW step's scalars (AdamwScalars in src/runtime/native.ts), float32 []. */
export const ADAMW_SCALARS = { wdFactor: 'weight_decay_factor', stepSize: 'step_size', bc2Sqrt: 'bias_correction2_sqrt' } as const;

// Names of a parameter's optimizer state in the training graph: inputs, and the outputs
// that replace them after a step (flat float32).
export const momentumName = (param: string) => `momentum/${param}`;
export const expAvgName = (param: string) => `exp_avg/${param}`;
export const expAvgSqName = (param: string) => `exp_avg_sq/${param}`;
export const newExpAvgName = (param: string) => `new_exp_avg/${param}`;
export const newExpAvgSqName = (param: string) => `new_exp_avg_sq/${param}`;
export const newWeightName = (param: string) => `new/${param}`;
export const newMomentumName = (param: string) => `new_momentum/${param}`;

/** The key of AdamW's second moments of a parameter in Trainer.momenta() and checkpoints (the graph input's name). */
export const secondMomentKey = expAvgSqName;

/** One trainable parameter as a graph form sees it: its weight and its (clipped) gradient, both flat. */
export interface FlatParam {
  name: string;
  size: number;
  /** Weight decay applies (slim regularises weights, not biases). */
  regularized: boolean;
  weight: Value;
  grad: Value;
}

/** What a graph form adds to the step: the new weights and optimizer state (named like their outputs), and its scalar inputs other than lr. */
export interface GraphUpdate {
  newWeights: Value[];
  newState: Value[];
  stepInputs: Value[];
}

/** A gradient as a host form receives it: flat, or as the two factors of A^T B, A [n, rows] and B [n, cols] (GradOutput 'outer'). */
export type HostGrad = Float32Array | { a: Float32Array; b: Float32Array; n: number };

/** One parameter's buffers for a host step. w, m and v are read, never written. */
export interface HostParam {
  regularized: boolean;
  w: Float32Array;
  g: HostGrad;
  /** The first buffer (SGD's momentum, AdamW's exp_avg) and where its new value goes; null for SGD without momentum. */
  m: Float32Array | null;
  mOut: Float32Array | null;
  /** Where the new weights go when g is given as factors; a flat g's own buffer receives them otherwise. */
  wOut: Float32Array | null;
}

/** One parameter's host step: the buffer now holding its new weights, and the float64 squared norms of those and of its gradient. */
export interface HostStepResult {
  weights: Float32Array;
  weightSq: number;
  gradSq: number;
}

/** The buffer that receives the new weights of a factored gradient. */
export function outputBuffer(p: HostParam, what: string): Float32Array {
  if (!p.wOut) throw new Error(`${what}: a gradient given as factors needs a buffer for the new weights (wOut)`);
  return p.wOut;
}
