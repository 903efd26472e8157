// Setting up a training run refuses data it cannot train on before anything is built:
// one class, list labels beyond --classes, missing list images. Dataset warnings (skipped
// files, classes without images) reach the run's messages.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeLoaders, setupRun } from '../../src/train/run_setup.js';
import { FIXTURES } from '../helpers.js';
import { makeImageFolder } from '../image_folder.js';

const tmp = mkdtempSync(join(tmpdir(), 'run-setup-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const opts = (data: string, extra: object = {}) => ({ model: 'alexnet', data, inputSize: [63, 63] as [number, number], epochs: 1, batch: 2, lr: 0.01, out: join(tmp, 'out'), workers: 0, ...extra });

test('train refuses one class, out-of-range list labels and missing list images', async () => {
  const one = join(tmp, 'one');
  await makeImageFolder(one, 2, 32, ['cat']);
  await assert.rejects(setupRun(opts(one)), /one: 1 class \(cat\); training needs at least 2 classes/);

  const dir = join(tmp, 'list');
  const files = await makeImageFolder(dir, 1, 32, ['cat', 'rocket']);
  const list = join(dir, 'train.txt');
  writeFileSync(list, `${files[0]} 0\n${files[1]} 7\n`);
  await assert.rejects(setupRun(opts(list, { classes: 3 })), /train\.txt:2: label 7 is out of range 0\.\.2 \(3 classes\)/);
  writeFileSync(list, `${files[0]} 0\n${join(dir, 'gone.jpg')} 1\n`);
  await assert.rejects(setupRun(opts(list)), /train\.txt:2: no such image .*gone\.jpg/);
});

test('dataset warnings are among the run messages', async () => {
  const dir = join(tmp, 'warn');
  const files = await makeImageFolder(dir, 1, 32, ['cat', 'rocket']);
  mkdirSync(join(dir, 'x'));
  const list = join(dir, 'train.txt');
  writeFileSync(list, `${files[0]} 0\n${files[1]} 2\n`);
  const s = await setupRun(opts(list));
  try {
    assert.ok(s.messages.includes(`${list}: no line has label 1 of the 3 classes taken from the largest label (2); give the number of classes to check the labels against it`), s.messages.join('\n'));
  } finally {
    await s.pool?.close();
  }
});

test('decode options reach the training and validation loaders: an image over maxPixels is skipped, naming the limit', async () => {
  const dir = join(tmp, 'big');
  await makeImageFolder(dir, 2, 32, ['cat', 'coffee']);
  const big = join(dir, 'coffee', 'big.png');
  copyFileSync(join(FIXTURES, 'images', 'coffee.png'), big); // 600x400
  const s = await setupRun(opts(dir, { val: dir, decode: { maxPixels: 200000 } }));
  try {
    const skips: string[] = [];
    const loaders = makeLoaders(s, (_name, message) => skips.push(message));
    for (const loader of [loaders.train, loaders.val!]) {
      let images = 0;
      for await (const b of loader.epoch(0)) images += b.indices.length;
      assert.equal(images, 4);
    }
    const refusal = `${big}: 600x400 = 240000 pixels exceeds the limit of 200000 pixels (a possible decompression bomb; raise decode.maxPixels to at least 240000 to allow it)`;
    assert.deepEqual(skips, [refusal, refusal]);
  } finally {
    await s.pool?.close();
  }
});
