// The worker pool gives the same tensors as preprocessing in this thread, keeps order,
// and turns a bad file into a rejection naming it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { decodeImage } from '../../src/data/decode.js';
import { ImagePool } from '../../src/data/pool.js';
import { preprocess } from '../../src/data/preprocess.js';
import { FIXTURES } from '../helpers.js';

const pool = new ImagePool(2);
after(() => pool.close());
const img = (n: string) => join(FIXTURES, 'images', n);

describe('ImagePool', () => {
  test('same tensors as in-thread preprocessing, for paths, buffers and raw RGB', async () => {
    const opts = { size: [224, 224] as [number, number], layout: 'NCHW' as const };
    for (const name of ['chelsea.png', 'rocket.jpg']) {
      const here = preprocess(await decodeImage(img(name)), 'torchvision', opts);
      const viaPath = await pool.run({ input: img(name), name, preset: 'torchvision', opts });
      assert.deepEqual(viaPath.shape, [1, 3, 224, 224]);
      assert.deepEqual(viaPath.data, here.data);
      const rgb = await decodeImage(img(name));
      const viaRgb = await pool.run({ input: { data: rgb.data, width: rgb.width, height: rgb.height }, name, preset: 'torchvision', opts });
      assert.deepEqual(viaRgb.data, here.data);
    }
    const caffe = await pool.run({ input: img('coffee.png'), name: 'coffee', preset: 'caffe', opts: { size: [227, 227], layout: 'NCHW' } });
    assert.deepEqual(caffe.shape, [1, 3, 227, 227]);
  });

  test('many jobs in flight come back to the right callers', async () => {
    const names = ['chelsea.png', 'coffee.png', 'rocket.jpg', 'astronaut.png'];
    const opts = { size: [64, 64] as [number, number], layout: 'NHWC' as const };
    const jobs = Array.from({ length: 12 }, (_, i) => pool.run({ input: img(names[i % 4]!), name: names[i % 4]!, preset: 'inception', opts }));
    const out = await Promise.all(jobs);
    for (let i = 4; i < 12; i++) assert.deepEqual(out[i]!.data, out[i % 4]!.data);
    assert.notDeepEqual(out[0]!.data, out[1]!.data);
  });

  test('jobs with a shared slot write there, and views of it come back', async () => {
    const opts = { size: [224, 224] as [number, number], layout: 'NCHW' as const };
    const each = 3 * 224 * 224;
    const buffer = new SharedArrayBuffer(2 * each * 4);
    const names = ['chelsea.png', 'rocket.jpg'];
    const out = await Promise.all(names.map((name, i) => pool.run({ input: img(name), name, preset: 'torchvision', opts, into: { buffer, offset: i * each, length: each } })));
    for (const [i, name] of names.entries()) {
      const here = preprocess(await decodeImage(img(name)), 'torchvision', opts);
      assert.deepEqual(out[i]!.shape, [1, 3, 224, 224]);
      assert.equal(out[i]!.data.buffer, buffer);
      assert.deepEqual(new Float32Array(buffer, i * each * 4, each), here.data);
    }
    // a slot of the wrong size is refused, naming both sizes
    await assert.rejects(
      pool.run({ input: img('rocket.jpg'), name: 'rocket.jpg', preset: 'torchvision', opts, into: { buffer, offset: 0, length: 1000 } }),
      /224x224x3 needs 150528 values, the buffer given has 1000/,
    );
  });

  test('one worker starts at once, more only when jobs find them all busy', async () => {
    const lazy = new ImagePool(3);
    try {
      assert.equal(lazy.started, 1);
      const opts = { size: [32, 32] as [number, number], layout: 'NCHW' as const };
      await lazy.run({ input: img('rocket.jpg'), name: 'rocket', preset: 'torchvision', opts });
      assert.equal(lazy.started, 1); // one job at a time never needs a second worker
      await Promise.all(Array.from({ length: 6 }, () => lazy.run({ input: img('rocket.jpg'), name: 'rocket', preset: 'torchvision', opts })));
      assert.equal(lazy.started, 3);
    } finally {
      await lazy.close();
    }
    assert.throws(() => new ImagePool(0), /size must be a positive integer, got 0/);
  });

  test('a broken file rejects with the decoder message', async () => {
    await assert.rejects(pool.run({ input: img('truncated.jpg'), name: img('truncated.jpg'), preset: 'torchvision', opts: {} }), /truncated\.jpg/);
  });
});
