// The layer builders against PyTorch (tools/gen_layers_oracle.py): each case builds a
// small graph with the builders, runs it in ORT on the oracle's inputs and parameters,
// and compares the output and the gradients of L = sum(y * R), from src/grad, with
// torch's forward pass and autograd. This checks each op the zoo adds (Clip, grouped
// Conv, AveragePool with and without count_include_pad and TF's SAME padding, Pad,
// Concat, Add with a scale, GlobalAveragePool) forward and backward.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import * as b from '../../src/graph/build.js';
import { Graph, type Value } from '../../src/graph/graph.js';
import { toOnnx } from '../../src/graph/onnx_writer.js';
import { gradients } from '../../src/grad/index.js';
import * as nn from '../../src/nn/layers.js';
import { type Feature, Net } from '../../src/nn/net.js';
import { Session } from '../../src/runtime/session.js';
import { tensor, type Tensor } from '../../src/tensor.js';
import { generated } from '../helpers.js';
import { relDiff } from '../grad/fd.js';

interface Arr {
  shape: number[];
  data: number[];
}
interface OracleCase {
  inputs: Record<string, Arr>;
  params: Record<string, Arr>;
  R: Arr;
  y: Arr;
  grads: Record<string, Arr>;
}

const p = (name: string): nn.ParamSpec => ({ name, init: { kind: 'constant', value: 0 } });
type Build = (net: Net, xs: Record<string, Feature>) => Feature;

/** The builder side of each oracle case (same names as tools/gen_layers_oracle.py). */
const BUILDS: Record<string, Build> = {
  conv_same_odd: (net, { x }) =>
    nn.conv2d(net, x!, { scope: 'conv', filters: 5, kernel: [4, 2], stride: [2, 1], padding: 'SAME', activation: 'relu6', weightLayout: 'HWIO', weights: p('conv/kernel'), biases: p('conv/bias') }),
  depthwise_hwim_zeropad: (net, { x }) => {
    const z = nn.zeroPad2d(net, x!, [0, 0, 1, 1], 'conv_pad');
    return nn.depthwiseConv2d(net, z, { scope: 'conv_dw', kernel: [3, 3], stride: [2, 2], padding: 'VALID', multiplier: 2, weightLayout: 'HWIM', weights: p('conv_dw/depthwise_kernel'), biases: null, activation: 'relu6' });
  },
  depthwise_oihw_pad1: (net, { x }) =>
    nn.depthwiseConv2d(net, x!, { scope: 'dw', kernel: [3, 3], stride: [2, 2], padding: 1, multiplier: 1, weightLayout: 'OIHW', weights: p('dw.weight'), biases: p('dw.bias'), activation: null }),
  separable_same: (net, { x }) =>
    nn.separableConv2d(net, x!, { scope: 'sep', filters: 5, kernel: [3, 3], stride: [2, 2], padding: 'SAME', depthwise: p('sep/depthwise_kernel'), pointwise: p('sep/pointwise_kernel'), biases: p('sep/bias'), activation: 'relu' }),
  avgpool_same_exclude: (net, { x }) => nn.avgPool2d(net, x!, { scope: 'pool', kernel: [3, 3], stride: [2, 2], padding: 'SAME', countIncludePad: false }),
  avgpool_same_stride1: (net, { x }) => nn.avgPool2d(net, x!, { scope: 'pool', kernel: [3, 3], stride: [1, 1], padding: 'SAME', countIncludePad: false }),
  avgpool_include_pad: (net, { x }) => nn.avgPool2d(net, x!, { scope: 'pool', kernel: [3, 3], stride: [1, 1], padding: 1, countIncludePad: true }),
  avgpool_exclude_pad_ceil: (net, { x }) => nn.avgPool2d(net, x!, { scope: 'pool', kernel: [3, 3], stride: [2, 2], padding: 1, countIncludePad: false, ceil: true }),
  global_avg_pool: (net, { x }) => nn.globalAvgPool(net, x!, 'avg_pool'),
  add_scaled_relu: (net, { a, b: c }) => nn.add(net, [a!, c!], 'block35_1', { scales: [1, 0.17], activation: 'relu' }),
  add_three: (net, { a, b: c, c: d }) => nn.add(net, [a!, c!, d!], 'add'),
  concat: (net, { a, b: c, c: d }) => nn.concat(net, [a!, c!, d!], 'mixed'),
  zero_pad: (net, { x }) => nn.zeroPad2d(net, x!, [1, 2, 3, 0], 'pad'),
  relu6: (net, { x }) => nn.relu6(net, x!, 'relu6'),
};

