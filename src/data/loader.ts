// Batches for training and evaluation: a seeded order per epoch, decoding and
// preprocessing in the worker pool ahead of the consumer, and corrupt images skipped.
//
// Order: epoch e visits Rng(seed, 0, 'shuffle/<e>').shuffle([0..n)) (or 0..n-1 unshuffled).
// A batch is the next `batch` samples of that order that decode; a sample that fails is
// skipped with one warning naming it (later epochs skip it silently but still count it),
// so one bad JPEG never stops a run. With dropLast the samples left over at the end of an
// epoch (fewer than a batch: the training graph's batch is fixed) are not used, as
// PyTorch's DataLoader(drop_last=True) does.
//
// Overlap: onnxruntime-node's run() holds the main thread, so decoding must already be
// queued in the worker threads when a step starts. Before yielding a batch the loader
// tops up its window: the jobs of the next `prefetch` batches are posted, and the
// workers decode them while the caller runs the step.
//
// Grey datasets in memory (IDX: Fashion-MNIST) go through ./grey.ts instead: the one grey
// channel is transformed once, not three times, and a batch-sized run of samples is one
// worker job, not one message per image: less CPU per batch, which on two cores is taken
// from ONNX Runtime's threads (docs/design/data-path.md). The tensors are the same bit for
// bit.
//
// Resuming: `cursor` counts the positions of the epoch's order consumed so far; a batch
// reports the cursor after it, and epoch(e, cursor) continues from there with the same
// augmentation draws (they depend only on seed, epoch and position).
import { Rng } from '../util/rng.js';
import { float32, type Tensor } from '../tensor.js';
import { augmentStream, type AugmentMode, type SampleTransform, transformSample } from './augment.js';
import type { Dataset } from './datasets.js';
import { decodeImage, type DecodeOptions } from './decode.js';
import { greyBatch, greyPath } from './grey.js';
import type { ImagePool } from './pool.js';
import type { PresetName } from './preprocess.js';

export interface LoaderOptions {
  batch: number;
  preset: PresetName;
  /** Network input [height, width]. */
  size: [number, number];
  /** Shuffle each epoch with the seed (training); false visits samples in order. */
  shuffle: boolean;
  seed: number;
  augment?: { mode: AugmentMode; flip: boolean };
  /** Drop the last incomplete batch of an epoch (training); false yields it (evaluation). */
  dropLast: boolean;
  /** Worker threads; null decodes on this thread. */
  pool: ImagePool | null;
  /** Batches decoded ahead of the one being consumed. Default 2. */
  prefetch?: number;
  /** Called once per sample that cannot be decoded, with the decoder's message. */
  onSkip?: (name: string, message: string) => void;
  /** How image files are decoded (e.g. the pixel limit, ./decode.ts). */
  decode?: DecodeOptions;
}

export interface Batch {
  /** [n, ...] in the preset's layout. */
  images: Tensor<'float32'>;
  labels: BigInt64Array;
  /** Dataset indices of the images. */
  indices: number[];
  /** Positions of the epoch's order consumed after this batch. */
  cursor: number;
  /** Samples skipped (undecodable) while assembling this batch. */
  skipped: number;
}

type Outcome = { ok: true; tensor: Tensor<'float32'> } | { ok: false; error: string };

export class Loader {
  private readonly bad = new Set<number>();
  private readonly prefetch: number;

  constructor(
    readonly dataset: Dataset,
    private readonly opts: LoaderOptions,
  ) {
    if (!(Number.isInteger(opts.batch) && opts.batch >= 1)) throw new Error(`Loader: batch must be a positive integer, got ${opts.batch}`);
    if (opts.dropLast && dataset.size < opts.batch) {
      throw new Error(`${dataset.root}: ${dataset.size} samples are fewer than one batch of ${opts.batch}`);
    }
    this.prefetch = opts.prefetch ?? 2;
  }

