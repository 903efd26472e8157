// Seeded, counter-based random initialisers.
//
// Every value is a pure function of (seed, parameter name, element index), so the same
// weights can be generated independently in Python (tools/seeded.py mirrors this file
// line by line) and large weights never need to be committed as fixtures.
//
//   hash32      Chris Wellons' "lowbias32" integer hash (a bijection on uint32)
//   streamKey   hash32(hash32(seed) ^ fnv1a(name))
//   uniform     ((bits >>> 8) + 0.5) / 2^24, in (0, 1), exact in float64
//   normal      Box-Muller on uniforms 2i and 2i+1; attempt a re-keys the stream
//   truncated   TF's truncated_normal: |z| > 2 is dropped and re-drawn (next attempt)
//   glorot      TF's glorot_uniform: U(-l, l), l = sqrt(6 / (fan_in + fan_out))
import type { InitSpec } from '../graph/graph.js';
import type { Tensor } from '../tensor.js';
import { numel } from '../tensor.js';

export function hash32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function streamKey(seed: number, name: string): number {
  return hash32((hash32(seed >>> 0) ^ fnv1a(name)) >>> 0);
}

export function uniformAt(key: number, i: number): number {
  const bits = hash32((hash32((i ^ key) >>> 0) + key) >>> 0);
  return ((bits >>> 8) + 0.5) / 16777216;
}

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

/**
 * A small stateful generator for shuffling and augmentation: its whole state is
 * (seed, counter), so it can be checkpointed and resumed exactly.
 */
export class Rng {
  private readonly key: number;
  constructor(
    readonly seed: number,
    public counter = 0,
    stream = 'rng',
  ) {
    this.key = streamKey(seed, stream);
  }

  /** Uniform in (0, 1). */
  next(): number {
    return uniformAt(this.key, this.counter++ >>> 0);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.min(n - 1, Math.floor(this.next() * n));
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }

  state(): { seed: number; counter: number } {
    return { seed: this.seed, counter: this.counter };
  }
}
