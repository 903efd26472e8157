// Batch normalisation in training mode against PyTorch (tools/gen_bn.py, float64): the
// builder's forward, running statistics and gradients for nn.BatchNorm2d on its own, and
// a whole conv-bn-relu-pool-conv-bn-relu-dense model's loss, gradients and running
// statistics, with every layer trained and with conv1 and bn1 frozen (bn1 in inference
// mode, its statistics unchanged, no gradient nodes for anything before conv2).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import * as b from '../../src/graph/build.js';
import { Graph } from '../../src/graph/graph.js';
import { toOnnx } from '../../src/graph/onnx_writer.js';
import { gradients } from '../../src/grad/index.js';
import { Net } from '../../src/nn/net.js';
import { batchNorm } from '../../src/nn/norm.js';
import { Session } from '../../src/runtime/session.js';
import type { Tensor } from '../../src/tensor.js';
import { buildTrainGraph, gradName, runningName } from '../../src/train/train_graph.js';
import { generated, maxAbs, maxAbsDiff } from '../helpers.js';
import { bnModel } from '../nn/bn_model.js';

type Flat = number[];
interface ModelCase { weights: Record<string, Flat>; x: Flat; labels: number[]; loss: number; grads: Record<string, Flat>; running: Record<string, Flat> }
interface Oracle {
  layer: Record<'x' | 'r' | 'weight' | 'bias' | 'running_mean' | 'running_var' | 'y' | 'dx' | 'dweight' | 'dbias' | 'next_running_mean' | 'next_running_var', Flat>;
  model: ModelCase;
  frozen: ModelCase;
}

const f32 = (shape: number[], data: Flat): Tensor => ({ dtype: 'float32', shape, data: Float32Array.from(data) });

function close(got: ArrayLike<number>, want: Flat, rel: number, what: string) {
  const err = maxAbsDiff(got, want);
  assert.ok(err <= rel * Math.max(maxAbs(want), 1e-3), `${what}: max |diff| ${err.toExponential(2)}, largest value ${maxAbs(want).toExponential(2)}`);
}

function oracle(t: Parameters<typeof generated>[0]): Oracle | null {
  const path = generated(t, 'bn/bn_oracle.json');
  return path ? (JSON.parse(readFileSync(path, 'utf8')) as Oracle) : null;
}

/** The model case through the training graph (update in the graph, lr 0): xent, gradients, running statistics. */
async function runModel(c: ModelCase, frozen: boolean) {
  const m = bnModel({ batch: 4, training: true, ...(frozen ? { frozen: new Set(['conv1', 'bn1']) } : {}) });
  const weights = new Map(m.graph.params.map((p) => [p.name, f32(p.shape as number[], c.weights[p.name]!)]));
  const trainable = frozen ? m.graph.params.filter((p) => !['conv1', 'bn1'].includes(p.param!.layer)).map((p) => p.name) : undefined;
  const tg = buildTrainGraph(m, weights, { momentum: 0, weightDecay: 0, gradientOutputs: true, ...(trainable ? { trainable } : {}) });
  const s = await Session.create(tg.model);
  const feeds: Record<string, Tensor> = {
    input: f32([4, 3, 8, 8], c.x),
    labels: { dtype: 'int64', shape: [4], data: BigInt64Array.from(c.labels.map(BigInt)) },
    lr: f32([], [0]),
  };
  for (const p of [...tg.params, ...tg.state]) feeds[p.name] = weights.get(p.name)!;
  if (tg.momentum > 0) throw new Error('momentum 0 expected');
  const out = await s.run(feeds);
  await s.dispose();
  return { tg, out, m };
}

