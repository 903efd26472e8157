// Checks shared by the Keras model tests against tools/gen_keras_oracle.py's fixtures
// (keras_applications' own code on tools/keras_torch.py, PyTorch): parameter counts as
// Keras's model.summary() gives them, logits on the test photos as Keras prepares them,
// and loss gradients with BatchNorm in training mode.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import * as b from '../../src/graph/build.js';
import { isTrainable, type Value } from '../../src/graph/graph.js';
import { str } from '../../src/graph/types.js';
import { gradients } from '../../src/grad/index.js';
import type { BuiltModel, ModelSpec } from '../../src/models/types.js';
import { compileModel } from '../../src/runtime/compile.js';
import { numel, type Tensor } from '../../src/tensor.js';
import { readSafetensors } from '../../src/weights/safetensors.js';
import { generated } from '../helpers.js';

export interface KerasOracle {
  model: string;
  inputShape: number[];
  params: { total: number; trainable: number; nonTrainable: number };
  logits: number[][];
  top1: number[];
  grad?: { size: number; labels: number[]; loss: number; params: string[]; torchFloat32Error: Record<string, number> };
}

export function paramCounts(m: BuiltModel): { trainable: number; nonTrainable: number; total: number } {
  let trainable = 0, nonTrainable = 0;
  for (const p of m.graph.params) {
    const n = numel(p.shape as number[]);
    if (isTrainable(p)) trainable += n;
    else nonTrainable += n;
  }
  return { trainable, nonTrainable, total: trainable + nonTrainable };
}

/** The fixture's json, weights (our names) and input, or null (skipped) when not generated. */
export function loadOracle(t: TestContext, name: string): { oracle: KerasOracle; weights: Map<string, Tensor>; input: Float32Array; dir: string } | null {
  const json = generated(t, `keras/${name}.json`);
  if (!json) return null;
  const dir = json.replace(/[^/]*$/, '');
  const oracle = JSON.parse(readFileSync(json, 'utf8')) as KerasOracle;
  const weights = readSafetensors(readFileSync(`${dir}${name}.safetensors`)).tensors;
  const raw = readFileSync(`${dir}${name}_input.bin`);
  const input = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  return { oracle, weights, input, dir };
}

export function softmaxRows(logits: ArrayLike<number>, classes: number): Float64Array {
  const p = new Float64Array(logits.length);
  for (let r = 0; r < logits.length / classes; r++) {
    let max = -Infinity, sum = 0;
    for (let j = 0; j < classes; j++) max = Math.max(max, logits[r * classes + j]!);
    for (let j = 0; j < classes; j++) sum += p[r * classes + j] = Math.exp(logits[r * classes + j]! - max);
    for (let j = 0; j < classes; j++) p[r * classes + j]! /= sum;
  }
  return p;
}

/** Our logits for the oracle's input with the given weights: top-1 identical, max |Δp| ≤ 1e-4. */
export async function checkLogits(spec: ModelSpec, weights: ReadonlyMap<string, Tensor>, input: Float32Array, oracle: KerasOracle): Promise<{ maxDp: number; maxDlogit: number }> {
  const m = spec.build();
  const s = await compileModel({ graph: m.graph, outputs: m.outputs }, weights);
  try {
    const out = (await s.run({ input: { dtype: 'float32', shape: oracle.inputShape, data: input } }))[m.outputName]!;
    const classes = oracle.logits[0]!.length;
    assert.deepEqual(out.shape, [oracle.logits.length, classes]);
    const ours = out.data as Float32Array;
    const ref = oracle.logits.flat();
    const [p, q] = [softmaxRows(ours, classes), softmaxRows(ref, classes)];
    let maxDp = 0, maxDlogit = 0;
    for (let i = 0; i < p.length; i++) {
      maxDp = Math.max(maxDp, Math.abs(p[i]! - q[i]!));
      maxDlogit = Math.max(maxDlogit, Math.abs(ours[i]! - ref[i]!));
    }
    const top1 = oracle.logits.map((_, r) => {
      let best = 0;
      for (let j = 1; j < classes; j++) if (ours[r * classes + j]! > ours[r * classes + best]!) best = j;
      return best;
    });
    assert.deepEqual(top1, oracle.top1, 'top-1 classes');
    assert.ok(maxDp <= 1e-4, `${spec.name}: max |Δp| = ${maxDp.toExponential(3)} > 1e-4 (max |Δlogit| ${maxDlogit.toExponential(3)})`);
    return { maxDp, maxDlogit };
  } finally {
    await s.dispose();
  }
}

/**
 * Loss gradients at the oracle's small input with BatchNorm on batch statistics (dropout
 * off): mean cross-entropy, then gradients() of the listed parameters, against PyTorch's
 * float64 autograd. Each parameter's max |Δ| relative to its largest gradient must be
 * within 2e-3, or within 3x PyTorch's own float32 error where that is larger (a training-
 * mode BatchNorm over few samples makes some gradients ill-conditioned: float32 PyTorch
 * differs from float64 by up to a few percent there; the fixture records by how much).
 */
export async function checkGradients(spec: ModelSpec, weights: ReadonlyMap<string, Tensor>, dir: string, oracle: KerasOracle): Promise<Record<string, number>> {
  const o = oracle.grad!;
  const fixture = readSafetensors(readFileSync(`${dir}${spec.name}_grad.safetensors`)).tensors;
  const m = spec.build({ inputSize: [o.size, o.size], isTraining: true, dropoutKeepProb: 1, batch: o.labels.length });
  const g = m.graph;
  const labels = g.input('labels', { dtype: 'int64', shape: [o.labels.length] });
  const [loss] = g.add('SoftmaxCrossEntropyLoss', [m.output, labels], { reduction: str('mean') }, { outputs: 1, name: 'loss' });
  const params = o.params.map((n) => g.params.find((p) => p.name === n) ?? assert.fail(`no parameter ${n}`));
  const grads = gradients(g, loss!, params);
  const outputs: Record<string, Value> = { loss: loss! };
  params.forEach((p) => (outputs[`grad/${p.name}`] = b.identity(grads.get(p)!, `check/${p.name}`)));
  const s = await compileModel({ graph: g, outputs }, weights);
  try {
    const x = fixture.get('input')!;
    const out = await s.run({ input: x, labels: { dtype: 'int64', shape: [o.labels.length], data: BigInt64Array.from(o.labels.map(BigInt)) } });
    const lossOurs = (out['loss']!.data as Float32Array)[0]!;
    assert.ok(Math.abs(lossOurs - o.loss) <= 1e-4 * Math.abs(o.loss), `loss ${lossOurs} vs PyTorch ${o.loss}`);
    const errors: Record<string, number> = {};
    for (const p of params) {
      const ours = out[`grad/${p.name}`]!.data as Float32Array;
      const ref = fixture.get(`grad/${p.name}`)!.data as Float32Array;
      assert.equal(ours.length, ref.length, p.name);
      let d = 0, mx = 0;
      for (let i = 0; i < ref.length; i++) {
        d = Math.max(d, Math.abs(ours[i]! - ref[i]!));
        mx = Math.max(mx, Math.abs(ref[i]!));
      }
      errors[p.name] = d / mx;
      const bound = Math.max(2e-3, 3 * o.torchFloat32Error[p.name]!);
      assert.ok(d / mx <= bound, `${p.name}: max |Δ| / max |g| = ${(d / mx).toExponential(2)} > ${bound.toExponential(2)}`);
    }
    return errors;
  } finally {
    await s.dispose();
  }
}
