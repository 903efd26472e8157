// Shared by the Keras zoo model tests: parameter counts, and logits against the fixtures
// of tools/gen_keras_inception_oracle.py (keras_applications' own model code run on
// PyTorch, tools/keras_torch.py): the same seeded weights, the test photos as Keras
// prepares them, float64 logits. Acceptance: top-1 identical, softmax probabilities
// within 1e-4.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { modelGraph } from '../../src/models/assemble.js';
import { paramCounts } from '../../src/models/params.js';
import type { BuildOptions, ModelSpec } from '../../src/models/types.js';
import { compileModel } from '../../src/runtime/compile.js';
import type { Tensor } from '../../src/tensor.js';
import { numel } from '../../src/tensor.js';
import { matchWeights, requireAllWeights } from '../../src/weights/mapping.js';
import { readWeights } from '../../src/weights/read.js';
import { buildTrainGraph, gradName, runningName } from '../../src/train/train_graph.js';
import { Session } from '../../src/runtime/session.js';
import { generated, maxAbs, maxAbsDiff } from '../helpers.js';

export interface ParamCounts {
  trainable: number;
  nonTrainable: number;
  total: number;
}

export interface KerasOracle {
  model: string;
  inputShape: number[];
  params: { total: number; nonTrainable: number; trainable: number };
  logits: number[][];
  top1: number[];
  grad?: {
    size: number;
    labels: number[];
    loss: number;
    params: string[];
    runningVar: string[];
    /** PyTorch float32's own max |Δg| / max |g| against its float64 (tools/gen_keras_oracle.py). */
    torchFloat32Error?: Record<string, number>;
  };
}

export function countParams(spec: ModelSpec, o: BuildOptions = {}): ParamCounts {
  const c = paramCounts(spec.build(o));
  return { trainable: c.trainableParams, nonTrainable: c.nonTrainableParams, total: c.totalParams };
}

/** The oracle's JSON, or null (test skipped) when the generator has not run. */
export function kerasOracle(t: TestContext, name: string): KerasOracle | null {
  const p = generated(t, `keras/${name}.json`);
  return p ? (JSON.parse(readFileSync(p, 'utf8')) as KerasOracle) : null;
}

export function kerasInput(name: string, shape: number[]): Tensor<'float32'> {
  const bytes = readFileSync(generated({ skip() {} } as unknown as TestContext, `keras/${name}_input.bin`)!);
  const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
  assert.equal(data.length, numel(shape));
  return { dtype: 'float32', shape, data };
}

