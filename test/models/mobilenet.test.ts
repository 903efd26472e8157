// mobilenet (Keras's MobileNet v1 1.0 224): exact Keras parameter counts, the layer names
// of its .h5 files, logits against keras_applications' own MobileNet on PyTorch
// (tools/gen_keras_oracle.py), and the training graph's gradients with BatchNorm in
// training mode.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mobilenetSpec } from '../../src/models/mobilenet.js';
import { checkGradients, checkLogits, countParams, h5Weights, kerasOracle, oracleWeights } from './keras_zoo.js';

describe('mobilenet', () => {
  test("Keras's parameter counts: 4,231,976 trainable + 21,888 moving statistics = 4,253,864", () => {
    assert.deepEqual(countParams(mobilenetSpec), { trainable: 4_231_976, nonTrainable: 21_888, total: 4_253_864 });
    assert.equal(countParams(mobilenetSpec, { numClasses: null }).total, 3_228_864, 'the _no_top file');
    const m = mobilenetSpec.build();
    const names = m.graph.params.map((p) => p.name);
    assert.deepEqual(names.slice(0, 5), ['conv1/kernel', 'conv1_bn/gamma', 'conv1_bn/beta', 'conv1_bn/moving_mean', 'conv1_bn/moving_variance']);
    assert.deepEqual(m.graph.params.find((p) => p.name === 'conv_dw_1/depthwise_kernel')!.shape, [3, 3, 32, 1]);
    assert.deepEqual(m.graph.params.find((p) => p.name === 'conv_preds/kernel')!.shape, [1, 1, 1024, 1000]);
    assert.deepEqual(names.slice(-2), ['conv_preds/kernel', 'conv_preds/bias']);
    assert.deepEqual(m.output.shape, ['N', 1000]);
  });

  test('logits match keras_applications on seeded weights (the test photos as Keras prepares them)', async (t) => {
    const oracle = kerasOracle(t, 'mobilenet');
    const w = await oracleWeights(t, 'mobilenet');
    if (!oracle || !w) return;
    assert.deepEqual(oracle.params, countParams(mobilenetSpec));
    const r = await checkLogits(mobilenetSpec, oracle, w);
    t.diagnostic(`max |Δp| ${r.maxDp.toExponential(2)}, max |Δlogit| ${r.maxDlogit.toExponential(2)}`);
  });

  test('the .h5 and the _notop.h5 (Keras 2 names, conv_dw_1/depthwise_kernel:0) load by layer names; logits from the .h5 match', async (t) => {
    const oracle = kerasOracle(t, 'mobilenet');
    const w = await h5Weights(t, mobilenetSpec, 'mobilenet.h5');
    if (!oracle || !w || !(await h5Weights(t, mobilenetSpec, 'mobilenet_notop.h5', { numClasses: 0 }))) return;
    await checkLogits(mobilenetSpec, oracle, w);
  });

  test('gradients at 64x64 with BatchNorm on batch statistics match PyTorch autograd (float64)', async (t) => {
    const oracle = kerasOracle(t, 'mobilenet');
    const w = await oracleWeights(t, 'mobilenet');
    if (!oracle || !w) return;
    // BatchNorm over 16 samples per channel in the last units makes the early layers'
    // gradients ill-conditioned: float32 PyTorch is up to 2.5e-2 off float64 there, and so
    // are we (measured worst 2.4e-2, conv_dw_2); the head's agree to 1e-4
    const f32 = oracle.grad!.torchFloat32Error!;
    await checkGradients(t, mobilenetSpec, oracle, w, (n) => ({ max: Math.max(2e-3, 3 * f32[n]!), l2: Math.max(1e-3, 3 * f32[n]!) }), { dropoutKeepProb: 1 });
  });
});
