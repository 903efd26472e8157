// mobilenet (Keras's MobileNet v1 1.0 224): exact Keras parameter counts, the layer names
// of its .h5 files, logits against keras_applications' own MobileNet on PyTorch
// (tools/gen_keras_oracle.py), and gradients with BatchNorm in training mode.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mobilenetSpec } from '../../src/models/mobilenet.js';
import { checkGradients, checkLogits, loadOracle, paramCounts } from './keras_oracle.js';

describe('mobilenet', () => {
  test("Keras's parameter counts: 4,231,976 trainable + 21,888 moving statistics = 4,253,864", () => {
    const m = mobilenetSpec.build();
    assert.deepEqual(paramCounts(m), { trainable: 4_231_976, nonTrainable: 21_888, total: 4_253_864 });
    const names = m.graph.params.map((p) => p.name);
    assert.deepEqual(names.slice(0, 5), ['conv1/kernel', 'conv1_bn/gamma', 'conv1_bn/beta', 'conv1_bn/moving_mean', 'conv1_bn/moving_variance']);
    assert.deepEqual(m.graph.params.find((p) => p.name === 'conv_dw_1/depthwise_kernel')!.shape, [3, 3, 32, 1]);
    assert.deepEqual(m.graph.params.find((p) => p.name === 'conv_preds/kernel')!.shape, [1, 1, 1024, 1000]);
    assert.deepEqual(names.slice(-2), ['conv_preds/kernel', 'conv_preds/bias']);
    assert.equal(paramCounts(mobilenetSpec.build({ numClasses: null })).total, 3_228_864, 'the _no_top file');
    assert.deepEqual(mobilenetSpec.build({ inputSize: [224, 224] }).output.shape, ['N', 1000]);
  });

  test('logits match PyTorch on the test photos (seeded .h5 weights)', async (t) => {
    const f = loadOracle(t, 'mobilenet');
    if (!f) return;
    assert.deepEqual(f.oracle.params, { total: 4_253_864, trainable: 4_231_976, nonTrainable: 21_888 });
    const { maxDp, maxDlogit } = await checkLogits(mobilenetSpec, f.weights, f.input, f.oracle);
    t.diagnostic(`max |Δp| ${maxDp.toExponential(2)}, max |Δlogit| ${maxDlogit.toExponential(2)}`);
  });

  test('gradients at 64x64 with BatchNorm on batch statistics match PyTorch autograd', async (t) => {
    const f = loadOracle(t, 'mobilenet');
    if (!f) return;
    const errors = await checkGradients(mobilenetSpec, f.weights, f.dir, f.oracle);
    t.diagnostic(Object.entries(errors).map(([n, e]) => `${n} ${e.toExponential(1)} (PyTorch float32 ${f.oracle.grad!.torchFloat32Error[n]!.toExponential(1)})`).join(', '));
  });
});
