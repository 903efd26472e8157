// Batch norm's running statistics in training (src/train/trainer.ts, train_graph.ts):
// updated with each committed step and kept on a rejected one, never touched by the
// optimizer or weight decay, saved in checkpoints and resumed bit for bit, unchanged in
// frozen layers, and used by inference after training. Both update forms (in the graph;
// on the host with the native kernels, when built).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { modelGraph } from '../../src/models/assemble.js';
import { compileModel } from '../../src/runtime/compile.js';
import { nativeKernels } from '../../src/runtime/native.js';
import type { Tensor } from '../../src/tensor.js';
import { CHECKPOINT_FORMAT, readCheckpoint, writeCheckpoint } from '../../src/train/checkpoint.js';
import { frozenLayers, layerParams } from '../../src/train/config.js';
import { Trainer, type TrainerOptions } from '../../src/train/trainer.js';
import { BUNDLE_FORMAT } from '../../src/weights/bundle.js';
import { bnImages, bnModel, bnWeights } from '../nn/bn_model.js';

const tmp = mkdtempSync(join(tmpdir(), 'bn-train-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const BATCH = 4;
const STATS = ['bn1.running_mean', 'bn1.running_var', 'bn2.running_mean', 'bn2.running_var'];
const labels = (step: number) => Array.from({ length: BATCH }, (_, i) => (i * 2 + step) % 5);
const UPDATES: ('graph' | 'host')[] = nativeKernels() ? ['graph', 'host'] : ['graph'];

async function trainer(weights: ReadonlyMap<string, Tensor>, opts: Partial<TrainerOptions> & { frozen?: ReadonlySet<string> } = {}) {
  const { frozen, ...rest } = opts;
  const m = bnModel({ batch: BATCH, training: true, ...(frozen ? { frozen } : {}) });
  return Trainer.create(m, weights, { momentum: 0.9, weightDecay: 5e-4, ...rest });
}

async function steps(t: Trainer, from: number, to: number, lr = 0.05) {
  const m = bnModel({ batch: BATCH, training: false });
  for (let s = from; s < to; s++) {
    const r = await t.step(bnImages(m, BATCH, s), labels(s), lr);
    assert.ok(r.finite);
    t.commit();
  }
}

const data = (w: ReadonlyMap<string, Tensor>, n: string) => w.get(n)!.data as Float32Array;

describe('running statistics in training', () => {
  const w0 = bnWeights(bnModel({ batch: BATCH, training: false }), 1);

  for (const update of UPDATES) {
    test(`update ${update}: changed by a committed step, kept by a rejected one, not trained, not decayed`, async () => {
      const t = await trainer(w0, { update });
      assert.deepEqual(t.graph.state.map((p) => p.name), STATS);
      assert.ok(!t.params.some((p) => STATS.includes(p.name)));
      const m = bnModel({ batch: BATCH, training: false });
      await t.step(bnImages(m, BATCH, 0), labels(0), 0.05);
      t.reject();
      for (const n of STATS) assert.deepEqual(data(t.weights(), n), data(w0, n), n);
      await steps(t, 0, 1, 0.05);
      const w1 = t.weights();
      for (const n of STATS) assert.ok(data(w1, n).some((v, i) => v !== data(w0, n)[i]), `${n} unchanged`);
      assert.ok(!STATS.some((n) => t.momenta().has(n)));
      // the same step at another learning rate (and so other weights) gives the same statistics
      const other = await trainer(w0, { update });
      await steps(other, 0, 1, 0.5);
      for (const n of STATS) assert.deepEqual(data(other.weights(), n), data(w1, n), n);
      await Promise.all([t.dispose(), other.dispose()]);
    });

    test(`update ${update}: 3 steps, checkpoint, resume, 2 steps = 5 steps without a break, bit for bit`, async () => {
      const straight = await trainer(w0, { update });
      await steps(straight, 0, 5);
      const first = await trainer(w0, { update });
      await steps(first, 0, 3);
      const dir = await writeCheckpoint(join(tmp, update), {
        weights: first.weights(),
        momenta: first.momenta(),
        bundle: { format: BUNDLE_FORMAT, model: 'bn_torch', numClasses: 5, preprocess: 'torchvision', labels: ['a', 'b', 'c', 'd', 'e'] },
        optimizer: {},
        state: { format: CHECKPOINT_FORMAT, step: 3, epoch: 0, cursor: 0, valTop1: null, loop: {}, config: {}, time: 'now' },
      });
      const c = await readCheckpoint(dir);
      for (const n of STATS) assert.deepEqual(data(c.weights, n), data(first.weights(), n), `${n} in the checkpoint`);
      const resumed = await trainer(w0, { update });
      resumed.restore(c.weights, c.momenta, c.state.step);
      await steps(resumed, 3, 5);
      const [a, b] = [straight.weights(), resumed.weights()];
      assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
      for (const [n, v] of a) assert.deepEqual(data(b, n), v.data, n);
      await Promise.all([straight.dispose(), first.dispose(), resumed.dispose()]);
    });
  }

  test('frozen conv1 and bn1: bn1 runs in inference mode, its statistics and weights stay; bn2 updates', async () => {
    // what a run with --train-layers conv2,bn2,fc builds
    const layers = ['conv2', 'bn2', 'fc'];
    const m = bnModel({ batch: BATCH, training: true });
    const frozen = frozenLayers(m, layers);
    assert.deepEqual([...frozen], ['conv1', 'bn1']);
    const trainable = layerParams(m, layers);
    assert.deepEqual(trainable, ['conv2.weight', 'bn2.weight', 'bn2.bias', 'bn2.running_mean', 'bn2.running_var', 'fc.weight', 'fc.bias']);
    const t = await trainer(w0, { frozen, trainable });
    assert.deepEqual(t.graph.state.map((p) => p.name), ['bn2.running_mean', 'bn2.running_var']);
    await steps(t, 0, 2);
    const w = t.weights();
    for (const n of ['conv1.weight', 'bn1.weight', 'bn1.bias', 'bn1.running_mean', 'bn1.running_var']) assert.deepEqual(data(w, n), data(w0, n), n);
    for (const n of ['bn2.running_mean', 'bn2.running_var', 'conv2.weight']) assert.ok(data(w, n).some((v, i) => v !== data(w0, n)[i]), `${n} unchanged`);
    await t.dispose();
  });

  test('inference after training normalises with the running statistics (folded and unfolded alike)', async () => {
    const t = await trainer(w0);
    await steps(t, 0, 3);
    const trained = t.weights();
    await t.dispose();
    const run = async (w: ReadonlyMap<string, Tensor>, fold: boolean) => {
      const m = bnModel({ batch: 'N', training: false });
      const s = await compileModel(modelGraph(m, undefined, { foldBatchNorm: fold }), w);
      const out = (await s.run({ input: bnImages(m, 2, 9) }))['logits']!.data as Float32Array;
      await s.dispose();
      return out;
    };
    const folded = await run(trained, true);
    const reference = await run(trained, false);
    folded.forEach((v, i) => assert.ok(Math.abs(v - reference[i]!) <= 1e-5 * (1 + Math.abs(reference[i]!)), `[${i}] ${v} vs ${reference[i]}`));
    const initialStats = new Map<string, Tensor>(trained);
    for (const n of STATS) initialStats.set(n, w0.get(n)!);
    const withInitial = await run(initialStats, false);
    assert.ok(withInitial.some((v, i) => Math.abs(v - reference[i]!) > 1e-4), 'the running statistics make no difference');
  });
});
