// One standard-ONNX training step: forward, softmax cross-entropy, backward (src/grad),
// weight decay and the optimizer's update (src/optim: SGD with momentum, or AdamW), in a
// single graph that an ordinary ORT InferenceSession runs (onnxruntime-node has no
// training build).
//
// Inputs:  the trainable weights (graph inputs named like the parameters, in their own
//          shapes), the optimizer's state (SGD: `momentum/<name>`; AdamW: `exp_avg/<name>`
//          and `exp_avg_sq/<name>`; flat, zero at the start), the image batch, `labels`
//          (int64 [N]) and the step's float32 scalars (SGD: `lr`; AdamW: ADAMW_SCALARS).
// Outputs: `loss` (cross-entropy + L2, float64; AdamW: without L2), `xent` (float32),
//          `correct` (int64, top-1), `grad_norm` (float64), `param_grad_sq` and
//          `param_weight_sq` (float64 [P], one entry per trainable parameter in
//          TrainGraph.params order: squared norms of its gradient and of its new value),
//          `new/<name>` and the new state (`new_momentum/<name>`; AdamW:
//          `new_exp_avg/<name>` and `new_exp_avg_sq/<name>`), float32, flat.
// Frozen parameters are initializers: no gradient is computed for them or for anything
// that only leads to them.
//
// With clipNorm the cross-entropy gradient is first scaled by
// min(1, clipNorm / (|g|_global + 1e-6)), as torch.nn.utils.clip_grad_norm_ does; the
// optimizer's update (src/optim/sgd.ts, src/optim/adamw.ts) then applies decay to
// regularised weights only (slim regularises weights, not biases).
// The reported loss is slim's total loss: mean cross-entropy over the batch plus
// weightDecay * sum(w^2) / 2 over every regularised weight, trainable or frozen (slim adds
// all regularisation losses; the frozen terms are constants). Its gradient with respect
// to a trainable weight is exactly SGD's d, so decay is applied once, never twice. AdamW's
// decay is decoupled and not a term of the objective, so its `loss` is the cross-entropy
// alone (as `xent`). grad_norm and param_grad_sq are of the cross-entropy gradient before
// clipping (what clip_grad_norm_ returns).
//
// Everything after the backward pass runs on flat 1-D views of the weights: element-wise
// ops on tensors whose trailing dims are 1 (e.g. [4096, 4096, 1, 1]) run far slower in
// ORT than on the same data as one vector (see docs/design/training-graph.md).
//
// update: 'host' stops after the backward pass: the graph has no optimizer-state or
// scalar inputs and outputs `xent`, `correct` and every raw gradient
// (TrainGraph.gradOutputs names them); the caller takes the norms, adds the L2 term and
// applies the update (Trainer, with the optimizers' host forms in src/optim and the
// native kernels of native/; see docs/design/host-update.md). 'graph' (the default here)
// is the whole step in ONNX, for any runtime.
//
// Gemm weights (update 'host', gemmWeightGrad 'host', the default there): the gradient of
// an fc layer's weight is the outer product of its input X [n, in] and the gradient of
// its output dY [n, out], summed over the n rows, so the graph outputs those two factors
// (GradOutput 'outer') and no dW Gemm; the caller forms G = dY^T X (or X^T dY for
// [in, out] weights) inside its update (native/outer.c). That saves ORT's dW Gemm, the
// copy of the whole gradient out of ORT and the update's read of it
// (see docs/design/host-update.md).
import type { Graph, Node, Value } from '../graph/graph.js';
import * as b from '../graph/build.js';
import { getFloat, getInt, int, isStatic, str } from '../graph/types.js';
import { toOnnx } from '../graph/onnx_writer.js';
import { gradients, type ConvWeightGradMethod } from '../grad/index.js';
import { defaultConvWeightGrad } from '../grad/conv_weight_grad.js';
import { lowerSmallConvs, SMALL_CONV_PIXELS } from '../passes/conv_gemm.js';
import { adamwGraphUpdate } from '../optim/adamw.js';
import { ADAMW_DEFAULTS, type FlatParam, type Optimizer, OPTIMIZERS } from '../optim/optimizers.js';
import { sgdGraphUpdate } from '../optim/sgd.js';
import type { BuiltModel } from '../models/types.js';
import type { Tensor } from '../tensor.js';
import { shapeStr, tensor } from '../tensor.js';

