// torchvision's alexnet and the Caffe bvlc_alexnet against PyTorch on the same seeded
// weights and inputs (tools/make_model_fixtures.py): 1e-4 of the largest logit, at several
// input sizes for alexnet's adaptive pooling (divisible, odd, the 63x63 minimum).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { getModel } from '../../src/models/registry.js';
import { randomWeights } from '../../src/models/params.js';
import { generate } from '../../src/nn/init.js';
import { modelGraph } from '../../src/models/assemble.js';
import { compileModel } from '../../src/runtime/compile.js';
import type { Session } from '../../src/runtime/session.js';
import { FIXTURES, maxAbs, maxAbsDiff } from '../helpers.js';

interface Fixture {
  weightSeed: number;
  inputSeed: number;
  input: [number, number];
  classes: number;
  cases: { size: [number, number]; batch: number; shape: number[]; values: number[] }[];
}

const sessions: Session[] = [];
after(async () => {
  for (const s of sessions) await s.dispose();
});

for (const name of ['alexnet', 'bvlc_alexnet']) {
  const fx = JSON.parse(readFileSync(join(FIXTURES, 'models', `${name}_logits.json`), 'utf8')) as Fixture;
  describe(`${name} matches PyTorch on seeded weights`, () => {
    for (const c of fx.cases) {
      test(`${c.batch}x3x${c.size.join('x')}`, async () => {
        const m = getModel(name).build({ numClasses: fx.classes, inputSize: c.size });
        const s = await compileModel(modelGraph(m), randomWeights(m, fx.weightSeed));
        sessions.push(s);
        const shape = [c.batch, 3, ...c.size];
        const x = generate({ kind: 'uniform', low: fx.input[0], high: fx.input[1] }, shape.reduce((a, b) => a * b), fx.inputSeed, 'input');
        const y = (await s.run({ input: { dtype: 'float32', shape, data: x } })).logits!;
        assert.deepEqual(y.shape, c.shape);
        const diff = maxAbsDiff(y.data as Float32Array, c.values);
        const tol = 1e-4 * maxAbs(c.values);
        assert.ok(diff <= tol, `max |ours - torch| = ${diff.toExponential(3)} > ${tol.toExponential(3)}`);
      });
    }
  });
}

describe('model contracts', () => {
  test('alexnet: torchvision names and shapes, 61,100,840 parameters', async () => {
    const { countParams } = await import('../../src/models/params.js');
    const m = getModel('alexnet').build();
    assert.equal(countParams(m), 61_100_840);
    assert.deepEqual(m.graph.paramByName('features.0.weight').shape, [64, 3, 11, 11]);
    assert.deepEqual(m.graph.paramByName('classifier.1.weight').shape, [4096, 9216]);
    assert.deepEqual(m.graph.params.map((p) => p.name).slice(-2), ['classifier.6.weight', 'classifier.6.bias']);
  });

  test('bvlc_alexnet: groups and LRN, kratzert names, 60,965,224 parameters', async () => {
    const { countParams } = await import('../../src/models/params.js');
    const m = getModel('bvlc_alexnet').build();
    assert.equal(countParams(m), 60_965_224);
    assert.deepEqual(m.graph.paramByName('conv2/weights').shape, [5, 5, 48, 256]);
    assert.deepEqual(m.graph.paramByName('fc6/weights').shape, [9216, 4096]);
    assert.deepEqual(m.layers.map((l) => l.name), ['conv1', 'norm1', 'pool1', 'conv2', 'norm2', 'pool2', 'conv3', 'conv4', 'conv5', 'pool5', 'fc6', 'fc7', 'fc8']);
    assert.equal(m.layers.find((l) => l.name === 'conv2')!.padding, '2, groups 2');
  });

  test('alexnet refuses 62x62 (the last pool needs 3x3), takes 63x63', () => {
    assert.throws(() => getModel('alexnet').build({ inputSize: [62, 62] }), /features\.12.*too small/);
    assert.deepEqual(getModel('alexnet').build({ inputSize: [63, 63] }).output.shape, ['N', 1000]);
  });
});

describe('dropout masks as inputs', () => {
  test('training-mode dropout multiplies by a mask input per layer, with its keep probability', () => {
    const m = getModel('alexnet').build({ isTraining: true, dropoutMasks: 'input', batch: 4, dropoutKeepProb: 0.6 });
    const masks = m.net.dropoutMasks.map((d) => ({ name: d.input.name, shape: d.input.shape, keep: d.keepProb }));
    assert.deepEqual(masks, [
      { name: 'dropout_mask/classifier.0', shape: [4, 9216], keep: 0.6 },
      { name: 'dropout_mask/classifier.3', shape: [4, 4096], keep: 0.6 },
    ]);
    assert.deepEqual(
      getModel('alexnet_v2').build({ isTraining: true, dropoutMasks: 'input' }).net.dropoutMasks.map((d) => d.input.shape),
      [['N', 1, 1, 4096], ['N', 1, 1, 4096]],
    );
    assert.equal(getModel('bvlc_alexnet').build({ isTraining: false, dropoutMasks: 'input' }).net.dropoutMasks.length, 0);
  });
});
