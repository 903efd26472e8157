// Image classification: weights from any supported file (or the cached download), the
// model's own preprocessing, batched ORT inference, softmax and top-k with labels.
//
// Start-up is kept short by caching the ORT-optimised model in $ALEXNET_HOME/cache, keyed
// by model and the weights file's path, size and mtime (and its bundle config's), with what
// the weights are (classes, labels, preprocessing) recorded beside it: a warm start parses
// no weights file in any format and does not re-serialise 240 MB of ONNX. What an interrupted build
// leaves there is removed when the cache is next used (src/hub/cache.ts).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { imagenetClasses } from '../models/imagenet_classes.js';
import { type ImageInput, loadImageTensor, stackBatch } from '../data/preprocess.js';
import { PixelBudget } from '../data/pixel_budget.js';
import { DEFAULT_PIXEL_BUDGET, ImagePool } from '../data/pool.js';
import type { Tensor } from '../tensor.js';
import type { DecodeOptions } from '../data/decode.js';
import { cacheLimitBytes, pruneOptimizedModels, removeStaleTemporaries } from '../hub/cache.js';
import { getModel } from '../models/registry.js';
import type { ModelSpec } from '../models/types.js';
import { Session } from '../runtime/session.js';
import { weightsFileOf } from '../train/checkpoint.js';
import { alexnetHome } from '../weights/bundle.js';
import { locateWeights, resolveWeights, type WeightsIdentity, type WeightsInfo } from '../weights/resolve.js';

export interface ClassifierOptions {
  /** alexnet (default), bvlc_alexnet or alexnet_v2. */
  model?: string;
  /**
   * A weights file in any supported format, a training checkpoint directory, or a run
   * directory (its best checkpoint by validation top-1, else its newest); default the cached
   * download for the model. A run's classes and labels name the predictions.
   */
  weights?: string;
  /** Predictions per image (default 5; the number of classes gives all). */
  top?: number;
  /** Images per ORT run (default 16). */
  batchSize?: number;
  threads?: number;
  /** Cache the ORT-optimised model under $ALEXNET_HOME/cache (default true). */
  cache?: boolean;
  /** The cache's size bound: least recently used entries are removed past it (default $ALEXNET_CACHE_MB, else 2048 MB). */
  cacheMaxBytes?: number;
  /** How images are decoded, e.g. maxPixels (src/data/decode.ts). */
  decode?: DecodeOptions;
  /** Worker threads that decode and preprocess (default one per core; 0 decodes in this thread). */
  workers?: number;
  /** Told what takes seconds before the classifier is ready: building the ORT model cache. */
  onStatus?: (message: string) => void;
}

/** Called as each batch finishes: images done so far, of total, and that batch's results, in input order. */
export type OnBatch = (done: number, total: number, results: readonly ClassifyResult[]) => void;

export interface Prediction {
  index: number;
  wnid?: string;
  label: string;
  probability: number;
}

export type ClassifyResult = { file: string; predictions: Prediction[] } | { file: string; error: string };

export interface Classifier {
  readonly model: string;
  readonly numClasses: number;
  readonly weightsFile: string;
  /** Whether the session came from the optimised-model cache. */
  readonly fromCache: boolean;
  /** Whether the weights file was read (false when the cache entry described it). */
  readonly parsedWeights: boolean;
  /** One result per input, in order; a failed decode is an error entry, never a throw. */
  classify(input: ImageInput | readonly ImageInput[], onBatch?: OnBatch): Promise<ClassifyResult[]>;
  dispose(): Promise<void>;
}

/** What the model is built for: the input size and global_pool the weights were trained with, else the model's. */
function buildOf(spec: ModelSpec, w: WeightsInfo): { inputSize: [number, number]; globalPool?: true } {
  return { inputSize: w.inputSize ?? spec.defaultImageSize, ...(w.globalPool ? { globalPool: true as const } : {}) };
}

