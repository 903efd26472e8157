// Small convs lowered to one Gemm over the batch (src/passes/conv_gemm.ts): the same
// outputs as ORT's Conv, gradients against finite differences (float32, as in
// test/grad/conv.test.ts: the loss is linear in X, W and B separately, so a step of 0.5
// is exact but for rounding), and which convs are lowered. The whole models' steps with
// lowered convs are checked against PyTorch in test/grad/oracle.test.ts (alexnet_v2 and
// bvlc_alexnet's conv3-5 on 13x13 maps).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as b from '../../src/graph/build.js';
import { Graph, type Value } from '../../src/graph/graph.js';
import { toOnnx } from '../../src/graph/onnx_writer.js';
import { generate } from '../../src/nn/init.js';
import { Session } from '../../src/runtime/session.js';
import { tensor } from '../../src/tensor.js';
import { im2colTable, lowerSmallConvs, SMALL_CONV_PIXELS } from '../../src/passes/conv_gemm.js';
import { analyticGrad, assertGrad, type ConvCase as Case, relDiff } from '../grad/fd.js';

const CASES: Case[] = [
  { what: '3x3 pads 1 on a 3x3 map (conv3-5 at 64x64)', x: [3, 4, 3, 3], m: 5, kernel: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] },
  { what: '5x5 pads 2 on a 7x7 map (conv2 at 64x64)', x: [2, 3, 7, 7], m: 4, kernel: [5, 5], strides: [1, 1], pads: [2, 2, 2, 2] },
  { what: 'stride 2, asymmetric pads, odd leftover', x: [2, 3, 10, 9], m: 4, kernel: [3, 3], strides: [2, 2], pads: [1, 0, 2, 1] },
  { what: 'dilation 2, different strides and kernels per axis', x: [2, 2, 11, 12], m: 3, kernel: [3, 2], strides: [2, 3], pads: [2, 1, 1, 0], dilations: [2, 2] },
  { what: '1x1, no pads', x: [2, 6, 4, 4], m: 3, kernel: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0] },
];

function build(c: Case, lower: boolean) {
  return (g: Graph, [x, w, bias]: Value[]) => {
    const y = b.conv(x!, w!, bias!, { strides: c.strides, pads: c.pads, dilations: c.dilations ?? [1, 1] });
    if (!lower) return y;
    const { names, replaced } = lowerSmallConvs(g, 1000);
    assert.deepEqual(names, [y.producer!.name]);
    return replaced.get(y)!;
  };
}

const inputs = (c: Case) => [
  { name: 'x', shape: c.x, dtype: 'float32' as const },
  { name: 'w', shape: [c.m, c.x[1], ...c.kernel], dtype: 'float32' as const },
  { name: 'b', shape: [c.m], dtype: 'float32' as const },
];

