// `alexnet eval` on an ImageNet-style validation folder: sub-folders named by WordNet id
// take the ImageNet indices of 1000-class weights, whatever their order in the folder.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { evaluateWeights } from '../../src/train/eval_run.js';
import { FIXTURES, generated } from '../helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'eval-run-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('eval: WordNet-id folders are ImageNet classes 1 and 281, not 0 and 1', async (t) => {
  const weights = generated(t, 'alexnet_seeded.pth');
  if (!weights) return;
  const val = join(tmp, 'val');
  const put = (dir: string, ...files: string[]) => {
    mkdirSync(join(val, dir), { recursive: true });
    files.forEach((f, i) => copyFileSync(join(FIXTURES, 'images', f), join(val, dir, `${i}.png`)));
  };
  put('n01443537', 'chelsea.png', 'coffee.png'); // goldfish
  put('n02123045', 'chelsea.png'); // tabby
  const status: string[] = [];
  const progress: [number, number][] = [];
  const r = await evaluateWeights({ model: 'alexnet', weights, data: val, batch: 2, threads: 2, workers: 0, onStatus: (s) => status.push(s), onProgress: (d, n) => progress.push([d, n]) });
  assert.equal(r.images, 3);
  // each phase announced, then the images scored after each batch of 2
  assert.deepEqual(status, [`reading ${weights}`, 'building the alexnet session']);
  assert.deepEqual(progress, [[0, 3], [2, 3], [3, 3]]);
  assert.equal(r.classes.length, 1000);
  assert.deepEqual([r.classes[0], r.classes[1], r.classes[281]], ['tench', 'goldfish', 'tabby']);
  const perClass = r.confusion.map((row) => row.reduce((a, b) => a + b, 0));
  assert.deepEqual(
    perClass.flatMap((n, i) => (n ? [[i, n]] : [])),
    [[1, 2], [281, 1]],
  );
  put('kitten', 'chelsea.png');
  await assert.rejects(evaluateWeights({ model: 'alexnet', weights, data: val, batch: 4, threads: 2, workers: 0 }), /val: class kitten is not among ImageNet's 1000 classes, by WordNet id \(n01440764, /);
});

test('eval: images over decode.maxPixels are skipped with a warning naming the limit', async (t) => {
  const weights = generated(t, 'alexnet_seeded.pth');
  if (!weights) return;
  const val = join(tmp, 'big');
  for (const [dir, file] of [['n02123045', 'chelsea.png'], ['n07920052', 'coffee.png']]) {
    mkdirSync(join(val, dir!), { recursive: true });
    copyFileSync(join(FIXTURES, 'images', file!), join(val, dir!, file!));
  }
  const r = await evaluateWeights({ model: 'alexnet', weights, data: val, batch: 4, threads: 2, workers: 0, decode: { maxPixels: 200000 } });
  assert.equal(r.images, 1);
  assert.equal(r.skipped, 1);
  const coffee = join(val, 'n07920052', 'coffee.png');
  assert.deepEqual(r.warnings, [`skipped ${coffee}: 600x400 = 240000 pixels exceeds the limit of 200000 pixels (a possible decompression bomb; raise decode.maxPixels to at least 240000 to allow it)`]);
});
