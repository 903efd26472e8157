// The training graph and Trainer on a small model: the update is checked against
// PyTorch's SGD rules computed on the host (float64) from gradients that a separate
// gradients() graph produces for the same weights and batch. Also: frozen parameters,
// refusing a non-finite step, checkpoint and restore. Each suite runs with the update in
// the ONNX graph and with the native update (TrainerOptions.update), the latter with
// the fc weight gradients formed on the host (the default) or by ORT
// (gemmWeightGrad 'graph'); the host update on ORT's gradients gives the graph's weights
// bit for bit, and on its own fc gradients the same weights to rounding.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import * as b from '../../src/graph/build.js';
import { str } from '../../src/graph/types.js';
import { toOnnx } from '../../src/graph/onnx_writer.js';
import { gradients } from '../../src/grad/index.js';
import { Session } from '../../src/runtime/session.js';
import { secondMomentKey } from '../../src/optim/optimizers.js';
import { Trainer, type TrainerOptions } from '../../src/train/trainer.js';
import type { Tensor } from '../../src/tensor.js';
import { TINY_CLASSES, tinyBatch, tinyModel, tinyWeights } from './tiny_model.js';

const N = 6;
const open: { dispose(): Promise<void> }[] = [];
after(async () => {
  for (const o of open) await o.dispose();
});

/** Cross-entropy, logits and raw gradients for given weights and batch, from a plain gradients() graph. */
async function probe(weights: Map<string, Tensor>, images: Tensor, labels: number[]) {
  const m = tinyModel(N);
  const g = m.graph;
  const lab = g.input('labels', { dtype: 'int64', shape: [N] });
  const [xent] = g.add('SoftmaxCrossEntropyLoss', [m.output, lab], { reduction: str('mean') }, { outputs: 2 });
  const grads = gradients(g, xent!, g.params);
  g.output(xent!, 'xent');
  g.output(m.output, 'logits');
  g.params.forEach((p, i) => g.output(b.identity(grads.get(p)!), `g${i}`));
  const s = await Session.create(toOnnx(g, { weights }));
  const out = await s.run({ input: images, labels: { dtype: 'int64', shape: [N], data: BigInt64Array.from(labels.map(BigInt)) } });
  await s.dispose();
  const logits = out['logits']!.data as Float32Array;
  let correct = 0;
  for (let i = 0; i < N; i++) {
    const row = logits.subarray(i * TINY_CLASSES, (i + 1) * TINY_CLASSES);
    if (row.indexOf(Math.max(...row)) === labels[i]) correct++;
  }
  return {
    xent: (out['xent']!.data as Float32Array)[0]!,
    correct,
    grads: new Map(g.params.map((p, i) => [p.name, out[`g${i}`]!.data as Float32Array])),
    regularized: new Map(g.params.map((p) => [p.name, p.param!.regularized])),
  };
}

const sumSq = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return s;
};
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);

/** max |ours - host| over the update, relative to the largest host update. */
function updateErr(ours: Float32Array, host: Float64Array, before: Float32Array): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < host.length; i++) {
    err = Math.max(err, Math.abs(ours[i]! - host[i]!));
    scale = Math.max(scale, Math.abs(host[i]! - before[i]!));
  }
  return err / scale;
}

