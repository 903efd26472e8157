// The configuration of a training run: what `alexnet train` flags and the library's
// train() options resolve to, stored in every checkpoint so `--resume` continues the same
// run. Defaults are written out here and nowhere else.
import type { AugmentMode } from '../data/augment.js';
import { AUGMENT_MODES } from '../data/augment.js';
import type { DecodeOptions } from '../data/decode.js';
import { INIT_SCHEMES, type InitScheme } from '../models/params.js';
import type { BuiltModel, ModelSpec } from '../models/types.js';
import { NAN_BACKOFF, NAN_POLICIES, NAN_RETRIES, type NanPolicy } from './guard.js';
import { checkSchedule, type ScheduleKind } from '../optim/schedule.js';
import { ADAMW_DEFAULTS, OPTIMIZERS, type Optimizer } from '../optim/optimizers.js';

export interface TrainOptions {
  /** Registry name: alexnet, bvlc_alexnet or alexnet_v2. */
  model: string;
  /** Training data: an ImageFolder, a `path label` list file, or IDX (see src/data/datasets.ts). */
  data: string;
  /** Validation data (same layouts; an IDX directory gives its t10k split). */
  val?: string;
  /** Or hold out this fraction of the training data for validation. */
  valSplit?: number;
  /** Classes of the last layer; default the training data's. */
  classes?: number;
  /** Network input [height, width]; default the model's. */
  inputSize?: [number, number];
  /** alexnet_v2: average fc7 over space (slim's global_pool), for inputs other than 224. */
  globalPool?: boolean;
  epochs: number;
  batch: number;
  lr: number;
  /** 'sgd' (default: with momentum, PyTorch's rule) or 'adamw' (torch.optim.AdamW; src/optim/adamw.ts). */
  optimizer?: Optimizer;
  /** SGD only. Default 0.9. */
  momentum?: number;
  nesterov?: boolean;
  /** AdamW only: (beta1, beta2), default (0.9, 0.999). */
  betas?: [number, number];
  /** Default the model's arg scope (slim 0.0005, torchvision 1e-4, Caffe 5e-4); AdamW decouples it. */
  weightDecay?: number;
  schedule?: ScheduleKind;
  stepEpochs?: number;
  gamma?: number;
  minLr?: number;
  warmupSteps?: number;
  /** Clip the gradient to this global L2 norm (torch.nn.utils.clip_grad_norm_). */
  clipNorm?: number;
  /** Probability of keeping a unit in dropout layers; default 0.5. */
  dropoutKeepProb?: number;
  /** Label smoothing of the cross-entropy, as torch.nn.CrossEntropyLoss(label_smoothing); default 0. */
  labelSmoothing?: number;
  /** Layers to train (e.g. fc8, fc7); the others are frozen, with no gradient computed. Default all. */
  trainLayers?: string[];
  /** Initial weights in any supported format; default the model's initialisers with the seed. */
  weights?: string;
  /** Layers re-initialised with the model's initialisers after loading --weights. */
  reinit?: string[];
  /** Initialisers of parameters not loaded from weights: the model's (default) or kaiming (src/models/params.ts). */
  init?: InitScheme;
  augment?: AugmentMode;
  flip?: boolean;
  seed?: number;
  nanPolicy?: NanPolicy;
  /** reduce-lr: learning-rate reductions before giving up. Default 10. */
  nanRetries?: number;
  /** reduce-lr: the factor of each reduction, in (0, 1). Default 0.5. */
  nanBackoff?: number;
  /** Run directory: checkpoints, log.jsonl. */
  out: string;
  /** Newest checkpoints kept (the best by validation top-1 is kept too). Default 3. */
  keep?: number;
  /** Also checkpoint every N steps (0: only at the end of each epoch). */
  checkpointEvery?: number;
  /** TensorBoard event files here; none when unset. */
  logdir?: string;
  /** JSONL and TensorBoard scalars every N steps. Default 10. */
  logEvery?: number;
  /** TensorBoard histograms of weights and gradients every N steps (0: never). Default 100. */
  histogramEvery?: number;
  /** Use a seeded random subset of this many training / validation samples. */
  trainLimit?: number;
  valLimit?: number;
  /** Stop after this many updates in total (the run can be resumed to go on). */
  maxSteps?: number;
  /** ORT intra-op threads; default one per core. */
  threads?: number;
  /** Image worker threads; default cores - 1 (at least 1); 0 decodes on the main thread. */
  workers?: number;
  /** How images are decoded (e.g. maxPixels, src/data/decode.ts). */
  decode?: DecodeOptions;
}

