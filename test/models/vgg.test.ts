// vgg16 and vgg19 (Keras's VGG16 and VGG19, one config table in src/models/vgg.ts): exact
// Keras parameter counts, the layer names of their .h5 files, and logits against
// keras_applications' own VGG16/VGG19 on PyTorch (tools/gen_keras_oracle.py).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { vgg16Spec, vgg19Spec } from '../../src/models/vgg.js';
import { checkLogits, countParams, h5Weights, kerasOracle, oracleWeights } from './keras_zoo.js';

const CASES = [
  { spec: vgg16Spec, total: 138_357_544, notop: 14_714_688, convs: 13 },
  { spec: vgg19Spec, total: 143_667_240, notop: 20_024_384, convs: 16 },
];

for (const { spec, total, notop, convs } of CASES) {
  describe(spec.name, () => {
    test(`Keras's parameter count: ${total.toLocaleString('en')}, all trainable`, () => {
      const m = spec.build();
      assert.deepEqual(countParams(spec), { trainable: total, nonTrainable: 0, total });
      const names = m.graph.params.map((p) => p.name);
      assert.equal(names.length, 2 * (convs + 3));
      assert.deepEqual(names.slice(0, 2), ['block1_conv1/kernel', 'block1_conv1/bias']);
      assert.deepEqual(names.slice(-6), ['fc1/kernel', 'fc1/bias', 'fc2/kernel', 'fc2/bias', 'predictions/kernel', 'predictions/bias']);
      assert.deepEqual(m.graph.params.find((p) => p.name === 'fc1/kernel')!.shape, [25088, 4096]);
      assert.equal(countParams(spec, { numClasses: null }).total, notop, 'the _notop file');
      assert.deepEqual(spec.build({ numClasses: null }).output.shape, ['N', 7, 7, 512]);
    });

    test('logits match keras_applications on seeded weights (the test photos as Keras prepares them)', async (t) => {
      const oracle = kerasOracle(t, spec.name);
      const w = await oracleWeights(t, spec.name);
      if (!oracle || !w) return;
      assert.deepEqual(oracle.params, countParams(spec));
      const r = await checkLogits(spec, oracle, w);
      t.diagnostic(`max |Δp| ${r.maxDp.toExponential(2)}, max |Δlogit| ${r.maxDlogit.toExponential(2)}`);
    });

    test('the .h5 and the _notop.h5 in the naming of the published VGG files (block1_conv1_W_1:0) load by layer names; logits from the .h5 match', async (t) => {
      const oracle = kerasOracle(t, spec.name);
      const w = await h5Weights(t, spec, `${spec.name}.h5`);
      if (!oracle || !w || !(await h5Weights(t, spec, `${spec.name}_notop.h5`, { numClasses: 0 }))) return;
      await checkLogits(spec, oracle, w);
    });
  });
}
