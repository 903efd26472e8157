// Whole-network oracle: two SGD steps (momentum 0.9, weight decay 0.0005) of our
// training graph against PyTorch autograd + torch.optim.SGD (tools/gen_grad_oracle.py),
// same seeded weights and batches, dropout off, for alexnet_v2 (all layers, and fc7+fc8
// only), torchvision's alexnet and Caffe's bvlc_alexnet. Step 1 starts from the seeded
// weights; step 2 restores PyTorch's step-1 weights and momentum buffers (through
// Trainer.restore), so both sides take it from the same point and momentum matters.
// One more case takes the two steps with torch.optim.AdamW on alexnet_v2 (eps 1e-3: see
// the generator for why), restoring exp_avg, exp_avg_sq and the step count.
//
// Asserted, per step: loss, cross-entropy, gradient norm, each parameter's squared
// gradient and weight norms; per tensor: the new weights to 1e-4 of their largest value
// (the acceptance criterion), and, sharper, the update (new - old) to a fraction of its
// largest value and in L2 ratio. Run with GRAD_VERBOSE=1 to print every number.
//
// Bounds are ~3x the worst measured, with one documented exception. A gradient is only
// as well conditioned as the ReLU and max-pool decisions it rests on: in alexnet's step
// 1, one of 172,800 max-pool windows at features.5 holds two values 9e-8 apart, and
// ORT's forward (rounded differently from PyTorch's) picks the other winner (float64
// PyTorch picks PyTorch's). The gradient below that layer then moves by up to 2.6e-2 of
// its largest value (features.3), 3e-4 in squared norm (features.0), while every layer
// above it agrees to 5e-7. Near-ties within 1e-6 occur in every batch of every model
// (counted by a float64 forward recording every window's top-2 margin); most carry little
// gradient. The exception loosens only alexnet's step-1 update, momentum and
// squared-gradient bounds.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { getModel } from '../../src/models/registry.js';
import { initParams } from '../../src/nn/init.js';
import { generate } from '../../src/nn/init.js';
import { secondMomentKey } from '../../src/optim/optimizers.js';
import { Trainer } from '../../src/train/trainer.js';
import { numel, type Tensor } from '../../src/tensor.js';
import { generated } from '../helpers.js';

interface OracleStep {
  labels: number[];
  imageSum: number;
  xent: number;
  loss: number;
  correct: number;
  gradNorm: number;
  paramGradSq: Record<string, number>;
  paramWeightSq: Record<string, number>;
}

interface OracleCase {
  name: string;
  model: string;
  classes: number;
  batch: number;
  trainable: string[];
  /** torch's CrossEntropyLoss(label_smoothing); absent: 0. */
  labelSmoothing?: number;
  weightSeed: number;
  /** optimizer absent: 'sgd' (older fixtures). */
  sgd: { lr: number; momentum: number; weightDecay: number; steps: number; optimizer?: 'sgd' | 'adamw'; eps?: number };
  steps: OracleStep[];
  size: [number, number];
  bin: string;
  /** buf1: SGD's momentum buffers or AdamW's exp_avg; sq1: AdamW's exp_avg_sq. */
  tensors: { name: string; shape: number[]; w1: number; buf1: number; sq1?: number; w2: number }[];
}

const verbose = !!process.env['GRAD_VERBOSE'];
const trainers: Trainer[] = [];
after(async () => {
  for (const t of trainers) await t.dispose();
});

/** Bounds per metric (relative); measured worsts over the four cases in the comments. */
const BOUNDS: Record<string, number> = {
  xent: 1e-6, // 6.9e-8
  loss: 1e-6, // 6.5e-8
  gradNorm: 1e-6, // 8.7e-8
  gradSq: 5e-5, // 1.3e-5 (alexnet_v2 conv1, step 2)
  weightSq: 2e-6, // 5.3e-7
  'weight step 1': 1e-4, // 1.4e-6; alexnet 4.7e-5
  'weight step 2': 1e-4, // 5.1e-6
  'update step 1': 5e-3, // 1.5e-3 (bvlc conv2)
  'update step 2': 5e-3, // 1.9e-3 (alexnet_v2 conv2)
  'updateL2 step 1': 2e-4, // 4.8e-5
  'updateL2 step 2': 2e-3, // 5.8e-4 (alexnet_v2 conv1)
  'momentum step 1': 1e-5, // 1.8e-6
};

/** alexnet's step 1 crosses a max-pool near-tie (see the header): measured 2.6e-2, 1.05e-2, 2.6e-2, 3e-4. */
const CASE_BOUNDS: Record<string, Record<string, number>> = {
  alexnet_all: { 'update step 1': 6e-2, 'updateL2 step 1': 3e-2, 'momentum step 1': 6e-2, gradSq: 1e-3 },
};

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);
}

/**
 * max |a - b| / max |b| (the brief's criterion), and for the updates u = a - w0 against
 * v = b - w0: max |u - v| / max |v| and the L2 ratio |u - v| / |v|.
 */