/** The cache entry of a model with a weights file, by the file's identity: known before the file is read. */
export function cacheKey(spec: ModelSpec, id: WeightsIdentity): string {
  const key = { v: 2, model: spec.name, file: resolve(id.file), size: id.size, mtimeMs: id.mtimeMs, sidecar: id.sidecar, ort: ort.env.versions.node };
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 16);
}

/** The file in a cache entry that records what its weights are (a WeightsInfo). */
const WEIGHTS_RECORD = 'weights.json';

async function readRecord(entry: string): Promise<WeightsInfo | null> {
  try {
    const w = JSON.parse(await readFile(join(entry, WEIGHTS_RECORD), 'utf8')) as WeightsInfo;
    const ok = Number.isInteger(w.numClasses) && typeof w.preprocess === 'string' && (w.labels === 'imagenet1k' || Array.isArray(w.labels));
    return ok ? w : null;
  } catch {
    return null; // an entry from before records were kept, or damaged: rebuilt
  }
}

interface Opened {
  session: Session;
  w: WeightsInfo;
  fromCache: boolean;
  parsedWeights: boolean;
}

async function openSession(spec: ModelSpec, file: string | undefined, opts: ClassifierOptions): Promise<Opened> {
  const sessionOpts = opts.threads ? { threads: opts.threads } : {};
  const id = await locateWeights(spec, file);
  const maxBytes = opts.cache === false ? 0 : (opts.cacheMaxBytes ?? cacheLimitBytes());
  // A cache entry is a directory holding model.onnx, its weights as external data
  // (weights.bin, memory-mapped by ORT on load) and the record of what the weights are
  // (weights.json); it appears by an atomic rename when whole.
  const cacheDir = join(alexnetHome(), 'cache');
  const entry = join(cacheDir, `${spec.name}-${cacheKey(spec, id)}`);
  const cached = join(entry, 'model.onnx');
  if (opts.cache !== false) {
    await removeStaleTemporaries(cacheDir);
    const w = existsSync(cached) ? await readRecord(entry) : null;
    try {
      // Already optimised for this machine: skip ORT's graph passes, and weight pre-packing,
      // most of a cold start for no measurable gain per batch (docs/design/runtime.md).
      if (w) {
        const session = await Session.create(cached, { ...sessionOpts, optimization: 'disabled', prepack: false });
        const now = new Date();
        await utimes(entry, now, now).catch(() => undefined); // its last use, for eviction
        return { session, w, fromCache: true, parsedWeights: false };
      }
    } catch {
      // a damaged cache entry is rebuilt
    }
    await rm(entry, { recursive: true, force: true });
  }
  // Cache miss: read the weights, build, load and serialise. These modules load only here (cold start).
  if (opts.cache !== false) opts.onStatus?.('building the ORT model cache (once per weights file)...');
  const [{ softmax }, { modelBytes }, { matchWeights, requireAllWeights }, { modelGraph }] = await Promise.all([
    import('../graph/build.js'),
    import('../runtime/compile.js'),
    import('../weights/mapping.js'),
    import('../models/assemble.js'),
  ]);
  const { tensors, ...w } = await resolveWeights(spec, id.file);
  const m = spec.build({ numClasses: w.numClasses, ...buildOf(spec, w) });
  const weights = requireAllWeights(m, matchWeights(m, await tensors()), w.file);
  const bytes = modelBytes(modelGraph(m, { logits: m.output, probabilities: softmax(m.output, -1, 'probabilities') }), weights);
  if (opts.cache === false) return { session: await Session.create(bytes, sessionOpts), w, fromCache: false, parsedWeights: true };
  const tmp = `${entry}.${process.pid}.tmp`;
  await mkdir(tmp, { recursive: true });
  const session = await Session.create(bytes, { ...sessionOpts, optimizedModelPath: join(tmp, 'model.onnx'), optimizedExternalData: 'weights.bin' });
  await writeFile(join(tmp, WEIGHTS_RECORD), JSON.stringify(w) + '\n');
  // A concurrent process may have made the same entry first; then ours is dropped.
  await rename(tmp, entry).catch(() => rm(tmp, { recursive: true, force: true }));
  await pruneOptimizedModels(cacheDir, maxBytes, basename(entry));
  return { session, w, fromCache: false, parsedWeights: true };
}

