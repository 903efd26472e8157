// One model's measurements. prepareModel saves it ORT-optimised with its weights (or
// seeded ones); measureModel, in whichever process runs it (./child.ts runs it in a fresh
// one), loads that, takes its first result on one image (the cold start), times the
// batches, and runs the data through it, keeping each image's top-5 and penultimate
// features.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Value } from '../graph/graph.js';
import type { RgbImage } from '../data/image.js';
import { loadImageTensor, stackBatch } from '../data/preprocess.js';
import { loadWeights } from '../hub/load.js';
import { generate } from '../nn/init.js';
import { randomWeights } from '../models/params.js';
import { getModel } from '../models/registry.js';
import type { BuiltModel, ModelSpec, PreprocessName } from '../models/types.js';
import { modelBytes } from '../runtime/compile.js';
import { Session } from '../runtime/session.js';
import type { Tensor } from '../tensor.js';
import type { ComparePhase } from './types.js';

export interface MeasureJob {
  model: string;
  /** A weights file, or null for seeded random weights. */
  weightsFile: string | null;
  batch: readonly number[];
  runs: number;
  warmup: number;
  threads: number;
  inputSize?: [number, number];
  seed: number;
  /** Images to run through the model after timing, in order (none without --data). */
  images: readonly string[];
  /** Images per batch of that pass. */
  dataBatch: number;
}

export interface MeasureResult {
  msPerImage: Record<string, number>;
  imagesPerSec: Record<string, number>;
  coldStartS: number;
  /** Peak RSS after loading and timing, set by the child process that ran the job. */
  peakRssMB: number | null;
  numClasses: number;
  /** The weights' classes are ImageNet-1k's. */
  imagenet1k: boolean;
  inputSize: [number, number];
  /** Per data image: the 5 best class indices, best first (n x 5). */
  top5: Int32Array;
  /** Per data image: the penultimate features (n x featureDim). */
  features: Float32Array;
  featureDim: number;
  /** Per data image: 1 when it failed to decode (its rows are zero). */
  failed: Uint8Array;
  /** Seconds of the forward pass over the data. */
  dataSeconds: number;
}

export type MeasureProgress = (phase: ComparePhase, done: number, total: number) => void;

/**
 * The input of the layer that holds the classifier's weight: the features the last layer
 * sees. The weight may pass through constant-only nodes first (a Transpose of HWIO to
 * OIHW, a Reshape for Gemm); the layer is the first node that also takes data.
 */
export function penultimate(m: BuiltModel, spec: ModelSpec): Value {
  const derived = new Set<Value>(m.graph.params.filter((p) => p.name === spec.classifier.weight));
  const fixed = (v: Value | null) => !v || derived.has(v) || v.kind === 'param' || v.kind === 'const';
  for (const n of m.graph.nodes) {
    if (!n.inputs.some((v) => v && derived.has(v))) continue;
    const x = n.inputs.find((v) => !fixed(v));
    if (x) return x;
    n.outputs.forEach((v) => derived.add(v));
  }
  throw new Error(`${spec.name}: no layer takes the classifier weight ${spec.classifier.weight}`);
}

/** What the prepared model is: its classes, preprocessing and input size. */
export interface Prepared {
  /** The ORT-optimised model, with its weights as external data beside it. */
  file: string;
  /** Outputs per image: the classes, or the features' width for features-only weights. */
  numClasses: number;
  imagenet1k: boolean;
  preprocess: PreprocessName;
  inputSize: [number, number];
}

interface Loaded extends Prepared {
  session: Session;
}

/**
 * Read the weights (or seed them), build the model with its logits and penultimate
 * features as outputs, and save it ORT-optimised into `dir`, as classify's model cache
 * does (src/classify/classifier.ts): measuring then starts from what a warm
 * `alexnet classify` loads.
 */
export async function prepareModel(job: MeasureJob, dir: string): Promise<Prepared> {
  const spec = getModel(job.model);
  const lw = job.weightsFile === null ? null : await loadWeights(spec.name, job.weightsFile);
  const numClasses = lw?.config.numClasses ?? spec.defaultNumClasses;
  const inputSize = job.inputSize ?? lw?.config.inputSize ?? spec.defaultImageSize;
  const globalPool = lw?.config.globalPool && spec.options.includes('globalPool') ? { globalPool: true } : {};
  const m = spec.build({ numClasses, inputSize, ...globalPool });
  const weights = lw ? lw.weights : randomWeights(m, job.seed);
  // Features-only weights (Keras's _notop files: 0 classes) have no classifier: their output is the features.
  const features = numClasses > 0 ? penultimate(m, spec) : m.output;
  const bytes = modelBytes({ graph: m.graph, outputs: { logits: m.output, features } }, weights);
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'model.onnx');
  const s = await Session.create(bytes, { threads: job.threads, optimizedModelPath: file, optimizedExternalData: 'weights.bin' });
  await s.dispose();
  const outputs = numClasses > 0 ? numClasses : m.output.shape.slice(1).reduce<number>((n, d) => n * Number(d), 1);
  return { file, numClasses: outputs, imagenet1k: lw?.config.imagenet1k ?? false, preprocess: lw?.config.preprocess ?? spec.preprocess, inputSize };
}

