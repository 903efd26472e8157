// The NaN guard's decisions and messages, per policy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NanGuard } from '../../src/train/guard.js';

test('reduce-lr: revert, halve, and give up after 5 halvings', () => {
  const g = new NanGuard('reduce-lr');
  const d = g.onNonFinite(212, 0.2, NaN, { param: 'fc7/biases', what: 'gradient', value: NaN });
  assert.deepEqual(d, { action: 'retry', message: 'step 212: fc7/biases gradient is NaN (lr 0.2); reverted to step 211, lr -> 0.1' });
  assert.deepEqual(g.state, { lrScale: 0.5, halvings: 1, events: 1 });
  let lr = 0.1;
  for (let i = 2; i <= 5; i++) {
    assert.equal(g.onNonFinite(212, lr, Infinity, { param: 'conv1/weights', what: 'weight', value: Infinity }).action, 'retry');
    lr /= 2;
  }
  assert.equal(g.state.lrScale, 1 / 32);
  const last = g.onNonFinite(212, lr, NaN, null);
  assert.equal(last.action, 'stop');
  assert.equal(last.message, 'step 212: loss is NaN (lr 0.00625); gave up after 5 learning-rate halvings, weights stay at step 211');
  assert.equal(g.state.events, 6);
});

test('skip and stop keep the learning rate; the first step reverts to the initial weights', () => {
  const s = new NanGuard('skip');
  assert.deepEqual(s.onNonFinite(1, 10, NaN, { param: 'features.0.weight', what: 'gradient', value: Infinity }), {
    action: 'skip',
    message: 'step 1: features.0.weight gradient is infinite (lr 10); update skipped, weights stay at the initial weights',
  });
  assert.equal(s.state.lrScale, 1);
  const t = new NanGuard('stop');
  assert.equal(t.onNonFinite(7, 0.01, NaN, null).message, 'step 7: loss is NaN (lr 0.01); stopped (--nan-policy stop), weights stay at step 6');
  assert.throws(() => new NanGuard('ignore' as 'skip'), /unknown NaN policy "ignore"; policies: reduce-lr, skip, stop/);
  const resumed = new NanGuard('reduce-lr', 5, { lrScale: 0.25, halvings: 2, events: 3 });
  assert.equal(resumed.onNonFinite(9, 0.05, NaN, null).message, 'step 9: loss is NaN (lr 0.05); reverted to step 8, lr -> 0.025');
  assert.deepEqual(resumed.state, { lrScale: 0.125, halvings: 3, events: 4 });
});
