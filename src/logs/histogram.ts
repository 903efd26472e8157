// TensorBoard histograms with TensorFlow's default buckets
// (tensorflow/core/lib/histogram/histogram.cc): limits ±1e-12·1.1^k for k = 0.. while
// below 1e20, plus 0 and ±DBL_MAX, so 2·774+3 = 1551 limits. A value v falls in the
// first bucket whose limit is > v (std::upper_bound), i.e. bucket i covers
// [limit(i-1), limit(i)). min/max/num/sum/sum_squares are accumulated in double, as TF
// does, and runs of empty buckets are collapsed the way TF's histogram summary
// (EncodeToProto with preserve_zero_buckets = false) does, which keeps every bucket's
// range implied by its predecessor's limit and hence valid for TensorBoard.
import type { HistogramProto } from './tb_proto.js';

/** Ascending default bucket limits; built by repeated multiplication exactly as TF does, so the doubles match. */
export const DEFAULT_BUCKET_LIMITS: Float64Array = (() => {
  const pos: number[] = [];
  for (let v = 1e-12; v < 1e20; v *= 1.1) pos.push(v);
  const out: number[] = [-Number.MAX_VALUE];
  for (let i = pos.length - 1; i >= 0; i--) out.push(-pos[i]!);
  out.push(0);
  out.push(...pos, Number.MAX_VALUE);
  return Float64Array.from(out);
})();

const L = DEFAULT_BUCKET_LIMITS;

/** Reference bucket index: binary search for the first limit > v (std::upper_bound). */
export function bucketIndex(v: number): number {
  let lo = 0;
  let hi = L.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (L[mid]! > v) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

// Fast path for float32 input. The top 15 bits of a float32 (sign, exponent, 6 mantissa
// bits) pick an interval whose ends differ by a factor of at most 1 + 1/64 < 1.1, so it
// holds at most one bucket limit: a table lookup of the bucket of the interval's first
// value, then at most one step either way, gives the exact upper_bound index.
const KEY_SHIFT = 17;
let GUESS: Int32Array | null = null;

function guessTable(): Int32Array {
  if (GUESS) return GUESS;
  const n = 1 << (32 - KEY_SHIFT);
  const g = new Int32Array(n);
  const bits = new Uint32Array(1);
  const f = new Float32Array(bits.buffer);
  for (let key = 0; key < n; key++) {
    bits[0] = key << KEY_SHIFT;
    const v = f[0]!;
    g[key] = Number.isFinite(v) ? bucketIndex(v) : -1; // exponent 255: Inf or NaN
  }
  GUESS = g;
  return g;
}

export interface HistogramOptions {
  /** Keep every empty bucket instead of collapsing runs of them (TF's preserve_zero_buckets). */
  preserveZeroBuckets?: boolean;
  /** Names the data in error messages, e.g. the summary tag. */
  label?: string;
}

/** Build a HistogramProto from values; throws on NaN or ±Infinity, naming the first offending index. */
export function histogramProto(values: Float32Array | Float64Array | readonly number[], opts: HistogramOptions = {}): HistogramProto {
  const counts = new Float64Array(L.length);
  let min = Number.MAX_VALUE; // TF's Clear(): min = last limit, max = -DBL_MAX
  let max = -Number.MAX_VALUE;
  let sum = 0;
  let sumSq = 0;
  const n = values.length;
  const bad = (i: number): never => {
    throw new Error(`histogram${opts.label ? ' ' + opts.label : ''}: value[${i}] = ${values[i]} is not finite (${n} values)`);
  };
  if (values instanceof Float32Array) {
    const g = guessTable();
    const keys = new Uint32Array(values.buffer, values.byteOffset, n);
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      let b = g[keys[i]! >>> KEY_SHIFT]!;
      if (b < 0) bad(i);
      if (L[b - 1]! > v) b--; // L[-1] is undefined and compares false
      else if (L[b]! <= v) b++;
      counts[b]!++;
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
      sumSq += v * v;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) bad(i);
      counts[bucketIndex(v)]!++;
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
      sumSq += v * v;
    }
  }
  const limits: number[] = [];
  const bucket: number[] = [];
  for (let i = 0; i < L.length; ) {
    let end = L[i]!;
    const count = counts[i]!;
    i++;
    if (!opts.preserveZeroBuckets && count === 0) {
      // One zero-count entry spans the whole empty run, ending at the run's last limit.
      while (i < L.length && counts[i] === 0) end = L[i++]!;
    }
    limits.push(end);
    bucket.push(count);
  }
  return { min, max, num: n, sum, sum_squares: sumSq, bucket_limit: limits, bucket };
}
