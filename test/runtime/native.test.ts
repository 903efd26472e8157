// The native SGD and AdamW kernels (native/): the same float32 arithmetic as the update in the
// ONNX graph, checked against a JS reference that rounds to float32 after every
// operation; for Gemm weights, a gradient A^T B within float32 rounding of float64 and
// then the same update bit for bit; results that do not depend on the number of
// threads; clear errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { type AdamwScalars, nativeKernels, nativeUnavailable, type NativeKernels } from '../../src/runtime/native.js';
import { adamwScalars } from '../../src/optim/adamw.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const f = Math.fround;

function kernels(): NativeKernels {
  const k = nativeKernels();
  assert.ok(k, `the native kernels must be built for the tests (npm install builds them): ${nativeUnavailable()}`);
  return k;
}

/** Seeded values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** train_graph.ts's update, one float32 rounding per ONNX op. */
function reference(w: Float32Array, m: Float32Array | null, g: Float32Array, lr: number, wd: number, mu: number, nesterov: boolean, scale: number) {
  const [lr32, wd32, mu32, sc32] = [f(lr), f(wd), f(mu), f(scale)];
  const nw = new Float32Array(w.length);
  const nm = m ? new Float32Array(m.length) : null;
  let sq = 0;
  let gsq = 0;
  for (let i = 0; i < w.length; i++) {
    gsq += g[i]! * g[i]!;
    const d = f(f(g[i]! * sc32) + f(w[i]! * wd32));
    let s = d;
    if (m) {
      const b = f(f(m[i]! * mu32) + d);
      nm![i] = b;
      s = nesterov ? f(d + f(b * mu32)) : b;
    }
    nw[i] = f(w[i]! - f(s * lr32));
    sq += nw[i]! * nw[i]!;
  }
  return { w: nw, m: nm, sq, gsq };
}

/** train_graph.ts's AdamW update, one float32 rounding per ONNX op. */
function adamwReference(w: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, a: AdamwScalars, scale: number) {
  const [b1, omb1, b2, omb2, eps, wdf, ss, bc2s, sc] = [a.b1, 1 - a.b1, a.b2, 1 - a.b2, a.eps, a.wdFactor, a.stepSize, a.bc2Sqrt, scale].map(f) as number[];
  const [nw, nm, nv] = [new Float32Array(w.length), new Float32Array(w.length), new Float32Array(w.length)];
  let [sq, gsq] = [0, 0];
  for (let i = 0; i < w.length; i++) {
    gsq += g[i]! * g[i]!;
    const d = f(g[i]! * sc!);
    nm[i] = f(f(m[i]! * b1!) + f(d * omb1!));
    nv[i] = f(f(v[i]! * b2!) + f(f(d * omb2!) * d));
    const den = f(f(f(Math.sqrt(nv[i]!)) / bc2s!) + eps!);
    nw[i] = f(f(w[i]! * wdf!) - f(f(nm[i]! * ss!) / den));
    sq += nw[i]! * nw[i]!;
  }
  return { w: nw, m: nm, v: nv, sq, gsq };
}

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) / b < 1e-7, `${what}: ${a} vs ${b}`);

// two full 65536-element blocks, a part block, and a tail shorter than a 256-element row
const N = 2 * 65536 + 300 * 7 + 5;