export function softmax(row: ArrayLike<number>): number[] {
  const m = Math.max(...Array.from(row));
  const e = Array.from(row, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Our logits on the oracle's input with `weights`, compared with the oracle's. */
export async function checkLogits(spec: ModelSpec, oracle: KerasOracle, weights: ReadonlyMap<string, Tensor>, o: BuildOptions = {}): Promise<{ maxDp: number; maxDlogit: number }> {
  const m = spec.build({ batch: oracle.inputShape[0]!, ...o });
  const s = await compileModel(modelGraph(m), weights);
  try {
    const out = (await s.run({ input: kerasInput(spec.name, oracle.inputShape) }))[m.outputName]!;
    const classes = oracle.logits[0]!.length;
    assert.deepEqual(out.shape, [oracle.inputShape[0], classes]);
    let maxDp = 0;
    let maxDlogit = 0;
    oracle.logits.forEach((ref, i) => {
      const ours = (out.data as Float32Array).subarray(i * classes, (i + 1) * classes);
      const top = ours.indexOf(Math.max(...ours));
      assert.equal(top, oracle.top1[i], `image ${i}: top-1 ${top}, oracle ${oracle.top1[i]}`);
      const [p, q] = [softmax(ours), softmax(ref)];
      p.forEach((v, k) => (maxDp = Math.max(maxDp, Math.abs(v - q[k]!))));
      ours.forEach((v, k) => (maxDlogit = Math.max(maxDlogit, Math.abs(v - ref[k]!))));
    });
    assert.ok(maxDp <= 1e-4, `max |Δp| = ${maxDp.toExponential(3)} > 1e-4 (max |Δlogit| ${maxDlogit.toExponential(3)})`);
    return { maxDp, maxDlogit };
  } finally {
    await s.dispose();
  }
}

/** The oracle's weights under our parameter names (the .safetensors beside the .h5). */
export async function oracleWeights(t: TestContext, name: string): Promise<Map<string, Tensor> | null> {
  const p = generated(t, `keras/${name}.safetensors`);
  return p ? (await readWeights(p)).tensors : null;
}

/**
 * Our cross-entropy gradients of the oracle's parameters at its small input, BatchNorm in
 * training mode, and the running variances after the step, against PyTorch autograd
 * (float64): each gradient's largest difference relative to its largest value, and the
 * L2 norm of the difference relative to the gradient's, within `tol`.
 */
export async function checkGradients(
  t: TestContext,
  spec: ModelSpec,
  oracle: KerasOracle,
  weights: ReadonlyMap<string, Tensor>,
  bounds: { max: number; l2: number } | ((param: string) => { max: number; l2: number }),
  o: BuildOptions = {},
): Promise<void> {
  const g = oracle.grad!;
  const file = generated(t, `keras/${spec.name}_grad.safetensors`);
  if (!file) return;
  const ref = (await readWeights(file)).tensors;
  const input = ref.get('input')!;
  const m = spec.build({ batch: input.shape[0]!, inputSize: [g.size, g.size], isTraining: true, ...o });
  const tg = buildTrainGraph(m, new Map(), { momentum: 0, weightDecay: 0, gradientOutputs: true });
  const s = await Session.create(tg.model);
  try {
    const feeds: Record<string, Tensor> = {
      [tg.imagesInput]: input,
      labels: { dtype: 'int64', shape: [g.labels.length], data: BigInt64Array.from(g.labels.map(BigInt)) },
      lr: { dtype: 'float32', shape: [], data: Float32Array.of(0) },
    };
    for (const p of [...tg.params, ...tg.state]) feeds[p.name] = weights.get(p.name)!;
    // running statistics come out only where the train graph carries them as state
    const running = g.runningVar.filter((n) => tg.state.some((p) => p.name === n));
    if (running.length < g.runningVar.length) t.diagnostic(`the train graph updates no running statistics (state: ${tg.state.length}); not compared`);
    const out = await s.run(feeds, [...g.params.map(gradName), ...running.map(runningName), 'xent']);
    const xent = (out['xent']!.data as Float32Array)[0]!;
    assert.ok(Math.abs(xent - g.loss) <= 1e-4 * Math.abs(g.loss), `loss ${xent} vs ${g.loss}`);
    for (const name of g.params) {
      const tol = typeof bounds === 'function' ? bounds(name) : bounds;
      const [ours, theirs] = [out[gradName(name)]!.data as Float32Array, ref.get(`grad/${name}`)!.data as Float32Array];
      const d = maxAbsDiff(ours, theirs) / maxAbs(theirs);
      const l2 = Math.sqrt(ours.reduce((a, v, i) => a + (v - theirs[i]!) ** 2, 0) / theirs.reduce((a, v) => a + v * v, 0));
      t.diagnostic(`${name}: max |Δg| / max |g| = ${d.toExponential(2)}, ‖Δg‖ / ‖g‖ = ${l2.toExponential(2)}`);
      assert.ok(maxAbs(theirs) > 0, `${name}: the oracle's gradient is 0`);
      assert.ok(d <= tol.max && l2 <= tol.l2, `${name}: max ${d.toExponential(3)} (bound ${tol.max}), L2 ${l2.toExponential(3)} (bound ${tol.l2})`);
    }
    for (const name of running) {
      const [ours, theirs] = [out[runningName(name)]!.data as Float32Array, ref.get(`after/${name}`)!.data as Float32Array];
      assert.ok(maxAbsDiff(ours, theirs) <= 1e-5 * maxAbs(theirs), `${name} after the step`);
    }
  } finally {
    await s.dispose();
  }
}

/**
 * The oracle's .h5 (Keras's layout, mapped by layer and weight order) read by our reader
 * for `spec` built with `o`: every parameter, equal to the .safetensors under our names.
 */
export async function h5Weights(t: TestContext, spec: ModelSpec, file: string, o: BuildOptions = {}): Promise<Map<string, Tensor> | null> {
  const p = generated(t, `keras/${file}`);
  const named = await oracleWeights(t, spec.name);
  if (!p || !named) return null;
  const m = spec.build(o);
  const w = requireAllWeights(m, matchWeights(m, (await readWeights(p)).tensors), p);
  assert.equal(w.size, m.graph.params.length);
  for (const [name, v] of w) assert.deepEqual(v.data, named.get(name)!.data, `${file}: ${name}`);
  return w;
}