function tensorErrors(a: Float32Array, b: Float32Array, w0: Float32Array): { weight: number; update: number; updateL2: number } {
  let dw = 0;
  let mw = 0;
  let du = 0;
  let mu = 0;
  let e2 = 0;
  let v2 = 0;
  for (let i = 0; i < b.length; i++) {
    dw = Math.max(dw, Math.abs(a[i]! - b[i]!));
    mw = Math.max(mw, Math.abs(b[i]!));
    const u = a[i]! - w0[i]!;
    const v = b[i]! - w0[i]!;
    du = Math.max(du, Math.abs(u - v));
    mu = Math.max(mu, Math.abs(v));
    e2 += (u - v) * (u - v);
    v2 += v * v;
  }
  return { weight: dw / mw, update: du / mu, updateL2: Math.sqrt(e2 / v2) };
}

async function runCase(path: string, c: OracleCase) {
  const spec = getModel(c.model);
  const m = spec.build({ batch: c.batch, isTraining: true, dropoutKeepProb: 1, numClasses: c.classes, inputSize: c.size });
  const w0 = initParams(m.graph.params.map((p) => ({ name: p.name, shape: p.shape, init: p.param!.init })), c.weightSeed);
  const optimizer = c.sgd.optimizer ?? 'sgd';
  const t = await Trainer.create(m, w0, { optimizer, ...(c.sgd.eps !== undefined ? { eps: c.sgd.eps } : {}), momentum: c.sgd.momentum, weightDecay: c.sgd.weightDecay, trainable: c.trainable, labelSmoothing: c.labelSmoothing ?? 0, session: { threads: 2 } });
  trainers.push(t);
  assert.deepEqual(t.params.map((p) => p.name), c.trainable, 'trainable parameters, in the oracle order');
  const shape = m.input.shape as number[];

  // PyTorch's w1, buf1 and w2, viewed in place in the .bin file
  const buf = readFileSync(join(dirname(path), c.bin));
  assert.equal(buf.byteOffset % 4, 0);
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const section = (key: 'w1' | 'buf1' | 'sq1' | 'w2', prefix = '') =>
    new Map(c.tensors.map((e) => [prefix + e.name, { dtype: 'float32' as const, shape: e.shape, data: all.subarray(e[key]!, e[key]! + numel(e.shape)) }]));
  const ref = { w1: section('w1'), buf1: section('buf1'), w2: section('w2') };
  // the optimizer state as Trainer.restore takes it (AdamW: both moments, keyed as momenta() keys them)
  const state = optimizer === 'adamw' ? new Map([...ref.buf1, ...section('sq1', secondMomentKey(''))]) : ref.buf1;

  // every comparison is recorded, printed with GRAD_VERBOSE=1, and asserted at the end
  const worst = new Map<string, { value: number; where: string }>();
  const note = (metric: string, value: number, where: string) => {
    const w = worst.get(metric);
    if (!w || !(value <= w.value)) worst.set(metric, { value, where });
  };
  const table: Record<string, Record<string, string>> = {};
  const compare = (label: string, ours: Map<string, Tensor>, theirs: Map<string, Tensor>, before: Map<string, Tensor>) => {
    for (const [name, r] of theirs) {
      const o = ours.get(name)!;
      assert.deepEqual(o.shape, r.shape, name);
      const err = tensorErrors(o.data as Float32Array, r.data as Float32Array, before.get(name)!.data as Float32Array);
      (table[name] ??= {})[label] = `${err.weight.toExponential(1)} / ${err.update.toExponential(1)} / ${err.updateL2.toExponential(1)}`;
      note(`weight ${label}`, err.weight, name);
      note(`update ${label}`, err.update, name);
      note(`updateL2 ${label}`, err.updateL2, name);
    }
  };

  for (const [k, s] of c.steps.entries()) {
    assert.equal(s.labels.length, shape[0]);
    const images: Tensor<'float32'> = { dtype: 'float32', shape, data: generate({ kind: 'uniform', low: -1, high: 1 }, numel(shape), 100 + k, 'images') };
    assert.ok(rel(images.data.reduce((a, v) => a + v, 0), s.imageSum) < 1e-9, "the seeded images are the oracle's");
    if (k === 1) t.restore(ref.w1, state, 1); // step 2 from PyTorch's step-1 state
    const before = t.weights();
    const r = await t.step(images, s.labels, c.sgd.lr);
    assert.ok(r.finite);
    t.commit();
    assert.equal(r.correct, s.correct, `step ${k + 1}: top-1 hits`);
    note('xent', rel(r.xent, s.xent), `step ${k + 1}`);
    note('loss', rel(r.loss, s.loss), `step ${k + 1}`);
    note('gradNorm', rel(r.gradNorm, s.gradNorm), `step ${k + 1}`);
    t.params.forEach((p, i) => {
      note('gradSq', rel(r.paramGradSq[i]!, s.paramGradSq[p.name]!), `step ${k + 1} ${p.name}`);
      note('weightSq', rel(r.paramWeightSq[i]!, s.paramWeightSq[p.name]!), `step ${k + 1} ${p.name}`);
    });
    compare(`step ${k + 1}`, t.weights(), k === 0 ? ref.w1 : ref.w2, before);
    if (k === 0) {
      for (const [name, r] of state) {
        const e = tensorErrors(t.momenta().get(name)!.data, r.data, new Float32Array(r.data.length));
        note('momentum step 1', e.update, name);
      }
    }
  }
  if (verbose) {
    console.log(`${c.name}: weight / update / update-L2 errors (see the header)`);
    console.table(table);
    console.table(Object.fromEntries([...worst].map(([k, v]) => [k, { worst: v.value.toExponential(2), where: v.where, bound: CASE_BOUNDS[c.name]?.[k] ?? BOUNDS[k] }])));
  }
  const bound = (k: string) => CASE_BOUNDS[c.name]?.[k] ?? BOUNDS[k]!;
  const bad = [...worst].filter(([k, v]) => !(v.value <= bound(k))).map(([k, v]) => `${k} ${v.value.toExponential(2)} at ${v.where} (bound ${bound(k)})`);
  assert.deepEqual(bad, [], `${c.name} differs from PyTorch`);
  return { t, m, w0, now: t.weights() };
}

