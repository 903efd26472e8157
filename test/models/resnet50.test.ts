// resnet50 (Keras's ResNet50): exact Keras parameter counts, the layer names of its .h5
// files, logits against keras_applications' own ResNet50 on PyTorch
// (tools/gen_keras_oracle.py), and gradients with BatchNorm in training mode.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resnet50Spec } from '../../src/models/resnet50.js';
import { checkGradients, checkLogits, loadOracle, paramCounts } from './keras_oracle.js';

describe('resnet50', () => {
  test("Keras's parameter counts: 25,583,592 trainable + 53,120 moving statistics = 25,636,712", () => {
    const m = resnet50Spec.build();
    assert.deepEqual(paramCounts(m), { trainable: 25_583_592, nonTrainable: 53_120, total: 25_636_712 });
    const names = m.graph.params.map((p) => p.name);
    assert.deepEqual(names.slice(0, 6), ['conv1_conv/kernel', 'conv1_conv/bias', 'conv1_bn/gamma', 'conv1_bn/beta', 'conv1_bn/moving_mean', 'conv1_bn/moving_variance']);
    assert.ok(names.includes('conv2_block1_0_conv/kernel') && names.includes('conv5_block3_3_bn/moving_variance'));
    assert.deepEqual(names.slice(-2), ['probs/kernel', 'probs/bias']);
    assert.deepEqual(paramCounts(resnet50Spec.build({ numClasses: null })).total, 23_587_712, 'the _notop file');
  });

  test('logits match PyTorch on the test photos (seeded .h5 weights)', async (t) => {
    const f = loadOracle(t, 'resnet50');
    if (!f) return;
    assert.deepEqual(f.oracle.params, { total: 25_636_712, trainable: 25_583_592, nonTrainable: 53_120 });
    const { maxDp, maxDlogit } = await checkLogits(resnet50Spec, f.weights, f.input, f.oracle);
    t.diagnostic(`max |Δp| ${maxDp.toExponential(2)}, max |Δlogit| ${maxDlogit.toExponential(2)}`);
  });

  test('gradients at 64x64 with BatchNorm on batch statistics match PyTorch autograd', async (t) => {
    const f = loadOracle(t, 'resnet50');
    if (!f) return;
    const errors = await checkGradients(resnet50Spec, f.weights, f.dir, f.oracle);
    t.diagnostic(Object.entries(errors).map(([n, e]) => `${n} ${e.toExponential(1)} (PyTorch float32 ${f.oracle.grad!.torchFloat32Error[n]!.toExponential(1)})`).join(', '));
  });
});
