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
//          `running/<name>` (float32, in the parameter's shape): the next value of each
//          running statistic in TrainGraph.state.
// Frozen parameters are initializers: no gradient is computed for them or for anything
// that only leads to them. Running statistics that the step updates (BatchNormalization
// in training mode, src/nn/norm.ts: Net.stateUpdates) are inputs named like the
// parameter, never trainable, and no optimizer, weight decay or L2 term touches them; a
// frozen layer's batch norm (BuildOptions.frozen) runs in inference mode and its
// statistics are frozen initializers like its weights.
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
// update: 'host' stops after the backward pass: the graph has no optimizer-state or
// scalar inputs and outputs `xent`, `correct` and every raw gradient, or for an fc weight
// the two factors of it (TrainGraph.gradOutputs names them; see ./grad_outputs.ts); the
// caller takes the norms, adds the L2 term and applies the update (Trainer, with the
// optimizers' host forms in src/optim and the native kernels of native/; see
// docs/design/host-update.md). 'graph' (the default here) is the whole step in ONNX, for
// any runtime (./graph_update.ts).
//
// The builder runs in stages, one function each: check the options, lower small convs,
// pick the trainable and frozen parameters, add the loss, the backward pass, then the
// gradient outputs or the update, and serialise.
import { type Graph, isTrainable, type Node, type Value } from '../graph/graph.js';
import * as b from '../graph/build.js';
import { int, isStatic, str } from '../graph/types.js';
import { toOnnx } from '../graph/onnx_writer.js';
import { gradients, type ConvWeightGradMethod } from '../grad/index.js';
import { defaultConvWeightGrad } from '../grad/conv_weight_grad.js';
import { lowerSmallConvs, SMALL_CONV_PIXELS } from '../passes/conv_gemm.js';
import { ADAMW_DEFAULTS, type Optimizer, OPTIMIZERS } from '../optim/optimizers.js';
import type { BuiltModel } from '../models/types.js';
import type { Tensor } from '../tensor.js';
import { shapeStr } from '../tensor.js';
import { type GemmUse, gemmWeights, type GradOutput, hostGradOutputs } from './grad_outputs.js';
import { graphUpdate, type UpdateSettings } from './graph_update.js';

export { gradName, type GradOutput } from './grad_outputs.js';

/** The output that carries a running statistic's next value. */
export const runningName = (name: string) => `running/${name}`;

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
  /**
   * Parameters to train, by name; default all trainable ones. The others are frozen.
   * Non-trainable parameters named here (running statistics) are left to their layer.
   */
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
   * in ./grad_outputs.ts): 'host' (default) outputs its two factors, the Gemm's input and the gradient of
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
  /** Running statistics the step updates: inputs named like the parameter, outputs runningName(name). */
  state: TrainableParam[];
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


/** The options checked, with their defaults filled in. */
interface Settings extends UpdateSettings {
  /** Names the graph in errors and in its doc string. */
  where: string;
  batch: number;
  imageShape: number[];
  update: 'graph' | 'host';
  gemmWeightGrad: 'graph' | 'host';
  labelSmoothing: number;
  smallConvPixels: number;
}

/** The parameters the logits (and the running statistics' updates) depend on, and which of them are trained. */
interface Params {
  all: Value[];
  trainable: Value[];
  /** Running statistics updated by the step (training-mode batch norms). */
  state: Value[];
  frozen: Value[];
  info: TrainableParam[];
  stateInfo: TrainableParam[];
}

/**
 * Append the training step to a model's graph (built with isTraining: true and a numeric
 * batch) and serialise it. The model's graph is extended in place: build one per call.
 */
export function buildTrainGraph(model: BuiltModel, frozenWeights: ReadonlyMap<string, Tensor>, opts: TrainGraphOptions): TrainGraph {
  const g = model.graph;
  const set = checkOptions(model, opts);
  const lowered = lowerSmallConvs(g, set.smallConvPixels);
  const logits = logitsOf(lowered.replaced.get(model.output) ?? model.output, set);
  const updates = new Map(model.net.stateUpdates.map((u) => [u.param, u.next]));
  const params = selectParams(g, logits, opts.trainable, set.where, updates);
  for (const p of params.state) g.output(updates.get(p)!, runningName(p.name));
  const labels = g.input('labels', { dtype: 'int64', shape: [set.batch] });
  const { xent, correct } = lossAndAccuracy(g, logits, labels, set.labelSmoothing);
  const { grads, outer, chosen } = backward(g, xent, params.trainable, set, new Set(lowered.gemms), opts.convWeightGrad ?? {});
  const parts = { labels, chosen, convAsGemm: lowered.names };
  if (set.update === 'host') {
    g.output(xent, 'xent');
    g.output(correct, 'correct');
    const gradOutputs = hostGradOutputs(g, params.trainable, outer, grads);
    return finish(model, set, params, frozenWeights, { ...parts, lr: null, stepInputs: [], gradOutputs, doc: `${set.where}: forward and backward; the caller applies ${recipe(set)}` });
  }
  const step = graphUpdate(g, { trainable: params.trainable, info: params.info, params: params.all, grads, xent, correct }, set, opts.gradientOutputs ?? false);
  return finish(model, set, params, frozenWeights, { ...parts, ...step, doc: `${set.where}: ${recipe(set)}` });
}

