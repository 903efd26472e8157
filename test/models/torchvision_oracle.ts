// The checks every torchvision model of the zoo shares, against torchvision itself
// (tools/gen_torchvision_oracle.py): its trainable parameter count, and its logits on the
// test photos (preprocessed by torchvision) from its seeded state dict read by our .pth
// reader: top-1 identical, softmax probabilities within 1e-4, logits within 1e-4 of the
// largest.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createClassifier } from '../../src/classify/classifier.js';
import { modelWeights } from '../../src/hub/convert.js';
import { loadWeights } from '../../src/hub/load.js';
import { modelGraph } from '../../src/models/assemble.js';
import { paramCounts } from '../../src/models/params.js';
import { getModel } from '../../src/models/registry.js';
import { compileModel } from '../../src/runtime/compile.js';
import type { Tensor } from '../../src/tensor.js';
import { GradientProbe } from '../../src/train/grad_probe.js';
import { readWeights } from '../../src/weights/read.js';
import { FIXTURES, generated, maxAbs, maxAbsDiff } from '../helpers.js';

export interface OracleModel {
  weights: string;
  input: string;
  inputShape: number[];
  trainableParams: number;
  /** Elements of the BatchNorm running means and variances. */
  runningStats: number;
  logits: number[][];
}

export function oracleModel(t: Parameters<typeof generated>[0], name: string): { dir: string; o: OracleModel } | null {
  const path = generated(t, 'torchvision/oracle.json');
  if (!path) return null;
  const all = JSON.parse(readFileSync(path, 'utf8')) as { models: Record<string, OracleModel> };
  const o = all.models[name];
  assert.ok(o, `${path} has no ${name}; run tools/gen_torchvision_oracle.py`);
  return { dir: dirname(path), o };
}

