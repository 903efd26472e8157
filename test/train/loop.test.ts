// The training loop as a library: the NaN guard on a real blow-up (alexnet from scratch at
// lr 10 on Fashion-MNIST), and fine-tuning from a weight file with a new number of classes,
// frozen layers and --reinit.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { alexnetSpec } from '../../src/models/alexnet.js';
import { paramSpecs, randomWeights } from '../../src/models/params.js';
import { initParams } from '../../src/nn/init.js';
import { initialWeights } from '../../src/train/init_weights.js';
import type { Tensor } from '../../src/tensor.js';
import { listCheckpoints, readCheckpoint } from '../../src/train/checkpoint.js';
import { NonFiniteError } from '../../src/train/guard.js';
import { readJsonl } from '../../src/logs/jsonl.js';
import { evaluateWeights } from '../../src/train/eval_run.js';
import { train } from '../../src/train/loop.js';
import { BUNDLE_FORMAT, saveBundle } from '../../src/weights/bundle.js';
import { readSafetensors } from '../../src/weights/safetensors.js';
import { loadWeights } from '../../src/hub/load.js';
import { FASHION_DIR, fashionMnist } from '../fashion.js';
import { generated } from '../helpers.js';
import { makeImageFolder } from '../image_folder.js';

const tmp = mkdtempSync(join(tmpdir(), 'loop-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const bytes = (t: Tensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
const allFinite = (m: ReadonlyMap<string, Tensor>) => [...m.values()].every((t) => (t.data as Float32Array).every(Number.isFinite));
const NAN_LINE = /^step (\d+): \S+ (gradient|weight) is (NaN|infinite) \(lr ([\d.]+)\); /;

// 64 Fashion-MNIST images at 64x64, batch 8, every layer trained: at lr 10 the weights
// overflow within the first steps (measured: step 3's update is infinite, then the
// gradients are NaN).
const blowUp = (out: string) => ({ model: 'alexnet', data: FASHION_DIR, inputSize: [64, 64] as [number, number], trainLimit: 64, batch: 8, lr: 10, out, logEvery: 1, threads: 2, workers: 1 });

describe('NaN guard at lr 10', () => {
  test('stop: the blow-up is reproduced, the update refused, the last good step checkpointed', async (t) => {
    if (!fashionMnist(t)) return;
    const out = join(tmp, 'stop');
    const lines: string[] = [];
    const err = await train({ ...blowUp(out), epochs: 1, nanPolicy: 'stop' }, { log: (l) => lines.push(l) }).then(
      () => null,
      (e: Error) => e,
    );
    assert.ok(err instanceof NonFiniteError, String(err));
    const m = NAN_LINE.exec(err.message);
    assert.ok(m, err.message);
    assert.equal(m[4], '10');
    const failed = Number(m[1]);
    assert.ok(failed >= 2 && failed <= 8, err.message);
    assert.ok(err.message.endsWith(`; stopped (--nan-policy stop), weights stay at step ${failed - 1}`), err.message);
    assert.equal(lines.filter((l) => NAN_LINE.test(l)).length, 1);
    const last = listCheckpoints(out).at(-1)!;
    assert.equal(last.step, failed - 1);
    const c = await readCheckpoint(last.dir);
    assert.ok(allFinite(c.weights) && allFinite(c.momenta));
    const events = readJsonl(join(out, 'log.jsonl')).filter((r) => r['event'] === 'nan');
    assert.deepEqual(events.map((e) => [e['step'], e['lr'], e['action']]), [[failed, 10, 'stop']]);
  });

  test('reduce-lr: goes back, halves the rate, and training goes on with finite weights', async (t) => {
    if (!fashionMnist(t)) return;
    const out = join(tmp, 'reduce');
    const lines: string[] = [];
    const r = await train({ ...blowUp(out), epochs: 2 }, { log: (l) => lines.push(l) });
    const nan = lines.filter((l) => NAN_LINE.test(l));
    assert.ok(nan.length >= 1 && nan.length <= 10, nan.join('\n'));
    // each message halves the rate the previous one left, and names the state it goes on from
    nan.forEach((l, i) => {
      const lr = 10 / 2 ** i;
      assert.match(l, new RegExp(`\\(lr ${lr}\\); lr -> ${lr / 2} \\(reduction ${i + 1} of 10\\), (going on from checkpoint step \\d+|going on from the weights the run started from \\(step 0\\)|retrying the batch from .*)$`), l);
    });
    assert.equal(r.steps, 16);
    assert.equal(r.epochs, 2);
    assert.ok(Number.isFinite(r.trainLoss));
    const c = await readCheckpoint(r.checkpoint);
    assert.ok(allFinite(c.weights) && allFinite(c.momenta));
    assert.deepEqual(c.state.loop['guard'], { lrScale: 1 / 2 ** nan.length, reductions: nan.length, events: nan.length });
    // the log keeps one record per step: those of abandoned steps were dropped on rewinding
    const log = readJsonl(join(out, 'log.jsonl'));
    const steps = log.filter((x) => !('event' in x)).map((x) => x['step']);
    assert.deepEqual(steps, Array.from({ length: 16 }, (_, i) => i + 1));
    assert.ok(log.filter((x) => !('event' in x)).every((x) => x['lr'] === 10 / 2 ** nan.length));
    assert.equal(log.filter((x) => x['event'] === 'nan').length, nan.length);
  });

  // The recipe of a user's report: SGD at lr 10 (1000x too high), momentum 0.9, weight
  // decay 0.0005, batch 32, alexnet from scratch on 10 classes at 64x64. With 5 halvings
  // the guard gave up; the defaults (10 reductions by 0.5) carry the run.
  test('the defaults recover from lr 10 with momentum 0.9, weight decay 0.0005, batch 32', async (t) => {
    if (!fashionMnist(t)) return;
    const out = join(tmp, 'recipe');
    const lines: string[] = [];
    const recipe = { ...blowUp(out), trainLimit: 960, batch: 32, momentum: 0.9, weightDecay: 0.0005, epochs: 1 };
    const r = await train(recipe, { log: (l) => lines.push(l) });
    const nan = lines.filter((l) => NAN_LINE.test(l));
    assert.ok(nan.length >= 5 && nan.length <= 10, nan.join('\n'));
    assert.equal(r.steps, 30);
    assert.ok(Number.isFinite(r.trainLoss), String(r.trainLoss));
    const losses = readJsonl(join(out, 'log.jsonl')).filter((x) => !('event' in x)).map((x) => x['loss'] as number);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.equal(losses.length, 30);
    assert.ok(mean(losses.slice(-10)) < mean(losses.slice(0, 10)), `first 10 steps ${mean(losses.slice(0, 10))}, last 10 ${mean(losses.slice(-10))}`);
    assert.deepEqual(listCheckpoints(out).map((c) => c.step), [30]); // no checkpoint at step 0
  });
});

describe('fine-tuning', () => {
  test('from a 1000-class file: the classifier re-initialised for 4 classes, --reinit, frozen layers untouched', async () => {
    const data = join(tmp, 'photos');
    await makeImageFolder(data, 4, 80);
    const m = alexnetSpec.build({ inputSize: [63, 63] });
    const file = join(tmp, 'pretrained.safetensors');
    const pretrained = randomWeights(m, 42);
    await saveBundle(file, pretrained, { format: BUNDLE_FORMAT, model: 'alexnet', numClasses: 1000, preprocess: 'torchvision', labels: 'imagenet1k' });
    const out = join(tmp, 'finetune');
    const lines: string[] = [];
    const paused: number[] = [];
    const r = await train(
      { model: 'alexnet', data, inputSize: [63, 63], epochs: 1, batch: 4, lr: 0.01, weights: file, classes: 4, trainLayers: ['classifier.6', 'classifier.4'], reinit: ['classifier.4'], seed: 3, out, threads: 2 },
      { log: (l) => lines.push(l), pause: { every: 2, run: async (step) => void paused.push(step) } },
    );
    assert.equal(r.steps, 4);
    assert.deepEqual(paused, [2, 4], 'the benchmark hook runs after every 2 updates');
    assert.ok(lines.includes(`weights: ${file} (safetensors, 12 of 16 parameters loaded)`), lines.join('\n'));
    assert.ok(lines.includes(`classifier.6: shape differs from ${file} (weight [1000,4096] -> [4,4096], bias [1000] -> [4]); re-initialised`), lines.join('\n'));
    assert.ok(lines.includes('re-initialised classifier.4 (--reinit)'), lines.join('\n'));
    assert.match(lines.find((l) => l.startsWith('training'))!, /16,797,700 trainable parameters \(classifier\.6, classifier\.4; the rest frozen\)/);
    assert.deepEqual(listCheckpoints(out).map((c) => c.step), [4], 'no checkpoint at step 0');
    const end = await readCheckpoint(r.checkpoint);
    // re-initialised layers start from the model's initialisers with the run's seed
    const fresh = randomWeights(alexnetSpec.build({ inputSize: [63, 63], numClasses: 4 }), 3);
    const init = await initialWeights(alexnetSpec.build({ inputSize: [63, 63], numClasses: 4 }), { weights: file, reinit: ['classifier.4'], seed: 3, init: 'model' });
    for (const n of ['classifier.4.weight', 'classifier.6.weight', 'classifier.6.bias']) assert.ok(bytes(init.weights.get(n)!).equals(bytes(fresh.get(n)!)), n);
    for (const [n, w] of pretrained) {
      if (n.startsWith('classifier.6')) continue;
      const trained = n.startsWith('classifier.4');
      const same = bytes(end.weights.get(n)!).equals(bytes(trained ? init.weights.get(n)! : w));
      assert.equal(same, !trained, `${n}: ${trained ? 'trained, must change' : 'frozen, must not change'}`);
    }
    assert.deepEqual([...end.momenta.keys()].sort(), ['classifier.4.bias', 'classifier.4.weight', 'classifier.6.bias', 'classifier.6.weight']);
    // the frozen layers are written once, in frozen.safetensors; a checkpoint's own weights
    // file holds the trained ones and refers to it, and every reader sees all 16
    const own = readSafetensors(readFileSync(join(r.checkpoint, 'weights.safetensors')), 'ckpt');
    assert.deepEqual([...own.tensors.keys()].sort(), ['classifier.4.bias', 'classifier.4.weight', 'classifier.6.bias', 'classifier.6.weight']);
    assert.equal(own.metadata['alexnet-ts.rest'], '../frozen.safetensors');
    assert.equal(readSafetensors(readFileSync(join(out, 'frozen.safetensors')), 'frozen').tensors.size, 12);
    assert.equal(end.weights.size, 16);
    assert.equal((await loadWeights('alexnet', out)).weights.size, 16);
    const resumed = await train({ resume: out, epochs: 2 }, { log: () => {} });
    assert.equal(resumed.steps, 8);
    assert.equal((await readCheckpoint(resumed.checkpoint)).weights.size, 16);
  });

  test('--init kaiming: what is loaded stays, what is re-initialised draws from the kaiming scheme', async () => {
    const file = join(tmp, 'pretrained.safetensors'); // written by the test above
    const m = alexnetSpec.build({ inputSize: [63, 63], numClasses: 4 });
    const r = await initialWeights(m, { weights: file, reinit: ['classifier.4'], seed: 3, init: 'kaiming' });
    const pretrained = randomWeights(alexnetSpec.build({ inputSize: [63, 63] }), 42);
    assert.ok(bytes(r.weights.get('features.0.weight')!).equals(bytes(pretrained.get('features.0.weight')!)));
    const kaiming = initParams(paramSpecs(m, 'kaiming').filter((p) => p.name.startsWith('classifier.4') || p.name.startsWith('classifier.6')), 3);
    for (const [n, w] of kaiming) assert.ok(bytes(r.weights.get(n)!).equals(bytes(w)), n);
    assert.ok((r.weights.get('classifier.6.bias')!.data as Float32Array).every((v) => v === 0));
    const scratch = await initialWeights(m, { weights: null, reinit: [], seed: 3, init: 'kaiming' });
    assert.deepEqual(scratch.messages, ['weights: kaiming initialisation, seed 3']);
  });

  test('weights of another model: the error names the model they fit', async (t) => {
    const oraclePath = generated(t, 'classify_oracle.json');
    if (!oraclePath) return;
    const npy = join(oraclePath, '..', 'bvlc_alexnet_seeded.npy');
    const m = alexnetSpec.build({ inputSize: [63, 63], numClasses: 4 });
    await assert.rejects(
      initialWeights(m, { weights: npy, reinit: [], seed: 3, init: 'model' }),
      /^Error: .*bvlc_alexnet_seeded\.npy: no features\.0\.weight, features\.0\.bias, features\.3\.weight \(and 13 more\) for alexnet; the file has conv1\/weights, conv1\/biases, conv2\/weights; looks like bvlc_alexnet weights; try --model bvlc_alexnet$/,
    );
  });
});

describe('what a run reports', () => {
  test('3 classes, --max-steps at the end of an epoch: the epoch counts, the header names the stop, validation is top-3', async () => {
    const data = join(tmp, 'three');
    await makeImageFolder(data, 4, 80, ['astronaut', 'cat', 'coffee']);
    const lines: string[] = [];
    const o = { model: 'alexnet', data, val: data, inputSize: [63, 63] as [number, number], epochs: 5, batch: 4, lr: 0.001, trainLayers: ['classifier.6'], maxSteps: 6, threads: 2, workers: 1 };
    const r = await train({ ...o, out: join(tmp, 'three-run') }, { log: (l) => lines.push(l) });
    assert.match(lines.find((l) => l.startsWith('training'))!, /: 5 epochs of 3 steps \(stopping at step 6, --max-steps\), batch 4,/);
    assert.equal(r.steps, 6);
    assert.equal(r.epochs, 2, 'the 6th step ends epoch 2');
    assert.equal(r.valK, 3);
    assert.equal(lines.filter((l) => / val top-1 [\d.]+% top-3 /.test(l)).length, 2, lines.join('\n'));
  });
});

describe('a run directory as weights', () => {
  test('alexnet_v2 with global pooling at 195x227: eval and a second run take the config and weights from the run', async () => {
    const data = join(tmp, 'photos-gp');
    await makeImageFolder(data, 2, 96);
    const first = join(tmp, 'gp-1');
    const opts = { model: 'alexnet_v2', data, inputSize: [195, 227] as [number, number], globalPool: true, epochs: 1, batch: 4, lr: 0.001, trainLayers: ['fc8'], seed: 5, threads: 2 };
    const r1 = await train({ ...opts, out: first }, { log: () => {} });
    assert.equal(r1.steps, 2);
    // no globalPool or input size given: both come from the checkpoint's config (without
    // them the 1x2 logits could not be squeezed)
    const ev = await evaluateWeights({ model: 'alexnet_v2', weights: first, data, batch: 4, threads: 2 });
    assert.equal(ev.weights, join(r1.checkpoint, 'weights.safetensors'));
    assert.equal(ev.images, 8);
    assert.deepEqual(ev.classes, ['astronaut', 'cat', 'coffee', 'rocket']);
    const lines: string[] = [];
    const r2 = await train({ ...opts, weights: first, out: join(tmp, 'gp-2') }, { log: (l) => lines.push(l) });
    assert.ok(lines.includes(`weights: ${join(r1.checkpoint, 'weights.safetensors')} (safetensors, 16 of 16 parameters loaded)`), lines.join('\n'));
    const end1 = await readCheckpoint(r1.checkpoint);
    const end2 = await readCheckpoint(r2.checkpoint);
    // the frozen layers of the second run are the first run's final weights
    for (const [n, w] of end1.weights) if (!n.includes('fc8')) assert.ok(bytes(end2.weights.get(n)!).equals(bytes(w)), n);
    assert.equal(r2.steps, 2);
  });
});
