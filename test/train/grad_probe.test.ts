// The gradient-output graph behind gradient histograms: on the same batch, dropout masks
// and weights, its gradients have exactly the squared norms the training step reports,
// for all parameters and for a frozen subset.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GradientProbe } from '../../src/train/grad_probe.js';
import { Trainer } from '../../src/train/trainer.js';
import { tinyBatch, tinyModel, tinyWeights } from '../grad/tiny_model.js';

const N = 4;

for (const trainable of [undefined, ['tiny/fc3/weights', 'tiny/fc4/biases']]) {
  test(`probe gradients match the step's per-parameter norms (${trainable ? 'two trainable' : 'all trainable'})`, async () => {
    const w = tinyWeights(tinyModel(N, 0.5, 'input'));
    const opts = { momentum: 0.9, clipNorm: 0.01, ...(trainable ? { trainable } : {}) };
    const t = await Trainer.create(tinyModel(N, 0.5, 'input'), w, opts);
    const probe = await GradientProbe.create(tinyModel(N, 0.5, 'input'), w, trainable);
    try {
      const { images, labels } = tinyBatch(N, 1);
      const mask = { dtype: 'float32' as const, shape: [N, 1, 1, 8], data: Float32Array.from({ length: N * 8 }, (_, i) => (i % 3 ? 2 : 0)) };
      const inputs = { 'dropout_mask/tiny/dropout3': mask };
      const before = t.weights();
      const r = await t.step(images, labels, 0.1, inputs);
      t.commit();
      const grads = await probe.gradients(images, BigInt64Array.from(labels.map(BigInt)), before, inputs);
      assert.deepEqual([...grads.keys()], t.params.map((p) => p.name));
      t.params.forEach((p, i) => {
        const g = grads.get(p.name)!;
        assert.equal(g.length, p.size);
        const sq = g.reduce((s, v) => s + v * v, 0);
        assert.ok(sq > 0, p.name);
        assert.ok(Math.abs(sq - r.paramGradSq[i]!) <= 1e-5 * r.paramGradSq[i]!, `${p.name}: ${sq} vs ${r.paramGradSq[i]}`);
      });
    } finally {
      await t.dispose();
      await probe.dispose();
    }
  });
}
