// Evaluating weights on a labelled dataset (`alexnet eval`): any weight file, a checkpoint
// directory, or a training run's directory (its best checkpoint by validation top-1, else
// its newest). Classes, labels and input size come from a bundle's config when it
// has them; 1000 classes without a config are ImageNet's. An ImageFolder's directories are
// matched to the weights' classes by name (ImageNet's by WordNet id or label; see
// src/data/class_index.ts), so a folder with fewer classes than the model still scores
// each image against the right index.
import { weightsClassIndex } from '../data/class_index.js';
import { openDataset, randomSubset } from '../data/datasets.js';
import type { DecodeOptions } from '../data/decode.js';
import { Loader } from '../data/loader.js';
import { ImagePool } from '../data/pool.js';
import { getModel } from '../models/registry.js';
import { matchWeights, requireAllWeights } from '../weights/mapping.js';
import { resolveWeights } from '../weights/resolve.js';
import { weightsFileOf } from './checkpoint.js';
import { Evaluator, type EvalMetrics } from './evaluate.js';

export interface EvalOptions {
  model: string;
  /** A weight file, a checkpoint directory, or a run directory. */
  weights: string;
  data: string;
  inputSize?: [number, number];
  /** alexnet_v2: slim's global_pool (default: as the weights were trained). */
  globalPool?: boolean;
  /** Default: the file's. */
  classes?: number;
  batch?: number;
  /** Evaluate a seeded random subset of this many samples (the one `train --val-limit N --seed 0` uses). */
  limit?: number;
  threads?: number;
  workers?: number;
  /** How images are decoded (e.g. maxPixels, src/data/decode.ts). */
  decode?: DecodeOptions;
  /** A phase starts: reading the weights, building the session, evaluating. */
  onStatus?: (message: string) => void;
  /** After each batch: images scored so far, and in all. */
  onProgress?: (done: number, total: number) => void;
}

export interface EvalReport extends EvalMetrics {
  weights: string;
  classes: string[];
  /** What opening the data skipped or found odd (src/data/datasets.ts), and each image that could not be decoded, one line each. */
  warnings: string[];
}

export async function evaluateWeights(o: EvalOptions): Promise<EvalReport> {
  const spec = getModel(o.model);
  const file = weightsFileOf(o.weights);
  // what the weights were trained for (their bundle config, else what their tensors say); the options override it
  o.onStatus?.(`reading ${file}`);
  const r = await resolveWeights(spec, file);
  const numClasses = o.classes ?? r.numClasses;
  const inputSize = o.inputSize ?? r.inputSize ?? spec.defaultImageSize;
  const globalPool = o.globalPool ?? r.globalPool ?? false;
  const build = { numClasses, inputSize, ...(globalPool ? { globalPool } : {}) };
  const m = spec.build(build);
  const weights = requireAllWeights(m, matchWeights(m, await r.tensors()), file);
  const named = weightsClassIndex(r.labels, numClasses);
  let ds = await openDataset(o.data, { split: 't10k', numClasses, ...(named ? { classes: named } : {}) });
  const warnings = [...(ds.warnings ?? [])];
  // the subset `alexnet train --val-limit N --seed 0` validates on
  if (o.limit !== undefined) ds = randomSubset(ds, o.limit, 0, 'val-limit');
  const workers = o.workers ?? 1;
  const pool = workers > 0 ? new ImagePool(workers) : null;
  o.onStatus?.(`building the ${spec.name} session`);
  const evaluator = await Evaluator.create(spec, build, weights, o.threads ? { threads: o.threads } : {});
  try {
    const onSkip = (name: string, message: string) => warnings.push(`skipped ${message.startsWith(name) ? message : `${name}: ${message}`}`);
    const loader = new Loader(ds, { batch: o.batch ?? 32, preset: spec.preprocess, size: inputSize, shuffle: false, seed: 0, dropLast: false, pool, onSkip, decode: { limitName: 'decode.maxPixels', ...o.decode } });
    const total = ds.size;
    o.onProgress?.(0, total);
    const metrics = await evaluator.evaluate(loader, undefined, (done) => o.onProgress?.(done, total));
    const classes = Array.from({ length: numClasses }, (_, i) => named?.names[i] ?? ds.classes[i] ?? `class_${i}`);
    return { ...metrics, weights: file, classes, warnings };
  } finally {
    await evaluator.dispose();
    await pool?.close();
  }
}