/** Everything resolved: what a checkpoint stores. */
export interface TrainConfig {
  model: string;
  data: string;
  val: string | null;
  valSplit: number | null;
  classes: number;
  classNames: string[];
  inputSize: [number, number];
  globalPool: boolean;
  epochs: number;
  batch: number;
  lr: number;
  /** 'sgd' unless chosen; absent from checkpoints written before it existed (read as 'sgd'). */
  optimizer: Optimizer;
  /** SGD's momentum (0 for AdamW). */
  momentum: number;
  nesterov: boolean;
  /** AdamW's betas ([0.9, 0.999] unless chosen; stored for SGD runs too, unused). */
  betas: [number, number];
  weightDecay: number;
  schedule: ScheduleKind;
  stepEpochs: number;
  gamma: number;
  minLr: number;
  warmupSteps: number;
  clipNorm: number | null;
  dropoutKeepProb: number;
  /** 0 when off; absent from checkpoints written before it existed (read as 0). */
  labelSmoothing: number;
  /** Resolved layer names (null: all). */
  trainLayers: string[] | null;
  weights: string | null;
  reinit: string[];
  /** 'model' unless chosen; absent from checkpoints written before it existed (read as 'model'). */
  init: InitScheme;
  augment: AugmentMode;
  flip: boolean;
  seed: number;
  nanPolicy: NanPolicy;
  /** Absent from checkpoints written before they existed (read as the defaults). */
  nanRetries: number;
  nanBackoff: number;
  keep: number;
  checkpointEvery: number;
  logEvery: number;
  histogramEvery: number;
  trainLimit: number | null;
  valLimit: number | null;
}

/** Options that may differ when resuming (they do not change the arithmetic). */
export const RESUMABLE_OVERRIDES = ['epochs', 'data', 'val', 'out', 'logdir', 'maxSteps', 'nanRetries', 'threads', 'workers', 'keep', 'checkpointEvery', 'logEvery', 'histogramEvery'] as const;

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(what);
}

const posInt = (v: number | undefined, name: string, min = 1) => check(v === undefined || (Number.isInteger(v) && v >= min), `${name} must be an integer >= ${min}, got ${v}`);

/** Validate and fill in defaults (classes and class names come from the data). */
/** `modelWeightDecay` is the built model's arg-scope decay (BuiltModel.weightDecay), used unless weightDecay is given. */
export function resolveConfig(o: TrainOptions, spec: ModelSpec, dataClasses: readonly string[], modelWeightDecay: number): TrainConfig {
  posInt(o.epochs, 'epochs');
  posInt(o.batch, 'batch');
  posInt(o.classes, 'classes');
  posInt(o.keep, 'keep');
  posInt(o.checkpointEvery, 'checkpointEvery', 0);
  posInt(o.logEvery, 'logEvery');
  posInt(o.histogramEvery, 'histogramEvery', 0);
  posInt(o.trainLimit, 'trainLimit');
  posInt(o.valLimit, 'valLimit');
  posInt(o.warmupSteps, 'warmupSteps', 0);
  posInt(o.seed, 'seed', 0);
  posInt(o.nanRetries, 'nanRetries', 0);
  check(o.nanBackoff === undefined || (o.nanBackoff > 0 && o.nanBackoff < 1), `NaN back-off must be in (0, 1), got ${o.nanBackoff}`);
  check(o.momentum === undefined || (o.momentum >= 0 && o.momentum < 1), `momentum must be in [0, 1), got ${o.momentum}`);
  check(o.weightDecay === undefined || o.weightDecay >= 0, `weight decay must be >= 0, got ${o.weightDecay}`);
  check(o.clipNorm === undefined || o.clipNorm > 0, `clip norm must be > 0, got ${o.clipNorm}`);
  check(o.dropoutKeepProb === undefined || (o.dropoutKeepProb > 0 && o.dropoutKeepProb <= 1), `dropout keep probability must be in (0, 1], got ${o.dropoutKeepProb}`);
  check(o.labelSmoothing === undefined || (o.labelSmoothing >= 0 && o.labelSmoothing < 1), `label smoothing must be in [0, 1), got ${o.labelSmoothing}`);
  check(o.valSplit === undefined || (o.valSplit > 0 && o.valSplit < 1), `validation split must be in (0, 1), got ${o.valSplit}`);
  check(!(o.val && o.valSplit), 'give either a validation path or a validation split, not both');
  check(o.augment === undefined || AUGMENT_MODES.includes(o.augment), `augment must be one of ${AUGMENT_MODES.join(', ')}, got ${o.augment}`);
  check(o.init === undefined || INIT_SCHEMES.includes(o.init), `init must be one of ${INIT_SCHEMES.join(', ')}, got ${o.init}`);
  check(o.nanPolicy === undefined || NAN_POLICIES.includes(o.nanPolicy), `NaN policy must be one of ${NAN_POLICIES.join(', ')}, got ${o.nanPolicy}`);
  check(!(o.nesterov && o.momentum === 0), 'nesterov needs momentum > 0');
  check(o.optimizer === undefined || OPTIMIZERS.includes(o.optimizer), `optimizer must be one of ${OPTIMIZERS.join(', ')}, got ${o.optimizer}`);
  const adamw = o.optimizer === 'adamw';
  check(!adamw || (o.momentum === undefined && !o.nesterov), 'AdamW takes betas (--betas B1,B2), not momentum or nesterov');
  check(adamw || o.betas === undefined, 'betas are an AdamW setting; choose the optimizer adamw');
  check(o.betas === undefined || (o.betas.length === 2 && o.betas.every((b) => b >= 0 && b < 1)), `betas must be two numbers in [0, 1), got ${o.betas?.join(',')}`);
  const classes = o.classes ?? dataClasses.length;
  check(classes >= dataClasses.length, `--classes ${classes} is fewer than the ${dataClasses.length} classes in the data`);
  const inputSize = o.inputSize ?? spec.defaultImageSize;
  check(inputSize[0] >= spec.minSize[0] && inputSize[1] >= spec.minSize[1], `input ${inputSize[0]}x${inputSize[1]} is smaller than ${spec.name}'s minimum of ${spec.minSize[0]}x${spec.minSize[1]} (${spec.minSizeReason})`);
  check(!o.globalPool || spec.options.includes('globalPool'), `global pooling is not an option of ${spec.name}`);
  const cfg: TrainConfig = {
    model: spec.name,
    data: o.data,
    val: o.val ?? null,
    valSplit: o.valSplit ?? null,
    classes,
    classNames: Array.from({ length: classes }, (_, i) => dataClasses[i] ?? `class_${i}`),
    inputSize,
    globalPool: o.globalPool ?? false,
    epochs: o.epochs,
    batch: o.batch,
    lr: o.lr,
    optimizer: o.optimizer ?? 'sgd',
    momentum: adamw ? 0 : (o.momentum ?? 0.9),
    nesterov: o.nesterov ?? false,
    betas: o.betas ?? [...ADAMW_DEFAULTS.betas],
    weightDecay: o.weightDecay ?? modelWeightDecay,
    schedule: o.schedule ?? 'constant',
    stepEpochs: o.stepEpochs ?? 30,
    gamma: o.gamma ?? 0.1,
    minLr: o.minLr ?? 0,
    warmupSteps: o.warmupSteps ?? 0,
    clipNorm: o.clipNorm ?? null,
    dropoutKeepProb: o.dropoutKeepProb ?? 0.5,
    labelSmoothing: o.labelSmoothing ?? 0,
    trainLayers: o.trainLayers ?? null,
    weights: o.weights ?? null,
    reinit: o.reinit ?? [],
    init: o.init ?? 'model',
    augment: o.augment ?? 'none',
    flip: o.flip ?? false,
    seed: o.seed ?? 0,
    nanPolicy: o.nanPolicy ?? 'reduce-lr',
    nanRetries: o.nanRetries ?? NAN_RETRIES,
    nanBackoff: o.nanBackoff ?? NAN_BACKOFF,
    keep: o.keep ?? 3,
    checkpointEvery: o.checkpointEvery ?? 0,
    logEvery: o.logEvery ?? 10,
    histogramEvery: o.histogramEvery ?? 100,
    trainLimit: o.trainLimit ?? null,
    valLimit: o.valLimit ?? null,
  };
  checkSchedule({ kind: cfg.schedule, lr: cfg.lr, stepEpochs: cfg.stepEpochs, gamma: cfg.gamma, minLr: cfg.minLr, warmupSteps: cfg.warmupSteps });
  return cfg;
}

