// Keras's InceptionV3 (src/models/inception_v3.ts): Keras's parameter counts, and logits
// against keras_applications' own model code on the same seeded weights
// (tools/gen_keras_inception_oracle.py). test/cli/train_zoo.test.ts trains it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inceptionV3Spec } from '../../src/models/inception_v3.js';
import { checkGradients, checkLogits, h5Weights, countParams, kerasOracle, oracleWeights } from './keras_zoo.js';

describe('inception_v3', () => {
  test("parameters: Keras's model.summary() counts, with and without the top", () => {
    assert.deepEqual(countParams(inceptionV3Spec), { trainable: 23_817_352, nonTrainable: 34_432, total: 23_851_784 });
    assert.deepEqual(countParams(inceptionV3Spec, { numClasses: 0 }), { trainable: 21_768_352, nonTrainable: 34_432, total: 21_802_784 });
  });

  test('logits match keras_applications on seeded weights (safetensors under our names)', async (t) => {
    const oracle = kerasOracle(t, 'inception_v3');
    const w = await oracleWeights(t, 'inception_v3');
    if (!oracle || !w) return;
    assert.deepEqual(oracle.params, countParams(inceptionV3Spec));
    const r = await checkLogits(inceptionV3Spec, oracle, w);
    t.diagnostic(`max |Δp| ${r.maxDp.toExponential(2)}, max |Δlogit| ${r.maxDlogit.toExponential(2)}`);
  });

  // 94 batch norms in training mode on 4 images make the gradient ill-conditioned in
  // float32: the fixture records how far PyTorch's own float32 run is from its float64 one
  // per parameter (1.5e-4 at the head's bias to 5.5e-2 of the largest value); ours must be
  // within twice that, in the largest difference and in L2.
  test('gradients at 107x107 with BatchNorm in training mode match PyTorch autograd', async (t) => {
    const oracle = kerasOracle(t, 'inception_v3');
    const w = await oracleWeights(t, 'inception_v3');
    if (!oracle || !w) return;
    const f32 = oracle.grad!.torchFloat32Error!;
    await checkGradients(t, inceptionV3Spec, oracle, w, (p) => ({ max: 2 * f32[p]!, l2: 2 * f32[p]! }));
  });

  test('the .h5 and the _notop.h5 load by Keras layer names; logits from the .h5 match', async (t) => {
    const oracle = kerasOracle(t, 'inception_v3');
    const w = await h5Weights(t, inceptionV3Spec, 'inception_v3.h5');
    if (!oracle || !w || !(await h5Weights(t, inceptionV3Spec, 'inception_v3_notop.h5', { numClasses: 0 }))) return;
    await checkLogits(inceptionV3Spec, oracle, w);
  });
});