function softmax(row: ArrayLike<number>): number[] {
  const m = Math.max(...Array.from(row));
  const e = Array.from(row, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Registers the shared tests for `name`, whose trainable count torchvision gives as `params`. */
export function torchvisionOracleTests(name: string, params: number): void {
  describe(`${name} matches torchvision`, () => {
    const closers: (() => Promise<void>)[] = [];
    after(async () => {
      for (const c of closers) await c();
    });

    test(`${params.toLocaleString('en-US')} trainable parameters, as torchvision counts them`, (t) => {
      const counts = paramCounts(getModel(name).build());
      assert.equal(counts.trainableParams, params);
      const oracle = oracleModel(t, name);
      if (!oracle) return;
      assert.equal(oracle.o.trainableParams, params);
      // the running statistics are the non-trainable parameters; num_batches_tracked is not one
      assert.equal(counts.nonTrainableParams, oracle.o.runningStats);
    });

    test('logits on the test photos from the seeded .pth: top-1, probabilities, logits', async (t) => {
      const oracle = oracleModel(t, name);
      if (!oracle) return;
      const { dir, o } = oracle;
      const loaded = await loadWeights(name, join(dir, o.weights));
      const [n, , h, w] = o.inputShape as [number, number, number, number];
      const m = getModel(name).build({ inputSize: [h, w], numClasses: loaded.config.numClasses });
      const s = await compileModel(modelGraph(m), loaded.weights);
      closers.push(() => s.dispose());
      const buf = readFileSync(join(dir, o.input));
      const x = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
      const y = (await s.run({ input: { dtype: 'float32', shape: o.inputShape, data: x } })).logits!;
      assert.deepEqual(y.shape, [n, 1000]);
      const ours = y.data as Float32Array;
      let dp = 0;
      for (let i = 0; i < n; i++) {
        const row = ours.subarray(i * 1000, (i + 1) * 1000);
        const ref = o.logits[i]!;
        assert.equal(row.indexOf(Math.max(...row)), ref.indexOf(Math.max(...ref)), `image ${i}: top-1`);
        dp = Math.max(dp, maxAbsDiff(softmax(row), softmax(ref)));
      }
      const ref = o.logits.flat();
      const diff = maxAbsDiff(ours, ref);
      if (process.env['ORACLE_VERBOSE']) console.log(`${name}: max |Δlogit| ${diff.toExponential(3)} (max |logit| ${maxAbs(ref).toFixed(2)}), max |Δp| ${dp.toExponential(3)}`);
      assert.ok(dp <= 1e-4, `max |Δp| = ${dp.toExponential(3)}`);
      assert.ok(diff <= 1e-4 * maxAbs(ref), `max |Δlogit| = ${diff.toExponential(3)} > ${(1e-4 * maxAbs(ref)).toExponential(3)}`);
    });
  });
}

interface GradCase {
  weights: string;
  data: string;
  inputShape: number[];
  labels: number[];
  loss: number;
  params: [string, number[]][];
}

/**
 * Registers the gradient check of `name` against torch autograd: one forward and backward
 * in training mode (BatchNorm on the batch's statistics, dropout off) on a small seeded
 * batch. The output layer's gradients (`head`) must agree to `headTol` of their largest
 * value; every gradient together, in L2, to `allTol`. A per-tensor bound below the head
 * would test float32 conditioning rather than the rules: at 48x48 the last blocks
 * normalise 8 values per channel, the train-mode forward differs from torch's by ~5e-5 of
 * the logits, and a ReLU/ReLU6 input that close to a kink (0 or 6) switches sides, which
 * moves single BatchNorm gradients by up to 0.3 of their largest value.
 */
export function torchvisionGradTest(name: string, head: string, headTol: number, allTol: number): void {
  test(`${name}: gradients of a 2x3x48x48 batch in training mode match torch autograd`, async (t) => {
    const path = generated(t, 'torchvision/oracle.json');
    if (!path) return;
    const dir = dirname(path);
    const g = (JSON.parse(readFileSync(path, 'utf8')) as { grads: Record<string, GradCase> }).grads[name]!;
    const loaded = await loadWeights(name, join(dir, g.weights));
    const [n, , h, w] = g.inputShape as [number, number, number, number];
    const m = getModel(name).build({ isTraining: true, batch: n, inputSize: [h, w], numClasses: loaded.config.numClasses, dropoutKeepProb: 1 });
    const probe = await GradientProbe.create(m, new Map(), undefined);
    try {
      const buf = readFileSync(join(dir, g.data));
      const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
      const size = g.inputShape.reduce((a, d) => a * d, 1);
      const images: Tensor = { dtype: 'float32', shape: g.inputShape, data: all.slice(0, size) };
      const grads = await probe.gradients(images, BigInt64Array.from(g.labels.map(BigInt)), loaded.weights, {});
      assert.deepEqual([...grads.keys()].sort(), g.params.map(([p]) => p).sort());
      let offset = size;
      let [diffSq, refSq, headRel] = [0, 0, 0];
      for (const [p, shape] of g.params) {
        const len = shape.reduce((a, d) => a * d, 1);
        const ref = all.subarray(offset, offset + len);
        offset += len;
        const ours = grads.get(p)!;
        for (let i = 0; i < len; i++) {
          diffSq += (ours[i]! - ref[i]!) ** 2;
          refSq += ref[i]! ** 2;
        }
        if (p.startsWith(`${head}.`)) headRel = Math.max(headRel, maxAbsDiff(ours, ref) / maxAbs(ref));
      }
      const allRel = Math.sqrt(diffSq / refSq);
      t.diagnostic(`${head}: max |Δ| / max |g| = ${headRel.toExponential(3)}; all: |Δ| / |g| = ${allRel.toExponential(3)}`);
      assert.ok(headRel <= headTol, `${head}: max |Δgrad| is ${headRel.toExponential(3)} of its largest value, above ${headTol}`);
      assert.ok(allRel <= allTol, `all gradients: |Δ| / |g| = ${allRel.toExponential(3)}, above ${allTol}`);
    } finally {
      await probe.dispose();
    }
  });
}

/**
 * Registers `classify` on the test photos themselves against the oracle: our decoding and
 * torchvision's preprocessing (resize to size * 256 / 224, centre crop), then the model.
 */
export function torchvisionClassifyTest(name: string): void {
  test(`${name}: classify on the photos gives torchvision's probabilities`, async (t) => {
    const path = generated(t, 'torchvision/oracle.json');
    if (!path) return;
    const { images, models } = JSON.parse(readFileSync(path, 'utf8')) as { images: string[]; models: Record<string, OracleModel> };
    const o = models[name]!;
    const clf = await createClassifier({ model: name, weights: join(dirname(path), o.weights), top: 1000, cache: false });
    try {
      const results = await clf.classify(images.map((f) => join(FIXTURES, 'images', f)));
      let dp = 0;
      results.forEach((r, i) => {
        assert.ok('predictions' in r, `${r.file}: ${'error' in r ? r.error : ''}`);
        const ref = softmax(o.logits[i]!);
        assert.equal(r.predictions[0]!.index, ref.indexOf(Math.max(...ref)), `${r.file}: top-1`);
        for (const p of r.predictions) dp = Math.max(dp, Math.abs(p.probability - ref[p.index]!));
      });
      t.diagnostic(`max |Δp| ${dp.toExponential(3)}`);
      assert.ok(dp <= 1e-4, `max |Δp| = ${dp.toExponential(3)}`);
    } finally {
      await clf.dispose();
    }
  });
}

/**
 * Registers the checks on how a state dict's entries load: num_batches_tracked is not a
 * parameter and is left out; a missing running statistic (`dropped`) is an error naming
 * it; parameters no output uses (`optional`, inception's AuxLogits) may be absent.
 */
export function torchvisionStateDictTest(name: string, dropped: string, optional?: string): void {
  test(`${name}: num_batches_tracked is ignored; a state dict without ${dropped} is refused naming it${optional ? `, one without ${optional} loads` : ''}`, async (t) => {
    const oracle = oracleModel(t, name);
    if (!oracle) return;
    const file = join(oracle.dir, oracle.o.weights);
    const raw = (await readWeights(file)).tensors;
    const tracked = [...raw.keys()].filter((k) => k.endsWith('.num_batches_tracked'));
    assert.ok(tracked.length > 0, 'the state dict has num_batches_tracked entries');
    const spec = getModel(name);
    const { weights } = modelWeights(spec, raw, file);
    assert.equal([...weights.keys()].filter((k) => k.endsWith('.num_batches_tracked')).length, 0);
    assert.equal(weights.size, spec.build().graph.params.length);
    const without = (prefix: string) => new Map([...raw].filter(([k]) => !k.startsWith(prefix)));
    assert.throws(() => modelWeights(spec, without(dropped), file), (e: Error) => e.message.includes(`not ${name} weights: missing 1 of`) && e.message.includes(dropped));
    if (!optional) return;
    const partial = modelWeights(spec, without(optional), file).weights;
    assert.ok(partial.size < weights.size && [...partial.keys()].every((k) => !k.startsWith(optional)));
    // what the logits use is all there: the model compiles and runs without them
    const s = await compileModel(modelGraph(spec.build({ batch: 1 })), partial);
    const [, c, h, w] = oracle.o.inputShape as [number, number, number, number];
    const y = (await s.run({ input: { dtype: 'float32', shape: [1, c, h, w], data: new Float32Array(c * h * w) } })).logits!;
    await s.dispose();
    assert.deepEqual(y.shape, [1, 1000]);
  });
}
