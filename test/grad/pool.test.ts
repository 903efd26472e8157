// Pooling gradients against finite differences. MaxPool runs in float64 in ORT; its
// inputs are distinct values 0.01 apart so a 1e-4 step never changes a window's winner.
// AveragePool and GlobalAveragePool are float32-only and linear (exact central
// differences with a large step, as for Conv).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as b from '../../src/graph/build.js';
import { Rng } from '../../src/util/rng.js';
import { assertGrad } from './fd.js';

/** n distinct values 0.01 apart, shuffled (no ties in any pooling window). */
function distinct(n: number, seed: number): Float64Array {
  const order = new Rng(seed).shuffle([...Array(n).keys()]);
  return Float64Array.from(order, (k) => (k - n / 2) * 0.01);
}

describe('MaxPool gradient (float64)', () => {
  test('3x3 stride 2, overlapping windows (alexnet pools), odd size', async () => {
    await assertGrad({
      name: 'maxpool_3_2',
      inputs: [{ name: 'x', shape: [2, 3, 9, 9], data: distinct(2 * 3 * 81, 1) }],
      build: (_g, [x]) => b.maxPool(x!, { kernel: [3, 3], strides: [2, 2] }),
      eps: 1e-4,
      tol: 1e-9,
    });
  });

  test('3x3 stride 2 with pads 1 and ceil mode', async () => {
    await assertGrad({
      name: 'maxpool_pad_ceil',
      inputs: [{ name: 'x', shape: [1, 2, 8, 7], data: distinct(2 * 56, 2) }],
      build: (_g, [x]) => b.maxPool(x!, { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil: true }),
      eps: 1e-4,
      tol: 1e-9,
    });
  });

  test('a forward node that already has its Indices output is not run twice', async () => {
    const r = await assertGrad({
      name: 'maxpool_indices',
      inputs: [{ name: 'x', shape: [1, 2, 7, 7], data: distinct(98, 3) }],
      build: (_g, [x]) => b.maxPoolWithIndices(x!, { kernel: [3, 3], strides: [2, 2] })[0],
      eps: 1e-4,
      tol: 1e-9,
    });
    assert.equal(r.graph.nodes.filter((n) => n.op === 'MaxPool').length, 1);
  });
});

describe('AveragePool and GlobalAveragePool gradients (float32)', () => {
  for (const includePad of [false, true]) {
    test(`AveragePool 3x3 stride 2 pads 1, count_include_pad=${includePad}`, async () => {
      await assertGrad({
        name: `avgpool_${includePad}`,
        inputs: [{ name: 'x', shape: [2, 3, 9, 8], dtype: 'float32' }],
        build: (_g, [x]) => b.avgPool(x!, { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], countIncludePad: includePad }),
        eps: 0.5,
        tol: 2e-5,
      });
    });
  }

  test('AveragePool 3x2 stride 2x1, ceil mode, no pads', async () => {
    await assertGrad({
      name: 'avgpool_ceil',
      inputs: [{ name: 'x', shape: [1, 2, 8, 5], dtype: 'float32' }],
      build: (_g, [x]) => b.avgPool(x!, { kernel: [3, 2], strides: [2, 1], ceil: true }),
      eps: 0.5,
      tol: 2e-5,
    });
  });

  test('GlobalAveragePool', async () => {
    await assertGrad({
      name: 'gap',
      inputs: [{ name: 'x', shape: [2, 3, 5, 4], dtype: 'float32' }],
      build: (g, [x]) => g.add1('GlobalAveragePool', [x!]),
      eps: 0.5,
      tol: 2e-5,
    });
  });
});
