// The batchNorm builder (src/nn/norm.ts): parameters in Keras's order with their
// metadata, the layer-table row, inference with the running statistics, training with
// the batch's statistics and the running statistics' update, on NCHW maps, NHWC maps
// (as rows) and rows, against a direct computation.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Graph, isTrainable } from '../../src/graph/graph.js';
import { Net, type Layout } from '../../src/nn/net.js';
import { batchNorm, type BatchNormOptions } from '../../src/nn/norm.js';
import { generate } from '../../src/nn/init.js';
import { compileModel } from '../../src/runtime/compile.js';
import type { Tensor } from '../../src/tensor.js';

const N = 3, C = 4, H = 2, W = 3;

function opts(training: boolean, over: Partial<BatchNormOptions> = {}): BatchNormOptions {
  return { scope: 'bn', eps: 1e-3, momentum: 0.9, scale: true, center: true, training, unbiasedRunningVar: true, names: { gamma: 'bn/gamma', beta: 'bn/beta', mean: 'bn/moving_mean', variance: 'bn/moving_variance' }, ...over };
}

const draw = (n: number, low: number, high: number, name: string) => generate({ kind: 'uniform', low, high }, n, 3, name);

/** [N, C, H, W] (or [N, C]) values, index (n, c, s) over the s-th spatial position. */
function reference(x: Float32Array, shape: number[], layout: Layout, o: BatchNormOptions, w: Record<string, Float32Array>, training: boolean) {
  const spatial = shape.length === 4 ? (layout === 'NCHW' ? shape[2]! * shape[3]! : shape[1]! * shape[2]!) : 1;
  const at = (n: number, c: number, s: number) => (shape.length === 2 ? n * C + c : layout === 'NCHW' ? (n * C + c) * spatial + s : (n * spatial + s) * C + c);
  const y = new Float32Array(x.length);
  const next = { mean: new Float64Array(C), variance: new Float64Array(C) };
  const m = N * spatial;
  for (let c = 0; c < C; c++) {
    let mean = w.mean![c]!, variance = w.variance![c]!;
    if (training) {
      let s1 = 0, s2 = 0;
      for (let n = 0; n < N; n++) for (let s = 0; s < spatial; s++) s1 += x[at(n, c, s)]!;
      mean = s1 / m;
      for (let n = 0; n < N; n++) for (let s = 0; s < spatial; s++) s2 += (x[at(n, c, s)]! - mean) ** 2;
      variance = s2 / m;
      next.mean[c] = o.momentum * w.mean![c]! + (1 - o.momentum) * mean;
      next.variance[c] = o.momentum * w.variance![c]! + (1 - o.momentum) * variance * (o.unbiasedRunningVar ? m / (m - 1) : 1);
    }
    const gamma = w.gamma ? w.gamma[c]! : 1, beta = w.beta ? w.beta[c]! : 0;
    for (let n = 0; n < N; n++) for (let s = 0; s < spatial; s++) y[at(n, c, s)] = ((x[at(n, c, s)]! - mean) / Math.sqrt(variance + o.eps)) * gamma + beta;
  }
  return { y, next };
}