/** Run `steps` steps with the trainer and with PyTorch's rules on the host; compare everything. */
async function checkAgainstHost(opts: TrainerOptions, lr: number, steps = 2) {
  const w0 = tinyWeights(tinyModel(N));
  const t = await Trainer.create(tinyModel(N), w0, opts);
  open.push(t);
  const wd = opts.weightDecay ?? 0.0005;
  const mu = opts.momentum;
  const adamw = opts.optimizer === 'adamw';
  const [b1, b2] = opts.betas ?? [0.9, 0.999];
  const trainable = new Set(t.params.map((p) => p.name));
  const bufs = new Map<string, Float64Array>();
  const second = new Map<string, Float64Array>();
  for (let k = 0; k < steps; k++) {
    const { images, labels } = tinyBatch(N, k);
    const before = t.weights();
    const ref = await probe(before, images, labels);
    const r = await t.step(images, labels, lr);
    assert.ok(r.finite);
    t.commit();
    const after_ = t.weights();

    // loss: mean cross-entropy + wd/2 * sum(w^2) over every regularised weight
    let l2 = 0;
    for (const [n, w] of before) if (ref.regularized.get(n)) l2 += sumSq(w.data as Float32Array);
    assert.ok(rel(r.xent, ref.xent) < 1e-6, `xent ${r.xent} vs ${ref.xent}`);
    // (AdamW's decay is decoupled, not a loss term: its loss is the cross-entropy)
    const loss = adamw ? ref.xent : ref.xent + (wd / 2) * l2;
    assert.ok(rel(r.loss, loss) < 1e-6, `loss ${r.loss} vs ${loss}`);
    assert.equal(r.correct, ref.correct);
    const gsq = t.params.map((p) => sumSq(ref.grads.get(p.name)!));
    const norm = Math.sqrt(gsq.reduce((a, v) => a + v, 0));
    assert.ok(rel(r.gradNorm, norm) < 1e-5, `grad norm ${r.gradNorm} vs ${norm}`);
    t.params.forEach((p, i) => assert.ok(rel(r.paramGradSq[i]!, gsq[i]!) < 1e-5, `|grad ${p.name}|^2`));
    const clip = opts.clipNorm !== undefined ? Math.min(1, opts.clipNorm / (norm + 1e-6)) : 1;

    t.params.forEach((p, i) => {
      const w = before.get(p.name)!.data as Float32Array;
      const g = ref.grads.get(p.name)!;
      const buf = bufs.get(p.name) ?? new Float64Array(w.length);
      const v = second.get(p.name) ?? new Float64Array(w.length);
      const host = new Float64Array(w.length);
      for (let j = 0; j < w.length; j++) {
        if (adamw) {
          // torch.optim.AdamW: decoupled decay, bias-corrected moments (t = k + 1)
          const d = g[j]! * clip;
          buf[j] = b1 * buf[j]! + (1 - b1) * d;
          v[j] = b2 * v[j]! + (1 - b2) * d * d;
          const denom = Math.sqrt(v[j]!) / Math.sqrt(1 - b2 ** (k + 1)) + 1e-8;
          host[j] = w[j]! * (1 - lr * (p.regularized ? wd : 0)) - ((lr / (1 - b1 ** (k + 1))) * buf[j]!) / denom;
          continue;
        }
        const d = g[j]! * clip + (p.regularized ? wd * w[j]! : 0);
        buf[j] = mu * buf[j]! + d;
        const step = mu === 0 ? d : opts.nesterov ? d + mu * buf[j]! : buf[j]!;
        host[j] = w[j]! - lr * step;
      }
      bufs.set(p.name, buf);
      second.set(p.name, v);
      const ours = after_.get(p.name)!.data as Float32Array;
      const e = updateErr(ours, host, w);
      assert.ok(e < 1e-4, `step ${k}: ${p.name} update differs from the host's by ${e} of its largest value`);
      assert.ok(rel(r.paramWeightSq[i]!, sumSq(host)) < 1e-6, `|${p.name}|^2 after the step`);
      if (mu > 0 || adamw) {
        const m = t.momenta().get(p.name)!.data as Float32Array;
        assert.ok(updateErr(m, buf, new Float32Array(buf.length)) < 1e-5, `momentum of ${p.name}`);
      }
      if (adamw) {
        const m2 = t.momenta().get(secondMomentKey(p.name))!.data as Float32Array;
        assert.ok(updateErr(m2, v, new Float32Array(v.length)) < 1e-5, `second moments of ${p.name}`);
      }
    });
    for (const [n, w] of before) if (!trainable.has(n)) assert.deepEqual(after_.get(n)!.data, w.data, `${n} is frozen`);
  }
  return t;
}

/** The update in the graph; on the host with fc weight gradients formed there (the default); on the host with them from ORT. */
const UPDATES: [string, Pick<TrainerOptions, 'update' | 'gemmWeightGrad'>][] = [
  ['in the graph', { update: 'graph' }],
  ['on the host', { update: 'host' }],
  ['on the host, Gemm weight gradients from ORT', { update: 'host', gemmWeightGrad: 'graph' }],
];