function labeler(w: WeightsInfo): (i: number) => { wnid?: string; label: string } {
  if (w.labels === 'imagenet1k') {
    const classes = imagenetClasses();
    if (w.numClasses !== classes.length) return (i) => ({ label: `class_${i}` });
    return (i) => ({ wnid: classes[i]!.wnid, label: classes[i]!.label });
  }
  const labels = w.labels;
  return (i) => ({ label: labels[i] ?? `class_${i}` });
}

function topK(p: Float32Array, k: number, label: ReturnType<typeof labeler>): Prediction[] {
  const idx = Array.from(p.keys()).sort((a, c) => p[c]! - p[a]! || a - c);
  return idx.slice(0, k).map((i) => ({ index: i, ...label(i), probability: p[i]! }));
}

function inputName(input: ImageInput, i: number): string {
  if (typeof input === 'string') return input;
  if (Buffer.isBuffer(input)) return `<buffer ${i}>`;
  return `<rgb ${i}>`;
}

export async function createClassifier(opts: ClassifierOptions = {}): Promise<Classifier> {
  const spec = getModel(opts.model ?? 'alexnet');
  const file = opts.weights === undefined ? undefined : weightsFileOf(opts.weights);
  // Images are decoded and preprocessed in worker threads, which start here and load sharp
  // while this thread loads the model; later each batch is prepared while ORT runs the
  // previous one on this thread (its run() does not yield).
  // One worker per core, not cores - 1: ORT's run() holds this thread, and with a single
  // worker its JS (resize, normalise) waits behind its own decode callbacks
  // (docs/design/data-path.md).
  // Decoded images in flight are bounded by their pixels (src/data/pixel_budget.ts).
  const pool = opts.workers === 0 ? null : new ImagePool(opts.workers ?? availableParallelism());
  const budget = pool ? null : new PixelBudget(DEFAULT_PIXEL_BUDGET);
  let opened: Awaited<ReturnType<typeof openSession>>;
  try {
    opened = await openSession(spec, file, opts);
  } catch (e) {
    await pool?.close();
    throw e;
  }
  const { session, w, fromCache, parsedWeights } = opened;
  const batches = new Batches(spec, w, session, pool, budget, opts);
  return {
    model: spec.name,
    numClasses: w.numClasses,
    weightsFile: w.file,
    fromCache,
    parsedWeights,
    classify: (input, onBatch) => batches.classify(Array.isArray(input) ? input : [input as ImageInput], onBatch),
    async dispose() {
      await pool?.close();
      await session.dispose();
    },
  };
}

/**
 * Batch memory, reused from batch to batch: the workers write each image into its slot of
 * `slots` (shared), and this thread copies the slots that decoded into `batch` for ORT,
 * which refuses shared memory. Fresh arrays per image and per batch would cost CPU time in
 * zero-filling and page faults (docs/design/data-path.md).
 */
interface BatchMemory {
  slots: SharedArrayBuffer | null;
  batch: Float32Array;
}

/** A classifier's batches: each prepared (in the pool's workers) while ORT runs the one before. */
class Batches {
  /** A classify() call takes the spare memory, or makes its own when another call holds it. */
  private spare: BatchMemory | null = null;
  private readonly top: number;
  private readonly batchSize: number;
  private readonly size: ModelSpec['defaultImageSize'];
  /** Floats per image. */
  private readonly each: number;
  private readonly label: ReturnType<typeof labeler>;

