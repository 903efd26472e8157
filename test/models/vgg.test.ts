// vgg16 and vgg19 (Keras's VGG16 and VGG19, one config table in src/models/vgg.ts): exact
// Keras parameter counts, the layer names of their .h5 files, and logits against
// keras_applications' own VGG16/VGG19 on PyTorch (tools/gen_keras_oracle.py).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { vgg16Spec, vgg19Spec } from '../../src/models/vgg.js';
import { checkLogits, loadOracle, paramCounts } from './keras_oracle.js';

const CASES = [
  { spec: vgg16Spec, total: 138_357_544, notop: 14_714_688, convs: 13 },
  { spec: vgg19Spec, total: 143_667_240, notop: 20_024_384, convs: 16 },
];

for (const { spec, total, notop, convs } of CASES) {
  describe(spec.name, () => {
    test(`Keras's parameter count: ${total.toLocaleString('en')}, all trainable`, () => {
      const m = spec.build();
      assert.deepEqual(paramCounts(m), { trainable: total, nonTrainable: 0, total });
      const names = m.graph.params.map((p) => p.name);
      assert.equal(names.length, 2 * (convs + 3));
      assert.deepEqual(names.slice(0, 2), ['block1_conv1/kernel', 'block1_conv1/bias']);
      assert.deepEqual(names.slice(-6), ['fc1/kernel', 'fc1/bias', 'fc2/kernel', 'fc2/bias', 'predictions/kernel', 'predictions/bias']);
      assert.deepEqual(m.graph.params.find((p) => p.name === 'fc1/kernel')!.shape, [25088, 4096]);
      assert.equal(paramCounts(spec.build({ numClasses: null })).total, notop, 'the _notop file');
      assert.deepEqual(spec.build({ numClasses: null }).output.shape, ['N', 7, 7, 512]);
    });

    test('logits match PyTorch on the test photos (seeded .h5 weights)', async (t) => {
      const f = loadOracle(t, spec.name);
      if (!f) return;
      assert.equal(f.oracle.params.total, total);
      const { maxDp, maxDlogit } = await checkLogits(spec, f.weights, f.input, f.oracle);
      t.diagnostic(`max |Δp| ${maxDp.toExponential(2)}, max |Δlogit| ${maxDlogit.toExponential(2)}`);
    });
  });
}