function checkOptions(model: BuiltModel, opts: TrainGraphOptions): Settings {
  const g = model.graph;
  const where = `train graph for ${model.name}`;
  const imageShape = model.input.shape;
  if (!isStatic(imageShape)) throw new Error(`${where}: the input must have a static shape, got ${shapeStr(imageShape)}; build the model with batch: <n>`);
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
  const eps = opts.eps ?? ADAMW_DEFAULTS.eps;
  if (optimizer === 'adamw') {
    if (mu !== 0 || opts.nesterov) throw new Error(`${where}: AdamW takes betas, not momentum; got momentum ${mu}${opts.nesterov ? ' with nesterov' : ''}`);
    if (!betas.every((x) => x >= 0 && x < 1) || !(eps > 0)) throw new Error(`${where}: bad AdamW settings betas=${betas.join(',')} eps=${eps}; betas must be in [0, 1) and eps > 0`);
  }
  const update = opts.update ?? 'graph';
  if (update !== 'graph' && update !== 'host') throw new Error(`${where}: update must be 'graph' or 'host', got ${String(update)}`);
  const gemmWeightGrad = opts.gemmWeightGrad ?? 'host';
  if (gemmWeightGrad !== 'graph' && gemmWeightGrad !== 'host') throw new Error(`${where}: gemmWeightGrad must be 'graph' or 'host', got ${String(gemmWeightGrad)}`);
  const labelSmoothing = opts.labelSmoothing ?? 0;
  if (!(labelSmoothing >= 0 && labelSmoothing < 1)) throw new Error(`${where}: label smoothing must be in [0, 1), got ${opts.labelSmoothing}`);
  const smallConvPixels = opts.smallConvGemm ?? SMALL_CONV_PIXELS;
  if (!(Number.isInteger(smallConvPixels) && smallConvPixels >= 0)) throw new Error(`${where}: smallConvGemm must be a whole number of pixels, got ${opts.smallConvGemm}`);
  return {
    where, batch: imageShape[0]!, imageShape, update, gemmWeightGrad, labelSmoothing, smallConvPixels,
    optimizer, weightDecay: wd, momentum: mu, nesterov: opts.nesterov ?? false, betas, eps, clipNorm: opts.clipNorm,
  };
}

/** The optimizer and its settings, for the graph's doc string. */
function recipe(set: Settings): string {
  const opt = set.optimizer === 'adamw'
    ? `AdamW betas (${set.betas.join(', ')}), eps ${set.eps}, decoupled weight decay ${set.weightDecay}`
    : `SGD momentum ${set.momentum}${set.nesterov ? ' (nesterov)' : ''}, weight decay ${set.weightDecay}`;
  return opt + (set.labelSmoothing > 0 ? `, label smoothing ${set.labelSmoothing}` : '');
}

/** The logits as [N, classes]: a [N, 1, 1, classes] output is reshaped. */
function logitsOf(output: Value, set: Settings): Value {
  let logits = output;
  if (logits.shape.length === 4 && logits.shape[1] === 1 && logits.shape[2] === 1) logits = b.reshape(logits, [set.batch, Number(logits.shape[3])], 'train/logits');
  if (logits.shape.length !== 2) throw new Error(`${set.where}: logits must be [N, classes], got ${shapeStr(logits.shape)}`);
  return logits;
}

/** The parameters the logits depend on, split into the trainable ones (`names`; default all) and the frozen ones. */
function selectParams(g: Graph, logits: Value, names: readonly string[] | undefined, where: string, updated: ReadonlyMap<Value, Value>): Params {
  const live = g.reachable([logits, ...updated.values()]);
  const all = g.params.filter((p) => live.has(p));
  const known = new Set(all.map((p) => p.name));
  const wanted = new Set(names ?? all.map((p) => p.name));
  for (const n of wanted) {
    if (!known.has(n)) throw new Error(`${where}: no parameter ${n}; parameters are ${[...known].join(', ')}`);
  }
  const trainable = all.filter((p) => wanted.has(p.name) && isTrainable(p));
  const state = all.filter((p) => updated.has(p));
  const frozen = all.filter((p) => !trainable.includes(p) && !updated.has(p));
  if (trainable.length === 0) throw new Error(`${where}: nothing to train`);
  const describe = (p: Value): TrainableParam => {
    if (!isStatic(p.shape)) throw new Error(`${where}: parameter ${p.name} has a symbolic shape ${shapeStr(p.shape)}`);
    return { name: p.name, shape: [...p.shape], size: p.shape.reduce((a, d) => a * d, 1), regularized: p.param!.regularized, layer: p.param!.layer };
  };
  return { all, trainable, state, frozen, info: trainable.map(describe), stateInfo: state.map(describe) };
}

