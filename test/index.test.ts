// The library entry point as the README's "Library" section uses it: one training step with
// Trainer, then the trained weights, all through 'alexnet-ts''s exports.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateWeights, getModel, nativeKernels, nativeUnavailable, randomWeights, Trainer, train } from '../src/index.js';

test('README: train, evaluateWeights and Trainer are exported; one step moves the trained weights', async () => {
  assert.equal(typeof train, 'function');
  assert.equal(typeof evaluateWeights, 'function');
  const model = getModel('alexnet').build({ numClasses: 10, inputSize: [64, 64], batch: 8, isTraining: true, dropoutKeepProb: 1 });
  const w0 = randomWeights(model, 0);
  const trainer = await Trainer.create(model, w0, { momentum: 0.9, weightDecay: 0.0005, session: { threads: 2 } });
  assert.equal(trainer.update, nativeKernels() ? 'host' : 'graph', nativeUnavailable());
  const images = { dtype: 'float32' as const, shape: [8, 3, 64, 64], data: Float32Array.from({ length: 8 * 3 * 64 * 64 }, (_, i) => Math.sin(i * 0.01)) };
  const s = await trainer.step(images, [0, 1, 2, 3, 4, 5, 6, 7], 0.01);
  assert.ok(s.finite);
  // untrained 10-way classifier: the cross-entropy starts near ln 10
  assert.ok(Math.abs(s.xent - Math.log(10)) < 0.1, `xent ${s.xent}`);
  assert.ok(s.loss > s.xent, 'the L2 term is counted in the loss');
  trainer.commit();
  const trained = trainer.weights();
  assert.deepEqual([...trained.keys()].sort(), [...w0.keys()].sort());
  const before = w0.get('classifier.6.weight')!.data as Float32Array;
  const after = trained.get('classifier.6.weight')!.data;
  assert.ok(after.some((v, i) => v !== before[i]), 'classifier.6.weight changed');
  await trainer.dispose();
});
