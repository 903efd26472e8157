// Keras's Xception (src/models/xception.ts): Keras's parameter counts, and logits
// against keras_applications' own model code on the same seeded weights
// (tools/gen_keras_inception_oracle.py). test/cli/train_zoo.test.ts trains it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { xceptionSpec } from '../../src/models/xception.js';
import { checkLogits, countParams, h5Weights, kerasOracle, oracleWeights } from './keras_zoo.js';

describe('xception', () => {
  test("parameters: Keras's model.summary() counts, with and without the top", () => {
    assert.deepEqual(countParams(xceptionSpec), { trainable: 22_855_952, nonTrainable: 54_528, total: 22_910_480 });
    assert.deepEqual(countParams(xceptionSpec, { numClasses: 0 }), { trainable: 20_806_952, nonTrainable: 54_528, total: 20_861_480 });
  });

  test('logits match keras_applications on seeded weights (safetensors under our names)', async (t) => {
    const oracle = kerasOracle(t, 'xception');
    const w = await oracleWeights(t, 'xception');
    if (!oracle || !w) return;
    assert.deepEqual(oracle.params, countParams(xceptionSpec));
    const r = await checkLogits(xceptionSpec, oracle, w);
    t.diagnostic(`max |Δp| ${r.maxDp.toExponential(2)}, max |Δlogit| ${r.maxDlogit.toExponential(2)}`);
  });

  test('the .h5 and the _notop.h5 load by Keras layer names; logits from the .h5 match', async (t) => {
    const oracle = kerasOracle(t, 'xception');
    const w = await h5Weights(t, xceptionSpec, 'xception.h5');
    if (!oracle || !w || !(await h5Weights(t, xceptionSpec, 'xception_notop.h5', { numClasses: 0 }))) return;
    await checkLogits(xceptionSpec, oracle, w);
  });
});
