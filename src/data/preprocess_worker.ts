// Worker thread of the image pool: decode and preprocess one image per message, reply
// with the tensor's buffer transferred (no copy). See ./pool.ts.
import { parentPort } from 'node:worker_threads';
import { type SampleTransform, transformSample } from './augment.js';
import { decodeImage, type DecodeOptions } from './decode.js';
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

/** data is absent when the job wrote into its shared slot. */
export type PoolReply = { id: number; shape: number[]; data?: Float32Array } | { id: number; error: string };

parentPort!.on('message', async (job: PoolJob) => {
  try {
    const img =
      typeof job.input === 'string' || job.input instanceof Uint8Array
        ? await decodeImage(typeof job.input === 'string' ? job.input : Buffer.from(job.input.buffer, job.input.byteOffset, job.input.byteLength), { ...job.decode, name: job.name })
        : job.input;
    const into = job.into && new Float32Array(job.into.buffer, job.into.offset * 4, job.into.length);
    const t = job.transform ? transformSample(img, job.transform) : preprocess(img, job.preset, job.opts, into);
    if (into && t.data === into) {
      parentPort!.postMessage({ id: job.id, shape: [...t.shape] } satisfies PoolReply);
    } else {
      const reply: PoolReply = { id: job.id, shape: [...t.shape], data: t.data };
      parentPort!.postMessage(reply, [t.data.buffer as ArrayBuffer]);
    }
  } catch (e) {
    parentPort!.postMessage({ id: job.id, error: (e as Error).message } satisfies PoolReply);
  }
});
