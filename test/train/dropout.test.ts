// Dropout masks drawn by the native kernel are the JS reference's, bit for bit, so a run
// (and its resume) does not depend on whether the addon is built.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { streamKey, uniformAt } from '../../src/util/rng.js';
import { nativeKernels, nativeUnavailable } from '../../src/runtime/native.js';
import { DropoutMasks } from '../../src/train/dropout.js';

test('native dropout masks equal the JS reference, draw after draw', () => {
  assert.ok(nativeKernels(), nativeUnavailable());
  const inputs = [
    { name: 'fc6_in', shape: [3, 9216], keepProb: 0.5 },
    { name: 'odd', shape: [7, 13], keepProb: 0.8 },
    { name: 'fc7_in', shape: [3, 4096], keepProb: 0.5 },
    { name: 'all', shape: [5], keepProb: 1 },
  ];
  for (const seed of [0, 7, 123456789]) {
    const native = new DropoutMasks(inputs, seed);
    const js = new DropoutMasks(inputs, seed);
    for (let d = 0; d < 3; d++) {
      const a = native.draw();
      const b = js.drawReference();
      for (const m of inputs) assert.deepEqual(a[m.name]!.data, b[m.name]!.data, `seed ${seed}, draw ${d}, ${m.name}`);
      assert.ok(a['all']!.data.every((v) => v === 1));
    }
    assert.equal(native.draws, 3);
    assert.equal(js.draws, 3);
  }
});

test('the native mask kernel: counters and keys across the whole uint32 range, clear errors', () => {
  const k = nativeKernels();
  assert.ok(k, nativeUnavailable());
  const key = streamKey(3, 'dropout/0');
  const buf = new Float32Array(10);
  k.dropoutMask(buf, 0xffffffff, 0xfffffffb, 0.5, 2); // the counter wraps past 2^32 as JS's >>> 0 does
  assert.deepEqual(buf, Float32Array.from({ length: 10 }, (_, i) => (uniformAt(0xffffffff, (0xfffffffb + i) >>> 0) < 0.5 ? 2 : 0)));
  k.dropoutMask(buf, key, 1000, 0.3, Math.fround(1 / 0.3));
  assert.deepEqual(buf, Float32Array.from({ length: 10 }, (_, i) => (uniformAt(key, 1000 + i) < 0.3 ? Math.fround(1 / 0.3) : 0)));
  assert.throws(() => k.dropoutMask(buf, -1, 0, 0.5, 2), { name: 'RangeError', message: 'alexnet native: dropoutMask key and counter must be integers in [0, 2^32)' });
  assert.throws(() => k.dropoutMask(buf, 1, 2 ** 32, 0.5, 2), { name: 'RangeError' });
  assert.throws(() => k.dropoutMask(new Float64Array(2) as unknown as Float32Array, 1, 0, 0.5, 2), { name: 'TypeError', message: 'alexnet native: mask must be a Float32Array' });
});
