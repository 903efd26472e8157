// resnet50 (Keras's ResNet50): exact Keras parameter counts, the layer names of its .h5
// files, logits against keras_applications' own ResNet50 on PyTorch
// (tools/gen_keras_oracle.py), and the training graph's gradients with BatchNorm in
// training mode.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resnet50Spec } from '../../src/models/resnet50.js';
import { checkGradients, checkLogits, countParams, h5Weights, kerasOracle, oracleWeights } from './keras_zoo.js';

describe('resnet50', () => {
  test("Keras's parameter counts: 25,583,592 trainable + 53,120 moving statistics = 25,636,712", () => {
    assert.deepEqual(countParams(resnet50Spec), { trainable: 25_583_592, nonTrainable: 53_120, total: 25_636_712 });
    assert.equal(countParams(resnet50Spec, { numClasses: null }).total, 23_587_712, 'the _notop file');
    const names = resnet50Spec.build().graph.params.map((p) => p.name);
    assert.deepEqual(names.slice(0, 6), ['conv1_conv/kernel', 'conv1_conv/bias', 'conv1_bn/gamma', 'conv1_bn/beta', 'conv1_bn/moving_mean', 'conv1_bn/moving_variance']);
    assert.ok(names.includes('conv2_block1_0_conv/kernel') && names.includes('conv5_block3_3_bn/moving_variance'));
    assert.deepEqual(names.slice(-2), ['probs/kernel', 'probs/bias']);
  });

  test('logits match keras_applications on seeded weights (the test photos as Keras prepares them)', async (t) => {
    const oracle = kerasOracle(t, 'resnet50');
    const w = await oracleWeights(t, 'resnet50');
    if (!oracle || !w) return;
    assert.deepEqual(oracle.params, countParams(resnet50Spec));
    const r = await checkLogits(resnet50Spec, oracle, w);
    t.diagnostic(`max |Δp| ${r.maxDp.toExponential(2)}, max |Δlogit| ${r.maxDlogit.toExponential(2)}`);
  });

  test('the .h5 and the _notop.h5 (Keras 2 names, conv1_conv/kernel:0) load by layer names; logits from the .h5 match', async (t) => {
    const oracle = kerasOracle(t, 'resnet50');
    const w = await h5Weights(t, resnet50Spec, 'resnet50.h5');
    if (!oracle || !w || !(await h5Weights(t, resnet50Spec, 'resnet50_notop.h5', { numClasses: 0 }))) return;
    await checkLogits(resnet50Spec, oracle, w);
  });

  test('gradients at 64x64 with BatchNorm on batch statistics match PyTorch autograd (float64)', async (t) => {
    const oracle = kerasOracle(t, 'resnet50');
    const w = await oracleWeights(t, 'resnet50');
    if (!oracle || !w) return;
    // measured worst: 2.5e-4 (conv2_block1_0_conv/kernel, where float32 PyTorch is 5.0e-3 off)
    const f32 = oracle.grad!.torchFloat32Error!;
    await checkGradients(t, resnet50Spec, oracle, w, (n) => ({ max: Math.max(2e-3, 3 * f32[n]!), l2: Math.max(1e-3, 3 * f32[n]!) }));
  });
});