/** Load the prepared model as classify loads a cached one: no further graph passes, no pre-packing. */
async function load(p: Prepared, job: MeasureJob): Promise<Loaded> {
  const session = await Session.create(p.file, { threads: job.threads, optimization: 'disabled', prepack: false });
  return { ...p, session };
}

/** A seeded 320x240 image for the cold start's first result: the same for every model, with or without data. */
function syntheticImage(seed: number): RgbImage {
  const data = Uint8Array.from(generate({ kind: 'uniform', low: 0, high: 255 }, 320 * 240 * 3, seed, 'compare-image'), (v) => v);
  return { data, width: 320, height: 240 };
}

export const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k]! : (s[k - 1]! + s[k]!) / 2;
}

/** Median ms per batch after warm-up, for each batch size, on seeded input. */
async function timeBatches(l: Loaded, spec: ModelSpec, job: MeasureJob, progress: MeasureProgress): Promise<Pick<MeasureResult, 'msPerImage' | 'imagesPerSec'>> {
  const msPerImage: Record<string, number> = {};
  const imagesPerSec: Record<string, number> = {};
  const [h, w] = l.inputSize;
  const total = job.batch.length * (job.warmup + job.runs);
  let done = 0;
  for (const b of job.batch) {
    const shape = spec.inputLayout === 'NHWC' ? [b, h, w, 3] : [b, 3, h, w];
    const x: Tensor<'float32'> = { dtype: 'float32', shape, data: generate({ kind: 'uniform', low: -1, high: 1 }, b * 3 * h * w, job.seed, 'compare-input') };
    const times: number[] = [];
    for (let r = 0; r < job.warmup + job.runs; r++) {
      const t0 = performance.now();
      await l.session.run({ input: x }, ['logits']);
      if (r >= job.warmup) times.push(performance.now() - t0);
      progress('time', ++done, total);
    }
    const ms = median(times);
    msPerImage[b] = round(ms / b, 3);
    imagesPerSec[b] = round((1000 * b) / ms, 2);
  }
  return { msPerImage, imagesPerSec };
}

/** The indices of the k largest values of each row of `logits` (rows x c), best first. */
export function topKRows(logits: Float32Array, c: number, k: number): Int32Array {
  const rows = logits.length / c;
  const out = new Int32Array(rows * k);
  for (let r = 0; r < rows; r++) {
    const row = logits.subarray(r * c, (r + 1) * c);
    const idx = Array.from(row.keys()).sort((a, b) => row[b]! - row[a]! || a - b);
    for (let j = 0; j < k; j++) out[r * k + j] = idx[j] ?? -1;
  }
  return out;
}

/** The data pass: top-5 and features of every image, in batches; an image that fails to decode is marked in `failed` and left at zero. */
async function runData(l: Loaded, spec: ModelSpec, job: MeasureJob, progress: MeasureProgress) {
  const n = job.images.length;
  const top5 = new Int32Array(n * 5).fill(-1);
  const failed = new Uint8Array(n);
  let features = new Float32Array(0);
  let dim = 0;
  const t0 = performance.now();
  for (let s = 0; s < n; s += job.dataBatch) {
    const files = job.images.slice(s, s + job.dataBatch);
    const settled = await Promise.allSettled(files.map((f) => loadImageTensor(f, l.preprocess, { size: l.inputSize, layout: spec.inputLayout })));
    const ok = settled.flatMap((r, j) => (r.status === 'fulfilled' ? [{ i: s + j, t: r.value }] : ((failed[s + j] = 1), [])));
    if (ok.length) {
      const out = await l.session.run({ input: stackBatch(ok.map((o) => o.t)) }, ['logits', 'features']);
      const f = out['features']!.data as Float32Array;
      if (!dim) (dim = f.length / ok.length), (features = new Float32Array(n * dim));
      const top = topKRows(out['logits']!.data as Float32Array, l.numClasses, 5);
      ok.forEach((o, r) => {
        features.set(f.subarray(r * dim, (r + 1) * dim), o.i * dim);
        top5.set(top.subarray(r * 5, r * 5 + 5), o.i * 5);
      });
    }
    progress('features', s + files.length, n);
  }
  return { top5, features, featureDim: dim, failed, dataSeconds: (performance.now() - t0) / 1000 };
}

/**
 * Load the prepared model, its first result on one image (the cold start), the timed
 * batches, then the data pass; `peakRss` (if given) is read after timing, before the data
 * pass holds the features.
 */
export async function measureModel(job: MeasureJob, prepared: Prepared, progress: MeasureProgress = () => {}, peakRss?: () => number): Promise<MeasureResult> {
  const spec = getModel(job.model);
  const t0 = performance.now();
  const l = await load(prepared, job);
  try {
    const first = await loadImageTensor(syntheticImage(job.seed), l.preprocess, { size: l.inputSize, layout: spec.inputLayout });
    await l.session.run({ input: first }, ['logits']);
    const coldStartS = round((performance.now() - t0) / 1000, 3);
    progress('load', 1, 1);
    const timing = await timeBatches(l, spec, job, progress);
    const peakRssMB = peakRss ? peakRss() : null;
    const data = await runData(l, spec, job, progress);
    return { ...timing, coldStartS, peakRssMB, numClasses: l.numClasses, imagenet1k: l.imagenet1k, inputSize: l.inputSize, ...data };
  } finally {
    await l.session.dispose();
  }
}
