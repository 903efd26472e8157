// `alexnet train` on each torchvision model of the zoo, as a user runs it: two steps on a
// tiny ImageFolder (BatchNorm in training mode, its running statistics checkpointed), and
// vgg16.torchvision's new head alone on its frozen backbone.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listCheckpoints, readCheckpoint } from '../../src/train/checkpoint.js';
import { alexnet } from '../cli/cli_helpers.js';
import { makeImageFolder } from '../image_folder.js';

const tmp = mkdtempSync(join(tmpdir(), 'tv-train-'));
const photos = join(tmp, 'photos');
before(async () => {
  await makeImageFolder(photos, 2, 80, ['cat', 'coffee']);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const CASES: { model: string; input: string; extra?: string[] }[] = [
  { model: 'squeezenet1_1', input: '64x64' },
  { model: 'resnet50.torchvision', input: '64x64' },
  { model: 'mobilenet_v2', input: '64x64' },
  { model: 'inception_v3.torchvision', input: '75x75' },
  { model: 'vgg16.torchvision', input: '32x32', extra: ['--train-layers', 'classifier.6'] },
];

describe('alexnet train: two steps on a tiny folder', () => {
  for (const c of CASES) {
    test(`${c.model} at ${c.input}${c.extra ? ` (${c.extra.join(' ')})` : ''}`, async () => {
      const out = join(tmp, c.model);
      const args = ['train', '--model', c.model, '--data', photos, '--input', c.input, '--batch', '2', '--max-steps', '2', '--lr', '0.001', '--seed', '1'];
      const r = await alexnet([...args, '--threads', '2', '--workers', '1', '--out', out, '--json', ...(c.extra ?? [])]);
      assert.equal(r.status, 0, r.stderr);
      const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as { steps: number; trainLoss: number };
      assert.equal(res.steps, 2);
      assert.ok(Number.isFinite(res.trainLoss), `loss ${res.trainLoss}`);
      const [last] = listCheckpoints(out).slice(-1);
      assert.ok(last, `no checkpoint in ${out}`);
      const ck = await readCheckpoint(last.dir);
      const names = [...ck.weights.keys()];
      const stats = names.filter((n) => n.endsWith('.running_var'));
      // BatchNorm models checkpoint their running statistics; the two others have none
      assert.equal(stats.length > 0, !['squeezenet1_1', 'vgg16.torchvision'].includes(c.model), names.slice(0, 5).join(', '));
    });
  }
});
