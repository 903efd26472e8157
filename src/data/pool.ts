// A pool of worker threads that decode and preprocess images, so the main thread can keep
// ONNX Runtime busy (its run() holds the calling thread) while the next batch is prepared.
// Used by classify and by training's data loader.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Tensor } from '../tensor.js';
import type { SampleTransform } from './augment.js';
import type { DecodeOptions } from './decode.js';
import type { GreyImage, RgbImage } from './image.js';
import type { PreprocessOptions, PresetName } from './preprocess.js';
import { PixelBudget } from './pixel_budget.js';
import type { Admitted, GreyJob, PoolJob, PoolReply, SharedSlot } from './preprocess_worker.js';

export type { SharedSlot };

// Compiled, the worker is the .js beside this file. Under tsx (tests, tools) the sources are
// .ts, and tsx's hooks are not active in a new thread until registered there, so the
// worker starts from a one-line bootstrap that registers them and imports the .ts.
const DEV = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(`./preprocess_worker${DEV ? '.ts' : '.js'}`, import.meta.url);

function startWorker(): Worker {
  if (!DEV) return new Worker(WORKER_URL);
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(boot, { eval: true });
}

export interface PoolTask {
  input: string | Uint8Array | RgbImage;
  name: string;
  preset: PresetName;
  opts: PreprocessOptions;
  decode?: DecodeOptions;
  /** Training and evaluation samples: replaces preset and opts (see ./augment.ts). */
  transform?: SampleTransform;
  /**
   * Write the tensor into these float32 values of a shared buffer (a batch slot) instead of
   * a new array sent back: no allocation, page faults or transfer per image. The tensor
   * the task resolves to views the slot.
   */
  into?: SharedSlot;
}

/**
 * Pixels of images decoded and preprocessed at once by a pool, by default: about 300 MB of
 * decoded RGB. An image larger than the budget is decoded alone.
 */
export const DEFAULT_PIXEL_BUDGET = 100_000_000;

export interface PoolOptions {
  /** Pixels in flight across the workers (default DEFAULT_PIXEL_BUDGET); see ./pixel_budget.ts. */
  pixelBudget?: number;
}

interface Pending {
  into?: SharedSlot;
  /** Gives the job's pixels back to the budget once admitted. */
  release?: () => void;
  resolve: (t: Tensor<'float32'>) => void;
  reject: (e: Error) => void;
  worker: Worker;
}

export class ImagePool {
  private readonly workers: Worker[] = [];
  private readonly load = new Map<Worker, number>();
  private readonly pending = new Map<number, Pending>();
  private readonly dead = new Map<Worker, Error>();
  private nextId = 0;
  private closed = false;

  /**
   * size: worker threads (default: cores - 1, at least 1). One starts now, the others when
   * a job finds every started worker busy: a one-image job (classify's cold start) then
   * pays for one thread loading sharp, not `size` of them (docs/design/data-path.md).
   */
  private readonly budget: PixelBudget;

  constructor(readonly size = Math.max(1, availableParallelism() - 1), opts: PoolOptions = {}) {
    if (!(Number.isInteger(size) && size >= 1)) throw new Error(`image pool: size must be a positive integer, got ${size}`);
    this.budget = new PixelBudget(opts.pixelBudget ?? DEFAULT_PIXEL_BUDGET);
    this.spawn();
  }

  /** Worker threads started so far (at most size). */
  get started(): number {
    return this.workers.length;
  }

  private spawn(): Worker {
    const w = startWorker();
    w.on('message', (r: PoolReply) => this.settle(w, r));
    w.on('error', (e) => this.fail(w, e));
    w.on('exit', (code) => {
      if (!this.closed) this.fail(w, new Error(`image worker exited with code ${code}`));
    });
    w.unref();
    this.workers.push(w);
    this.load.set(w, 0);
    return w;
  }

  /** Decode + preprocess one image; rejects with the decoder's message on a bad file. */
  run(task: PoolTask): Promise<Tensor<'float32'>> {
    return this.post((id) => ({ id, input: task.input, name: task.name, preset: task.preset, opts: task.opts, decode: task.decode ?? {}, ...(task.transform ? { transform: task.transform } : {}), ...(task.into ? { into: task.into } : {}) }), task.into);
  }

  /**
   * Grey images through their transforms (./grey.ts's greyBatch) in one job: an [n, ...]
   * tensor. The pixels are copied into the message.
   */
  runGrey(images: readonly GreyImage[], transforms: readonly SampleTransform[]): Promise<Tensor<'float32'>> {
    const first = images[0];
    if (!first || images.length !== transforms.length) return Promise.reject(new Error(`image pool: a grey job needs images and one transform each, got ${images.length} and ${transforms.length}`));
    const each = first.width * first.height;
    const pixels = new Uint8Array(each * images.length);
    for (let k = 0; k < images.length; k++) {
      const g = images[k]!;
      if (g.width !== first.width || g.height !== first.height) return Promise.reject(new Error(`image pool: grey image ${k} is ${g.width}x${g.height}, image 0 ${first.width}x${first.height}`));
      pixels.set(g.data, k * each);
    }
    return this.post((id) => ({ id, kind: 'grey', pixels, width: first.width, height: first.height, transforms: [...transforms] }));
  }

  private post(job: (id: number) => PoolJob | GreyJob, into?: SharedSlot): Promise<Tensor<'float32'>> {
    if (this.closed) return Promise.reject(new Error('image pool is closed'));
    const live = this.workers.filter((x) => !this.dead.has(x));
    if (live.length === 0) return Promise.reject(new Error(`image workers failed: ${[...this.dead.values()][0]!.message}`));
    // the least busy worker, or a new one while all are busy and the pool may grow
    let w = live[0]!;
    for (const x of live) if (this.load.get(x)! < this.load.get(w)!) w = x;
    if (this.load.get(w)! > 0 && this.workers.length < this.size) w = this.spawn();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker: w, ...(into ? { into } : {}) });
      this.load.set(w, this.load.get(w)! + 1);
      w.ref();
      w.postMessage(job(id));
    });
  }

  /** A worker asks to decode `pixels` for job `id`: answered when they fit in the budget. */
  private admit(w: Worker, id: number, pixels: number): void {
    void this.budget.acquire(pixels).then((release) => {
      const p = this.pending.get(id);
      if (!p) return release(); // failed meanwhile
      p.release = release;
      w.postMessage({ admitted: id } satisfies Admitted);
    });
  }

  private settle(w: Worker, r: PoolReply): void {
    if ('admit' in r) return this.admit(w, r.id, r.admit);
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    p.release?.();
    const n = this.load.get(w)! - 1;
    this.load.set(w, n);
    if (n === 0) w.unref();
    if ('error' in r) p.reject(new Error(r.error));
    else p.resolve({ dtype: 'float32', shape: r.shape, data: r.data ?? new Float32Array(p.into!.buffer, p.into!.offset * 4, p.into!.length) });
  }

  private fail(w: Worker, e: Error): void {
    if (!this.dead.has(w)) this.dead.set(w, e);
    for (const [id, p] of this.pending) {
      if (p.worker !== w) continue;
      this.pending.delete(id);
      p.release?.();
      p.reject(e);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
