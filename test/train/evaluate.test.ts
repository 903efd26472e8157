// Evaluation metrics from logits: top-1, top-k with the tie rule, the float64 cross-entropy
// and the confusion matrix; and the dropout masks' values, rate and reproducibility.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DropoutMasks } from '../../src/train/dropout.js';
import { MetricAccumulator } from '../../src/train/evaluate.js';

test('top-1, top-5, loss and confusion over batches', () => {
  const acc = new MetricAccumulator(6);
  // row 0: true 2 is the largest; row 1: true 0 ranks 6th; row 2: true 5 ranks 2nd
  acc.add(Float32Array.of(0, 1, 3, 0, 0, 0, 0, 5, 1, 2, 3, 4, 0, 0, 0, 0, 2, 1), [2, 0, 5]);
  // row 3: a tie at the top: class 1 (true) loses to class 0 only by index
  acc.add(Float32Array.of(1, 1, 0, 0, 0, 0), [1n]);
  const r = acc.result(2);
  assert.equal(r.images, 4);
  assert.equal(r.k, 5);
  assert.equal(r.top1, 1 / 4);
  assert.equal(r.top5, 3 / 4);
  assert.equal(r.skipped, 2);
  const lse = (row: number[]) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
  const want = (lse([0, 1, 3, 0, 0, 0]) - 3 + lse([0, 5, 1, 2, 3, 4]) - 0 + lse([0, 0, 0, 0, 2, 1]) - 1 + lse([1, 1, 0, 0, 0, 0]) - 1) / 4;
  assert.ok(Math.abs(r.loss - want) < 1e-12, `${r.loss} vs ${want}`);
  assert.deepEqual(r.confusion[2], [0, 0, 1, 0, 0, 0]);
  assert.deepEqual(r.confusion[0], [0, 1, 0, 0, 0, 0]);
  assert.deepEqual(r.confusion[5], [0, 0, 0, 0, 1, 0]);
  assert.deepEqual(r.confusion[1], [1, 0, 0, 0, 0, 0]);
  assert.equal(new MetricAccumulator(3).k, 3);
  assert.throws(() => acc.add(new Float32Array(12), [0]), /2 rows of logits for 1 labels/);
});

test('dropout masks: 0 or 1/keep at rate keep, a stream per draw, reproducible from the draw count', () => {
  const m = new DropoutMasks([{ name: 'a', shape: [4, 5000], keepProb: 0.5 }, { name: 'b', shape: [3], keepProb: 0.8 }], 7);
  const first = m.draw();
  const a = Float32Array.from(first['a']!.data);
  assert.deepEqual(first['a']!.shape, [4, 5000]);
  assert.ok(a.every((v) => v === 0 || v === 2));
  const kept = a.reduce((n, v) => n + (v ? 1 : 0), 0) / a.length;
  assert.ok(Math.abs(kept - 0.5) < 0.02, `kept ${kept}`);
  assert.ok(first['b']!.data.every((v) => v === 0 || v === Math.fround(1.25)));
  const second = Float32Array.from(m.draw()['a']!.data);
  assert.notDeepEqual(second, a);
  assert.equal(m.draws, 2);
  const again = new DropoutMasks(m.inputs, 7, 1).draw();
  assert.deepEqual(Float32Array.from(again['a']!.data), second);
  assert.throws(() => new DropoutMasks([{ name: 'x', shape: [1], keepProb: 0 }], 0), /dropout mask x: keep probability must be in \(0, 1\], got 0/);
});
