// Keras's InceptionResNetV2 (src/models/inception_resnet_v2.ts): Keras's parameter counts, and logits
// against keras_applications' own model code on the same seeded weights
// (tools/gen_keras_inception_oracle.py). test/cli/train_zoo.test.ts trains it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inceptionResnetV2Spec } from '../../src/models/inception_resnet_v2.js';
import { checkLogits, countParams, h5Weights, kerasOracle, oracleWeights } from './keras_zoo.js';

describe('inception_resnet_v2', () => {
  test("parameters: Keras's model.summary() counts, with and without the top", () => {
    assert.deepEqual(countParams(inceptionResnetV2Spec), { trainable: 55_813_192, nonTrainable: 60_544, total: 55_873_736 });
    assert.deepEqual(countParams(inceptionResnetV2Spec, { numClasses: 0 }), { trainable: 54_276_192, nonTrainable: 60_544, total: 54_336_736 });
  });

  test('logits match keras_applications on seeded weights (safetensors under our names)', async (t) => {
    const oracle = kerasOracle(t, 'inception_resnet_v2');
    const w = await oracleWeights(t, 'inception_resnet_v2');
    if (!oracle || !w) return;
    assert.deepEqual(oracle.params, countParams(inceptionResnetV2Spec));
    const r = await checkLogits(inceptionResnetV2Spec, oracle, w);
    t.diagnostic(`max |Δp| ${r.maxDp.toExponential(2)}, max |Δlogit| ${r.maxDlogit.toExponential(2)}`);
  });

  test('the .h5 and the _notop.h5 load by Keras layer names; logits from the .h5 match', async (t) => {
    const oracle = kerasOracle(t, 'inception_resnet_v2');
    const w = await h5Weights(t, inceptionResnetV2Spec, 'inception_resnet_v2.h5');
    if (!oracle || !w || !(await h5Weights(t, inceptionResnetV2Spec, 'inception_resnet_v2_notop.h5', { numClasses: 0 }))) return;
    await checkLogits(inceptionResnetV2Spec, oracle, w);
  });
});