for (const [label, u] of UPDATES) describe(`training graph: SGD as torch.optim.SGD defines it (update ${label})`, () => {
  const update = u.update;
  test('momentum 0.9, weight decay on weights only, two steps', async () => {
    const t = await checkAgainstHost({ momentum: 0.9, weightDecay: 0.01, ...u }, 0.3);
    assert.equal(t.update, update);
    assert.equal(t.params.length, 8);
    assert.deepEqual(t.params.filter((p) => p.regularized).map((p) => p.name), ['tiny/conv1/weights', 'tiny/conv2/weights', 'tiny/fc3/weights', 'tiny/fc4/weights']);
    // the graph update takes the momenta as inputs; the host update keeps them outside ORT
    assert.equal(t.inputNames.includes('momentum/tiny/fc4/weights'), update === 'graph');
    assert.equal(t.inputNames.includes('lr'), update === 'graph');
    // on the host, the fc layers' weight gradients come as their two factors unless asked otherwise
    const outer = update === 'host' && u.gemmWeightGrad !== 'graph' ? ['tiny/fc3/weights', 'tiny/fc4/weights'] : [];
    assert.deepEqual(t.params.filter((_, i) => t.graph.gradOutputs[i]?.kind === 'outer').map((p) => p.name), outer);
    assert.equal(t.graph.gradOutputs.length, update === 'host' ? 8 : 0);
    const dB = t.graph.graph.nodes.filter((n) => /^grad\/tiny\/fc\d\/Gemm\/dB$/.test(n.name)).map((n) => n.name);
    assert.deepEqual(dB, outer.length ? [] : ['grad/tiny/fc4/Gemm/dB', 'grad/tiny/fc3/Gemm/dB']);
    if (outer.length) assert.deepEqual(t.graph.gradOutputs[6], { kind: 'outer', a: 'tiny/fc4/rows', b: 'grad/tiny/fc4/BiasAdd/dX', n: N, rows: 8, cols: TINY_CLASSES });
  });

  test('nesterov', async () => {
    await checkAgainstHost({ momentum: 0.9, nesterov: true, weightDecay: 0.01, ...u }, 0.3);
  });

  test('clipping by global norm (active), before decay and momentum', async () => {
    await checkAgainstHost({ momentum: 0.9, weightDecay: 0.01, clipNorm: 0.05, ...u }, 0.3);
  });

  test('plain SGD (momentum 0): no momentum buffers at all', async () => {
    const t = await checkAgainstHost({ momentum: 0, weightDecay: 0.01, ...u }, 0.3);
    assert.ok(!t.inputNames.some((n) => n.startsWith('momentum/')));
    assert.equal(t.momenta().size, 0);
  });

  test('AdamW (torch.optim.AdamW): decoupled decay on weights only, bias correction, three steps', async () => {
    const t = await checkAgainstHost({ optimizer: 'adamw', momentum: 0, weightDecay: 0.05, ...u }, 0.01, 3);
    assert.equal(t.graph.optimizer, 'adamw');
    assert.equal(t.inputNames.includes('exp_avg_sq/tiny/fc4/weights'), update === 'graph');
    assert.equal(t.inputNames.includes('step_size'), update === 'graph');
    assert.ok(!t.inputNames.includes('lr') && !t.inputNames.some((n) => n.startsWith('momentum/')));
    assert.equal(t.updates, 3);
    assert.equal(t.momenta().size, 16);
  });

  test('AdamW with other betas and clipping', async () => {
    await checkAgainstHost({ optimizer: 'adamw', momentum: 0, betas: [0.8, 0.99], weightDecay: 0.01, clipNorm: 0.05, ...u }, 0.02, 2);
  });

  test('frozen conv layers: no gradient nodes for them, unchanged, fc layers updated as before', async () => {
    const t = await checkAgainstHost({ momentum: 0.9, weightDecay: 0.01, trainable: ['tiny/fc3/weights', 'tiny/fc3/biases', 'tiny/fc4/weights', 'tiny/fc4/biases'], ...u }, 0.3);
    assert.deepEqual(t.graph.frozen, ['tiny/conv1/weights', 'tiny/conv1/biases', 'tiny/conv2/weights', 'tiny/conv2/biases']);
    const grad = t.graph.graph.nodes.filter((n) => n.name.startsWith('grad/'));
    assert.ok(grad.length > 0);
    assert.ok(!grad.some((n) => /^grad\/tiny\/(conv|lrn|pool)/.test(n.name)), grad.map((n) => n.name).join(', '));
    assert.ok(!grad.some((n) => ['Conv', 'ConvTranspose', 'ScatterElements', 'AveragePool'].includes(n.op)));
  });

  test('the dW formulation is chosen per conv and can be overridden by layer', async () => {
    const m = tinyModel(N);
    const t = await Trainer.create(m, tinyWeights(m), { momentum: 0.9, convWeightGrad: { 'tiny/conv2': 'reference' }, smallConvGemm: 0 });
    open.push(t);
    assert.deepEqual(t.graph.convWeightGrad, { 'tiny/conv2/Conv2D': 'reference', 'tiny/conv1/Conv2D': 'batchconv' });
    assert.deepEqual(t.graph.convAsGemm, []);
    // by default conv1 (8x8 output) is one Gemm over the batch; conv2 is grouped and stays a Conv
    const m2 = tinyModel(N);
    const t2 = await Trainer.create(m2, tinyWeights(m2), { momentum: 0.9 });
    open.push(t2);
    assert.deepEqual(t2.graph.convAsGemm, ['tiny/conv1/Conv2D']);
    assert.deepEqual(t2.graph.convWeightGrad, { 'tiny/conv2/Conv2D': 'im2col' });
  });
});

