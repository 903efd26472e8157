// Image classification: weights from any supported file (or the cached download), the
// model's own preprocessing, batched ORT inference, softmax and top-k with labels.
//
// Start-up is kept short by caching the ORT-optimised model in $ALEXNET_HOME/cache, keyed
// by model, input size, classes, and the weights file's path, size and mtime: a warm start
// neither reads the weights nor re-serialises 240 MB of ONNX.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as b from '../graph/build.js';
import { imagenetClasses } from '../data/labels.js';
import { type ImageInput, preprocess, stackBatch } from '../data/preprocess.js';
import { ImagePool } from '../data/pool.js';
import type { Tensor } from '../tensor.js';
import { decodeImage, type DecodeOptions } from '../data/decode.js';
import type { RgbImage } from '../data/image.js';
import { getModel } from '../models/registry.js';
import type { BuiltModel, ModelSpec } from '../models/types.js';
import { modelBytes } from '../runtime/compile.js';
import { Session } from '../runtime/session.js';
import { matchWeights, requireAllWeights } from '../weights/mapping.js';
import { alexnetHome } from '../weights/native.js';
import { resolveWeights, type ResolvedWeights } from '../weights/resolve.js';

export interface ClassifierOptions {
  /** alexnet (default), bvlc_alexnet or alexnet_v2. */
  model?: string;
  /** A weights file in any supported format; default the cached download for the model. */
  weights?: string;
  /** Predictions per image (default 5; the number of classes gives all). */
  top?: number;
  /** Images per ORT run (default 16). */
  batchSize?: number;
  threads?: number;
  /** Cache the ORT-optimised model under $ALEXNET_HOME/cache (default true). */
  cache?: boolean;
  decode?: DecodeOptions;
  /** Worker threads that decode and preprocess (default cores - 1; 0 decodes in this thread). */
  workers?: number;
}

/** Fewer images than this are prepared in-thread: starting workers costs more. */
const POOL_THRESHOLD = 4;

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
  /** One result per input, in order; a failed decode is an error entry, never a throw. */
  classify(input: ImageInput | readonly ImageInput[], onBatch?: (done: number, total: number) => void): Promise<ClassifyResult[]>;
  dispose(): Promise<void>;
}

export function cacheKey(spec: ModelSpec, w: ResolvedWeights): string {
  const id = { v: 1, model: spec.name, input: spec.defaultImageSize, classes: w.numClasses, file: resolve(w.file), size: w.size, mtimeMs: w.mtimeMs, ort: ort.env.versions.node };
  return createHash('sha256').update(JSON.stringify(id)).digest('hex').slice(0, 16);
}

function withProbabilities(m: BuiltModel) {
  return { logits: m.output, probabilities: b.softmax(m.output, -1, 'probabilities') };
}

async function openSession(spec: ModelSpec, w: ResolvedWeights, opts: ClassifierOptions): Promise<{ session: Session; fromCache: boolean }> {
  const sessionOpts = opts.threads ? { threads: opts.threads } : {};
  const cacheDir = join(alexnetHome(), 'cache');
  const cached = join(cacheDir, `${spec.name}-${cacheKey(spec, w)}.onnx`);
  if (opts.cache !== false && existsSync(cached)) {
    try {
      // Already optimised for this machine: skip ORT's graph passes, and weight pre-packing,
      // which was 0.8 s of a 1.0 s start for no measurable gain per batch.
      return { session: await Session.create(cached, { ...sessionOpts, optimization: 'disabled', prepack: false }), fromCache: true };
    } catch {
      await unlink(cached).catch(() => undefined); // a damaged cache entry is rebuilt
    }
  }
  const m = spec.build({ numClasses: w.numClasses, inputSize: spec.defaultImageSize });
  const weights = requireAllWeights(m, matchWeights(m, await w.tensors()), w.file);
  const bytes = modelBytes(m, weights, withProbabilities(m));
  if (opts.cache === false) return { session: await Session.create(bytes, sessionOpts), fromCache: false };
  await mkdir(cacheDir, { recursive: true });
  const tmp = `${cached}.${process.pid}.tmp`;
  const session = await Session.create(bytes, { ...sessionOpts, optimizedModelPath: tmp });
  await rename(tmp, cached).catch(() => unlink(tmp).catch(() => undefined));
  return { session, fromCache: false };
}