  constructor(
    private readonly spec: ModelSpec,
    private readonly w: WeightsInfo,
    private readonly session: Session,
    private readonly pool: ImagePool | null,
    /** Without a pool, decoded pixels in flight are bounded here (with one, by the pool). */
    private readonly budget: PixelBudget | null,
    private readonly opts: ClassifierOptions,
  ) {
    this.label = labeler(w);
    this.top = Math.min(opts.top ?? 5, w.numClasses);
    this.batchSize = opts.batchSize ?? 16;
    this.size = buildOf(spec, w).inputSize;
    this.each = 3 * this.size[0] * this.size[1];
  }

  async classify(inputs: readonly ImageInput[], onBatch?: OnBatch): Promise<ClassifyResult[]> {
    const { batchSize } = this;
    const results: ClassifyResult[] = new Array(inputs.length);
    const jobs: Promise<Tensor<'float32'>>[] = [];
    const mem = this.takeMemory();
    const startBatch = (b0: number) => {
      for (let i = b0; i < Math.min(b0 + batchSize, inputs.length); i++) {
        const job = this.prepare(inputs[i]!, inputName(inputs[i]!, i), i - b0, mem);
        job.catch(() => undefined); // settled below; no unhandled rejection meanwhile
        jobs[i] = job;
      }
    };
    startBatch(0);
    for (let start = 0; start < inputs.length; start += batchSize) {
      const end = Math.min(start + batchSize, inputs.length);
      const settled = await Promise.allSettled(jobs.slice(start, end));
      const ok: number[] = [];
      const tensors: Tensor<'float32'>[] = [];
      settled.forEach((st, j) => {
        if (st.status === 'fulfilled') {
          ok.push(start + j);
          tensors.push(st.value);
        } else results[start + j] = { file: inputName(inputs[start + j]!, start + j), error: (st.reason as Error).message };
      });
      // Copied out of the slots first: then the workers may fill them with the next batch
      // while ORT runs this one.
      const x = ok.length ? stackBatch(tensors, mem.batch) : null;
      startBatch(start + batchSize);
      if (x) await this.predict(x, ok, inputs, results);
      onBatch?.(end, inputs.length, results.slice(start, end));
    }
    this.spare = mem;
    return results;
  }

  /** Run the batch `x` of the inputs numbered `ok`, and put their top-k into `results`. */
  private async predict(x: Tensor<'float32'>, ok: readonly number[], inputs: readonly ImageInput[], results: ClassifyResult[]): Promise<void> {
    const out = await this.session.run({ input: x }, ['probabilities']);
    const probs = out['probabilities']!.data as Float32Array;
    const c = this.w.numClasses;
    ok.forEach((i, r) => {
      results[i] = { file: inputName(inputs[i]!, i), predictions: topK(probs.subarray(r * c, (r + 1) * c), this.top, this.label) };
    });
  }

  private takeMemory(): BatchMemory {
    const n = this.batchSize * this.each;
    const m = this.spare ?? { slots: this.pool ? new SharedArrayBuffer(n * 4) : null, batch: new Float32Array(n) };
    this.spare = null;
    return m;
  }

  /** Decode and preprocess one input, in a worker into its slot of `mem`, or in this thread without a pool. */
  private async prepare(input: ImageInput, name: string, slot: number, mem: BatchMemory): Promise<Tensor<'float32'>> {
    if (typeof input !== 'string' && !Buffer.isBuffer(input) && (!(input.data instanceof Uint8Array) || input.data.length !== input.width * input.height * 3)) {
      throw new Error(`${name}: raw input must be RGB bytes, width*height*3 = ${input.width * input.height * 3}, got ${input.data?.length}`);
    }
    const decode = { limitName: 'decode.maxPixels', ...this.opts.decode, name };
    const opts = { size: this.size, layout: this.spec.inputLayout };
    const { each } = this;
    if (this.pool) return this.pool.run({ input, name, preset: this.w.preprocess, opts, decode, into: { buffer: mem.slots!, offset: slot * each, length: each } });
    let release: (() => void) | undefined;
    const admit = async (width: number, height: number) => (release = await this.budget!.acquire(width * height));
    return loadImageTensor(input, this.w.preprocess, opts, { ...decode, admit }).finally(() => release?.());
  }
}