describe('the update in the graph and on the host give the same weights', () => {
  const cases: [string, TrainerOptions][] = [
    ['momentum, weight decay', { momentum: 0.9, weightDecay: 0.01 }],
    ['nesterov, clipping, frozen convs', { momentum: 0.9, nesterov: true, weightDecay: 0.01, clipNorm: 0.05, trainable: ['tiny/fc3/weights', 'tiny/fc3/biases', 'tiny/fc4/weights', 'tiny/fc4/biases'] }],
    ['plain SGD', { momentum: 0, weightDecay: 0.01 }],
    ['AdamW', { optimizer: 'adamw', momentum: 0, weightDecay: 0.05 }],
    ['AdamW, clipping, frozen convs', { optimizer: 'adamw', momentum: 0, weightDecay: 0.05, clipNorm: 0.05, trainable: ['tiny/fc3/weights', 'tiny/fc3/biases', 'tiny/fc4/weights', 'tiny/fc4/biases'] }],
  ];
  for (const [what, opts] of cases) {
    test(`${what}: the same weights over three steps (bit for bit with the same gradients and without clipping), loss and norms`, async () => {
      const ms = [tinyModel(N), tinyModel(N), tinyModel(N)];
      const a = await Trainer.create(ms[0]!, tinyWeights(ms[0]!), { ...opts, update: 'graph' });
      // the host update on ORT's weight gradients, and on the fc weight gradients it forms itself
      const h = await Trainer.create(ms[1]!, tinyWeights(ms[1]!), { ...opts, update: 'host', gemmWeightGrad: 'graph' });
      const o = await Trainer.create(ms[2]!, tinyWeights(ms[2]!), { ...opts, update: 'host' });
      open.push(a, h, o);
      for (let k = 0; k < 3; k++) {
        const { images, labels } = tinyBatch(N, k);
        const ra = await a.step(images, labels, 0.3);
        const rh = await h.step(images, labels, 0.3);
        const ro = await o.step(images, labels, 0.3);
        assert.ok(ra.finite && rh.finite && ro.finite);
        for (const t of [a, h, o]) t.commit();
        for (const [r, t] of [[rh, h], [ro, o]] as const) {
          if (opts.clipNorm === undefined) assert.equal(r.xent, ra.xent);
          else assert.ok(rel(r.xent, ra.xent) < 1e-6, `xent ${r.xent} vs ${ra.xent}`);
          // the norms are summed in another order (native rows of 8 lanes, ORT's ReduceSumSquare)
          assert.ok(rel(r.gradNorm, ra.gradNorm) < 1e-6, `grad norm ${r.gradNorm} vs ${ra.gradNorm}`);
          r.paramGradSq.forEach((v, i) => assert.ok(rel(v, ra.paramGradSq[i]!) < 1e-6, `|grad ${a.params[i]!.name}|^2 ${v} vs ${ra.paramGradSq[i]}`));
          assert.ok(rel(r.loss, ra.loss) < 1e-7, `loss ${r.loss} vs ${ra.loss}`);
          r.paramWeightSq.forEach((v, i) => assert.ok(rel(v, ra.paramWeightSq[i]!) < 1e-6, `|${a.params[i]!.name}|^2 ${v} vs ${ra.paramWeightSq[i]}`));
          if (opts.clipNorm === undefined && t === h) {
            assert.deepEqual(h.weights(), a.weights(), `weights after step ${k + 1}`);
            assert.deepEqual(h.momenta(), a.momenta(), `momenta after step ${k + 1}`);
          } else {
            // the clip coefficient comes from the norm, so it may differ in its last bit; a
            // G formed on the host differs from ORT's by the rounding of its sums
            const [wt, wa] = [t.weights(), a.weights()];
            for (const [n, x] of wa) assert.ok(updateErr(wt.get(n)!.data as Float32Array, Float64Array.from(x.data as Float32Array), new Float32Array(x.data.length)) < 1e-6, `${n} after step ${k + 1}`);
          }
        }
      }
    });
  }
});

