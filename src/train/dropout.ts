// Dropout masks for training graphs built with dropoutMasks: 'input' (src/nn/layers.ts):
// each mask element is 1/keep with probability keep and 0 otherwise, so the expected
// activation is unchanged (PyTorch's and TF's inverted dropout).
//
// Draw d (every step attempt, including ones the NaN guard rejects) uses its own stream
// Rng(seed, 0, 'dropout/<d>'); the checkpointed state is just the number of draws, and no
// stream gets near the 2^32 values one counter can address.
//
// The native kernels (src/runtime/native.ts) draw the same values when they are built,
// faster than JS on the thread that then waits for ORT (docs/design/host-update.md).
// drawReference() is the JS original.
import { Rng, streamKey } from '../util/rng.js';
import { nativeKernels } from '../runtime/native.js';
import type { Tensor } from '../tensor.js';

export interface MaskInput {
  name: string;
  shape: number[];
  keepProb: number;
}

export class DropoutMasks {
  private readonly buffers: Float32Array[];

  constructor(
    readonly inputs: readonly MaskInput[],
    readonly seed: number,
    /** Draws made so far (the generator state). */
    public draws = 0,
  ) {
    for (const m of inputs) {
      if (!(m.keepProb > 0 && m.keepProb <= 1)) throw new Error(`dropout mask ${m.name}: keep probability must be in (0, 1], got ${m.keepProb}`);
    }
    this.buffers = inputs.map((m) => new Float32Array(m.shape.reduce((a, d) => a * d, 1)));
  }

  /** The next masks. The arrays are reused by the following draw. */
  draw(): Record<string, Tensor<'float32'>> {
    const k = nativeKernels();
    if (!k) return this.drawReference();
    const key = streamKey(this.seed, `dropout/${this.draws++}`);
    const out: Record<string, Tensor<'float32'>> = {};
    let counter = 0;
    this.inputs.forEach((m, i) => {
      const buf = this.buffers[i]!;
      k.dropoutMask(buf, key, counter, m.keepProb, Math.fround(1 / m.keepProb));
      counter += buf.length;
      out[m.name] = { dtype: 'float32', shape: m.shape, data: buf };
    });
    return out;
  }

  /** draw() in JS: one Rng stream per draw, its counter running on through the masks. */
  drawReference(): Record<string, Tensor<'float32'>> {
    const rng = new Rng(this.seed, 0, `dropout/${this.draws++}`);
    const out: Record<string, Tensor<'float32'>> = {};
    this.inputs.forEach((m, k) => {
      const buf = this.buffers[k]!;
      const keep = m.keepProb;
      const scale = Math.fround(1 / keep);
      for (let i = 0; i < buf.length; i++) buf[i] = rng.next() < keep ? scale : 0;
      out[m.name] = { dtype: 'float32', shape: m.shape, data: buf };
    });
    return out;
  }
}
