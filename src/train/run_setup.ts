// Setting up a training run: the configuration (fresh, or from the checkpoint being
// resumed), the datasets and loaders, the model, its starting weights.
import { availableParallelism } from 'node:os';
import { checkLabels, checkTrainingClasses, openDataset, randomSubset, splitValidation, type Dataset } from '../data/datasets.js';
import type { DecodeOptions } from '../data/decode.js';
import { Loader } from '../data/loader.js';
import { ImagePool } from '../data/pool.js';
import { getModel } from '../models/registry.js';
import type { BuildOptions, BuiltModel, ModelSpec } from '../models/types.js';
import type { SessionOptions } from '../runtime/session.js';
import type { Tensor } from '../tensor.js';
import { latestCheckpoint, readCheckpoint, type LoadedCheckpoint } from './checkpoint.js';
import { frozenLayers, layerParams, resolveConfig, savedConfig, resolveLayers, RESUMABLE_OVERRIDES, type TrainConfig, type TrainOptions } from './config.js';
import { initialWeights } from './init_weights.js';
import { Trainer } from './trainer.js';

/** Resume the run in `resume` (its newest checkpoint); other fields override the saved configuration where allowed. */
export type ResumeOptions = { resume: string } & Partial<TrainOptions>;

export interface RunSetup {
  cfg: TrainConfig;
  spec: ModelSpec;
  out: string;
  logdir: string | null;
  maxSteps: number | null;
  threads: number | undefined;
  train: Dataset;
  val: Dataset | null;
  pool: ImagePool | null;
  /** How the loaders decode images (TrainOptions.decode). */
  decode: DecodeOptions;
  /** The model's build options for training (batch, dropout masks as inputs) and evaluation. */
  build: BuildOptions;
  buildTrain: () => BuiltModel;
  model: BuiltModel;
  weights: Map<string, Tensor>;
  /** Trainable parameter names (undefined: all). */
  trainable: string[] | undefined;
  resumed: LoadedCheckpoint | null;
  messages: string[];
}

const limit = (ds: Dataset, n: number | null, seed: number, stream: string): Dataset => (n === null ? ds : randomSubset(ds, n, seed, stream));

export async function setupRun(opts: TrainOptions | ResumeOptions): Promise<RunSetup> {
  const opened = await openRun(opts);
  const { cfg, spec, resumed, messages } = opened;
  const out = opts.out ?? (opts as ResumeOptions).resume;
  if (!out) throw new Error('train: an output directory (out) is required');
  const { train, val } = await openValidation(cfg, opened.train, messages);

  const build: BuildOptions = {
    numClasses: cfg.classes,
    inputSize: cfg.inputSize,
    ...(cfg.globalPool ? { globalPool: true } : {}),
  };
  // a fine-tune's frozen layers: their batch norms run in inference mode (BuildOptions.frozen)
  let frozen: Set<string> | undefined;
  const buildTrain = () => spec.build({ ...build, batch: cfg.batch, isTraining: true, dropoutKeepProb: cfg.dropoutKeepProb, dropoutMasks: 'input', ...(frozen ? { frozen } : {}) });
  let model = buildTrain();
  if (Number.isNaN(cfg.weightDecay)) cfg.weightDecay = model.weightDecay;

  // layer names as given on the command line become the model's scopes, stored resolved
  if (!resumed) {
    if (cfg.trainLayers) cfg.trainLayers = resolveLayers(model, cfg.trainLayers, '--train-layers');
    cfg.reinit = resolveLayers(model, cfg.reinit, '--reinit');
  }
  if (cfg.trainLayers) {
    frozen = frozenLayers(model, cfg.trainLayers);
    if (model.net.stateUpdates.some((u) => frozen!.has(u.param.param!.layer))) model = buildTrain();
  }
  const trainable = cfg.trainLayers ? layerParams(model, cfg.trainLayers) : undefined;
  const weights = await startingWeights(model, cfg, resumed, messages);

  const workers = opts.workers ?? Math.max(1, availableParallelism() - 1);
  return {
    cfg,
    spec,
    out,
    logdir: opts.logdir ?? null,
    maxSteps: opts.maxSteps ?? null,
    threads: opts.threads,
    train,
    val,
    pool: workers > 0 ? new ImagePool(workers) : null,
    decode: { limitName: 'decode.maxPixels', ...opts.decode },
    build,
    buildTrain,
    model,
    weights,
    trainable,
    resumed,
    messages,
  };
}

