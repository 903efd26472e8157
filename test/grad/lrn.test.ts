// LRN gradient against finite differences. ORT's LRN is float32-only, so the step is
// 1e-2 (truncation error ~eps^2, rounding ~1e-7/eps) and the bound 1e-3 relative. alpha
// is large so that the cross-channel term is a real part of the gradient (with
// AlexNet's alpha = 1e-4 LRN is nearly the identity and the test would prove little).
import { describe, test } from 'node:test';
import * as b from '../../src/graph/build.js';
import { assertGrad } from './fd.js';

describe('LRN gradient (float32)', () => {
  // ORT's LRN kernel accepts odd sizes only (lrn.h: size_ % 2 == 1), so even sizes are untested.
  for (const size of [5, 3]) {
    test(`size ${size}, alpha 2, beta 0.75, bias 1`, async () => {
      await assertGrad({
        name: `lrn_${size}`,
        inputs: [{ name: 'x', shape: [2, 7, 3, 4], dtype: 'float32' }],
        build: (_g, [x]) => b.lrn(x!, { size, alpha: 2, beta: 0.75, bias: 1 }),
        eps: 1e-2,
        tol: 1e-3,
      });
    });
  }

  test('Caffe/BVLC constants (size 5, alpha 1e-4, beta 0.75, bias 1) on values of a realistic scale', async () => {
    await assertGrad({
      name: 'lrn_bvlc',
      inputs: [{ name: 'x', shape: [1, 8, 3, 3], dtype: 'float32', data: Float32Array.from({ length: 72 }, (_, i) => 40 * Math.sin(i * 1.7)) }],
      build: (_g, [x]) => b.lrn(x!, { size: 5, alpha: 1e-4, beta: 0.75, bias: 1 }),
      eps: 0.05,
      tol: 1e-3,
    });
  });
});
