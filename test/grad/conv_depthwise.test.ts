// A depthwise conv's weight gradient (groups = input = output channels, MobileNetV2's
// 3x3 convs), which src/grad/conv_weight_grad.ts forms tap by tap instead of per group:
// against finite differences and the reference formulation, stride 1 and 2, padded.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as b from '../../src/graph/build.js';
import type { ConvWeightGradMethod } from '../../src/grad/index.js';
import { analyticGrad, assertGrad, type ConvCase, type FdCase, relDiff } from './fd.js';

const CASES: ConvCase[] = [
  { what: 'stride 1, pads 1, 6 channels', x: [2, 6, 7, 6], m: 6, kernel: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], group: 6 },
  { what: 'stride 2, pads 1, odd size', x: [2, 5, 9, 8], m: 5, kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], group: 5 },
];

function depthwiseCase(c: ConvCase, method: ConvWeightGradMethod): FdCase {
  return {
    name: `depthwise conv ${c.what} [${method}]`,
    inputs: [
      { name: 'x', shape: c.x, dtype: 'float32' },
      { name: 'w', shape: [c.m, 1, ...c.kernel], dtype: 'float32' },
      { name: 'b', shape: [c.m], dtype: 'float32' },
    ],
    build: (_g, [x, w, bias]) => b.conv(x!, w!, bias!, { strides: c.strides, pads: c.pads, group: c.group! }),
    eps: 0.5,
    tol: 2e-5,
    options: { convWeightGrad: () => method },
  };
}

describe('depthwise Conv weight gradient (float32)', () => {
  for (const c of CASES) {
    test(c.what, async () => {
      const ref = await assertGrad(depthwiseCase(c, 'reference'));
      for (const method of ['im2col', 'batchconv'] as const) {
        const { grads, graph } = await analyticGrad(depthwiseCase(c, method));
        const w = grads.get('w')!;
        assert.ok(relDiff(w, ref.numeric.get('w')!) <= 2e-5, `${method}: dW differs from finite differences by ${relDiff(w, ref.numeric.get('w')!)}`);
        assert.ok(relDiff(w, ref.analytic.get('w')!) <= 1e-6, `${method}: dW differs from the reference by ${relDiff(w, ref.analytic.get('w')!)}`);
        // kh*kw taps, no per-group slices
        const names = graph.nodes.map((n) => n.name);
        assert.equal(names.filter((n) => /^grad\/Conv\/sum(_\d+)?$/.test(n)).length, c.kernel[0] * c.kernel[1]);
        assert.equal(names.filter((n) => /_g\d+$/.test(n)).length, 0);
      }
    });
  }
});
