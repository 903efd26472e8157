// Shared by the Keras zoo model tests: parameter counts, and logits against the fixtures
// of tools/gen_keras_inception_oracle.py (keras_applications' own model code run on
// PyTorch, tools/keras_torch.py): the same seeded weights, the test photos as Keras
// prepares them, float64 logits. Acceptance: top-1 identical, softmax probabilities
// within 1e-4.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { isTrainable } from '../../src/graph/graph.js';
import { modelGraph } from '../../src/models/assemble.js';
import type { BuildOptions, ModelSpec } from '../../src/models/types.js';
import { compileModel } from '../../src/runtime/compile.js';
import type { Tensor } from '../../src/tensor.js';
import { numel } from '../../src/tensor.js';
import { readWeights } from '../../src/weights/read.js';
import { generated } from '../helpers.js';

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
  grad?: { size: number; labels: number[]; loss: number; params: string[]; runningVar: string[] };
}

export function countParams(spec: ModelSpec, o: BuildOptions = {}): ParamCounts {
  const m = spec.build(o);
  let trainable = 0;
  let nonTrainable = 0;
  for (const p of m.graph.params) {
    const n = numel(p.shape as number[]);
    if (isTrainable(p)) trainable += n;
    else nonTrainable += n;
  }
  return { trainable, nonTrainable, total: trainable + nonTrainable };
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