for (const [label, u] of UPDATES) describe(`Trainer: refusing a step, checkpoints (update ${label})`, () => {
  const update = u.update;
  test('a non-finite step is refused: nothing applied, the first bad parameter named', async () => {
    const m = tinyModel(N);
    const t = await Trainer.create(m, tinyWeights(m), { momentum: 0.9, ...u });
    open.push(t);
    const { images, labels } = tinyBatch(N, 0);
    await t.step(images, labels, 0.1);
    t.commit();
    const w = t.weights();
    const mom = t.momenta();

    // an overflowing learning rate: finite gradients, infinite weights
    const r = await t.step(images, labels, 1e38);
    assert.equal(r.finite, false);
    assert.ok(Number.isFinite(r.gradNorm));
    assert.deepEqual(t.firstNonFinite(r), { param: 'tiny/conv1/weights', layer: 'tiny/conv1', what: 'weight' });
    await assert.rejects(t.step(images, labels, 0.1), /neither committed nor rejected/);
    t.reject();
    assert.deepEqual(t.weights(), w);
    assert.deepEqual(t.momenta(), mom);

    // a NaN in the batch: the gradient is not finite
    const bad = { ...images, data: images.data.slice() };
    bad.data[5] = NaN;
    const r2 = await t.step(bad, labels, 0.1);
    assert.equal(r2.finite, false);
    assert.equal(t.firstNonFinite(r2)!.what, 'gradient');
    t.reject();
    assert.deepEqual(t.weights(), w);

    // and a good step still works afterwards
    const r3 = await t.step(images, labels, 0.1);
    assert.ok(r3.finite);
    t.commit();
    assert.notDeepEqual(t.weights().get('tiny/fc4/weights')!.data, w.get('tiny/fc4/weights')!.data);
  });

  test('checkpoint (weights + momenta) and restore continue bit-exactly', async () => {
    const m1 = tinyModel(N);
    const t1 = await Trainer.create(m1, tinyWeights(m1), { momentum: 0.9, weightDecay: 0.01, ...u });
    open.push(t1);
    for (let k = 0; k < 2; k++) {
      const { images, labels } = tinyBatch(N, k);
      await t1.step(images, labels, 0.2);
      t1.commit();
    }
    const ckW = t1.weights();
    const ckM = t1.momenta();
    const { images, labels } = tinyBatch(N, 2);
    const r1 = await t1.step(images, labels, 0.2);
    t1.commit();

    const m2 = tinyModel(N);
    const t2 = await Trainer.create(m2, tinyWeights(m2, 99), { momentum: 0.9, weightDecay: 0.01, ...u });
    open.push(t2);
    t2.restore(ckW, ckM);
    const r2 = await t2.step(images, labels, 0.2);
    t2.commit();
    assert.equal(r2.loss, r1.loss);
    assert.deepEqual(t2.weights(), t1.weights());
    assert.deepEqual(t2.momenta(), t1.momenta());

    // without momenta the buffers restart at zero, and the step differs
    t2.restore(ckW);
    assert.ok([...t2.momenta().values()].every((v) => v.data.every((x) => x === 0)));
    await t2.step(images, labels, 0.2);
    t2.commit();
    assert.notDeepEqual(t2.weights().get('tiny/fc4/weights')!.data, t1.weights().get('tiny/fc4/weights')!.data);
  });

  test('AdamW: restore with the moments and the number of updates continues bit-exactly; without the count the bias correction differs', async () => {
    const opts: TrainerOptions = { optimizer: 'adamw', momentum: 0, weightDecay: 0.05, ...u };
    const m1 = tinyModel(N);
    const t1 = await Trainer.create(m1, tinyWeights(m1), opts);
    open.push(t1);
    for (let k = 0; k < 2; k++) {
      const { images, labels } = tinyBatch(N, k);
      await t1.step(images, labels, 0.01);
      t1.commit();
    }
    const [ckW, ckM] = [t1.weights(), t1.momenta()];
    const { images, labels } = tinyBatch(N, 2);
    await t1.step(images, labels, 0.01);
    t1.commit();

    const m2 = tinyModel(N);
    const t2 = await Trainer.create(m2, tinyWeights(m2, 99), opts);
    open.push(t2);
    t2.restore(ckW, ckM, 2);
    await t2.step(images, labels, 0.01);
    t2.commit();
    assert.equal(t2.updates, 3);
    assert.deepEqual(t2.weights(), t1.weights());
    assert.deepEqual(t2.momenta(), t1.momenta());

    t2.restore(ckW, ckM);
    assert.equal(t2.updates, 0);
    await t2.step(images, labels, 0.01);
    t2.commit();
    assert.notDeepEqual(t2.weights().get('tiny/fc4/weights')!.data, t1.weights().get('tiny/fc4/weights')!.data);
    assert.throws(() => t2.restore(ckW, ckM, -1), /updates must be a whole number, got -1/);
  });

  test('training-mode dropout runs and updates', async () => {
    const m = tinyModel(N, 0.5);
    const t = await Trainer.create(m, tinyWeights(m), { momentum: 0.9, ...u });
    open.push(t);
    const { images, labels } = tinyBatch(N, 0);
    const before = t.weights();
    const r = await t.step(images, labels, 0.1);
    assert.ok(r.finite && r.gradNorm > 0);
    t.commit();
    assert.notDeepEqual(t.weights().get('tiny/fc3/weights')!.data, before.get('tiny/fc3/weights')!.data);
  });

  test('dropout masks as inputs: all-ones masks give exactly the step without dropout; missing ones are named', async () => {
    const plain = tinyModel(N);
    const masked = tinyModel(N, 0.5, 'input');
    const a = await Trainer.create(plain, tinyWeights(plain), { momentum: 0.9 });
    const bt = await Trainer.create(masked, tinyWeights(masked), { momentum: 0.9 });
    open.push(a, bt);
    assert.deepEqual(bt.graph.extraInputs, [{ name: 'dropout_mask/tiny/dropout3', dtype: 'float32', shape: [N, 1, 1, 8] }]);
    assert.deepEqual(a.graph.extraInputs, []);
    const { images, labels } = tinyBatch(N, 0);
    await assert.rejects(bt.step(images, labels, 0.1), /missing input dropout_mask\/tiny\/dropout3 float32\[6,1,1,8\]/);
    const ones = { dtype: 'float32' as const, shape: [N, 1, 1, 8], data: new Float32Array(N * 8).fill(1) };
    const ra = await a.step(images, labels, 0.1);
    const rb = await bt.step(images, labels, 0.1, { 'dropout_mask/tiny/dropout3': ones });
    a.commit();
    bt.commit();
    assert.equal(rb.loss, ra.loss);
    assert.deepEqual(bt.weights(), a.weights());
    // a mask that drops all of fc3's outputs leaves every parameter without gradient but
    // fc4's biases (fc4's weights multiply the zeroed activations)
    const zeros = { ...ones, data: new Float32Array(N * 8) };
    const r = await bt.step(images, labels, 0.1, { 'dropout_mask/tiny/dropout3': zeros });
    bt.reject();
    bt.params.forEach((p, i) => assert.equal(r.paramGradSq[i] === 0, p.name !== 'tiny/fc4/biases', p.name));
  });

  test('errors name what is wrong', async () => {
    const m = tinyModel(N);
    await assert.rejects(Trainer.create(m, tinyWeights(m), { momentum: 0.9, trainable: ['tiny/fc9/weights'] }), /no parameter tiny\/fc9\/weights; parameters are tiny\/conv1\/weights/);
    const m2 = tinyModel(N);
    const t = await Trainer.create(m2, tinyWeights(m2), { momentum: 0.9 });
    open.push(t);
    const { images, labels } = tinyBatch(N, 0);
    await assert.rejects(t.step({ ...images, shape: [N, 19, 19, 1], data: images.data.subarray(0, N * 361) }, labels, 0.1), /images must be float32\[6,19,19,3\], got float32\[6,19,19,1\]/);
    await assert.rejects(t.step(images, [1, 2], 0.1), /2 labels for a batch of 6/);
    assert.throws(() => t.commit(), /commit without a pending step/);
    const sym = tinyModel('N' as unknown as number);
    await assert.rejects(Trainer.create(sym, tinyWeights(sym), { momentum: 0.9 }), /the input must have a static shape, got \[N,19,19,3\]; build the model with batch: <n>/);
  });
});
