// alexnet train on the Keras models of the zoo, as a user runs it: two steps from scratch
// on a tiny ImageFolder of photos at a small input, per model. The loss is finite, the
// checkpoint holds every parameter, and BatchNorm's moving statistics moved from their
// initial values (mean 0, variance 1) with the batch statistics.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { getModel } from '../../src/models/registry.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { makeImageFolder } from '../image_folder.js';
import { alexnet } from './cli_helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'cli-train-zoo-'));
const photos = join(tmp, 'photos');
before(async () => {
  await makeImageFolder(photos, 2, 80, ['cat', 'coffee']);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

// (model, input): each at a small size its architecture accepts
const MODELS: [string, string][] = [
  ['vgg16', '32x32'],
  ['vgg19', '32x32'],
  ['resnet50', '64x64'],
  ['mobilenet', '64x64'],
  ['inception_v3', '107x107'],
  ['xception', '96x96'],
  ['inception_resnet_v2', '107x107'],
];

describe('alexnet train, two steps, per Keras model', () => {
  for (const [model, input] of MODELS) {
    test(`${model} at ${input}`, async () => {
      const out = join(tmp, model);
      const r = await alexnet(['train', '--model', model, '--data', photos, '--input', input, '--batch', '2', '--max-steps', '2', '--epochs', '1',
        '--lr', '0.001', '--seed', '1', '--threads', '2', '--workers', '1', '--out', out, '--json']);
      assert.equal(r.status, 0, r.stderr);
      const result = JSON.parse(r.stdout.trim().split('\n').pop()!) as { steps: number; trainLoss: number; checkpoint: string };
      assert.equal(result.steps, 2);
      assert.ok(Number.isFinite(result.trainLoss) && result.trainLoss > 0, `loss ${result.trainLoss}`);
      const ckpt = await readCheckpoint(result.checkpoint);
      const spec = getModel(model).build({ numClasses: 2, inputSize: [Number(input.split('x')[0]), Number(input.split('x')[1])] });
      assert.deepEqual([...ckpt.weights.keys()].sort(), spec.graph.params.map((p) => p.name).sort());
      const moving = [...ckpt.weights].filter(([n]) => /moving_(mean|variance)$/.test(n));
      assert.equal(moving.length > 0, !model.startsWith('vgg'), 'BatchNorm in every model but VGG');
      for (const [n, t] of moving) {
        const init = n.endsWith('mean') ? 0 : 1;
        assert.ok((t.data as Float32Array).some((v) => v !== init), `${n} still at its initial ${init}`);
        assert.ok((t.data as Float32Array).every(Number.isFinite), `${n} not finite`);
      }
    });
  }
});
