// Seeded, counter-based random initialisers.
//
// Every value is a pure function of (seed, parameter name, element index), so the same
// weights can be generated independently in Python (tools/seeded.py mirrors this file and
// src/util/rng.ts line by line) and large weights never need to be committed as fixtures.
// The uniform stream is src/util/rng.ts's; on top of it:
//
//   normal      Box-Muller on uniforms 2i and 2i+1; attempt a re-keys the stream
//   truncated   TF's truncated_normal: |z| > 2 is dropped and re-drawn (next attempt)
//   glorot      TF's glorot_uniform: U(-l, l), l = sqrt(6 / (fan_in + fan_out))
import type { InitSpec } from '../graph/graph.js';
import type { Tensor } from '../tensor.js';
import { numel } from '../tensor.js';
import { hash32, streamKey, uniformAt } from '../util/rng.js';

function attemptKey(key: number, attempt: number): number {
  return attempt === 0 ? key : hash32((key + Math.imul(attempt, 0x9e3779b9)) >>> 0);
}

export function normalAt(key: number, i: number): number {
  const u1 = uniformAt(key, 2 * i);
  const u2 = uniformAt(key, 2 * i + 1);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Fill a float32 array from an init spec; deterministic in (seed, name). */
export function generate(spec: InitSpec, n: number, seed: number, name: string): Float32Array {
  const out = new Float32Array(n);
  const key = streamKey(seed, name);
  switch (spec.kind) {
    case 'constant':
      out.fill(spec.value);
      break;
    case 'uniform':
    case 'glorot_uniform': {
      const [lo, hi] =
        spec.kind === 'uniform' ? [spec.low, spec.high] : ((l) => [-l, l])(Math.sqrt(6 / (spec.fanIn + spec.fanOut)));
      for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * uniformAt(key, i);
      break;
    }
    case 'normal':
      for (let i = 0; i < n; i++) out[i] = spec.mean + spec.stddev * normalAt(key, i);
      break;
    case 'truncated_normal':
      for (let i = 0; i < n; i++) {
        let z = normalAt(key, i);
        for (let a = 1; Math.abs(z) > 2; a++) z = normalAt(attemptKey(key, a), i);
        out[i] = spec.mean + spec.stddev * z;
      }
      break;
  }
  return out;
}

export interface ParamLike {
  name: string;
  shape: readonly (number | string)[];
  init: InitSpec;
}

/** Initialise every parameter of a model from one seed. */
export function initParams(params: readonly ParamLike[], seed: number): Map<string, Tensor<'float32'>> {
  const out = new Map<string, Tensor<'float32'>>();
  for (const p of params) {
    const shape = p.shape.map((d) => {
      if (typeof d !== 'number') throw new Error(`${p.name}: parameter shape has a symbol ${d}`);
      return d;
    });
    out.set(p.name, { dtype: 'float32', shape, data: generate(p.init, numel(shape), seed, p.name) });
  }
  return out;
}