  /** Full batches per epoch when every sample decodes (dropLast), or batches including the last partial one. */
  get batchesPerEpoch(): number {
    const n = this.dataset.size / this.opts.batch;
    return this.opts.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  /** Samples known to be undecodable. */
  get badCount(): number {
    return this.bad.size;
  }

  /** The dataset indices in epoch `epoch`'s order. */
  order(epoch: number): number[] {
    const idx = Array.from({ length: this.dataset.size }, (_, i) => i);
    return this.opts.shuffle ? new Rng(this.opts.seed, 0, `shuffle/${epoch}`).shuffle(idx) : idx;
  }

  private transform(epoch: number, position: number): SampleTransform {
    const o = this.opts;
    const t: SampleTransform = { preset: o.preset, size: o.size, fit: this.dataset.fit };
    if (o.augment && (o.augment.mode !== 'none' || o.augment.flip)) {
      t.augment = { mode: o.augment.mode, flip: o.augment.flip, seed: o.seed, stream: augmentStream(epoch, position) };
    }
    return t;
  }

  private async load(index: number, transform: SampleTransform): Promise<Outcome> {
    const ds = this.dataset;
    const src = ds.source(index);
    const name = ds.name(index);
    try {
      if (this.opts.pool) {
        return { ok: true, tensor: await this.opts.pool.run({ input: src, name, preset: transform.preset, opts: {}, transform, ...(this.opts.decode ? { decode: this.opts.decode } : {}) }) };
      }
      const img = typeof src === 'string' ? await decodeImage(src, this.opts.decode) : src;
      return { ok: true, tensor: transformSample(img, transform) };
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
  }

  /** Whether epoch `epoch`'s samples go through ./grey.ts (a grey dataset in memory, a transform it takes). */
  private greyPath(epoch: number): boolean {
    return this.dataset.grey !== undefined && greyPath(this.transform(epoch, 0));
  }

  /** Samples of a grey dataset through ./grey.ts in one job; an outcome per sample. */
  private loadGrey(indices: number[], transforms: SampleTransform[]): Promise<Outcome>[] {
    const images = indices.map((i) => this.dataset.grey!(i));
    const pool = this.opts.pool;
    const all: Promise<Tensor<'float32'>[]> = pool
      ? pool.runGrey(images, transforms).then((t) => {
          const each = t.data.length / indices.length;
          return indices.map((_, k) => float32([1, ...t.shape.slice(1)], t.data.subarray(k * each, (k + 1) * each)));
        })
      : new Promise((resolve) => resolve(greyBatch(images, transforms)));
    return indices.map((_, k) =>
      all.then(
        (ts): Outcome => ({ ok: true, tensor: ts[k]! }),
        (e: Error): Outcome => ({ ok: false, error: e.message }),
      ),
    );
  }

  /** The batches of one epoch from `cursor` on. */
  async *epoch(epoch: number, cursor = 0): AsyncGenerator<Batch> {
    this.trailingSkips = 0;
    const order = this.order(epoch);
    const n = order.length;
    const { batch } = this.opts;
    const window = Math.max(1, this.prefetch + 1) * batch;
    const inflight = new Map<number, Promise<Outcome>>();
    let next = cursor; // next position to post
    let take = cursor; // next position to consume
    const grey = this.greyPath(epoch);
    const fill = () => {
      while (next < n && next - take < window) {
        if (grey) {
          // one job per batch-sized run of positions (see the header)
          const end = Math.min(n, next + batch, take + window);
          const positions = Array.from({ length: end - next }, (_, k) => next + k);
          next = end;
          this.loadGrey(
            positions.map((p) => order[p]!),
            positions.map((p) => this.transform(epoch, p)),
          ).forEach((r, k) => inflight.set(positions[k]!, r));
          continue;
        }
        const pos = next++;
        const index = order[pos]!;
        if (this.bad.has(index)) inflight.set(pos, Promise.resolve({ ok: false, error: '' }));
        else inflight.set(pos, this.load(index, this.transform(epoch, pos)));
      }
    };
    while (take < n) {
      const tensors: Tensor<'float32'>[] = [];
      const indices: number[] = [];
      let skipped = 0;
      while (tensors.length < batch && take < n) {
        fill();
        const pos = take++;
        const r = await inflight.get(pos)!;
        inflight.delete(pos);
        const index = order[pos]!;
        if (r.ok) {
          tensors.push(r.tensor);
          indices.push(index);
        } else {
          skipped++;
          if (!this.bad.has(index)) {
            this.bad.add(index);
            this.opts.onSkip?.(this.dataset.name(index), r.error);
          }
        }
      }
      fill(); // the next batches decode while the caller works on this one
      if (tensors.length === 0 || (this.opts.dropLast && tensors.length < batch)) {
        this.trailingSkips = skipped; // nothing to hand out; the caller still counts these
        return;
      }
      yield { images: stack(tensors), labels: BigInt64Array.from(indices, (i) => BigInt(this.dataset.label(i))), indices, cursor: take, skipped };
    }
  }

  /** Skips among the samples left over after the last batch of the latest epoch() (counted, never yielded). */
  trailingSkips = 0;
}

function stack(items: readonly Tensor<'float32'>[]): Tensor<'float32'> {
  const first = items[0]!;
  const each = first.data.length;
  // consecutive views of one buffer (a grey job's samples): the batch is that buffer, no copy
  const { buffer, byteOffset } = first.data;
  if (items.every((t, i) => t.data.buffer === buffer && t.data.byteOffset === byteOffset + i * each * 4 && t.data.length === each)) {
    return float32([items.length, ...first.shape.slice(1)], new Float32Array(buffer, byteOffset, each * items.length));
  }
  const out = new Float32Array(each * items.length);
  items.forEach((t, i) => {
    if (t.data.length !== each) throw new Error(`Loader: sample ${i} has shape [${t.shape.join(',')}], sample 0 has [${first.shape.join(',')}]`);
    out.set(t.data, i * each);
  });
  return float32([items.length, ...first.shape.slice(1)], out);
}