/** The configuration and the training set: fresh from `opts`, or as saved in the checkpoint being resumed. */
async function openRun(opts: TrainOptions | ResumeOptions): Promise<{ cfg: TrainConfig; spec: ModelSpec; train: Dataset; resumed: LoadedCheckpoint | null; messages: string[] }> {
  const messages: string[] = [];
  let resumed: LoadedCheckpoint | null = null;
  let cfg: TrainConfig;
  let spec: ModelSpec;
  let train: Dataset;
  if ('resume' in opts && opts.resume) {
    resumed = await readCheckpoint(latestCheckpoint(opts.resume).dir);
    cfg = savedConfig(resumed.state.config);
    applyOverrides(cfg, opts, resumed.dir);
    spec = getModel(cfg.model);
    train = await openDataset(cfg.data, { split: 'train', numClasses: cfg.classes });
    messages.push(`resuming ${resumed.dir}: step ${resumed.state.step}, epoch ${resumed.state.epoch + 1}`);
  } else {
    const o = opts as TrainOptions;
    spec = getModel(o.model);
    train = await openDataset(o.data, { split: 'train', ...(o.classes !== undefined ? { numClasses: o.classes } : {}) });
    cfg = resolveConfig(o, spec, train.classes, NaN); // the model's decay is filled in once it is built
  }
  checkTrainingClasses(train);
  messages.push(...(train.warnings ?? []));
  return { cfg, spec, train, resumed, messages };
}

/** Options given with --resume: the resumable ones replace the saved values; any other must equal its saved value. */
function applyOverrides(cfg: TrainConfig, opts: ResumeOptions, dir: string): void {
  for (const [k, v] of Object.entries(opts)) {
    if (v === undefined || k === 'resume' || k === 'decode') continue; // decode: how images are read, not part of the run
    if ((RESUMABLE_OVERRIDES as readonly string[]).includes(k)) {
      if (k in cfg) (cfg as unknown as Record<string, unknown>)[k] = v;
      continue;
    }
    const saved = (cfg as unknown as Record<string, unknown>)[k];
    if (JSON.stringify(saved) !== JSON.stringify(v)) {
      throw new Error(`--resume: ${k} ${JSON.stringify(v)} differs from the run's ${JSON.stringify(saved)} (${dir}); only ${RESUMABLE_OVERRIDES.join(', ')} may change`);
    }
  }
}

/** The training set limited as configured, and the validation set: its own, or split off the training set. */
async function openValidation(cfg: TrainConfig, all: Dataset, messages: string[]): Promise<{ train: Dataset; val: Dataset | null }> {
  let train = limit(all, cfg.trainLimit, cfg.seed, 'train-limit');
  let val: Dataset | null = null;
  if (cfg.val) {
    val = await openDataset(cfg.val, { split: 't10k', classes: train.kind === 'folder' ? train.classes : undefined, numClasses: cfg.classes });
    messages.push(...(val.warnings ?? []));
  } else if (cfg.valSplit) ({ train, val } = splitValidation(train, cfg.valSplit, cfg.seed));
  if (val) val = limit(val, cfg.valLimit, cfg.seed, 'val-limit');
  checkLabels(train, cfg.classes);
  if (val) checkLabels(val, cfg.classes);
  return { train, val };
}

/** The weights a run starts from: the checkpoint's when resuming, else initialWeights' (init_weights.ts). */
async function startingWeights(model: BuiltModel, cfg: TrainConfig, resumed: LoadedCheckpoint | null, messages: string[]): Promise<Map<string, Tensor>> {
  if (resumed) {
    const weights = resumed.weights;
    const missing = model.graph.params.filter((p) => !weights.has(p.name)).map((p) => p.name);
    if (missing.length) throw new Error(`${resumed.dir}: checkpoint lacks ${missing.slice(0, 3).join(', ')}`);
    return weights;
  }
  const init = await initialWeights(model, { weights: cfg.weights, reinit: cfg.reinit, seed: cfg.seed, init: cfg.init });
  messages.push(...init.messages);
  return init.weights;
}

export function makeLoaders(s: RunSetup, onSkip: (name: string, message: string) => void): { train: Loader; val: Loader | null } {
  const { cfg, spec } = s;
  const common = { preset: spec.preprocess, size: cfg.inputSize, seed: cfg.seed, pool: s.pool, onSkip, decode: s.decode };
  return {
    train: new Loader(s.train, { ...common, batch: cfg.batch, shuffle: true, augment: { mode: cfg.augment, flip: cfg.flip }, dropLast: true }),
    val: s.val ? new Loader(s.val, { ...common, batch: cfg.batch, shuffle: false, dropLast: false }) : null,
  };
}

/** The run's Trainer, with the optimizer settings of its configuration. */
export function createTrainer(s: RunSetup, session: SessionOptions): Promise<Trainer> {
  const { cfg } = s;
  return Trainer.create(s.model, s.weights, {
    optimizer: cfg.optimizer,
    momentum: cfg.momentum,
    nesterov: cfg.nesterov,
    ...(cfg.optimizer === 'adamw' ? { betas: cfg.betas } : {}),
    weightDecay: cfg.weightDecay,
    ...(cfg.clipNorm !== null ? { clipNorm: cfg.clipNorm } : {}),
    labelSmoothing: cfg.labelSmoothing,
    ...(s.trainable ? { trainable: s.trainable } : {}),
    session,
  });
}