describe('small convs as one Gemm over the batch', () => {
  for (const c of CASES) {
    test(`${c.what}: Conv's outputs, gradients against finite differences and the Conv rules`, async () => {
      // forward: one graph with both forms
      const g = new Graph('both');
      const [x, w, bias] = inputs(c).map((i) => g.input(i.name, { dtype: 'float32', shape: i.shape }));
      const conv = b.conv(x!, w!, bias!, { strides: c.strides, pads: c.pads, dilations: c.dilations ?? [1, 1] });
      g.output(conv, 'conv');
      const copy = b.conv(x!, w!, bias!, { strides: c.strides, pads: c.pads, dilations: c.dilations ?? [1, 1], name: 'lowered' });
      const { replaced } = lowerSmallConvs(g, 1000);
      assert.equal(replaced.size, 2);
      g.output(replaced.get(copy)!, 'gemm');
      assert.ok(!g.nodes.some((n) => n.op === 'Conv'));
      assert.ok(g.nodes.some((n) => n.name === 'lowered/gemm' && n.op === 'Gemm'), 'the Gemm is named under the conv');
      const s = await Session.create(toOnnx(g));
      try {
        const feeds = Object.fromEntries(inputs(c).map((i, k) => [i.name, tensor('float32', i.shape, generate({ kind: 'uniform', low: -1, high: 1 }, i.shape.reduce((p, d) => p * d, 1), 20 + k, i.name))]));
        const out = await s.run(feeds);
        const ref = Float64Array.from(out['conv']!.data as Float32Array);
        assert.ok(relDiff(Float64Array.from(out['gemm']!.data as Float32Array), ref) <= 1e-6, `outputs differ by ${relDiff(Float64Array.from(out['gemm']!.data as Float32Array), ref)}`);
      } finally {
        await s.dispose();
      }
      // backward: finite differences, and the Conv graph's own rules
      const lowered = await assertGrad({ name: `lowered ${c.what}`, inputs: inputs(c), build: build(c, true), eps: 0.5, tol: 2e-5 });
      const plain = await analyticGrad({ name: `conv ${c.what}`, inputs: inputs(c), build: build(c, false), eps: 0.5, tol: 2e-5 });
      for (const name of ['x', 'w', 'b']) {
        const d = relDiff(lowered.analytic.get(name)!, plain.grads.get(name)!);
        assert.ok(d <= 1e-6, `d${name}: lowered and Conv rules differ by ${d}`);
      }
      const ops = new Set(lowered.graph.nodes.filter((n) => n.name.startsWith('grad/')).map((n) => n.op));
      assert.ok(!ops.has('Conv') && !ops.has('ConvTranspose') && !ops.has('ScatterElements'), [...ops].join(', '));
    });
  }

  test('the im2col table: the pixel each tap reads, in the padded image', () => {
    // 3x3 kernel on a padded 5x5 image, stride 2: output 2x2
    const { table, OH, OW } = im2colTable(5, 5, [3, 3], [2, 2], [1, 1]);
    assert.deepEqual([OH, OW], [2, 2]);
    assert.deepEqual(Array.from(table.subarray(0, 9), Number), [0, 1, 2, 5, 6, 7, 10, 11, 12]);
    assert.deepEqual(Array.from(table.subarray(27, 36), Number), [12, 13, 14, 17, 18, 19, 22, 23, 24]); // output pixel (1, 1)
    const dil = im2colTable(5, 5, [2, 2], [1, 1], [2, 2]); // 2x2 taps 2 apart: output 3x3
    assert.deepEqual([dil.OH, dil.OW], [3, 3]);
    assert.deepEqual(Array.from(dil.table.subarray(0, 4), Number), [0, 2, 10, 12]);
  });

  test('which convs are lowered: one group, static shapes, at most the limit of output pixels', () => {
    const g = new Graph('which');
    const x = g.input('x', { dtype: 'float32', shape: [2, 4, 13, 13] });
    const w = (m: number, c: number, name: string) => g.input(name, { dtype: 'float32', shape: [m, c, 3, 3] });
    const small = b.conv(x, w(4, 4, 'w1'), null, { pads: [1, 1, 1, 1], name: 'at_limit' }); // 13x13 = 169 pixels
    const grouped = b.conv(small, w(4, 2, 'w2'), null, { pads: [1, 1, 1, 1], group: 2, name: 'grouped' });
    const big = b.conv(b.pad(grouped, [0, 0, 1, 1, 0, 0, 0, 0]), w(4, 4, 'w3'), null, { pads: [1, 1, 1, 1], name: 'over_limit' }); // 14x14
    const sym = g.input('xs', { dtype: 'float32', shape: ['N', 4, 3, 3] });
    const symbolic = b.conv(sym, w(4, 4, 'w4'), null, { pads: [1, 1, 1, 1], name: 'symbolic_batch' });
    g.output(big, 'y');
    g.output(symbolic, 'z');
    assert.equal(SMALL_CONV_PIXELS, 169);
    assert.deepEqual(lowerSmallConvs(g).names, ['at_limit']);
    assert.deepEqual(g.nodes.filter((n) => n.op === 'Conv').map((n) => n.name), ['grouped', 'over_limit', 'symbolic_batch']);
    assert.equal(grouped.producer!.inputs[0]!.producer!.name, 'at_limit/y', 'the grouped conv reads the lowered output');
    assert.deepEqual(lowerSmallConvs(g, 0).names, []);
  });
});
