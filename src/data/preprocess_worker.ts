// Worker thread of the image pool: decode and preprocess one image per message, reply
// with the tensor's buffer transferred (no copy). See ./pool.ts.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { type SampleTransform, transformSample } from './augment.js';
import { decodeImage, type DecodeOptions } from './decode.js';
import { greyBatch } from './grey.js';
import type { RgbImage } from './image.js';
import { type PreprocessOptions, preprocess, type PresetName } from './preprocess.js';

/** Float32 values [offset, offset + length) of a shared buffer: a batch slot. */
export interface SharedSlot {
  buffer: SharedArrayBuffer;
  offset: number;
  length: number;
}

export interface PoolJob {
  id: number;
  input: string | Uint8Array | RgbImage;
  name: string;
  preset: PresetName;
  opts: PreprocessOptions;
  decode: DecodeOptions;
  transform?: SampleTransform;
  into?: SharedSlot;
}

/** A batch of grey images (./grey.ts): `pixels` holds them one after another, each width x height. */
export interface GreyJob {
  id: number;
  kind: 'grey';
  pixels: Uint8Array;
  width: number;
  height: number;
  transforms: SampleTransform[];
}

/**
 * data is absent when the job wrote into its shared slot. `admit` asks the pool's pixel
 * budget for an image's pixels before decoding them; the pool answers with an Admitted.
 */
export type PoolReply = { id: number; shape: number[]; data?: Float32Array } | { id: number; error: string } | { id: number; admit: number };
export interface Admitted {
  admitted: number;
}

const waiting = new Map<number, () => void>();
const askBudget = (id: number) => (width: number, height: number) =>
  new Promise<void>((resolve) => {
    waiting.set(id, resolve);
    parentPort!.postMessage({ id, admit: width * height } satisfies PoolReply);
  });

function runGrey(job: GreyJob): { id: number; shape: number[]; data: Float32Array } {
  const each = job.width * job.height;
  const images = job.transforms.map((_, k) => ({ data: job.pixels.subarray(k * each, (k + 1) * each), width: job.width, height: job.height }));
  const [h, w] = job.transforms[0]?.size ?? [0, 0];
  const data = new Float32Array(images.length * 3 * h * w);
  const ts = greyBatch(images, job.transforms, data);
  return { id: job.id, shape: [ts.length, ...(ts[0]?.shape.slice(1) ?? [])], data };
}

// A decoded image is an external buffer that V8 frees only when it next collects, and a
// worker allocates too little JS to collect often: the last image's pixels then stay
// resident while the next is decoded, which for 48-megapixel photos is 144 MB per worker.
// So after an image of at least GC_PIXELS the worker collects at once (a few ms on its
// small heap), and its resident memory holds one image, not two (docs/design/data-path.md).
const GC_PIXELS = 8_000_000;
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** Decode and preprocess one job; returns its reply and the pixels decoded. */
async function runJob(job: PoolJob): Promise<{ reply: PoolReply; transfer: ArrayBuffer[]; pixels: number }> {
  const img =
    typeof job.input === 'string' || job.input instanceof Uint8Array
      ? await decodeImage(typeof job.input === 'string' ? job.input : Buffer.from(job.input.buffer, job.input.byteOffset, job.input.byteLength), { ...job.decode, name: job.name, admit: askBudget(job.id) })
      : job.input;
  const into = job.into && new Float32Array(job.into.buffer, job.into.offset * 4, job.into.length);
  const t = job.transform ? transformSample(img, job.transform) : preprocess(img, job.preset, job.opts, into);
  const pixels = img.width * img.height;
  if (into && t.data === into) return { reply: { id: job.id, shape: [...t.shape] }, transfer: [], pixels };
  return { reply: { id: job.id, shape: [...t.shape], data: t.data }, transfer: [t.data.buffer as ArrayBuffer], pixels };
}

parentPort!.on('message', async (job: PoolJob | GreyJob | Admitted) => {
  if ('admitted' in job) {
    waiting.get(job.admitted)?.();
    waiting.delete(job.admitted);
    return;
  }
  try {
    if ('kind' in job) {
      const reply = runGrey(job);
      parentPort!.postMessage(reply, [reply.data.buffer as ArrayBuffer]);
      return;
    }
    const { reply, transfer, pixels } = await runJob(job);
    parentPort!.postMessage(reply, transfer);
    if (pixels >= GC_PIXELS) collect();
  } catch (e) {
    parentPort!.postMessage({ id: job.id, error: (e as Error).message } satisfies PoolReply);
  }
});