export interface OptimizerConfig {
  /** 'sgd' (default, src/optim/sgd.ts) or 'adamw' (src/optim/adamw.ts). */
  optimizer?: Optimizer;
  /** L2 weight decay on regularised weights (AdamW: decoupled); default the model's arg scope (slim: 0.0005). */
  weightDecay?: number;
  /** SGD's momentum factor (0.9 in slim's and PyTorch's AlexNet recipes); 0 disables the buffers. Must be 0 with AdamW. */
  momentum: number;
  nesterov?: boolean;
  /** AdamW's (beta1, beta2); default PyTorch's (0.9, 0.999). */
  betas?: readonly [number, number];
  /** AdamW's epsilon; default PyTorch's 1e-8. */
  eps?: number;
  /** Clip the cross-entropy gradient to this global L2 norm before decay and momentum. */
  clipNorm?: number;
  /**
   * Label smoothing E in [0, 1): the cross-entropy is taken against (1 - E) * onehot + E / C,
   * which is (1 - E) * nll + E * mean over classes of -log p (PyTorch's
   * CrossEntropyLoss(label_smoothing=E)). `xent` and `loss` report the smoothed value.
   */
  labelSmoothing?: number;
}

export interface TrainGraphOptions extends OptimizerConfig {
  /** Parameters to train, by name; default all. The others are frozen. */
  trainable?: readonly string[];
  /** dW formulation per conv, by conv node name or layer scope; overrides CONV_WEIGHT_GRAD. */
  convWeightGrad?: Readonly<Record<string, ConvWeightGradMethod>>;
  /**
   * Also output each trainable parameter's cross-entropy gradient (before clipping), flat,
   * as `grad/<name>`: for gradient histograms. Every step then copies all gradients out of
   * ORT, so the training loop builds a second graph with this for its logging steps only.
   */
  gradientOutputs?: boolean;
  /** 'graph' (default): the update is part of the graph; 'host': the graph ends at the gradients (see above). */
  update?: 'graph' | 'host';
  /**
   * With update 'host', where the gradient of a Gemm weight is formed (see "Gemm weights"
   * at the top of this file): 'host' (default) outputs its two factors, the Gemm's input and the gradient of
   * its output, and the caller forms G = A^T B in its update (native/outer.c); 'graph'
   * outputs G as ORT computes it.
   */
  gemmWeightGrad?: 'graph' | 'host';
  /**
   * Convs with at most this many output pixels per image run as one Gemm over the batch
   * (src/passes/conv_gemm.ts); default SMALL_CONV_PIXELS (169), 0 for none.
   */
  smallConvGemm?: number;
}

/**
 * How a step returns a trainable parameter's gradient: as a tensor (`name`, flat in the
 * parameter's order), or as two factors whose product A^T B is the gradient, A [n, rows]
 * and B [n, cols] with the parameter's elements in [rows, cols] order.
 */
export type GradOutput = { kind: 'tensor'; name: string } | { kind: 'outer'; a: string; b: string; n: number; rows: number; cols: number };

export interface TrainableParam {
  name: string;
  shape: number[];
  size: number;
  regularized: boolean;
  layer: string;
}