function labeler(w: ResolvedWeights): (i: number) => { wnid?: string; label: string } {
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
  const w = await resolveWeights(spec, opts.weights);
  const { session, fromCache } = await openSession(spec, w, opts);
  const label = labeler(w);
  const top = Math.min(opts.top ?? 5, w.numClasses);
  const batchSize = opts.batchSize ?? 16;
  const layout = spec.inputLayout;
  const size = spec.defaultImageSize;

  // Images are decoded and preprocessed in worker threads while ORT runs the previous
  // batch on this thread (its run() does not yield). A handful of images is faster in-thread
  // than starting the workers (each loads sharp).
  let pool: ImagePool | null = null;
  const prepare = (input: ImageInput, name: string): Promise<Tensor<'float32'>> => {
    if (pool) return pool.run({ input, name, preset: w.preprocess, opts: { size, layout }, ...(opts.decode ? { decode: opts.decode } : {}) });
    return prepareHere(input, name);
  };
  async function prepareHere(input: ImageInput, name: string): Promise<Tensor<'float32'>> {
    let img: RgbImage;
    if (typeof input === 'string' || Buffer.isBuffer(input)) img = await decodeImage(input, { ...opts.decode, name });
    else {
      if (!(input.data instanceof Uint8Array) || input.data.length !== input.width * input.height * 3) {
        throw new Error(`${name}: raw input must be RGB bytes, width*height*3 = ${input.width * input.height * 3}, got ${input.data?.length}`);
      }
      img = input;
    }
    return preprocess(img, w.preprocess, { size, layout });
  }

  return {
    model: spec.name,
    numClasses: w.numClasses,
    weightsFile: w.file,
    fromCache,
    async classify(input, onBatch) {
      const inputs: readonly ImageInput[] = Array.isArray(input) ? input : [input as ImageInput];
      if (!pool && inputs.length > POOL_THRESHOLD && opts.workers !== 0) pool = new ImagePool(opts.workers);
      const results: ClassifyResult[] = new Array(inputs.length);
      const jobs: Promise<Tensor<'float32'>>[] = [];
      const startBatch = (b0: number) => {
        for (let i = b0; i < Math.min(b0 + batchSize, inputs.length); i++) {
          const job = prepare(inputs[i]!, inputName(inputs[i]!, i));
          job.catch(() => undefined); // settled below; no unhandled rejection meanwhile
          jobs[i] = job;
        }
      };
      startBatch(0);
      for (let start = 0; start < inputs.length; start += batchSize) {
        const end = Math.min(start + batchSize, inputs.length);
        const settled = await Promise.allSettled(jobs.slice(start, end));
        startBatch(start + batchSize); // the workers prepare the next batch while ORT runs this one
        const ok: number[] = [];
        const tensors: Tensor<'float32'>[] = [];
        settled.forEach((st, j) => {
          if (st.status === 'fulfilled') {
            ok.push(start + j);
            tensors.push(st.value);
          } else results[start + j] = { file: inputName(inputs[start + j]!, start + j), error: (st.reason as Error).message };
        });
        if (ok.length) {
          const out = await session.run({ input: stackBatch(tensors) }, ['probabilities']);
          const probs = out['probabilities']!.data as Float32Array;
          const c = w.numClasses;
          ok.forEach((i, r) => {
            results[i] = { file: inputName(inputs[i]!, i), predictions: topK(probs.subarray(r * c, (r + 1) * c), top, label) };
          });
        }
        onBatch?.(end, inputs.length);
      }
      return results;
    },
    async dispose() {
      await pool?.close();
      await session.dispose();
    },
  };
}
