import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as b from '../../src/graph/build.js';
import { Graph } from '../../src/graph/graph.js';
import { toOnnx } from '../../src/graph/onnx_writer.js';
import { Session } from '../../src/runtime/session.js';
import { float32 } from '../../src/tensor.js';

function doubler(): Uint8Array {
  const g = new Graph('double');
  const x = g.input('x', { dtype: 'float32', shape: ['N', 3] });
  g.output(b.add(x, x), 'y');
  return toOnnx(g);
}

describe('Session', () => {
  test('runBatched gives the same result as one run, in order', async () => {
    const s = await Session.create(doubler(), { threads: 1 });
    const x = float32([7, 3], Float32Array.from({ length: 21 }, (_, i) => i));
    const whole = (await s.run({ x })).y!;
    const seen: number[] = [];
    const batched = (await s.runBatched({ x }, 'x', 3, (done) => seen.push(done))).y!;
    assert.deepEqual(batched.shape, [7, 3]);
    assert.deepEqual(Array.from(batched.data as Float32Array), Array.from(whole.data as Float32Array));
    assert.deepEqual(seen, [3, 6, 7]);
    await s.dispose();
  });

  test('missing and unknown inputs are named', async () => {
    const s = await Session.create(doubler());
    await assert.rejects(s.run({}), { message: 'session: missing input x; inputs are x' });
    await assert.rejects(s.run({ x: float32([1, 3]), z: float32([1]) }), { message: 'session: unknown input z; inputs are x' });
    await s.dispose();
  });

  test('dispose twice is safe; run after dispose is an error', async () => {
    const s = await Session.create(doubler());
    await s.dispose();
    await s.dispose();
    await assert.rejects(s.run({ x: float32([1, 3]) }), /run after dispose/);
  });

  test('a model ORT cannot load is reported with its size', async () => {
    await assert.rejects(Session.create(new Uint8Array([1, 2, 3])), /onnxruntime could not load 3-byte model/);
  });
});