function oracleCase(path: string, name: string): OracleCase {
  const c = (JSON.parse(readFileSync(path, 'utf8')) as { cases: OracleCase[] }).cases.find((x) => x.name === name);
  if (!c) throw new Error(`${path} has no case ${name}; run npm test to regenerate it`);
  return c;
}

describe('training step vs PyTorch autograd + torch.optim.SGD / AdamW (tools/gen_grad_oracle.py)', () => {
  const all = [
    ['alexnet_v2_all', 'alexnet_v2 (slim, NHWC, HWIO), all layers trainable'],
    ['alexnet_all', 'alexnet (torchvision, OIHW, linear layers) at 256x256: the adaptive pool is two MatMuls'],
    ['bvlc_alexnet_all', 'bvlc_alexnet (Caffe: groups 2, LRN, ceil-mode pools), all layers trainable'],
  ];
  for (const [name, what] of all) {
    test(`${what}: loss and every new weight tensor`, async (t) => {
      const path = generated(t, 'grad_oracle.json');
      if (!path) return;
      await runCase(path, oracleCase(path, name!));
    });
  }

  test('alexnet_v2 with only fc8 and fc7 trainable: frozen layers unchanged and without gradient nodes', async (t) => {
    const path = generated(t, 'grad_oracle.json');
    if (!path) return;
    const { t: tr, w0, now } = await runCase(path, oracleCase(path, 'alexnet_v2_fc8_fc7'));
    const frozen = tr.graph.frozen;
    assert.equal(frozen.length, 12);
    for (const name of frozen) {
      assert.deepEqual(now.get(name)!.data, w0.get(name)!.data, `${name} is frozen`);
    }
    const gradNodes = tr.graph.graph.nodes.filter((n) => n.name.startsWith('grad/'));
    assert.ok(gradNodes.length > 0);
    const layers = [...new Set(gradNodes.map((n) => n.name.split('/').slice(1, 3).join('/')))].sort();
    if (verbose) console.log('gradient nodes under', layers);
    assert.ok(!gradNodes.some((n) => /^grad\/alexnet_v2\/(conv|pool|fc6)/.test(n.name)), 'no gradient nodes for frozen layers');
    assert.ok(!gradNodes.some((n) => n.op === 'ConvTranspose' || n.op === 'ScatterElements'));
    for (const name of frozen) assert.ok(!tr.inputNames.includes(name), `${name} is baked in, not fed`);
    for (const p of tr.params) assert.ok(tr.inputNames.includes(p.name), `${p.name} is fed`);
  });

  test('alexnet_v2 with torch.optim.AdamW (decoupled decay 0.05): weights, exp_avg and exp_avg_sq', async (t) => {
    const path = generated(t, 'grad_oracle.json');
    if (!path) return;
    const c = oracleCase(path, 'alexnet_v2_adamw');
    assert.equal(c.sgd.optimizer, 'adamw');
    const { t: tr } = await runCase(path, c);
    assert.equal(tr.updates, 2);
    assert.equal(tr.momenta().size, 2 * tr.params.length);
  });

  test('alexnet_v2 fc8 and fc7 with label smoothing 0.1: CrossEntropyLoss(label_smoothing=0.1)', async (t) => {
    const path = generated(t, 'grad_oracle.json');
    if (!path) return;
    const c = oracleCase(path, 'alexnet_v2_fc8_fc7_smoothing');
    assert.equal(c.labelSmoothing, 0.1);
    const plain = oracleCase(path, 'alexnet_v2_fc8_fc7');
    // Near-uniform logits at init: smoothing moves the first loss by only ~2.6e-4 (3.7e-5
    // relative), still 37 times the xent bound, so the comparison does see it.
    assert.ok(Math.abs(c.steps[0]!.xent - plain.steps[0]!.xent) > 1e-4, `${c.steps[0]!.xent} vs ${plain.steps[0]!.xent}`);
    await runCase(path, c);
  });
});