describe('native SGD kernels', () => {
  const variants: [string, boolean, boolean, number, number][] = [
    ['momentum', true, false, 0.0005, 1],
    ['nesterov', true, true, 0.0005, 1],
    ['nesterov, clipped', true, true, 0.01, 0.37],
    ['plain SGD', false, false, 0.0005, 1],
    ['no weight decay (a bias)', true, false, 0, 1],
  ];
  for (const [what, momentum, nesterov, wd, scale] of variants) {
    test(`${what}: bit for bit the graph's float32 arithmetic, on 1, 2 and 3 threads`, () => {
      const k = kernels();
      const w0 = values(N, 1);
      const m0 = momentum ? values(N, 2).map((v) => v * 0.1) : null;
      const g = values(N, 3).map((v) => v * 0.01);
      const ref = reference(w0, m0, g, 0.05, wd, 0.9, nesterov, scale);
      const norms: string[] = [];
      for (const threads of [1, 2, 3, 8]) {
        const w = w0.slice();
        const m = m0 ? m0.slice() : null;
        const gOut = g.slice();
        const mOut = m0 ? new Float32Array(N) : null;
        const r = k.sgdStep(w, m, gOut, mOut, 0.05, wd, 0.9, nesterov, scale, threads);
        assert.deepEqual(w, w0, 'the weights are read, not written');
        if (m) assert.deepEqual(m, m0, 'the momenta are read, not written');
        assert.deepEqual(gOut, ref.w, `new weights (over the gradient), ${threads} threads`);
        if (mOut) assert.deepEqual(mOut, ref.m, `new momenta, ${threads} threads`);
        close(r.weightSq, ref.sq, '|new w|^2');
        close(r.gradSq, ref.gsq, '|g|^2');
        assert.equal(k.sumSquares(g, threads), r.gradSq, 'sumSquares sums as sgdStep does');
        norms.push(`${r.weightSq} ${r.gradSq}`);
      }
      // the norms are summed in a fixed order: the same bits on any number of threads
      assert.equal(new Set(norms).size, 1, norms.join(', '));
    });
  }

  test('sumSquares: float64 sum of squares, the same on any number of threads', () => {
    const k = kernels();
    const x = values(N, 4);
    let ref = 0;
    for (const v of x) ref += v * v;
    const sums = [1, 2, 5].map((t) => k.sumSquares(x, t));
    assert.equal(new Set(sums).size, 1);
    assert.ok(Math.abs(sums[0]! - ref) / ref < 1e-7, `${sums[0]} vs ${ref}`);
    assert.equal(k.sumSquares(new Float32Array(0), 2), 0);
    assert.equal(k.sumSquares(Float32Array.of(3, 4), 2), 25);
  });

  test('a non-finite result shows in the norms', () => {
    const k = kernels();
    const w = Float32Array.of(1, 2, 3);
    const step = (g: number[], lr: number) => k.sgdStep(w, null, Float32Array.from(g), null, lr, 0, 0, false, 1, 1);
    const big = step([1, 1, 1], 1e10);
    assert.ok(Math.abs(big.weightSq - 3e20) / 3e20 < 1e-6, String(big.weightSq));
    assert.equal(big.gradSq, 3);
    // squares are first summed in float32 (as the graph's ReduceSumSquare rows are), so
    // values beyond ~1.8e19 count as non-finite, on both paths
    assert.equal(step([1, 1, 1], 1e38).weightSq, Infinity);
    assert.deepEqual(step([1, 3e38, 1], 10), { weightSq: Infinity, gradSq: Infinity });
    const nan = step([1, NaN, 1], 0.1);
    assert.ok(Number.isNaN(nan.weightSq) && Number.isNaN(nan.gradSq));
    assert.deepEqual(w, Float32Array.of(1, 2, 3));
  });

  test('bad arguments throw and say which', () => {
    const k = kernels();
    const [w, m, g, mo] = [new Float32Array(4), new Float32Array(4), new Float32Array(4), new Float32Array(4)];
    assert.throws(() => k.sgdStep(new Float64Array(4) as unknown as Float32Array, null, g, null, 0.1, 0, 0, false, 1, 1), { name: 'TypeError', message: 'alexnet native: weights must be a Float32Array' });
    assert.throws(() => k.sgdStep(w, null, [1, 2, 3, 4] as unknown as Float32Array, null, 0.1, 0, 0, false, 1, 1), { name: 'TypeError', message: 'alexnet native: gradient must be a Float32Array' });
    assert.throws(() => k.sgdStep(w, new Float32Array(3), g, mo, 0.1, 0, 0.9, false, 1, 1), { name: 'RangeError', message: 'alexnet native: sgdStep lengths differ: weights 4, momentum 3, gradient 4, momentum output 4' });
    assert.throws(() => k.sgdStep(w, m, g, null, 0.1, 0, 0.9, false, 1, 1), { name: 'TypeError', message: 'alexnet native: sgdStep takes a momentum and its output, or neither' });
    assert.throws(() => k.sgdStep(w, m, g, m, 0.1, 0, 0.9, false, 1, 1), { name: 'RangeError', message: 'alexnet native: sgdStep needs separate buffers for weights, momentum, gradient and momentum output' });
    assert.throws(() => k.sgdStep(w, null, w, null, 0.1, 0, 0, false, 1, 1), { name: 'RangeError', message: 'alexnet native: sgdStep needs separate buffers for weights, momentum, gradient and momentum output' });
    assert.throws(() => k.sgdStep(w, null, g, null, 'x' as unknown as number, 0, 0, false, 1, 1), { name: 'TypeError', message: 'alexnet native: lr must be a number' });
    assert.throws(() => k.sgdStep(w, null, g, null, 0.1, 0, 0, 1 as unknown as boolean, 1, 1), { name: 'TypeError', message: 'alexnet native: nesterov must be a boolean' });
    assert.throws(() => (k.sumSquares as (x: Float32Array) => number)(w), { name: 'TypeError', message: 'alexnet native: sumSquares takes 2 arguments' });
  });

  // G = A^T B in float64, A [n, rows], B [n, cols]
  function outerRef(a: Float32Array, b: Float32Array, n: number): Float64Array {
    const [R, C] = [a.length / n, b.length / n];
    const g = new Float64Array(R * C);
    for (let k = 0; k < n; k++) for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) g[r * C + c]! += a[k * R + r]! * b[k * C + c]!;
    return g;
  }

  // rows past a 4-row tile, columns past a 32-column tile and past a 256-column run
  const OUTER: [string, number, number, number][] = [
    ['fc-like tiles', 6, 64, 512],
    ['rows and columns past the tiles', 5, 11, 301],
    ['one row of A, one column of B', 3, 1, 1],
  ];
  for (const [what, n, R, C] of OUTER) {
    test(`sgdStepOuter (${what}: n ${n}, ${R} x ${C}): G = A^T B to float32 rounding, then sgdStep's arithmetic bit for bit, on any number of threads`, () => {
      const k = kernels();
      const a = values(n * R, 5);
      const b = values(n * C, 6).map((v) => v * 0.1);
      // w = 0, lr 1, plain SGD: w' = 0 - G * 1 = -G exactly, so w' shows the kernel's G
      const gOut = new Float32Array(R * C);
      const r0 = k.sgdStepOuter(new Float32Array(R * C), null, a, b, n, gOut, null, 1, 0, 0, false, 1, 2);
      const G = gOut.map((v) => -v);
      const ref = outerRef(a, b, n);
      const scale = Math.max(...ref.map(Math.abs));
      ref.forEach((v, i) => assert.ok(Math.abs(G[i]! - v) <= 1e-6 * scale, `G[${i}] ${G[i]} vs ${v}`));
      let sq = 0;
      for (const v of ref) sq += v * v;
      assert.ok(Math.abs(r0.gradSq - sq) <= 1e-6 * sq, `|G|^2 of the float32 G: ${r0.gradSq} vs ${sq}`);
      close(k.outerSumSquares(a, b, n), sq, 'outerSumSquares (float64)');
      // the full step, against sgdStep on that G
      const w0 = values(R * C, 7);
      const m0 = values(R * C, 8).map((v) => v * 0.1);
      const g = G.slice();
      const mRef = new Float32Array(R * C);
      const want = k.sgdStep(w0, m0, g, mRef, 0.05, 0.0005, 0.9, true, 0.37, 1);
      const results = new Set<string>();
      for (const threads of [1, 2, 3, 8]) {
        const [w, m] = [w0.slice(), m0.slice()];
        const [wOut, mOut] = [new Float32Array(R * C), new Float32Array(R * C)];
        const r = k.sgdStepOuter(w, m, a, b, n, wOut, mOut, 0.05, 0.0005, 0.9, true, 0.37, threads);
        assert.deepEqual(w, w0, 'the weights are read, not written');
        assert.deepEqual(m, m0, 'the momenta are read, not written');
        assert.deepEqual(wOut, g, `new weights, ${threads} threads`);
        assert.deepEqual(mOut, mRef, `new momenta, ${threads} threads`);
        close(r.weightSq, want.weightSq, '|new w|^2');
        close(r.gradSq, want.gradSq, '|G|^2');
        assert.equal(k.rowSumSquares(wOut, C), r.weightSq, 'rowSumSquares sums as sgdStepOuter does');
        results.add(`${r.weightSq} ${r.gradSq}`);
      }
      assert.equal(results.size, 1, [...results].join(', '));
    });
  }

  test('sgdStepOuter: a non-finite factor shows in the norms; bad arguments throw and say which', () => {
    const k = kernels();
    const [w, wOut] = [new Float32Array(6), new Float32Array(6)];
    const a = Float32Array.of(1, 2, 3, 4); // n 2, rows 2
    const b = Float32Array.of(1, NaN, 1, 1, 1, 1); // n 2, cols 3
    const r = k.sgdStepOuter(w, null, a, b, 2, wOut, null, 0.1, 0, 0, false, 1, 2);
    assert.ok(Number.isNaN(r.gradSq) && Number.isNaN(r.weightSq));
    assert.throws(() => k.sgdStepOuter(w, null, a, b, 3, wOut, null, 0.1, 0, 0, false, 1, 1), {
      name: 'RangeError',
      message: 'alexnet native: sgdStepOuter needs a whole number of rows n >= 1 dividing a (4 values) and b (6), got n = 3',
    });
    assert.throws(() => k.sgdStepOuter(new Float32Array(5), null, a, b, 2, wOut, null, 0.1, 0, 0, false, 1, 1), {
      name: 'RangeError',
      message: 'alexnet native: sgdStepOuter lengths differ: a^T b is 2 x 3, weights 5, weights output 6, momentum 0, momentum output 0',
    });
    assert.throws(() => k.sgdStepOuter(w, null, a, b, 2, w, null, 0.1, 0, 0, false, 1, 1), {
      name: 'RangeError',
      message: 'alexnet native: sgdStepOuter needs separate buffers for weights, momentum, a, b and the two outputs',
    });
    assert.throws(() => k.sgdStepOuter(w, new Float32Array(6), a, b, 2, wOut, null, 0.1, 0, 0.9, false, 1, 1), { name: 'TypeError', message: 'alexnet native: sgdStepOuter takes a momentum and its output, or neither' });
    assert.throws(() => k.sgdStepOuter(w, null, a, b, 2, wOut, null, 0.1, 0, 0, 'no' as unknown as boolean, 1, 1), { name: 'TypeError', message: 'alexnet native: nesterov must be a boolean' });
    assert.throws(() => k.rowSumSquares(w, 4), { name: 'RangeError', message: 'alexnet native: rowSumSquares needs a whole number of columns cols >= 1 dividing x (6 values), got 4' });
    assert.throws(() => k.outerSumSquares(a, b, 0), { name: 'RangeError', message: 'alexnet native: outerSumSquares needs a whole number of rows n >= 1 dividing a (4 values) and b (6), got n = 0' });
  });

  const ADAMW: [string, number, number, number][] = [
    ['step 1, decay', 1, 0.05, 1],
    ['step 7, clipped', 7, 0.05, 0.37],
    ['step 3, no decay (a bias)', 3, 0, 1],
  ];
  for (const [what, t, wd, scale] of ADAMW) {
    test(`adamwStep (${what}): bit for bit the graph's float32 arithmetic, on any number of threads; adamwStepOuter the same on its own G`, () => {
      const k = kernels();
      const a = adamwScalars([0.9, 0.999], 1e-8, 0.001, wd, t);
      const w0 = values(N, 1);
      const m0 = values(N, 2).map((x) => x * 0.01);
      const v0 = values(N, 3).map((x) => x * x * 1e-4);
      v0[7] = 0; // sqrt(0) / bc2s + eps = eps: no division by zero
      const g = values(N, 4).map((x) => x * 0.01);
      const ref = adamwReference(w0, m0, v0, g, a, scale);
      const norms = new Set<string>();
      for (const threads of [1, 2, 3]) {
        const [w, m, v, gOut, mOut, vOut] = [w0.slice(), m0.slice(), v0.slice(), g.slice(), new Float32Array(N), new Float32Array(N)];
        const r = k.adamwStep(w, m, v, gOut, mOut, vOut, a, scale, threads);
        assert.deepEqual([w, m, v], [w0, m0, v0], 'the weights and moments are read, not written');
        assert.deepEqual(gOut, ref.w, `new weights (over the gradient), ${threads} threads`);
        assert.deepEqual(mOut, ref.m, `new first moments, ${threads} threads`);
        assert.deepEqual(vOut, ref.v, `new second moments, ${threads} threads`);
        close(r.weightSq, ref.sq, '|new w|^2');
        close(r.gradSq, ref.gsq, '|g|^2');
        norms.add(`${r.weightSq} ${r.gradSq}`);
      }
      assert.equal(norms.size, 1, [...norms].join(', '));
      // the Gemm form: its G from two factors, then adamwStep's arithmetic on that G
      const [n, R, C] = [5, 11, 301];
      const fa = values(n * R, 5);
      const fb = values(n * C, 6).map((x) => x * 0.1);
      const G = new Float32Array(R * C);
      k.sgdStepOuter(new Float32Array(R * C), null, fa, fb, n, G, null, -1, 0, 0, false, 1, 1); // w' = 0 + G
      const [ow, om, ov] = [w0.subarray(0, R * C), m0.subarray(0, R * C), v0.subarray(0, R * C)];
      const [gw, gm, gv] = [G.slice(), new Float32Array(R * C), new Float32Array(R * C)];
      const want = k.adamwStep(ow, om, ov, gw, gm, gv, a, scale, 1);
      for (const threads of [1, 2]) {
        const [wOut, mOut, vOut] = [new Float32Array(R * C), new Float32Array(R * C), new Float32Array(R * C)];
        const r = k.adamwStepOuter(ow, om, ov, fa, fb, n, wOut, mOut, vOut, a, scale, threads);
        assert.deepEqual([wOut, mOut, vOut], [gw, gm, gv], `adamwStepOuter, ${threads} threads`);
        close(r.weightSq, want.weightSq, '|new w|^2');
        close(r.gradSq, want.gradSq, '|G|^2');
      }
    });
  }

  test('adamwScalars: torch.optim.AdamW\'s bias corrections; adamw kernels name bad arguments', () => {
    const a = adamwScalars([0.9, 0.999], 1e-8, 0.01, 0.05, 2);
    assert.deepEqual(a, { b1: 0.9, b2: 0.999, eps: 1e-8, wdFactor: 1 - 0.01 * 0.05, stepSize: 0.01 / (1 - 0.81), bc2Sqrt: Math.sqrt(1 - 0.999 ** 2) });
    const k = kernels();
    const x = () => new Float32Array(4);
    assert.throws(() => k.adamwStep(x(), x(), new Float32Array(3), x(), x(), x(), a, 1, 1), {
      name: 'RangeError',
      message: 'alexnet native: adamwStep lengths differ: weights 4, first moments 4, second moments 3, gradient 4, outputs 4 and 4',
    });
    const w = x();
    assert.throws(() => k.adamwStep(w, x(), x(), x(), w, x(), a, 1, 1), { name: 'RangeError', message: 'alexnet native: adamwStep needs separate buffers for weights, moments, gradient and outputs' });
    assert.throws(() => k.adamwStep(x(), x(), x(), x(), x(), x(), { ...a, stepSize: undefined } as unknown as AdamwScalars, 1, 1), { name: 'TypeError', message: 'alexnet native: AdamW setting stepSize must be a number' });
    assert.throws(() => k.adamwStep(x(), x(), x(), x(), x(), x(), 0.1 as unknown as AdamwScalars, 1, 1), {
      name: 'TypeError',
      message: 'alexnet native: the AdamW settings must be an object {b1, b2, eps, wdFactor, stepSize, bc2Sqrt}',
    });
    assert.throws(() => k.adamwStepOuter(x(), x(), x(), Float32Array.of(1, 2), Float32Array.of(1, 2), 3, x(), x(), x(), a, 1, 1), {
      name: 'RangeError',
      message: 'alexnet native: adamwStepOuter needs a whole number of rows n >= 1 dividing a (2 values) and b (2), got n = 3',
    });
  });

  test('ALEXNET_NATIVE=0 turns them off: the trainer says why a host update cannot run, and the graph update still does', () => {
    const code = `
      import { nativeKernels, nativeUnavailable } from './src/runtime/native.ts';
      import { Trainer } from './src/train/trainer.ts';
      import { tinyModel, tinyWeights } from './test/grad/tiny_model.ts';
      console.log(JSON.stringify({ kernels: nativeKernels(), why: nativeUnavailable() }));
      const m = tinyModel(2);
      await Trainer.create(m, tinyWeights(m), { momentum: 0.9, update: 'host' }).catch((e) => console.log(e.message));
      const m2 = tinyModel(2);
      const t = await Trainer.create(m2, tinyWeights(m2), { momentum: 0.9 });
      console.log(t.update);
      await t.dispose();
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ALEXNET_NATIVE: '0' } });
    assert.equal(r.status, 0, r.stderr);
    const [first, second, third] = r.stdout.trim().split('\n');
    assert.deepEqual(JSON.parse(first!), { kernels: null, why: 'ALEXNET_NATIVE=0 turns the native kernels off' });
    assert.equal(second, "Trainer: update 'host' needs the native kernels: ALEXNET_NATIVE=0 turns the native kernels off");
    assert.equal(third, 'graph');
  });
});
