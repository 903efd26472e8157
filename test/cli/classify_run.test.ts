// classify with a training run: `--weights RUN` and `--weights RUN/ckpt-N` (and the
// library's createClassifier) use the run's classes and labels, not ImageNet's.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClassifier } from '../../src/classify/classifier.js';
import { listCheckpoints } from '../../src/train/checkpoint.js';
import { FIXTURES } from '../helpers.js';
import { makeImageFolder } from '../image_folder.js';
import { alexnet } from './cli_helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'classify-run-'));
const env = { ALEXNET_HOME: join(tmp, 'home') };
const run = join(tmp, 'run');
after(() => rmSync(tmp, { recursive: true, force: true }));

before(async () => {
  const photos = join(tmp, 'photos');
  await makeImageFolder(photos, 2, 64, ['cat', 'coffee']);
  const r = await alexnet(['train', '--data', photos, '--out', run, '--input', '64x64', '--batch', '4', '--max-steps', '1', '--train-layers', 'classifier.6', '--threads', '2', '--workers', '1', '--json'], env);
  assert.equal(r.status, 0, r.stderr);
});

interface Res {
  file: string;
  predictions: { index: number; label: string; wnid?: string; probability: number }[];
}

describe('classify --weights RUN', () => {
  test('a run directory: two classes, named as the folders', async () => {
    const r = await alexnet(['classify', join(FIXTURES, 'images', 'chelsea.png'), '--weights', run, '--json'], env);
    assert.equal(r.status, 0, r.stderr);
    const [res] = JSON.parse(r.stdout) as Res[];
    assert.equal(res!.predictions.length, 2);
    assert.deepEqual(res!.predictions.map((p) => p.label).sort(), ['cat', 'coffee']);
    assert.ok(res!.predictions.every((p) => p.wnid === undefined && (p.index === 0) === (p.label === 'cat')));
    assert.ok(Math.abs(res!.predictions[0]!.probability + res!.predictions[1]!.probability - 1) < 1e-5);
  });

  test('a checkpoint directory, through the library', async () => {
    const ckpt = listCheckpoints(run).at(-1)!.dir;
    const prev = process.env['ALEXNET_HOME'];
    process.env['ALEXNET_HOME'] = env.ALEXNET_HOME;
    const clf = await createClassifier({ weights: ckpt, workers: 0, threads: 2 });
    try {
      assert.equal(clf.numClasses, 2);
      assert.equal(clf.weightsFile, join(ckpt, 'weights.safetensors'));
      const [res] = (await clf.classify(join(FIXTURES, 'images', 'coffee.png'))) as Res[];
      assert.deepEqual(res!.predictions.map((p) => p.label).sort(), ['cat', 'coffee']);
    } finally {
      await clf.dispose();
      if (prev === undefined) delete process.env['ALEXNET_HOME'];
      else process.env['ALEXNET_HOME'] = prev;
    }
  });
});

describe('classify output as batches finish', () => {
  const images = join(FIXTURES, 'images'); // four photos and truncated.jpg (README.md is skipped)
  const names = ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg', 'truncated.jpg'];

  test('--jsonl: one JSON object per line, in input order', async () => {
    const r = await alexnet(['classify', images, '--weights', run, '--jsonl', '--batch', '2', '--top', '1'], env);
    assert.equal(r.status, 1, 'truncated.jpg fails');
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 5, r.stdout);
    const objs = lines.map((l) => JSON.parse(l) as { file: string; predictions?: Res['predictions']; error?: string });
    assert.deepEqual(objs.map((o) => o.file.split('/').pop()), names);
    assert.ok(objs.slice(0, 4).every((o) => o.predictions?.length === 1 && ['cat', 'coffee'].includes(o.predictions[0]!.label)));
    assert.match(objs[4]!.error!, /truncated\.jpg/);
  });

  test('text: one block per image', async () => {
    const r = await alexnet(['classify', images, '--weights', run, '--batch', '2'], env);
    assert.equal(r.status, 1);
    const blocks = r.stdout.trimEnd().split('\n\n');
    assert.deepEqual(blocks.map((b) => b.split('\n')[0]!.split('/').pop()), names);
    assert.ok(blocks.slice(0, 4).every((b) => b.split('\n').length === 3), r.stdout);
  });

  test('the library: each batch results as it finishes, and a status line while the cache is built', async () => {
    const prev = process.env['ALEXNET_HOME'];
    process.env['ALEXNET_HOME'] = join(tmp, 'home-status');
    const status: string[] = [];
    const open = () => createClassifier({ weights: run, workers: 0, threads: 2, batchSize: 2, onStatus: (s) => status.push(s) });
    try {
      const clf = await open();
      await clf.dispose();
      assert.deepEqual(status, ['building the ORT model cache (once per weights file)...']);
      const warm = await open();
      assert.equal(warm.fromCache, true);
      assert.equal(status.length, 1, 'nothing to say on a warm start');
      const seen: [number, string[]][] = [];
      const all = await warm.classify(names.map((n) => join(images, n)), (done, _total, batch) => seen.push([done, batch.map((r) => r.file.split('/').pop()!)]));
      await warm.dispose();
      assert.deepEqual(seen, [
        [2, names.slice(0, 2)],
        [4, names.slice(2, 4)],
        [5, names.slice(4)],
      ]);
      assert.equal(all.length, 5);
    } finally {
      if (prev === undefined) delete process.env['ALEXNET_HOME'];
      else process.env['ALEXNET_HOME'] = prev;
    }
  });
});