async function run(shape: number[], layout: Layout, o: BatchNormOptions) {
  const g = new Graph('bn');
  const net = new Net(g, { lowerToGemm: true });
  const input = g.input('input', { dtype: 'float32', shape });
  const f = batchNorm(net, net.feature(input, layout), o);
  const outputs: Record<string, typeof input> = { y: f.value };
  for (const u of net.stateUpdates) outputs[`next/${u.param.name}`] = u.next;
  const x = draw(shape.reduce((a, b) => a * b, 1), -2, 3, 'x');
  const w: Record<string, Float32Array> = { mean: draw(C, -0.5, 0.5, 'mean'), variance: draw(C, 0.5, 2, 'var') };
  if (o.scale) w.gamma = draw(C, 0.5, 1.5, 'gamma');
  if (o.center) w.beta = draw(C, -1, 1, 'beta');
  const key = { gamma: o.names.gamma, beta: o.names.beta, mean: o.names.mean, variance: o.names.variance } as Record<string, string>;
  const weights = new Map<string, Tensor>(Object.entries(w).map(([k, v]) => [key[k]!, { dtype: 'float32', shape: [C], data: v }]));
  const s = await compileModel({ graph: g, outputs }, weights);
  const out = await s.run({ input: { dtype: 'float32', shape, data: x } });
  await s.dispose();
  return { out, ref: reference(x, shape, layout, o, w, o.training), net, g, f };
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol * (1 + Math.abs(b[i]!)), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

describe('batchNorm builder', () => {
  test('parameters in Keras order, moving statistics non-trainable, layer row counts all four', () => {
    const g = new Graph('p');
    const net = new Net(g, { lowerToGemm: true });
    const input = g.input('input', { dtype: 'float32', shape: ['N', C, H, W] });
    batchNorm(net, net.feature(input, 'NCHW'), opts(false));
    assert.deepEqual(g.params.map((p) => p.name), ['bn/gamma', 'bn/beta', 'bn/moving_mean', 'bn/moving_variance']);
    assert.deepEqual(g.params.map(isTrainable), [true, true, false, false]);
    assert.deepEqual(g.params.map((p) => p.param!.regularized), [false, false, false, false]);
    assert.deepEqual(g.params.map((p) => p.param!.init), [1, 0, 0, 1].map((value) => ({ kind: 'constant', value })));
    assert.equal(net.layers[0]!.params, 4 * C);
    assert.deepEqual(net.layers[0]!.outputShape, [1, H, W, C]);
    assert.equal(g.nodes.filter((n) => n.op === 'BatchNormalization').length, 1);
  });

  test('scale=false declares no gamma (InceptionV3), center=false no beta', () => {
    const g = new Graph('p');
    const net = new Net(g, { lowerToGemm: true });
    const input = g.input('input', { dtype: 'float32', shape: ['N', C, H, W] });
    batchNorm(net, net.feature(input, 'NCHW'), opts(false, { scale: false, names: { beta: 'bn/beta', mean: 'bn/moving_mean', variance: 'bn/moving_variance' } }));
    assert.deepEqual(g.params.map((p) => p.name), ['bn/beta', 'bn/moving_mean', 'bn/moving_variance']);
    assert.equal(net.layers[0]!.params, 3 * C);
    assert.throws(() => batchNorm(net, net.feature(input, 'NCHW'), opts(false, { scope: 'bn2', names: { mean: 'm', variance: 'v' } })), /bn2: batchNorm with scale=true needs names.gamma/);
  });

  for (const [what, shape, layout] of [['NCHW map', [N, C, H, W], 'NCHW'], ['NHWC map', [N, H, W, C], 'NHWC'], ['rows', [N, C], 'NHWC']] as const) {
    test(`inference on ${what} normalises with the running statistics`, async () => {
      const { out, ref } = await run([...shape], layout, opts(false));
      close(out.y!.data as Float32Array, ref.y, 1e-5, 'y');
    });
    test(`training on ${what}: batch statistics, running statistics updated with the momentum`, async () => {
      const o = opts(true);
      const { out, ref, net } = await run([...shape], layout, o);
      assert.equal(net.stateUpdates.length, 2);
      close(out.y!.data as Float32Array, ref.y, 1e-5, 'y');
      close(out['next/bn/moving_mean']!.data as Float32Array, ref.next.mean, 1e-6, 'mean');
      close(out['next/bn/moving_variance']!.data as Float32Array, ref.next.variance, 1e-6, 'variance');
    });
  }

  test('training with the biased running variance, without scale and center', async () => {
    const o = opts(true, { unbiasedRunningVar: false, scale: false, center: false, names: { mean: 'bn/moving_mean', variance: 'bn/moving_variance' } });
    const { out, ref } = await run([N, C, H, W], 'NCHW', o);
    close(out.y!.data as Float32Array, ref.y, 1e-5, 'y');
    close(out['next/bn/moving_variance']!.data as Float32Array, ref.next.variance, 1e-6, 'variance');
  });

  test('a frozen layer runs in inference mode in a training build', () => {
    const g = new Graph('p');
    const net = new Net(g, { lowerToGemm: true, frozen: new Set(['bn']) });
    const input = g.input('input', { dtype: 'float32', shape: [N, C, H, W] });
    batchNorm(net, net.feature(input, 'NCHW'), opts(true));
    assert.equal(net.stateUpdates.length, 0);
    assert.deepEqual(g.nodes.map((n) => n.op), ['BatchNormalization']);
  });

  test('training needs a static batch', () => {
    const g = new Graph('p');
    const net = new Net(g, { lowerToGemm: true });
    const input = g.input('input', { dtype: 'float32', shape: ['N', C, H, W] });
    assert.throws(() => batchNorm(net, net.feature(input, 'NCHW'), opts(true)), /bn: training batch norm needs a static shape, got \[N,4,2,3\]/);
  });
});