/** The batch-mean cross-entropy (against smoothed targets with smoothing > 0) and the top-1 hits, int64. */
function lossAndAccuracy(g: Graph, logits: Value, labels: Value, smoothing: number): { xent: Value; correct: Value } {
  const [nll, logProb] = g.add('SoftmaxCrossEntropyLoss', [logits, labels], { reduction: str('mean') }, { outputs: 2, name: 'train/xent' });
  // with smoothing, the mean over the batch and the classes of log p is the uniform part of the target
  const xent = smoothing > 0
    ? b.sub(
        b.mul(nll!, b.f32(g, 1 - smoothing, 'smoothing_keep'), 'train/nll_part'),
        b.mul(b.reduce('ReduceMean', logProb!, [0, 1], false, 'train/mean_log_prob'), b.f32(g, smoothing, 'label_smoothing'), 'train/uniform_part'),
        'train/xent_smoothed',
      )
    : nll!;
  const predicted = g.add1('ArgMax', [logits], { axis: int(1), keepdims: int(0) }, 'train/predicted');
  const hits = b.cast(g.add1('Equal', [predicted, labels], {}, 'train/hits'), 7, 'train/hits_i64');
  return { xent, correct: b.reduce('ReduceSum', hits, [0], false, 'train/correct') };
}

/**
 * The backward pass from `xent` to the trainable parameters; for a Gemm weight whose
 * gradient the host forms (grad_outputs.ts), to the Gemm's output instead. `chosen`
 * records the dW formulation of each conv.
 */
function backward(g: Graph, xent: Value, trainable: readonly Value[], set: Settings, loweredGemms: ReadonlySet<string>, overrides: Readonly<Record<string, ConvWeightGradMethod>>) {
  const chosen: Record<string, ConvWeightGradMethod> = {};
  const outer = set.update === 'host' && set.gemmWeightGrad === 'host' ? gemmWeights(g, trainable, loweredGemms) : new Map<Value, GemmUse>();
  const wrt = [...trainable.filter((p) => !outer.has(p)), ...[...outer.values()].map((u) => u.y)];
  const grads = gradients(g, xent, wrt, { convWeightGrad: convPolicy(overrides, chosen) });
  return { grads, outer, chosen };
}

/** The parts of the step that finish() records. */
interface StepParts {
  labels: Value;
  lr: Value | null;
  /** The optimizer's per-step scalar inputs other than lr (AdamW's). */
  stepInputs: Value[];
  gradOutputs: GradOutput[];
  chosen: Record<string, ConvWeightGradMethod>;
  convAsGemm: string[];
  doc: string;
}

/** Serialise the graph with the frozen weights as initializers, and describe it. */
function finish(model: BuiltModel, set: Settings, params: Params, frozenWeights: ReadonlyMap<string, Tensor>, o: StepParts): TrainGraph {
  const g = model.graph;
  const { frozen } = params;
  const weights = new Map<string, Tensor>();
  for (const p of frozen) {
    const t = frozenWeights.get(p.name);
    if (!t) throw new Error(`${set.where}: frozen parameter ${p.name} ${shapeStr(p.shape)} needs its weights`);
    weights.set(p.name, t);
  }
  const kind = set.update === 'host' ? 'sgd-gradients' : set.optimizer === 'adamw' ? 'adamw-train-step' : 'sgd-train-step';
  const modelBytes = toOnnx(g, { weights, docString: o.doc, metadata: { model: model.name, kind } });
  const reserved = new Set([model.input, o.labels, ...(o.lr ? [o.lr] : []), ...o.stepInputs]);
  const live = g.reachable(g.outputs.map((out) => out.value));
  const state = /^(momentum|exp_avg|exp_avg_sq)\//;
  const extraInputs = g.inputs
    .filter((v) => !reserved.has(v) && !state.test(v.name) && live.has(v))
    .map((v) => ({ name: v.name, dtype: v.dtype, shape: [...v.shape] }));
  return {
    model: modelBytes,
    graph: g,
    params: params.info,
    state: params.stateInfo,
    frozen: frozen.map((p) => p.name),
    batch: set.batch,
    imagesInput: model.input.name,
    imageShape: [...set.imageShape],
    extraInputs,
    momentum: set.momentum,
    optimizer: set.optimizer,
    betas: set.betas,
    eps: set.eps,
    update: set.update,
    weightDecay: set.weightDecay,
    frozenRegularized: frozen.filter((p) => p.param!.regularized).map((p) => p.name),
    gradOutputs: o.gradOutputs,
    convWeightGrad: o.chosen,
    convAsGemm: o.convAsGemm,
  };
}
