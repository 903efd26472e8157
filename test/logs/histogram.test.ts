import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketIndex, DEFAULT_BUCKET_LIMITS as L, histogramProto } from '../../src/logs/histogram.js';
import type { HistogramProto } from '../../src/logs/tb_proto.js';

const MAX = Number.MAX_VALUE;

test('default bucket limits follow TF: ±1e-12·1.1^k below 1e20, 0 and ±DBL_MAX', () => {
  assert.equal(L.length, 1551);
  assert.equal(L[0], -MAX);
  assert.equal(L[775], 0);
  assert.equal(L[776], 1e-12);
  assert.equal(L[777], 1e-12 * 1.1);
  assert.equal(L[1550], MAX);
  assert.ok(L[1549]! < 1e20 && L[1549]! * 1.1 >= 1e20, `last finite limit ${L[1549]}`);
  for (let i = 1; i < L.length; i++) assert.ok(L[i]! > L[i - 1]!, `limits increase at ${i}`);
  for (let i = 0; i < L.length; i++) if (i !== 775) assert.equal(L[i], -L[L.length - 1 - i]!);
});

test('bucketIndex is std::upper_bound: first limit strictly greater', () => {
  assert.equal(bucketIndex(0), 776);
  assert.equal(bucketIndex(-0), 776);
  assert.equal(bucketIndex(-1e-13), 775);
  assert.equal(bucketIndex(1e-12), 777); // equal to a limit: next bucket
  assert.equal(bucketIndex(-1e-12), 775);
  assert.equal(bucketIndex(-MAX), 1);
  assert.equal(bucketIndex(1e30), 1550);
});

/** Expand a collapsed proto back to per-default-bucket counts, checking it is well formed. */
function expand(h: HistogramProto): Float64Array {
  assert.equal(h.bucket.length, h.bucket_limit.length);
  const counts = new Float64Array(L.length);
  let j = 0;
  for (let k = 0; k < h.bucket_limit.length; k++) {
    const lim = h.bucket_limit[k]!;
    // each entry's limit is one of the default limits, in increasing order
    while (L[j] !== lim) {
      j++;
      assert.ok(j < L.length, `limit ${lim} is not a default limit`);
    }
    counts[j] = h.bucket[k]!;
    if (k > 0) assert.ok(!(h.bucket[k] === 0 && h.bucket[k - 1] === 0), `two empty entries in a row at ${k}`);
    j++;
  }
  assert.equal(h.bucket_limit.at(-1), MAX, 'the last entry ends at DBL_MAX');
  return counts;
}

test('small histogram: exact buckets, stats and TF-style collapse of empty runs', () => {
  const h = histogramProto(new Float32Array([0, 1, -1, 2.5]));
  assert.equal(h.min, -1);
  assert.equal(h.max, 2.5);
  assert.equal(h.num, 4);
  assert.equal(h.sum, 2.5);
  assert.equal(h.sum_squares, 8.25);
  const i1 = bucketIndex(1);
  const im1 = bucketIndex(-1);
  const i25 = bucketIndex(2.5);
  assert.deepEqual(h.bucket_limit, [L[im1 - 1], L[im1], L[775], L[776], L[i1 - 1], L[i1], L[i25 - 1], L[i25], MAX]);
  assert.deepEqual(h.bucket, [0, 1, 0, 1, 0, 1, 0, 1, 0]);
  // every value lies in [previous limit, its bucket's limit)
  assert.ok(L[im1 - 1]! <= -1 && -1 < L[im1]!);
  assert.ok(L[i25 - 1]! <= 2.5 && 2.5 < L[i25]!);
});

test('preserveZeroBuckets keeps all 1551 buckets', () => {
  const h = histogramProto([3, -3, 3], { preserveZeroBuckets: true });
  assert.equal(h.bucket.length, 1551);
  assert.deepEqual([...h.bucket_limit], [...L]);
  assert.equal(h.bucket[bucketIndex(3)], 2);
  assert.equal(h.bucket[bucketIndex(-3)], 1);
  assert.equal(h.bucket.reduce((a, b) => a + b, 0), 3);
});