export interface TrainGraph {
  /** ONNX bytes; frozen weights are embedded as initializers. */
  model: Uint8Array;
  graph: Graph;
  /** Trainable parameters, in the order of param_grad_sq and param_weight_sq. */
  params: TrainableParam[];
  frozen: string[];
  batch: number;
  imagesInput: string;
  imageShape: number[];
  /** Other inputs of the model that each step must be given (e.g. dropout_mask/<scope> with dropoutMasks: 'input'). */
  extraInputs: { name: string; dtype: string; shape: (number | string)[] }[];
  momentum: number;
  optimizer: Optimizer;
  /** AdamW's settings in effect (PyTorch's defaults unless given; unused by SGD). */
  betas: [number, number];
  eps: number;
  /** Where the update runs (TrainGraphOptions.update). */
  update: 'graph' | 'host';
  /** The weight decay in effect (the option, or the model's). */
  weightDecay: number;
  /** Frozen parameters that count in the L2 term (constants: with update 'host' the caller adds them). */
  frozenRegularized: string[];
  /** How each trainable parameter's gradient is output, in params order (none without update 'host' or gradientOutputs). */
  gradOutputs: GradOutput[];
  /** The dW formulation used for each Conv node that got a weight gradient. */
  convWeightGrad: Record<string, ConvWeightGradMethod>;
  /** Convs lowered to one Gemm over the batch (TrainGraphOptions.smallConvGemm). */
  convAsGemm: string[];
}

export const gradName = (param: string) => `grad/${param}`;

/**
 * dW formulation per alexnet_v2 conv: the fastest of each conv's dW subgraph profiled
 * alone at batch 16, 224x224 (docs/design/training-graph.md). conv1 (11x11, stride 4)
 * would need 121 strided slices for im2col. Other models' convs fall back to
 * defaultConvWeightGrad (batchconv when strided).
 */
export const CONV_WEIGHT_GRAD: Readonly<Record<string, ConvWeightGradMethod>> = {
  'alexnet_v2/conv1': 'batchconv',
  'alexnet_v2/conv2': 'im2col',
  'alexnet_v2/conv3': 'im2col',
  'alexnet_v2/conv4': 'im2col',
  'alexnet_v2/conv5': 'im2col',
};

function convPolicy(overrides: Readonly<Record<string, ConvWeightGradMethod>>, chosen: Record<string, ConvWeightGradMethod>) {
  return (node: Node): ConvWeightGradMethod => {
    const hit = (table: Readonly<Record<string, ConvWeightGradMethod>>) =>
      Object.entries(table).find(([k]) => node.name === k || node.name.startsWith(`${k}/`))?.[1];
    const m = hit(overrides) ?? hit(CONV_WEIGHT_GRAD) ?? defaultConvWeightGrad(node);
    chosen[node.name] = m;
    return m;
  };
}

const flat = (v: Value, size: number, name: string) => b.reshape(v, [size], name);
const f32 = (g: Graph, x: number, name: string) => g.constant(tensor('float32', [], Float32Array.of(x)), name);
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

/** A Gemm that uses a trainable weight as its B input (directly or through a Reshape). */
interface GemmUse {
  /** The Gemm's input A [n, K] and output Y. */
  x: Value;
  y: Value;
  /** B is the weight as [out, in] (G = dY^T X) rather than [in, out] (G = X^T dY). */
  transB: boolean;
}

/**
 * Trainable weights whose gradient is one outer product over the batch: each used once,
 * as B of a Gemm with alpha 1 and A = X not transposed (or through one Reshape that only
 * that Gemm reads), so G = dY^T X or X^T dY in the weight's own element order.
 */
function gemmWeights(g: Graph, trainable: readonly Value[], skip: ReadonlySet<string>): Map<Value, GemmUse> {
  const users = (v: Value) => g.nodes.filter((n) => n.inputs.includes(v));
  const out = new Map<Value, GemmUse>();
  for (const p of trainable) {
    let u = users(p);
    let bv = p;
    if (u.length === 1 && u[0]!.op === 'Reshape' && u[0]!.inputs[0] === p) {
      bv = u[0]!.outputs[0]!;
      u = users(bv);
    }
    const gemm = u[0];
    if (u.length !== 1 || gemm!.op !== 'Gemm' || skip.has(gemm!.name) || gemm!.inputs[1] !== bv || gemm!.inputs[0] === bv) continue;
    const x = gemm!.inputs[0]!;
    if (getInt(gemm!.attrs, 'transA', 0) !== 0 || getFloat(gemm!.attrs, 'alpha', 1) !== 1 || !isStatic(x.shape)) continue;
    out.set(p, { x, y: gemm!.outputs[0]!, transB: getInt(gemm!.attrs, 'transB', 0) === 1 });
  }
  return out;
}