describe('batch norm in training mode against PyTorch', () => {
  test('nn.BatchNorm2d(3) in train mode: y, dx, dweight, dbias, running mean and (unbiased) variance', async (t) => {
    const o = oracle(t);
    if (!o) return;
    const L = o.layer;
    const g = new Graph('bn_layer');
    const net = new Net(g, { lowerToGemm: true });
    const x = g.input('x', { dtype: 'float32', shape: [4, 3, 5, 5] });
    const y = batchNorm(net, net.feature(x, 'NCHW'), {
      scope: 'bn', eps: 1e-5, momentum: 0.9, scale: true, center: true, training: true, unbiasedRunningVar: true,
      names: { gamma: 'bn.weight', beta: 'bn.bias', mean: 'bn.running_mean', variance: 'bn.running_var' },
    }).value;
    const loss = b.reduce('ReduceSum', b.mul(y, g.constant(f32([4, 3, 5, 5], L.r) as Tensor<'float32'>, 'r')), [0, 1, 2, 3], false, 'loss');
    const [gamma, beta] = [g.paramByName('bn.weight'), g.paramByName('bn.bias')];
    const d = gradients(g, loss, [x, gamma, beta]);
    g.output(y, 'y');
    g.output(d.get(x)!, 'dx');
    g.output(d.get(gamma)!, 'dweight');
    g.output(d.get(beta)!, 'dbias');
    for (const u of net.stateUpdates) g.output(u.next, `next/${u.param.name}`);
    const s = await Session.create(toOnnx(g));
    const out = await s.run({ x: f32([4, 3, 5, 5], L.x), 'bn.weight': f32([3], L.weight), 'bn.bias': f32([3], L.bias), 'bn.running_mean': f32([3], L.running_mean), 'bn.running_var': f32([3], L.running_var) });
    await s.dispose();
    close(out['y']!.data as Float32Array, L.y, 1e-5, 'y');
    close(out['dx']!.data as Float32Array, L.dx, 1e-5, 'dx');
    close(out['dweight']!.data as Float32Array, L.dweight, 1e-5, 'dweight');
    close(out['dbias']!.data as Float32Array, L.dbias, 1e-5, 'dbias');
    close(out['next/bn.running_mean']!.data as Float32Array, L.next_running_mean, 1e-6, 'running_mean');
    close(out['next/bn.running_var']!.data as Float32Array, L.next_running_var, 1e-6, 'running_var');
  });

  test('conv-bn-relu-pool-conv-bn-relu-dense, every layer trained: loss, every gradient, running statistics', async (t) => {
    const o = oracle(t);
    if (!o) return;
    const { tg, out } = await runModel(o.model, false);
    assert.deepEqual(tg.params.map((p) => p.name), Object.keys(o.model.grads));
    assert.deepEqual(tg.state.map((p) => p.name), ['bn1.running_mean', 'bn1.running_var', 'bn2.running_mean', 'bn2.running_var']);
    assert.ok(Math.abs(Number(out['xent']!.data[0]) - o.model.loss) <= 1e-5 * o.model.loss);
    for (const p of tg.params) close(out[gradName(p.name)]!.data as Float32Array, o.model.grads[p.name]!, 1e-4, `d ${p.name}`);
    for (const p of tg.state) close(out[runningName(p.name)]!.data as Float32Array, o.model.running[p.name]!, 1e-5, p.name);
  });

  test('conv1 and bn1 frozen: bn1 in inference mode and unchanged, no gradient nodes before conv2, the rest as PyTorch', async (t) => {
    const o = oracle(t);
    if (!o) return;
    const { tg, out, m } = await runModel(o.frozen, true);
    assert.deepEqual(tg.params.map((p) => p.name), Object.keys(o.frozen.grads));
    assert.deepEqual(tg.state.map((p) => p.name), ['bn2.running_mean', 'bn2.running_var']);
    assert.deepEqual(tg.frozen, ['conv1.weight', 'bn1.weight', 'bn1.bias', 'bn1.running_mean', 'bn1.running_var']);
    assert.ok(Math.abs(Number(out['xent']!.data[0]) - o.frozen.loss) <= 1e-5 * o.frozen.loss);
    for (const p of tg.params) close(out[gradName(p.name)]!.data as Float32Array, o.frozen.grads[p.name]!, 1e-4, `d ${p.name}`);
    for (const p of tg.state) close(out[runningName(p.name)]!.data as Float32Array, o.frozen.running[p.name]!, 1e-5, p.name);
    // PyTorch's eval-mode bn1 left its statistics as they were
    assert.deepEqual(o.frozen.running['bn1.running_mean'], o.frozen.weights['bn1.running_mean']);
    // the frozen part: an inference-mode BatchNormalization, and no backward nodes for anything before conv2
    const nodes = m.graph.nodes;
    const firstTrained = nodes.findIndex((n) => n.name.startsWith('conv2/'));
    const before = nodes.slice(0, firstTrained);
    assert.ok(before.some((n) => n.op === 'BatchNormalization' && n.inputs[3]!.name === 'bn1.running_mean'));
    const gradNodes = nodes.filter((n) => n.name.startsWith('grad/'));
    assert.ok(gradNodes.length > 20);
    for (const n of before) assert.ok(!gradNodes.some((gn) => gn.name.startsWith(`grad/${n.name}/`)), `gradient nodes for ${n.name}`);
  });
});
