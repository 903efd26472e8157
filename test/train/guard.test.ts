// The NaN guard's decisions and messages, per policy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NanGuard, suggestLr } from '../../src/train/guard.js';

test('reduce-lr: 10 reductions by 0.5 by default, each naming the state it goes on from; then it gives up naming the last rate and a rate to try', () => {
  const g = new NanGuard('reduce-lr');
  const d = g.onNonFinite(212, 0.2, NaN, { param: 'fc7/biases', what: 'gradient', value: NaN }, { step: 200, from: 'checkpoint' });
  assert.deepEqual(d, { action: 'retry', message: 'step 212: fc7/biases gradient is NaN (lr 0.2); lr -> 0.1 (reduction 1 of 10), going on from checkpoint step 200' });
  assert.deepEqual(g.state, { lrScale: 0.5, reductions: 1, events: 1 });
  const w = g.onNonFinite(201, 0.1, 2.3, { param: 'conv1/weights', what: 'weight', value: Infinity });
  assert.equal(w.message, 'step 201: conv1/weights weight is infinite (lr 0.1); lr -> 0.05 (reduction 2 of 10), retrying the batch from the weights of step 200');
  const s = g.onNonFinite(3, 0.05, NaN, null, { step: 0, from: 'start' });
  assert.equal(s.message, 'step 3: loss is NaN (lr 0.05); lr -> 0.025 (reduction 3 of 10), going on from the weights the run started from (step 0)');
  let lr = 0.025;
  for (let i = 4; i <= 10; i++) {
    assert.equal(g.onNonFinite(5, lr, NaN, null, { step: 0, from: 'start' }).action, 'retry');
    lr /= 2;
  }
  assert.equal(g.state.lrScale, 1 / 1024);
  const last = g.onNonFinite(5, lr, NaN, null, { step: 0, from: 'start' });
  assert.equal(last.action, 'stop');
  assert.equal(last.message, 'step 5: loss is NaN (lr 0.000195313); gave up after 10 reductions; last lr 0.000195313; try --lr 0.0001, weights stay at step 4');
  assert.equal(g.state.events, 11);
});

test('reduce-lr: the back-off factor and the retries are settings; a suggested rate is the power of ten below the last', () => {
  const g = new NanGuard('reduce-lr', { retries: 2, backoff: 0.1 });
  assert.match(g.onNonFinite(1, 10, NaN, null).message, /lr -> 1 \(reduction 1 of 2\), retrying the batch from the initial weights \(step 0\)$/);
  assert.match(g.onNonFinite(1, 1, NaN, null).message, /lr -> 0.1 \(reduction 2 of 2\)/);
  assert.match(g.onNonFinite(1, 0.1, NaN, null).message, /gave up after 2 reductions; last lr 0.1; try --lr 0.01, weights stay at the initial weights \(step 0\)$/);
  assert.deepEqual([suggestLr(0.0098), suggestLr(0.01), suggestLr(0.3125), suggestLr(10)], [0.001, 0.001, 0.1, 1]);
  assert.throws(() => new NanGuard('reduce-lr', { backoff: 1 }), /NaN back-off must be in \(0, 1\), got 1/);
  assert.throws(() => new NanGuard('reduce-lr', { retries: -1 }), /NaN retries must be an integer >= 0, got -1/);
});

test('skip and stop keep the learning rate; a state saved as halvings reads as reductions', () => {
  const s = new NanGuard('skip');
  assert.deepEqual(s.onNonFinite(1, 10, NaN, { param: 'features.0.weight', what: 'gradient', value: Infinity }), {
    action: 'skip',
    message: 'step 1: features.0.weight gradient is infinite (lr 10); update skipped, weights stay at the initial weights (step 0)',
  });
  assert.equal(s.state.lrScale, 1);
  const t = new NanGuard('stop');
  assert.equal(t.onNonFinite(7, 0.01, NaN, null).message, 'step 7: loss is NaN (lr 0.01); stopped (--nan-policy stop), weights stay at step 6');
  assert.throws(() => new NanGuard('ignore' as 'skip'), /unknown NaN policy "ignore"; policies: reduce-lr, skip, stop/);
  const resumed = new NanGuard('reduce-lr', {}, { lrScale: 0.25, halvings: 2, events: 3 } as never);
  assert.equal(resumed.onNonFinite(9, 0.05, NaN, null).message, 'step 9: loss is NaN (lr 0.05); lr -> 0.025 (reduction 3 of 10), retrying the batch from the weights of step 8');
  assert.deepEqual(resumed.state, { lrScale: 0.125, reductions: 3, events: 4 });
});