/** Output v under its own name (no copy), or under the name it is already output as; a graph input or constant as a copy named `name`. */
function outputAs(g: Graph, v: Value, name: string): string {
  const known = g.outputs.find((o) => o.value === v);
  if (known) return known.name;
  if (v.producer === null) {
    g.output(v, name);
    return name;
  }
  g.output(v);
  return v.name;
}

/**
 * Append the training step to a model's graph (built with isTraining: true and a numeric
 * batch) and serialise it. The model's graph is extended in place: build one per call.
 */
export function buildTrainGraph(model: BuiltModel, frozenWeights: ReadonlyMap<string, Tensor>, opts: TrainGraphOptions): TrainGraph {
  const g = model.graph;
  const where = `train graph for ${model.name}`;
  const imageShape = model.input.shape;
  if (!isStatic(imageShape)) throw new Error(`${where}: the input must have a static shape, got ${shapeStr(imageShape)}; build the model with batch: <n>`);
  const batch = imageShape[0]!;
  if (g.inputs.some((v) => v.name === 'labels')) throw new Error(`${where}: the graph already has a training step; build the model again`);
  const wd = opts.weightDecay ?? model.weightDecay;
  const mu = opts.momentum;
  if (!(wd >= 0) || !(mu >= 0) || (opts.clipNorm !== undefined && !(opts.clipNorm > 0))) {
    throw new Error(`${where}: bad SGD settings weightDecay=${wd} momentum=${mu} clipNorm=${opts.clipNorm}`);
  }
  if (opts.nesterov && mu === 0) throw new Error(`${where}: nesterov needs momentum > 0`);
  const optimizer = opts.optimizer ?? 'sgd';
  if (!OPTIMIZERS.includes(optimizer)) throw new Error(`${where}: optimizer must be one of ${OPTIMIZERS.join(', ')}, got ${String(optimizer)}`);
  const betas: [number, number] = [...(opts.betas ?? ADAMW_DEFAULTS.betas)];
  const adamEps = opts.eps ?? ADAMW_DEFAULTS.eps;
  if (optimizer === 'adamw') {
    if (mu !== 0 || opts.nesterov) throw new Error(`${where}: AdamW takes betas, not momentum; got momentum ${mu}${opts.nesterov ? ' with nesterov' : ''}`);
    if (!betas.every((x) => x >= 0 && x < 1) || !(adamEps > 0)) throw new Error(`${where}: bad AdamW settings betas=${betas.join(',')} eps=${adamEps}; betas must be in [0, 1) and eps > 0`);
  }
  const update = opts.update ?? 'graph';
  if (update !== 'graph' && update !== 'host') throw new Error(`${where}: update must be 'graph' or 'host', got ${String(update)}`);
  const gemmWeightGrad = opts.gemmWeightGrad ?? 'host';
  if (gemmWeightGrad !== 'graph' && gemmWeightGrad !== 'host') throw new Error(`${where}: gemmWeightGrad must be 'graph' or 'host', got ${String(gemmWeightGrad)}`);
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps < 1)) throw new Error(`${where}: label smoothing must be in [0, 1), got ${opts.labelSmoothing}`);

  const pixels = opts.smallConvGemm ?? SMALL_CONV_PIXELS;
  if (!(Number.isInteger(pixels) && pixels >= 0)) throw new Error(`${where}: smallConvGemm must be a whole number of pixels, got ${opts.smallConvGemm}`);
  const lowered = lowerSmallConvs(g, pixels);

  // logits [N, classes]
  let logits = lowered.replaced.get(model.output) ?? model.output;
  if (logits.shape.length === 4 && logits.shape[1] === 1 && logits.shape[2] === 1) logits = b.reshape(logits, [batch, Number(logits.shape[3])], 'train/logits');
  if (logits.shape.length !== 2) throw new Error(`${where}: logits must be [N, classes], got ${shapeStr(logits.shape)}`);

  // parameters the logits depend on, trainable or frozen
  const live = g.reachable([logits]);
  const params = g.params.filter((p) => live.has(p));
  const names = new Set(params.map((p) => p.name));
  const wanted = new Set(opts.trainable ?? params.map((p) => p.name));
  for (const n of wanted) {
    if (!names.has(n)) throw new Error(`${where}: no parameter ${n}; parameters are ${[...names].join(', ')}`);
  }
  const trainable = params.filter((p) => wanted.has(p.name));
  const frozen = params.filter((p) => !wanted.has(p.name));
  if (trainable.length === 0) throw new Error(`${where}: nothing to train`);
  const info: TrainableParam[] = trainable.map((p) => {
    if (!isStatic(p.shape)) throw new Error(`${where}: parameter ${p.name} has a symbolic shape ${shapeStr(p.shape)}`);
    return { name: p.name, shape: [...p.shape], size: p.shape.reduce((a, d) => a * d, 1), regularized: p.param!.regularized, layer: p.param!.layer };
  });

  const labels = g.input('labels', { dtype: 'int64', shape: [batch] });

  // loss and accuracy
  const [nll, logProb] = g.add('SoftmaxCrossEntropyLoss', [logits, labels], { reduction: str('mean') }, { outputs: 2, name: 'train/xent' });
  // with smoothing, the mean over the batch and the classes of log p is the uniform part of the target
  const xent = eps > 0
    ? b.sub(
        b.mul(nll!, f32(g, 1 - eps, 'smoothing_keep'), 'train/nll_part'),
        b.mul(b.reduce('ReduceMean', logProb!, [0, 1], false, 'train/mean_log_prob'), f32(g, eps, 'label_smoothing'), 'train/uniform_part'),
        'train/xent_smoothed',
      )
    : nll!;
  const predicted = g.add1('ArgMax', [logits], { axis: int(1), keepdims: int(0) }, 'train/predicted');
  const hits = b.cast(g.add1('Equal', [predicted, labels], {}, 'train/hits'), 7, 'train/hits_i64');
  const correct = b.reduce('ReduceSum', hits, [0], false, 'train/correct');

  // backward; for a Gemm weight whose gradient the host forms, the gradient of the Gemm's output instead
  const chosen: Record<string, ConvWeightGradMethod> = {};
  const outer = update === 'host' && gemmWeightGrad === 'host' ? gemmWeights(g, trainable, new Set(lowered.gemms)) : new Map<Value, GemmUse>();
  const wrt = [...trainable.filter((p) => !outer.has(p)), ...[...outer.values()].map((u) => u.y)];
  const grads = gradients(g, xent, wrt, { convWeightGrad: convPolicy(opts.convWeightGrad ?? {}, chosen) });

  const frozenRegularized = frozen.filter((p) => p.param!.regularized).map((p) => p.name);
  const recipe =
    (optimizer === 'adamw' ? `AdamW betas (${betas.join(', ')}), eps ${adamEps}, decoupled weight decay ${wd}` : `SGD momentum ${mu}${opts.nesterov ? ' (nesterov)' : ''}, weight decay ${wd}`) +
    (eps > 0 ? `, label smoothing ${eps}` : '');
  if (update === 'host') {
    g.output(xent, 'xent');
    g.output(correct, 'correct');
    // Each gradient is output under its own node's name and in its own shape: an output
    // named unlike its node gets an Identity, and a flat Reshape as an output is copied
    // too; either would copy fc6's 151 MB gradient every step (docs/design/host-update.md).
    const gradOutputs = trainable.map((p): GradOutput => {
      const u = outer.get(p);
      if (u) {
        const dy = grads.get(u.y)!;
        const [a, bb] = u.transB ? [dy, u.x] : [u.x, dy];
        const [n, rows, cols] = [a.shape[0], a.shape[1], bb.shape[1]] as number[];
        return { kind: 'outer', a: outputAs(g, a, `grad_factor/${p.name}/a`), b: outputAs(g, bb, `grad_factor/${p.name}/b`), n: n!, rows: rows!, cols: cols! };
      }
      const v = grads.get(p)!;
      if (v.producer === null || g.outputs.some((o) => o.value === v)) {
        g.output(v, gradName(p.name)); // a constant gradient, or one already output: a copy under its own name
        return { kind: 'tensor', name: gradName(p.name) };
      }
      g.output(v);
      return { kind: 'tensor', name: v.name };
    });
    return finish(model, g, frozen, frozenWeights, {
      where, labels, lr: null, info, batch, imageShape, mu, wd, update, frozenRegularized, chosen, gradOutputs, convAsGemm: lowered.names,
      optimizer, betas, eps: adamEps, stepInputs: [],
      doc: `${where}: forward and backward; the caller applies ${recipe}`,
    });
  }

  const lr = optimizer === 'sgd' ? g.input('lr', { dtype: 'float32', shape: [] }) : null;
  const wFlat = trainable.map((p, i) => flat(p, info[i]!.size, `train/${p.name}/flat`));
  let gFlat = trainable.map((p, i) => flat(grads.get(p)!, info[i]!.size, `train/${p.name}/grad_flat`));
  const rawGrads = gFlat;
  const gradSq = b.concat(gFlat.map((v, i) => sumSquares(v, info[i]!.size, `train/${trainable[i]!.name}/grad_sq`)), 0, 'train/param_grad_sq');
  const gradNorm = b.unary('Sqrt', b.reduce('ReduceSum', gradSq, [0], false, 'train/grad_sq_total'), 'train/grad_norm');
  // slim's total loss: + weightDecay/2 * sum(w^2) over all regularised weights (in float64)
  let loss = b.cast(xent, 11, 'train/xent_f64');
  const reg = params.filter((p) => p.param!.regularized);
  if (wd > 0 && reg.length && optimizer === 'sgd') {
    const terms = reg.map((p) => {
      const i = trainable.indexOf(p);
      const size = p.shape.reduce((a: number, d) => a * Number(d), 1);
      return sumSquares(i >= 0 ? wFlat[i]! : flat(p, size, `train/${p.name}/flat`), size, `train/${p.name}/l2`);
    });
    const total = b.reduce('ReduceSum', terms.length === 1 ? terms[0]! : b.concat(terms, 0, 'train/l2_terms'), [0], false, 'train/l2_sum');
    loss = b.add(loss, b.mul(total, f64(g, wd / 2, 'half_weight_decay'), 'train/l2'), 'train/loss');
  }

  if (opts.clipNorm !== undefined) {
    const denom = b.add(gradNorm, f64(g, 1e-6, 'clip_eps'), 'train/clip_denom');
    const ratio = g.add1('Min', [b.div(f64(g, opts.clipNorm, 'clip_norm'), denom, 'train/clip_ratio'), f64(g, 1, 'one')], {}, 'train/clip_coef64');
    const coef = b.cast(ratio, 1, 'train/clip_coef');
    gFlat = gFlat.map((v, i) => b.mul(v, coef, `train/${trainable[i]!.name}/grad_clipped`));
  }

  const flatParams: FlatParam[] = trainable.map((p, i) => ({ name: p.name, size: info[i]!.size, regularized: info[i]!.regularized, weight: wFlat[i]!, grad: gFlat[i]! }));
  const { newWeights: newW, newState: newM, stepInputs } =
    optimizer === 'adamw'
      ? adamwGraphUpdate(g, flatParams, { weightDecay: wd, betas, eps: adamEps })
      : sgdGraphUpdate(g, flatParams, lr!, { weightDecay: wd, momentum: mu, nesterov: opts.nesterov ?? false });
  const weightSq = b.concat(newW.map((v, i) => sumSquares(v, info[i]!.size, `train/${trainable[i]!.name}/weight_sq`)), 0, 'train/param_weight_sq');

  g.output(loss, 'loss');
  g.output(xent, 'xent');
  g.output(correct, 'correct');
  g.output(gradNorm, 'grad_norm');
  g.output(gradSq, 'param_grad_sq');
  g.output(weightSq, 'param_weight_sq');
  // output names equal the producing nodes' names, so the writer adds no Identity copies
  for (const v of [...newW, ...newM]) g.output(v);
  const gradOutputs: GradOutput[] = !opts.gradientOutputs
    ? []
    : trainable.map((p, i) => {
        g.output(rawGrads[i]!, gradName(p.name));
        return { kind: 'tensor', name: gradName(p.name) };
      });
  return finish(model, g, frozen, frozenWeights, {
    where, labels, lr, info, batch, imageShape, mu, wd, update, frozenRegularized, chosen, gradOutputs, convAsGemm: lowered.names,
    optimizer, betas, eps: adamEps, stepInputs,
    doc: `${where}: ${recipe}`,
  });
}