/** A checkpoint's saved configuration, with the fields added since it was written at their defaults. */
export function savedConfig(saved: Record<string, unknown>): TrainConfig {
  return { labelSmoothing: 0, init: 'model', optimizer: 'sgd', betas: [...ADAMW_DEFAULTS.betas], nanRetries: NAN_RETRIES, nanBackoff: NAN_BACKOFF, ...saved } as TrainConfig;
}

/** A layer's name without the model's scope ('alexnet_v2/fc8' -> 'fc8'). */
export function shortLayer(layer: string): string {
  const i = layer.lastIndexOf('/');
  return i < 0 ? layer : layer.slice(i + 1);
}

/** The model's layers with parameters, in graph order. */
export function paramLayers(m: BuiltModel): string[] {
  const out: string[] = [];
  for (const p of m.graph.params) if (!out.includes(p.param!.layer)) out.push(p.param!.layer);
  return out;
}

/**
 * Layer names as users write them (fc8, alexnet_v2/fc8, classifier.6) to the model's layer
 * scopes; an unknown name is an error listing the valid ones.
 */
export function resolveLayers(m: BuiltModel, names: readonly string[], flag: string): string[] {
  const layers = paramLayers(m);
  return names.map((n) => {
    if (layers.includes(n)) return n;
    const hits = layers.filter((l) => shortLayer(l) === n);
    if (hits.length === 1) return hits[0]!;
    throw new Error(`${flag}: ${m.name} has no layer ${JSON.stringify(n)}; layers with parameters: ${layers.map(shortLayer).join(', ')}`);
  });
}

/** The layers a fine-tune of `trainLayers` keeps frozen: every other layer with parameters (BuildOptions.frozen). */
export function frozenLayers(m: BuiltModel, trainLayers: readonly string[]): Set<string> {
  return new Set(paramLayers(m).filter((l) => !trainLayers.includes(l)));
}

/** Parameter names of the given layers, in graph order. */
export function layerParams(m: BuiltModel, layers: readonly string[]): string[] {
  return m.graph.params.filter((p) => layers.includes(p.param!.layer)).map((p) => p.name);
}
