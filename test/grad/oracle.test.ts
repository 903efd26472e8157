// Whole-network oracle: two SGD steps of our training graph against PyTorch autograd
// and torch.optim.SGD (tools/gen_grad_oracle.py), same seeded weights and batches,
// dropout off. Every trainable tensor after the two steps must match to 1e-4 of its
// largest value; the update itself (w2 - w0) to 3e-3 of its largest value, the sharper
// test (an update is small next to the weights). Per step, the loss and the squared
// norm of every parameter's gradient must match to 1e-6 and 5e-5.
//
// Why the update bound is looser than the gradients': step 0's gradients agree with a
// float64 PyTorch run to <1e-6 of their largest value (ours; float32 PyTorch: <2e-6),
// but step 1 runs at weights that differ in the last bits, and a near-tie in a ReLU or
// a max-pool window can flip, which moves a few entries of conv1/conv2's second
// gradient (measured: conv2's update differs by 1.2e-3 of its largest value while its
// gradient's squared norm differs by 2e-6).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { getModel } from '../../src/models/registry.js';
import { initParams } from '../../src/nn/init.js';
import { generate } from '../../src/nn/init.js';
import { SgdTrainer } from '../../src/train/sgd_trainer.js';
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
  weightSeed: number;
  sgd: { lr: number; momentum: number; weightDecay: number; steps: number };
  steps: OracleStep[];
  size: [number, number];
  bin: string;
  tensors: { name: string; shape: number[]; offset: number }[];
}

const verbose = !!process.env['GRAD_VERBOSE'];
const trainers: SgdTrainer[] = [];
after(async () => {
  for (const t of trainers) await t.dispose();
});

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);
}

/** max |a - b| / max |b|, and the same for the updates (a - w0) against (b - w0). */
function tensorErrors(a: Float32Array, b: Float32Array, w0: Float32Array): { weight: number; update: number } {
  let dw = 0;
  let mw = 0;
  let du = 0;
  let mu = 0;
  for (let i = 0; i < b.length; i++) {
    dw = Math.max(dw, Math.abs(a[i]! - b[i]!));
    mw = Math.max(mw, Math.abs(b[i]!));
    du = Math.max(du, Math.abs(a[i]! - w0[i]! - (b[i]! - w0[i]!)));
    mu = Math.max(mu, Math.abs(b[i]! - w0[i]!));
  }
  return { weight: dw / mw, update: du / mu };
}

async function runCase(path: string, c: OracleCase) {
  const spec = getModel(c.model);
  const m = spec.build({ batch: c.batch, isTraining: true, dropoutKeepProb: 1, numClasses: c.classes, inputSize: c.size });
  const w0 = initParams(m.graph.params.map((p) => ({ name: p.name, shape: p.shape, init: p.param!.init })), c.weightSeed);
  const t = await SgdTrainer.create(m, w0, { momentum: c.sgd.momentum, weightDecay: c.sgd.weightDecay, trainable: c.trainable, session: { threads: 2 } });
  trainers.push(t);
  assert.deepEqual(t.params.map((p) => p.name), c.trainable, 'trainable parameters, in the oracle order');

  const shape = m.input.shape as number[];
  for (const s of c.steps) assert.equal(s.labels.length, shape[0]);
  for (const [k, s] of c.steps.entries()) {
    const images: Tensor<'float32'> = { dtype: 'float32', shape, data: generate({ kind: 'uniform', low: -1, high: 1 }, numel(shape), 100 + k, 'images') };
    assert.ok(rel(images.data.reduce((a, v) => a + v, 0), s.imageSum) < 1e-9, 'the seeded images are the oracle\'s');
    const r = await t.step(images, s.labels, c.sgd.lr);
    assert.ok(r.finite);
    if (verbose) console.log(`${c.name} step ${k}: loss ${r.loss} vs ${s.loss}, xent ${r.xent} vs ${s.xent}, |g| ${r.gradNorm} vs ${s.gradNorm}`);
    assert.ok(rel(r.xent, s.xent) < 1e-6, `step ${k}: xent ${r.xent} vs PyTorch ${s.xent}`);
    assert.ok(rel(r.loss, s.loss) < 1e-6, `step ${k}: loss ${r.loss} vs PyTorch ${s.loss}`);
    assert.equal(r.correct, s.correct);
    assert.ok(rel(r.gradNorm, s.gradNorm) < 1e-5, `step ${k}: gradient norm ${r.gradNorm} vs PyTorch ${s.gradNorm}`);
    if (verbose) console.log(`  |grad|^2 relative errors: ${t.params.map((p, i) => `${p.name.split('/').slice(1).join('/')} ${rel(r.paramGradSq[i]!, s.paramGradSq[p.name]!).toExponential(1)}`).join(', ')}`);
    t.params.forEach((p, i) => {
      assert.ok(rel(r.paramGradSq[i]!, s.paramGradSq[p.name]!) < 5e-5, `step ${k}: |grad ${p.name}|^2 ${r.paramGradSq[i]} vs PyTorch ${s.paramGradSq[p.name]}`);
      assert.ok(rel(r.paramWeightSq[i]!, s.paramWeightSq[p.name]!) < 1e-6, `step ${k}: |${p.name}|^2 ${r.paramWeightSq[i]} vs PyTorch ${s.paramWeightSq[p.name]}`);
    });
    t.commit();
  }

  const buf = readFileSync(join(dirname(path), c.bin));
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const now = t.weights();
  const errors: Record<string, { weight: string; update: string }> = {};
  for (const e of c.tensors) {
    const ref = all.subarray(e.offset, e.offset + numel(e.shape));
    const ours = now.get(e.name)!;
    assert.deepEqual(ours.shape, e.shape, e.name);
    const err = tensorErrors(ours.data, ref, w0.get(e.name)!.data as Float32Array);
    errors[e.name] = { weight: err.weight.toExponential(2), update: err.update.toExponential(2) };
    assert.ok(err.weight <= 1e-4, `${e.name}: new weights differ from PyTorch's by ${err.weight} of their largest value`);
    assert.ok(err.update <= 3e-3, `${e.name}: the update differs from PyTorch's by ${err.update} of its largest value`);
  }
  if (verbose) console.table(errors);
  return { t, m, w0, now };
}

function oracleCase(path: string, name: string): OracleCase {
  const c = (JSON.parse(readFileSync(path, 'utf8')) as { cases: OracleCase[] }).cases.find((x) => x.name === name);
  if (!c) throw new Error(`${path} has no case ${name}; run npm test to regenerate it`);
  return c;
}

describe('training step vs PyTorch autograd + torch.optim.SGD (tools/gen_grad_oracle.py)', () => {
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
});