const f32 = (a: Arr): Tensor => tensor('float32', a.shape, Float32Array.from(a.data));

async function runCase(name: string, c: OracleCase, nhwc: boolean): Promise<{ y: Float32Array; grads: Map<string, Float32Array> }> {
  const g = new Graph(name);
  const net = new Net(g, { lowerToGemm: false });
  const xs: Record<string, Feature> = {};
  const wrt: Value[] = [];
  for (const [k, a] of Object.entries(c.inputs)) {
    const v = g.input(k, { dtype: 'float32', shape: a.shape });
    wrt.push(v);
    // the NHWC variant enters through a Transpose, so the builders see NHWC features
    xs[k] = nhwc ? net.feature(b.transpose(v, [0, 2, 3, 1], `${k}_nhwc`), 'NHWC') : net.feature(v, 'NCHW');
  }
  const out = BUILDS[name]!(net, xs);
  const y = out.value.shape.length === 4 ? net.as(out, 'NCHW') : out.value;
  const r = g.constant(f32(c.R), 'R');
  const loss = b.reduce('ReduceSum', b.mul(y, r), [...y.shape.keys()], false, 'loss');
  const params = [...g.params];
  const grads = gradients(g, loss, [...wrt, ...params]);
  g.output(y, 'y');
  for (const v of [...wrt, ...params]) g.output(grads.get(v)!, `grad_${v.name}`);
  const s = await Session.create(toOnnx(g));
  try {
    const feeds: Record<string, Tensor> = {};
    for (const [k, a] of Object.entries({ ...c.inputs, ...c.params })) feeds[k] = f32(a);
    const res = await s.run(feeds);
    const gm = new Map<string, Float32Array>();
    for (const v of [...wrt, ...params]) gm.set(v.name, res[`grad_${v.name}`]!.data as Float32Array);
    return { y: res['y']!.data as Float32Array, grads: gm };
  } finally {
    await s.dispose();
  }
}

describe('layer builders match PyTorch forward and backward', () => {
  const load = (t: { skip: (m: string) => void }) => {
    const path = generated(t as never, 'layers/layers_oracle.json');
    return path ? (JSON.parse(readFileSync(path, 'utf8')) as { cases: Record<string, OracleCase> }).cases : null;
  };
  test('every oracle case has a builder and every builder a case', (t) => {
    const cases = load(t);
    if (!cases) return;
    assert.deepEqual(Object.keys(BUILDS).sort(), Object.keys(cases).sort());
  });
  for (const name of Object.keys(BUILDS)) {
    for (const nhwc of [false, true]) {
      test(`${name}${nhwc ? ' (NHWC input)' : ''}`, async (t) => {
        const cases = load(t);
        if (!cases) return;
        const c = cases[name]!;
        const { y, grads } = await runCase(name, c, nhwc);
        assert.equal(y.length, c.y.data.length, `${name}: output size`);
        const ey = relDiff(y, c.y.data);
        assert.ok(ey < 1e-5, `${name}: output differs from PyTorch by ${ey.toExponential(2)} (relative)`);
        assert.deepEqual([...grads.keys()].sort(), Object.keys(c.grads).sort());
        for (const [k, gk] of grads) {
          const ref = c.grads[k]!.data;
          assert.ok(ref.some((v) => v !== 0), `${name}: PyTorch's gradient for ${k} is all zeros`);
          const e = relDiff(gk, ref);
          assert.ok(e < 1e-5, `${name}: d/d${k} differs from PyTorch autograd by ${e.toExponential(2)} (relative)`);
        }
      });
    }
  }
});
