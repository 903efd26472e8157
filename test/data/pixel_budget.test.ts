// The pixel budget that bounds decoded images in flight (src/data/pixel_budget.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PixelBudget } from '../../src/data/pixel_budget.js';

const tick = () => new Promise((r) => setImmediate(r));

test('admits while the sum fits; a job over the budget runs alone; first come, first served', async () => {
  const b = new PixelBudget(100);
  const admitted: string[] = [];
  const releases = new Map<string, () => void>();
  const ask = (name: string, px: number) => void b.acquire(px).then((rel) => (admitted.push(name), releases.set(name, rel)));
  ask('a', 60);
  ask('b', 40); // 100: fits exactly
  ask('huge', 250); // waits for an empty budget
  ask('c', 10); // behind huge, though it would fit after a release
  await tick();
  assert.deepEqual(admitted, ['a', 'b']);
  assert.equal(b.inFlight, 100);
  releases.get('a')!();
  await tick();
  assert.deepEqual(admitted, ['a', 'b'], 'huge waits until nothing else is in flight; c waits behind it');
  releases.get('b')!();
  await tick();
  assert.deepEqual(admitted, ['a', 'b', 'huge']);
  assert.equal(b.inFlight, 250);
  releases.get('huge')!();
  releases.get('huge')!(); // a second release is a no-op
  await tick();
  assert.deepEqual(admitted, ['a', 'b', 'huge', 'c']);
  assert.equal(b.inFlight, 10);
});

test('in flight never exceeds max(budget, largest job), over a random workload', async () => {
  const budget = 1000;
  const b = new PixelBudget(budget);
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const sizes = Array.from({ length: 200 }, () => Math.floor(rand() * (rand() < 0.1 ? 3000 : 400)) + 1);
  const largest = Math.max(...sizes);
  let peak = 0;
  const order: number[] = [];
  await Promise.all(
    sizes.map(async (px, i) => {
      const release = await b.acquire(px);
      order.push(i);
      peak = Math.max(peak, b.inFlight);
      for (let k = Math.floor(rand() * 3); k >= 0; k--) await tick();
      release();
    }),
  );
  assert.ok(peak <= Math.max(budget, largest), `peak ${peak}`);
  assert.ok(peak > budget / 2, `the budget is used: peak ${peak}`);
  assert.deepEqual(order, sizes.map((_, i) => i), 'admitted in the order asked');
  assert.equal(b.inFlight, 0);
});

test('a budget must be positive', () => {
  assert.throws(() => new PixelBudget(0), /pixel budget must be a positive number, got 0/);
});
