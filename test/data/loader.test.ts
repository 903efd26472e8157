// The loader: seeded epoch orders, full batches with the remainder dropped (training) or
// kept (evaluation), resuming from a cursor, worker threads giving the same tensors as the
// main thread, and an undecodable image skipped with one warning and counted.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { imageFolder } from '../../src/data/datasets.js';
import { type Batch, Loader, type LoaderOptions } from '../../src/data/loader.js';
import { ImagePool } from '../../src/data/pool.js';
import { addCorruptImage, makeImageFolder } from '../image_folder.js';

const tmp = mkdtempSync(join(tmpdir(), 'loader-'));
const pool = new ImagePool(2);
after(async () => {
  await pool.close();
  rmSync(tmp, { recursive: true, force: true });
});

const base: LoaderOptions = { batch: 4, preset: 'torchvision', size: [32, 32], shuffle: true, seed: 1, dropLast: true, pool: null };

async function collect(it: AsyncGenerator<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

test('seeded orders: a permutation per epoch, the same for the same seed', async () => {
  const root = join(tmp, 'order');
  await makeImageFolder(root, 5, 32, ['cat', 'coffee']);
  const ds = await imageFolder(root);
  const a = new Loader(ds, base);
  const o0 = a.order(0);
  assert.deepEqual([...o0].sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(o0, new Loader(ds, base).order(0));
  assert.notDeepEqual(o0, a.order(1));
  assert.notDeepEqual(o0, new Loader(ds, { ...base, seed: 2 }).order(0));
  assert.deepEqual(new Loader(ds, { ...base, shuffle: false }).order(3), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('batches: labels and indices follow the order; dropLast drops the remainder, evaluation keeps it', async () => {
  const root = join(tmp, 'batches');
  await makeImageFolder(root, 5, 32, ['cat', 'coffee']);
  const ds = await imageFolder(root);
  const l = new Loader(ds, { ...base, augment: { mode: 'crop', flip: true } });
  assert.equal(l.batchesPerEpoch, 2);
  const bs = await collect(l.epoch(0));
  assert.equal(bs.length, 2);
  const order = l.order(0);
  assert.deepEqual(bs.flatMap((b) => b.indices), order.slice(0, 8));
  assert.deepEqual(bs.map((b) => b.cursor), [4, 8]);
  assert.deepEqual([...bs[0]!.labels].map(Number), order.slice(0, 4).map((i) => ds.label(i)));
  assert.deepEqual(bs[0]!.images.shape, [4, 3, 32, 32]);
  const ev = new Loader(ds, { ...base, shuffle: false, dropLast: false });
  assert.equal(ev.batchesPerEpoch, 3);
  const eb = await collect(ev.epoch(0));
  assert.deepEqual(eb.map((b) => b.labels.length), [4, 4, 2]);
  assert.throws(() => new Loader(ds, { ...base, batch: 11 }), /batches: 10 samples are fewer than one batch of 11/);
});

test('resuming at a cursor gives the same batches, augmentation included; workers match the main thread', async () => {
  const root = join(tmp, 'resume');
  await makeImageFolder(root, 6, 48, ['astronaut', 'rocket']);
  const ds = await imageFolder(root);
  const opts: LoaderOptions = { ...base, batch: 3, augment: { mode: 'resized-crop', flip: true } };
  const full = await collect(new Loader(ds, opts).epoch(2));
  const rest = await collect(new Loader(ds, opts).epoch(2, full[1]!.cursor));
  assert.equal(rest.length, full.length - 2);
  rest.forEach((b, i) => {
    assert.deepEqual(b.indices, full[i + 2]!.indices);
    assert.deepEqual(b.images.data, full[i + 2]!.images.data);
  });
  const threaded = await collect(new Loader(ds, { ...opts, pool }).epoch(2));
  threaded.forEach((b, i) => assert.deepEqual(b.images.data, full[i]!.images.data));
});

test('an undecodable image: one warning naming it, replaced by the next sample, counted every epoch', async () => {
  const root = join(tmp, 'corrupt');
  await makeImageFolder(root, 4, 32, ['cat', 'coffee']);
  const bad = addCorruptImage(root, 'cat');
  const ds = await imageFolder(root);
  const warnings: string[] = [];
  const l = new Loader(ds, { ...base, pool, onSkip: (name, msg) => warnings.push(`${name} | ${msg}`) });
  const badIndex = Array.from({ length: ds.size }, (_, i) => ds.name(i)).indexOf(bad);
  let skipped = 0;
  for (let e = 0; e < 3; e++) {
    const bs = await collect(l.epoch(e));
    assert.equal(bs.length, 2);
    for (const b of bs) {
      assert.equal(b.labels.length, 4);
      assert.ok(!b.indices.includes(badIndex));
    }
    const used = new Set(bs.flatMap((b) => b.indices));
    const pos = l.order(e).indexOf(badIndex);
    // the broken file is counted in the batch that had to replace it, or as left over
    const counted = bs.reduce((n, b) => n + b.skipped, 0) + l.trailingSkips;
    assert.equal(counted, pos < 9 ? 1 : 0, `epoch ${e}: position ${pos}`);
    skipped += counted;
    assert.equal(used.size, 8);
  }
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, new RegExp(`^${bad} \\| ${bad}: (not a readable image|cannot decode)`));
  assert.equal(l.badCount, 1);
  assert.ok(skipped >= 1);
});