test('empty input gives TF\'s single empty bucket and its initial min/max', () => {
  assert.deepEqual(histogramProto(new Float32Array(0)), {
    min: MAX,
    max: -MAX,
    num: 0,
    sum: 0,
    sum_squares: 0,
    bucket_limit: [MAX],
    bucket: [0],
  });
});

// Float32 values at and around every default limit (their float32 roundings and the
// neighbouring floats), plus zeros, subnormals and the extremes: the table-driven fast
// path must put each exactly where the reference binary search does.
function edgeValues(): Float32Array {
  const out: number[] = [0, -0, 1.4e-45, -1.4e-45, 1.1754942e-38, -1.1754942e-38, 3.4028235e38, -3.4028235e38];
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (const lim of L) {
    if (!(Math.abs(lim) < 3.4e38)) continue;
    f[0] = lim;
    const bits = u[0]!;
    for (const d of [-1, 0, 1]) {
      u[0] = bits + d; // around 0 this wraps to NaN bit patterns, skipped
      if (Number.isFinite(f[0]!)) out.push(f[0]!);
    }
  }
  return Float32Array.from(out);
}

test('float32 fast path matches upper_bound for values at and next to every limit', () => {
  const vals = edgeValues();
  assert.ok(vals.length > 4000);
  const fast = histogramProto(vals, { preserveZeroBuckets: true });
  const ref = histogramProto(Float64Array.from(vals), { preserveZeroBuckets: true });
  assert.deepEqual(fast, ref);
  // and value by value
  for (const v of vals) {
    const h = histogramProto(Float32Array.of(v), { preserveZeroBuckets: true });
    assert.equal(h.bucket.indexOf(1), bucketIndex(v), `value ${v}`);
  }
});

test('random weights: counts sum to n, min/max/sum exact, fast path equals reference', () => {
  const n = 100_000;
  const a = new Float32Array(n);
  let x = 7;
  for (let i = 0; i < n; i++) {
    x = (x * 1664525 + 1013904223) >>> 0;
    // magnitudes from 1e-20 to 1e5, both signs
    a[i] = (x & 1 ? -1 : 1) * 10 ** (((x >>> 8) / 2 ** 24) * 25 - 20);
  }
  a[17] = 0;
  const h = histogramProto(a);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sq = 0;
  for (const v of a) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
    sq += v * v;
  }
  assert.equal(h.num, n);
  assert.equal(h.min, min);
  assert.equal(h.max, max);
  assert.equal(h.sum, sum);
  assert.equal(h.sum_squares, sq);
  assert.equal(h.bucket.reduce((s, c) => s + c, 0), n);
  const counts = expand(h);
  const ref = new Float64Array(L.length);
  for (const v of a) ref[bucketIndex(v)]!++;
  assert.deepEqual(counts, ref);
  assert.deepEqual(h, histogramProto(Float64Array.from(a)));
});

test('non-finite values are rejected with their index', () => {
  assert.throws(() => histogramProto(new Float32Array([1, 2, NaN]), { label: 'conv1/w' }), /histogram conv1\/w: value\[2\] = NaN is not finite \(3 values\)/);
  assert.throws(() => histogramProto(new Float32Array([-Infinity])), /value\[0\] = -Infinity is not finite/);
  assert.throws(() => histogramProto([1, Infinity]), /value\[1\] = Infinity/);
});

test('16M float32 values in one pass, fast enough for per-epoch weight histograms', () => {
  const n = 16 * 1024 * 1024;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = ((i * 2654435761) % 1000003) / 1000003 - 0.5;
  const t0 = performance.now();
  const h = histogramProto(a);
  const ms = performance.now() - t0;
  assert.equal(h.num, n);
  assert.equal(h.bucket.reduce((s, c) => s + c, 0), n);
  assert.ok(h.min >= -0.5 && h.max < 0.5);
  // ~0.2 s on a 2-core dev machine; the bound only catches a fall back to per-value search/log
  assert.ok(ms < 3000, `took ${ms.toFixed(0)} ms`);
});