interface Built {
  where: string;
  labels: Value;
  lr: Value | null;
  info: TrainableParam[];
  batch: number;
  imageShape: number[];
  mu: number;
  wd: number;
  update: 'graph' | 'host';
  frozenRegularized: string[];
  chosen: Record<string, ConvWeightGradMethod>;
  gradOutputs: GradOutput[];
  convAsGemm: string[];
  optimizer: Optimizer;
  betas: [number, number];
  eps: number;
  /** The optimizer's per-step scalar inputs other than lr (AdamW's). */
  stepInputs: Value[];
  doc: string;
}

/** Serialise the graph with the frozen weights as initializers, and describe it. */
function finish(model: BuiltModel, g: Graph, frozen: readonly Value[], frozenWeights: ReadonlyMap<string, Tensor>, o: Built): TrainGraph {
  const { where, labels, lr, info, batch, imageShape, mu, wd, update, frozenRegularized, chosen, gradOutputs, convAsGemm } = o;
  const weights = new Map<string, Tensor>();
  for (const p of frozen) {
    const t = frozenWeights.get(p.name);
    if (!t) throw new Error(`${where}: frozen parameter ${p.name} ${shapeStr(p.shape)} needs its weights`);
    weights.set(p.name, t);
  }
  const modelBytes = toOnnx(g, { weights, docString: o.doc, metadata: { model: model.name, kind: update === 'host' ? 'sgd-gradients' : o.optimizer === 'adamw' ? 'adamw-train-step' : 'sgd-train-step' } });
  const reserved = new Set([model.input, labels, ...(lr ? [lr] : []), ...o.stepInputs]);
  const live2 = g.reachable(g.outputs.map((o) => o.value));
  const state = /^(momentum|exp_avg|exp_avg_sq)\//;
  const extraInputs = g.inputs
    .filter((v) => !reserved.has(v) && !state.test(v.name) && live2.has(v))
    .map((v) => ({ name: v.name, dtype: v.dtype, shape: [...v.shape] }));
  return {
    model: modelBytes,
    graph: g,
    params: info,
    frozen: frozen.map((p) => p.name),
    batch,
    imagesInput: model.input.name,
    imageShape: [...imageShape],
    extraInputs,
    momentum: mu,
    optimizer: o.optimizer,
    betas: o.betas,
    eps: o.eps,
    update,
    weightDecay: wd,
    frozenRegularized,
    gradOutputs,
    convWeightGrad: chosen,
    convAsGemm,
  };
}
