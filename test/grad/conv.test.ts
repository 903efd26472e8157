// Conv gradients against finite differences. ORT's Conv and ConvTranspose are
// float32-only, so these run in float32; the loss is linear in X, in W and in B
// separately, so a central difference with a large step (0.5) is exact but for float32
// rounding of the outputs, and 2e-5 relative is a meaningful bound.
//
// Every case runs the dW formulations (src/grad/conv_weight_grad.ts): the reference one
// is checked against finite differences, and im2col, batchconv and (square stride, no
// dilation, one group) spacetodepth against the same numbers and against the reference. Stride-1 cases also run the three dX
// formulations (the flipped-kernel Conv over the stacked batch, the default on these small
// images; that Conv per image; ConvTranspose).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as b from '../../src/graph/build.js';
import type { ConvInputGradMethod, ConvWeightGradMethod } from '../../src/grad/index.js';
import { analyticGrad, assertGrad, type ConvCase, type FdCase, relDiff } from './fd.js';

const CASES: ConvCase[] = [
  // (10 + 2 - 3) mod 2 = 1: one row of X is seen by no window, dX needs output_padding 1
  { what: 'stride 2, pads 1, odd leftover (output_padding 1)', x: [2, 3, 10, 10], m: 4, kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
  // conv1-like: 11x11 stride 4 leaves (H - k) mod 4 rows; here 2 and 1
  { what: 'stride 4, kernel 5, no pads (output_padding 2 and 1)', x: [2, 3, 15, 14], m: 4, kernel: [5, 5], strides: [4, 4], pads: [0, 0, 0, 0] },
  { what: 'groups 2, asymmetric pads', x: [2, 4, 7, 6], m: 6, kernel: [3, 3], strides: [1, 1], pads: [1, 0, 2, 1], group: 2 },
  { what: 'dilation 2, stride 2, pads 2', x: [1, 2, 12, 11], m: 3, kernel: [3, 3], strides: [2, 2], pads: [2, 2, 2, 2], dilations: [2, 2] },
  { what: 'different strides and kernels per axis, groups 2', x: [2, 4, 9, 8], m: 4, kernel: [3, 2], strides: [2, 3], pads: [0, 1, 1, 0], group: 2 },
  { what: 'stride 1, SAME 5x5 (conv2-like)', x: [2, 3, 6, 6], m: 2, kernel: [5, 5], strides: [1, 1], pads: [2, 2, 2, 2] },
  // torchvision features.0-like: the kernel (7) is not a multiple of the stride (3), pads 2
  { what: 'stride 3, kernel 7, pads 2 (kernel cropped from 9x9 blocks)', x: [2, 3, 17, 16], m: 4, kernel: [7, 7], strides: [3, 3], pads: [2, 2, 2, 2] },
  { what: 'stride 1, dilation 2, groups 2, uneven pads', x: [2, 4, 8, 7], m: 6, kernel: [3, 2], strides: [1, 1], pads: [1, 2, 3, 0], dilations: [2, 2], group: 2 },
];

function convCase(c: ConvCase, method: ConvWeightGradMethod, dx?: ConvInputGradMethod): FdCase {
  const g = c.group ?? 1;
  return {
    name: `conv ${c.what} [${method}${dx ? `, dX by ${dx}` : ''}]`,
    inputs: [
      { name: 'x', shape: c.x, dtype: 'float32' },
      { name: 'w', shape: [c.m, c.x[1] / g, ...c.kernel], dtype: 'float32' },
      { name: 'b', shape: [c.m], dtype: 'float32' },
    ],
    build: (_g, [x, w, bias]) =>
      b.conv(x!, w!, bias!, { strides: c.strides, pads: c.pads, dilations: c.dilations ?? [1, 1], group: g }),
    eps: 0.5,
    tol: 2e-5,
    options: { convWeightGrad: () => method, ...(dx ? { convInputGrad: () => dx } : {}) },
  };
}

describe('Conv gradient (float32)', () => {
  for (const c of CASES) {
    test(c.what, async () => {
      const ref = await assertGrad(convCase(c, 'reference'));
      const s2d = c.strides[0] === c.strides[1] && (c.dilations ?? [1, 1]).every((d) => d === 1) && (c.group ?? 1) === 1;
      for (const method of ['im2col', 'batchconv', ...(s2d ? (['spacetodepth'] as const) : [])] as const) {
        const { grads, graph } = await analyticGrad(convCase(c, method));
        const w = grads.get('w')!;
        assert.ok(relDiff(w, ref.numeric.get('w')!) <= 2e-5, `${method}: dW differs from finite differences by ${relDiff(w, ref.numeric.get('w')!)}`);
        assert.ok(relDiff(w, ref.analytic.get('w')!) <= 1e-6, `${method}: dW differs from the reference formulation by ${relDiff(w, ref.analytic.get('w')!)}`);
        assert.deepEqual(grads.get('x'), ref.analytic.get('x'), 'dX does not depend on the dW formulation');
        // the formulation really is the one asked for
        const dwNodes = graph.nodes.filter((n) => n.name.startsWith('grad/Conv/') && !/^grad\/Conv\/(dX|w_)/.test(n.name));
        const ops = new Set(dwNodes.map((n) => n.op));
        assert.equal(ops.has('Conv'), method === 'batchconv');
        assert.equal(ops.has('Gemm'), method === 'im2col' || method === 'spacetodepth');
      }
      const ops = new Set(ref.graph.nodes.filter((n) => n.name === 'grad/Conv/dX' || n.name === 'grad/Conv/dX_stacked').map((n) => n.op));
      const stride1 = c.strides.every((v) => v === 1);
      // every stride-1 case here has at most 64 pixels: dX is one Conv over the stacked batch
      assert.deepEqual([...ops].sort(), stride1 ? ['Conv', 'Transpose'] : ['ConvTranspose'], 'dX is a stacked Conv where the stride is 1');
      if (stride1) {
        const tall = ref.graph.nodes.find((n) => n.name === 'grad/Conv/dX_stacked')!;
        assert.equal(tall.inputs[0]!.shape[0], 1, 'the batch is stacked into one image');
        for (const dxMethod of ['conv', 'convtranspose'] as const) {
          const { grads } = await analyticGrad(convCase(c, 'reference', dxMethod));
          const dx = grads.get('x')!;
          assert.ok(relDiff(dx, ref.numeric.get('x')!) <= 2e-5, `${dxMethod} dX differs from finite differences by ${relDiff(dx, ref.numeric.get('x')!)}`);
          assert.ok(relDiff(dx, ref.analytic.get('x')!) <= 1e-6, `the ${dxMethod} and stacked dX differ by ${relDiff(dx, ref.analytic.get('x')!)}`);
        }
      }
    });
  }

  test('spacetodepth refuses what it cannot do: grouped convs', async () => {
    await assert.rejects(analyticGrad(convCase(CASES[2]!, 'spacetodepth')), /spacetodepth dW needs a square stride, no dilation and one group \(strides \[1,1\], dilations \[1,1\], group 2\)/);
  });

  test('dX has the input size when windows leave rows unused (alexnet_v2 conv1 at 224: 11x11 stride 4)', async () => {
    const { grads } = await analyticGrad({
      name: 'conv1_shape',
      inputs: [{ name: 'x', shape: [1, 3, 224, 224], dtype: 'float32' }, { name: 'w', shape: [2, 3, 11, 11], dtype: 'float32' }],
      build: (_g, [x, w]) => b.conv(x!, w!, null, { strides: [4, 4] }),
      eps: 0,
      tol: 0,
    });
    const dx = grads.get('x')!;
    assert.equal(dx.length, 3 * 224 * 224);
    // (224 - 11) mod 4 = 1: the last row and column are in no window, so their gradient is exactly 0
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < 224; i++) {
        assert.equal(dx[c * 224 * 224 + 223 * 224 + i], 0);
        assert.equal(dx[c * 224 * 224 + i * 224 + 223], 0);
      }
    }
    assert.ok(dx[222 * 224 + 222] !== 0);
  });
});
