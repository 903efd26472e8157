// Checkpoint directories: complete or absent, read back bit for bit, bundle weights usable
// by themselves, retention of the newest K and the best, and what a killed writer leaves.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Tensor } from '../../src/tensor.js';
import { bestCheckpoint, CHECKPOINT_FORMAT, type CheckpointData, checkpointName, cleanPartial, latestCheckpoint, listCheckpoints, pruneCheckpoints, readCheckpoint, weightsFileOf, writeCheckpoint } from '../../src/train/checkpoint.js';
import { BUNDLE_FORMAT, readSidecar } from '../../src/weights/bundle.js';
import { readWeights } from '../../src/weights/read.js';
import { ROOT } from '../helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'ckpt-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function data(step: number, valTop1: number | null, size = 1000): CheckpointData {
  const w: Tensor = { dtype: 'float32', shape: [size], data: Float32Array.from({ length: size }, (_, i) => Math.sin(i + step)) };
  const m: Tensor = { dtype: 'float32', shape: [size], data: Float32Array.from({ length: size }, (_, i) => i * 1e-3 * step) };
  return {
    weights: new Map([['fc/weight', w]]),
    momenta: new Map([['fc/weight', m]]),
    bundle: { format: BUNDLE_FORMAT, model: 'alexnet', numClasses: 3, preprocess: 'torchvision', labels: ['a', 'b', 'c'] },
    optimizer: { momentum: '0.9' },
    state: { format: CHECKPOINT_FORMAT, step, epoch: 1, cursor: 5, valTop1, loop: { dropoutDraws: step }, config: { lr: 0.1 }, time: 'now' },
  };
}

test('write and read back: weights, momenta, state; the weights file is a bundle', async () => {
  const out = join(tmp, 'rw');
  const dir = await writeCheckpoint(out, data(12, 0.5));
  assert.equal(dir, join(out, 'ckpt-00000012'));
  assert.deepEqual(readdirSync(dir).sort(), ['optimizer.safetensors', 'state.json', 'weights.json', 'weights.safetensors']);
  const c = await readCheckpoint(dir);
  assert.deepEqual(c.weights.get('fc/weight')!.data, data(12, 0.5).weights.get('fc/weight')!.data);
  assert.deepEqual(c.momenta.get('fc/weight')!.data, data(12, 0.5).momenta.get('fc/weight')!.data);
  assert.equal(c.optimizer['momentum'], '0.9');
  assert.deepEqual([c.state.step, c.state.epoch, c.state.cursor, c.state.valTop1, c.state.loop['dropoutDraws']], [12, 1, 5, 0.5, 12]);
  const side = await readSidecar(join(dir, 'weights.safetensors'));
  assert.deepEqual(side?.labels, ['a', 'b', 'c']);
  assert.equal((await readWeights(join(dir, 'weights.safetensors'))).format, 'safetensors');
  assert.equal(latestCheckpoint(out).step, 12);
});

test('retention: the newest K and the best by validation top-1 (the earliest of equals)', async () => {
  const out = join(tmp, 'prune');
  const tops = [0.2, 0.7, 0.5, 0.7, null, 0.6];
  for (let i = 0; i < tops.length; i++) {
    await writeCheckpoint(out, data(i + 1, tops[i]!));
    await pruneCheckpoints(out, 2);
  }
  assert.deepEqual(listCheckpoints(out).map((c) => c.step), [2, 5, 6]);
  assert.equal(bestCheckpoint(listCheckpoints(out))!.step, 2);
  assert.deepEqual(readdirSync(out).sort(), ['ckpt-00000002', 'ckpt-00000005', 'ckpt-00000006']);
});

test('a writer killed halfway leaves only a hidden temporary directory; the last complete checkpoint is intact', async () => {
  const out = join(tmp, 'kill');
  await writeCheckpoint(out, data(3, null));
  const script = `
    import { writeCheckpoint, CHECKPOINT_FORMAT } from ${JSON.stringify(join(ROOT, 'src/train/checkpoint.ts'))};
    const w = { dtype: 'float32', shape: [4000000], data: new Float32Array(4000000).fill(1) };
    await writeCheckpoint(${JSON.stringify(out)}, { weights: new Map([['w', w]]), momenta: new Map([['w', w]]),
      bundle: { format: 'alexnet-ts/1', model: 'alexnet', numClasses: 1, preprocess: 'torchvision', labels: ['x'] }, optimizer: {},
      state: { format: CHECKPOINT_FORMAT, step: 4, epoch: 0, cursor: 0, valTop1: null, loop: {}, config: {}, time: '' } },
      { midway: () => process.kill(process.pid, 'SIGKILL') });
    console.log('not reached');`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.signal, 'SIGKILL');
  assert.equal(r.stdout, '');
  const names = readdirSync(out).sort();
  assert.equal(names.length, 2);
  assert.equal(names[1], 'ckpt-00000003');
  assert.match(names[0]!, /^\.tmp-ckpt-00000004-\d+$/);
  assert.ok(!existsSync(join(out, names[0]!, 'state.json')));
  assert.deepEqual(listCheckpoints(out).map((c) => c.step), [3]);
  assert.equal(latestCheckpoint(out).step, 3);
  assert.deepEqual(await cleanPartial(out), [names[0]]);
  assert.deepEqual(readdirSync(out), ['ckpt-00000003']);
});

test('errors: nothing to resume, a directory without state', async () => {
  assert.throws(() => latestCheckpoint(join(tmp, 'none')), /none: no such directory/);
  const empty = join(tmp, 'empty');
  mkdirSync(join(empty, checkpointName(1)), { recursive: true });
  writeFileSync(join(empty, checkpointName(1), 'weights.safetensors'), 'x');
  assert.throws(() => latestCheckpoint(empty), /empty: no complete checkpoint \(ckpt-\*\/state\.json\) to resume from/);
  await assert.rejects(readCheckpoint(join(empty, checkpointName(1))), /ckpt-00000001: not a complete checkpoint \(state\.json: ENOENT\)/);
});

test("weightsFileOf: a file as it is, a checkpoint's weights, a run's best checkpoint (else its newest)", async () => {
  const out = join(tmp, 'pick');
  for (const [step, top] of [[1, 0.4], [2, 0.9], [3, 0.6]] as const) await writeCheckpoint(out, data(step, top));
  assert.equal(weightsFileOf(out), join(out, 'ckpt-00000002', 'weights.safetensors'));
  assert.equal(weightsFileOf(join(out, 'ckpt-00000003')), join(out, 'ckpt-00000003', 'weights.safetensors'));
  const file = join(out, 'ckpt-00000001', 'weights.safetensors');
  assert.equal(weightsFileOf(file), file);
  const noVal = join(tmp, 'pick-noval');
  for (const step of [4, 7]) await writeCheckpoint(noVal, data(step, null));
  assert.equal(weightsFileOf(noVal), join(noVal, 'ckpt-00000007', 'weights.safetensors'));
  assert.throws(() => weightsFileOf(join(tmp, 'missing')), /missing: no such file or directory/);
  mkdirSync(join(tmp, 'bare'));
  assert.throws(() => weightsFileOf(join(tmp, 'bare')), /bare: neither a checkpoint \(weights\.safetensors\) nor a run directory with checkpoints/);
});
