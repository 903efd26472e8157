// The rest of a training graph with the update inside it (TrainGraphOptions.update
// 'graph'), after the backward pass: flat views of the weights and gradients, their
// squared norms, slim's total loss, clipping, the optimizer's update nodes (src/optim) and
// the step's outputs (see train_graph.ts for what they are).
//
// Everything here runs on flat 1-D views of the weights: element-wise ops on tensors whose
// trailing dims are 1 (e.g. [4096, 4096, 1, 1]) run far slower in ORT than on the same
// data as one vector (see docs/design/training-graph.md).
import type { Graph, Value } from '../graph/graph.js';
import * as b from '../graph/build.js';
import { adamwGraphUpdate } from '../optim/adamw.js';
import type { FlatParam, Optimizer } from '../optim/optimizers.js';
import { sgdGraphUpdate } from '../optim/sgd.js';
import { tensor } from '../tensor.js';
import { gradName, type GradOutput } from './grad_outputs.js';

/** The optimizer's settings in effect. */
export interface UpdateSettings {
  optimizer: Optimizer;
  weightDecay: number;
  momentum: number;
  nesterov: boolean;
  betas: [number, number];
  eps: number;
  clipNorm: number | undefined;
}

/** The step's values so far: the trainable parameters (with sizes), every parameter the logits depend on, the backward pass, the loss. */
export interface StepSoFar {
  trainable: readonly Value[];
  info: readonly { size: number; regularized: boolean }[];
  params: readonly Value[];
  grads: ReadonlyMap<Value, Value>;
  xent: Value;
  correct: Value;
}

const flat = (v: Value, size: number, name: string) => b.reshape(v, [size], name);
const f64 = (g: Graph, x: number, name: string) => g.constant(tensor('float64', [], Float64Array.of(x)), name);

/** The largest divisor of n that is at most `cap`. */
function rowLength(n: number, cap = 256): number {
  for (let r = Math.min(n, cap); r > 1; r--) if (n % r === 0) return r;
  return 1;
}

/**
 * sum(v^2) of a flat float32 vector of n elements, as float64 [1]. One float32 sum over
 * all of fc6's 26M weights (2.5e-5 each, summing to ~650) lost 1e-3 of the total, and
 * even 4096-element rows lost 2e-6 (fc6's biases); rows of at most 256 elements summed
 * in float32, then the row sums in float64, stay within ~1e-7 at the same single pass
 * over the data.
 */
function sumSquares(v: Value, n: number, name: string): Value {
  const r = rowLength(n);
  const rows = b.reduce('ReduceSumSquare', b.reshape(v, [n / r, r], `${name}/rows`), [1], false, `${name}/row_sums`);
  return b.reduce('ReduceSum', b.cast(rows, 11, `${name}/f64`), [0], true, name);
}

/**
 * Append the update and the outputs. Returns the step's scalar inputs (`lr` for SGD; the
 * optimizer's others) and the gradient outputs (with `gradientOutputs` only).
 */
export function graphUpdate(g: Graph, s: StepSoFar, set: UpdateSettings, gradientOutputs: boolean): { lr: Value | null; stepInputs: Value[]; gradOutputs: GradOutput[] } {
  const { trainable, info } = s;
  const lr = set.optimizer === 'sgd' ? g.input('lr', { dtype: 'float32', shape: [] }) : null;
  const wFlat = trainable.map((p, i) => flat(p, info[i]!.size, `train/${p.name}/flat`));
  const rawGrads = trainable.map((p, i) => flat(s.grads.get(p)!, info[i]!.size, `train/${p.name}/grad_flat`));
  const gradSq = b.concat(rawGrads.map((v, i) => sumSquares(v, info[i]!.size, `train/${trainable[i]!.name}/grad_sq`)), 0, 'train/param_grad_sq');
  const gradNorm = b.unary('Sqrt', b.reduce('ReduceSum', gradSq, [0], false, 'train/grad_sq_total'), 'train/grad_norm');
  const loss = totalLoss(g, s, wFlat, set);
  const gFlat = set.clipNorm !== undefined ? clipped(g, rawGrads, gradNorm, set.clipNorm, trainable) : rawGrads;

  const flatParams: FlatParam[] = trainable.map((p, i) => ({ name: p.name, size: info[i]!.size, regularized: info[i]!.regularized, weight: wFlat[i]!, grad: gFlat[i]! }));
  const { newWeights: newW, newState: newM, stepInputs } =
    set.optimizer === 'adamw'
      ? adamwGraphUpdate(g, flatParams, { weightDecay: set.weightDecay, betas: set.betas, eps: set.eps })
      : sgdGraphUpdate(g, flatParams, lr!, { weightDecay: set.weightDecay, momentum: set.momentum, nesterov: set.nesterov });
  const weightSq = b.concat(newW.map((v, i) => sumSquares(v, info[i]!.size, `train/${trainable[i]!.name}/weight_sq`)), 0, 'train/param_weight_sq');

  g.output(loss, 'loss');
  g.output(s.xent, 'xent');
  g.output(s.correct, 'correct');
  g.output(gradNorm, 'grad_norm');
  g.output(gradSq, 'param_grad_sq');
  g.output(weightSq, 'param_weight_sq');
  // output names equal the producing nodes' names, so the writer adds no Identity copies
  for (const v of [...newW, ...newM]) g.output(v);
  const gradOutputs: GradOutput[] = !gradientOutputs
    ? []
    : trainable.map((p, i) => {
        g.output(rawGrads[i]!, gradName(p.name));
        return { kind: 'tensor', name: gradName(p.name) };
      });
  return { lr, stepInputs, gradOutputs };
}

/** slim's total loss (SGD): the cross-entropy + weightDecay/2 * sum(w^2) over all regularised weights, in float64; AdamW: the cross-entropy. */
function totalLoss(g: Graph, s: StepSoFar, wFlat: readonly Value[], set: UpdateSettings): Value {
  const loss = b.cast(s.xent, 11, 'train/xent_f64');
  const reg = s.params.filter((p) => p.param!.regularized);
  if (!(set.weightDecay > 0 && reg.length && set.optimizer === 'sgd')) return loss;
  const terms = reg.map((p) => {
    const i = s.trainable.indexOf(p);
    const size = p.shape.reduce((a: number, d) => a * Number(d), 1);
    return sumSquares(i >= 0 ? wFlat[i]! : flat(p, size, `train/${p.name}/flat`), size, `train/${p.name}/l2`);
  });
  const total = b.reduce('ReduceSum', terms.length === 1 ? terms[0]! : b.concat(terms, 0, 'train/l2_terms'), [0], false, 'train/l2_sum');
  return b.add(loss, b.mul(total, f64(g, set.weightDecay / 2, 'half_weight_decay'), 'train/l2'), 'train/loss');
}

/** The gradients scaled by min(1, clipNorm / (|g|_global + 1e-6)), as torch.nn.utils.clip_grad_norm_ does. */
function clipped(g: Graph, grads: readonly Value[], gradNorm: Value, clipNorm: number, trainable: readonly Value[]): Value[] {
  const denom = b.add(gradNorm, f64(g, 1e-6, 'clip_eps'), 'train/clip_denom');
  const ratio = g.add1('Min', [b.div(f64(g, clipNorm, 'clip_norm'), denom, 'train/clip_ratio'), f64(g, 1, 'one')], {}, 'train/clip_coef64');
  const coef = b.cast(ratio, 1, 'train/clip_coef');
  return grads.map((v, i) => b.mul(v, coef, `train/${trainable[i]!.name}/grad_clipped`));
}
