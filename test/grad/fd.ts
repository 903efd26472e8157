// Central finite differences against the gradient rules.
//
// A case is a small graph y = f(x1, x2, ...). The scalar under test is
// L = sum(cast64(y) * R) for a fixed random R, so every element of dL/dy is exercised
// and L itself is accumulated in float64 even when f runs in float32. The analytic
// gradients come from gradients() run by ORT; the numeric ones perturb each input
// element by +-eps and run the forward graph again.
import assert from 'node:assert/strict';
import { Graph, type Value } from '../../src/graph/graph.js';
import * as b from '../../src/graph/build.js';
import { toOnnx } from '../../src/graph/onnx_writer.js';
import { gradients } from '../../src/grad/index.js';
import type { GradOptions } from '../../src/grad/index.js';
import { generate } from '../../src/nn/init.js';
import { Session } from '../../src/runtime/session.js';
import { tensor, type Tensor } from '../../src/tensor.js';

export interface FdInput {
  name: string;
  shape: number[];
  dtype?: 'float32' | 'float64' | 'int64';
  /** Default: seeded uniform in [-1, 1]. */
  data?: Float32Array | Float64Array | BigInt64Array;
  /** Differentiate with respect to this input (default true for floats). */
  wrt?: boolean;
}

/** A 2-D conv case: input [N, C, H, W], m filters, attributes as ONNX writes them. */
export interface ConvCase {
  what: string;
  x: [number, number, number, number];
  m: number;
  kernel: [number, number];
  strides: [number, number];
  pads: [number, number, number, number];
  dilations?: [number, number];
  group?: number;
}

export interface FdCase {
  name: string;
  inputs: FdInput[];
  build: (g: Graph, xs: Value[]) => Value;
  eps: number;
  /** Largest allowed |analytic - numeric|, relative to the largest |numeric| of that input. */
  tol: number;
  options?: GradOptions;
}

export interface FdResult {
  analytic: Map<string, Float64Array>;
  numeric: Map<string, Float64Array>;
  /** max |analytic - numeric| / max |numeric|, per input. */
  relErr: Map<string, number>;
  graph: Graph;
}

function inputTensor(inp: FdInput, k: number): Tensor {
  const dtype = inp.dtype ?? 'float64';
  const n = inp.shape.reduce((a, d) => a * d, 1);
  if (inp.data) return tensor(dtype, inp.shape, inp.data as never);
  const u = generate({ kind: 'uniform', low: -1, high: 1 }, n, 7 + k, inp.name);
  if (dtype === 'float32') return tensor('float32', inp.shape, u);
  if (dtype === 'float64') return tensor('float64', inp.shape, Float64Array.from(u));
  throw new Error(`${inp.name}: give the data of ${dtype} inputs`);
}

function lossGraph(c: FdCase): { g: Graph; xs: Value[]; loss: Value } {
  const g = new Graph(c.name);
  const xs = c.inputs.map((inp) => g.input(inp.name, { dtype: inp.dtype ?? 'float64', shape: inp.shape }));
  let y = c.build(g, xs);
  if (y.dtype !== 'float64') y = b.cast(y, 11, 'y64');
  const shape = y.shape as number[];
  const n = shape.reduce((a, d) => a * d, 1);
  const r = g.constant(tensor('float64', shape, Float64Array.from(generate({ kind: 'uniform', low: -1, high: 1 }, n, 3, 'R'))), 'R');
  const loss = b.reduce('ReduceSum', b.mul(y, r), [...shape.keys()], false, 'loss');
  return { g, xs, loss };
}

const pick = (s: Session, feeds: Record<string, Tensor>) => Object.fromEntries(s.inputNames.map((n) => [n, feeds[n]!]));
const wrtOf = (c: FdCase) => c.inputs.flatMap((inp, k) => ((inp.wrt ?? (inp.dtype ?? 'float64') !== 'int64') ? [k] : []));
const feedsOf = (c: FdCase) => Object.fromEntries(c.inputs.map((inp, k) => [inp.name, inputTensor(inp, k)]));

/** The analytic gradients only, by input name (to compare formulations). */
export async function analyticGrad(c: FdCase): Promise<{ grads: Map<string, Float64Array>; graph: Graph }> {
  const bwd = lossGraph(c);
  const wrtIdx = wrtOf(c);
  const grads = gradients(bwd.g, bwd.loss, wrtIdx.map((k) => bwd.xs[k]!), c.options ?? {});
  wrtIdx.forEach((k) => bwd.g.output(grads.get(bwd.xs[k]!)!, `grad_${c.inputs[k]!.name}`));
  const bs = await Session.create(toOnnx(bwd.g));
  try {
    const out = await bs.run(pick(bs, feedsOf(c)));
    const res = new Map<string, Float64Array>();
    for (const k of wrtIdx) res.set(c.inputs[k]!.name, Float64Array.from(out[`grad_${c.inputs[k]!.name}`]!.data as Float32Array));
    return { grads: res, graph: bwd.g };
  } finally {
    await bs.dispose();
  }
}

export async function checkGrad(c: FdCase): Promise<FdResult> {
  const feeds = feedsOf(c);
  const wrtIdx = wrtOf(c);
  const { grads: analytic, graph } = await analyticGrad(c);
  const fwd = lossGraph(c);
  fwd.g.output(fwd.loss, 'loss');
  const fs = await Session.create(toOnnx(fwd.g));
  try {
    const numeric = new Map<string, Float64Array>();
    const relErr = new Map<string, number>();
    const lossAt = async () => Number((await fs.run(pick(fs, feeds)))['loss']!.data[0]);
    for (const k of wrtIdx) {
      const name = c.inputs[k]!.name;
      const data = feeds[name]!.data as Float32Array | Float64Array;
      const num = new Float64Array(data.length);
      for (let i = 0; i < data.length; i++) {
        const x0 = data[i]!;
        data[i] = x0 + c.eps;
        const up = data[i]! - x0; // the step actually taken, after rounding to the dtype
        const fp = await lossAt();
        data[i] = x0 - c.eps;
        const down = x0 - data[i]!;
        const fm = await lossAt();
        data[i] = x0;
        num[i] = (fp - fm) / (up + down);
      }
      numeric.set(name, num);
      const a = analytic.get(name)!;
      let err = 0;
      let scale = 0;
      for (let i = 0; i < num.length; i++) {
        err = Math.max(err, Math.abs(a[i]! - num[i]!));
        scale = Math.max(scale, Math.abs(num[i]!));
      }
      relErr.set(name, err / (scale || 1));
    }
    return { analytic, numeric, relErr, graph };
  } finally {
    await fs.dispose();
  }
}

/** Run a case and assert every input's gradient is within the case's tolerance. */
export async function assertGrad(c: FdCase): Promise<FdResult> {
  const r = await checkGrad(c);
  if (process.env['GRAD_VERBOSE']) console.log(c.name, Object.fromEntries([...r.relErr].map(([k, v]) => [k, v.toExponential(2)])));
  for (const [name, e] of r.relErr) {
    const a = r.analytic.get(name)!;
    assert.ok(a.some((v) => v !== 0), `${c.name}: the gradient for ${name} is all zeros`);
    assert.ok(e <= c.tol, `${c.name}: d/d${name} differs from finite differences by ${e.toExponential(2)} (relative), tolerance ${c.tol}`);
  }
  return r;
}

/** Largest |a - b| relative to the largest |b|. */
export function relDiff(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  assert.equal(a.length, ref.length);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - ref[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  return err / (scale || 1);
}
