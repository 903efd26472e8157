// The layer table rows the builders record (parameters, MACs, receptive field, output
// shape NHWC batch 1), the parameters they declare (names, shapes, order) and their
// errors. Numbers are worked out by hand from the layer definitions; Keras's
// count_params gives the same parameter counts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Graph } from '../../src/graph/graph.js';
import * as nn from '../../src/nn/layers.js';
import { type Feature, Net } from '../../src/nn/net.js';

const p = (name: string): nn.ParamSpec => ({ name, init: { kind: 'constant', value: 0 } });

function start(shape: [number, number, number, number], layout: 'NHWC' | 'NCHW' = 'NHWC'): { net: Net; x: Feature } {
  const g = new Graph('t');
  const net = new Net(g, { lowerToGemm: true });
  const [n, h, w, c] = shape;
  const x = g.input('input', { dtype: 'float32', shape: layout === 'NHWC' ? [n, h, w, c] : [n, c, h, w] });
  return { net, x: net.feature(x, layout) };
}

const row = (net: Net, name: string) => {
  const r = net.layers.find((l) => l.name === name);
  assert.ok(r, `no row ${name} in [${net.layers.map((l) => l.name).join(', ')}]`);
  return r;
};

describe('convolution builders', () => {
  test('TF SAME on odd sizes pads the extra pixel at the bottom and right', () => {
    assert.deepEqual(nn.resolvePads('SAME', [3, 3], [2, 2], [8, 8]), [0, 0, 1, 1]);
    assert.deepEqual(nn.resolvePads('SAME', [4, 2], [2, 1], [7, 9]), [1, 0, 2, 1]);
    assert.deepEqual(nn.resolvePads('SAME', [3, 3], [1, 1], [7, 7]), [1, 1, 1, 1]);
    assert.deepEqual(nn.resolvePads('SAME', [1, 1], [2, 2], [7, 7]), [0, 0, 0, 0]);
  });

  test('conv2d with relu6 ends in Clip(0, 6)', () => {
    const { net, x } = start([1, 7, 7, 3]);
    const y = nn.conv2d(net, x, { scope: 'Conv1', filters: 8, kernel: [3, 3], stride: [2, 2], padding: 'SAME', activation: 'relu6', weightLayout: 'HWIO', weights: p('Conv1/kernel'), biases: null });
    assert.equal(y.value.producer?.op, 'Clip');
    assert.deepEqual(row(net, 'Conv1'), {
      name: 'Conv1', op: 'Conv', kernel: '3x3', stride: '2', padding: 'SAME', outputShape: [1, 4, 4, 8],
      params: 216, macs: 4 * 4 * 8 * 27, receptiveField: '3x3',
    });
  });

  test('depthwiseConv2d: Keras HWIM kernel, group = channels, multiplier', () => {
    const { net, x } = start([1, 9, 9, 4]);
    const h = nn.conv2d(net, x, { scope: 'c', filters: 4, kernel: [3, 3], stride: [2, 2], padding: 'SAME', activation: null, weightLayout: 'HWIO', weights: p('c/kernel'), biases: null });
    const fans: number[][] = [];
    const y = nn.depthwiseConv2d(net, h, {
      scope: 'conv_dw_1', kernel: [3, 3], stride: [1, 1], padding: 'SAME', multiplier: 2, weightLayout: 'HWIM',
      weights: (i, o) => (fans.push([i, o]), p('conv_dw_1/depthwise_kernel')), biases: p('conv_dw_1/bias'), activation: 'relu',
    });
    assert.deepEqual(fans, [[36, 18]]);
    const w = net.g.params.find((v) => v.name === 'conv_dw_1/depthwise_kernel')!;
    assert.deepEqual(w.shape, [3, 3, 4, 2]);
    assert.deepEqual(w.param?.fans, { in: 9, out: 72 });
    const conv = net.g.nodes.find((n) => n.name === 'conv_dw_1/depthwise')!;
    assert.equal(conv.attrs['group']?.value, 4);
    assert.deepEqual(row(net, 'conv_dw_1'), {
      name: 'conv_dw_1', op: 'DepthwiseConv', kernel: '3x3', stride: '1', padding: 'SAME, multiplier 2', outputShape: [1, 5, 5, 8],
      params: 72 + 8, macs: 5 * 5 * 8 * 9, receptiveField: '7x7',
    });
    assert.deepEqual(y.jump, [2, 2]);
  });

  test('depthwiseConv2d: torch OIHW [C, 1, kh, kw]', () => {
    const { net, x } = start([1, 8, 8, 6], 'NCHW');
    nn.depthwiseConv2d(net, x, { scope: 'features.2.conv.1.0', kernel: [3, 3], stride: [2, 2], padding: 1, multiplier: 1, weightLayout: 'OIHW', weights: p('features.2.conv.1.0.weight'), biases: null, activation: 'relu6' });
    assert.deepEqual(net.g.params[0]!.shape, [6, 1, 3, 3]);
    assert.deepEqual(row(net, 'features.2.conv.1.0').outputShape, [1, 4, 4, 6]);
    assert.equal(row(net, 'features.2.conv.1.0').params, 54);
  });

  test('separableConv2d declares depthwise_kernel, pointwise_kernel, bias in that order', () => {
    const { net, x } = start([1, 10, 10, 64]);
    nn.separableConv2d(net, x, {
      scope: 'block2_sepconv1', filters: 128, kernel: [3, 3], stride: [1, 1], padding: 'SAME',
      depthwise: p('block2_sepconv1/depthwise_kernel'), pointwise: p('block2_sepconv1/pointwise_kernel'), biases: p('block2_sepconv1/bias'), activation: null,
    });
    assert.deepEqual(net.g.params.map((v) => [v.name, v.shape]), [
      ['block2_sepconv1/depthwise_kernel', [3, 3, 64, 1]],
      ['block2_sepconv1/pointwise_kernel', [1, 1, 64, 128]],
      ['block2_sepconv1/bias', [128]],
    ]);
    // Keras: 3*3*64 + 64*128 + 128 = 8896 (xception's block2_sepconv1 has no bias: 8768)
    assert.deepEqual(row(net, 'block2_sepconv1'), {
      name: 'block2_sepconv1', op: 'SeparableConv', kernel: '3x3', stride: '1', padding: 'SAME', outputShape: [1, 10, 10, 128],
      params: 8896, macs: 100 * (64 * 9 + 64 * 128), receptiveField: '3x3',
    });
  });
});

describe('pooling builders', () => {
  test('avgPool2d records count_include_pad only when it counts padded cells', () => {
    const { net, x } = start([1, 35, 35, 192], 'NCHW');
    const a = nn.avgPool2d(net, x, { scope: 'branch_pool', kernel: [3, 3], stride: [1, 1], padding: 1, countIncludePad: true });
    nn.avgPool2d(net, a, { scope: 'keras_pool', kernel: [3, 3], stride: [2, 2], padding: 'SAME', countIncludePad: false });
    const nodes = net.g.nodes.filter((n) => n.op === 'AveragePool');
    assert.deepEqual(nodes.map((n) => n.attrs['count_include_pad']?.value ?? 0), [1, 0]);
    assert.deepEqual(row(net, 'branch_pool').op, 'AveragePool (pads counted)');
    assert.deepEqual(row(net, 'keras_pool').outputShape, [1, 18, 18, 192]);
    assert.equal(row(net, 'keras_pool').receptiveField, '5x5');
  });

  test('globalAvgPool gives rows [N, C] from either layout', () => {
    for (const layout of ['NHWC', 'NCHW'] as const) {
      const { net, x } = start([2, 7, 7, 2048], layout);
      const y = nn.globalAvgPool(net, x, 'avg_pool');
      assert.deepEqual(y.value.shape, [2, 2048]);
      assert.deepEqual(row(net, 'avg_pool').outputShape, [1, 2048]);
      assert.equal(row(net, 'avg_pool').receptiveField, 'global');
    }
  });
});

describe('merge builders', () => {
  test('add scales its inputs and may end in an activation; concat joins channels in order', () => {
    const { net, x } = start([1, 17, 17, 8], 'NCHW');
    const up = nn.conv2d(net, x, { scope: 'up', filters: 8, kernel: [3, 3], stride: [1, 1], padding: 'SAME', activation: null, weightLayout: 'HWIO', weights: p('up/kernel'), biases: null });
    const s = nn.add(net, [x, up], 'block17_1', { scales: [1, 0.1], activation: 'relu' });
    assert.equal(s.value.producer?.op, 'Relu');
    assert.equal(net.g.nodes.filter((n) => n.op === 'Mul').length, 1);
    assert.deepEqual(s.rf, [3, 3]);
    const c = nn.concat(net, [s, up, x], 'mixed');
    assert.deepEqual(row(net, 'mixed').outputShape, [1, 17, 17, 24]);
    assert.equal(c.layout, 'NCHW');
  });

  test('zeroPad2d pads [top, left, bottom, right] in the feature own layout', () => {
    const { net, x } = start([1, 224, 224, 32]);
    const y = nn.zeroPad2d(net, x, [0, 0, 1, 1], 'conv_pad_2');
    assert.equal(y.layout, 'NHWC');
    assert.deepEqual(y.value.shape, [1, 225, 225, 32]);
    assert.equal(row(net, 'conv_pad_2').padding, '0,0,1,1');
  });

  test('errors name the layer and show the shapes', () => {
    const { net, x } = start([1, 8, 8, 4]);
    const { x: other } = start([1, 8, 8, 5]);
    const y = net.feature(net.g.input('other', { dtype: 'float32', shape: [...other.value.shape] }), 'NHWC');
    assert.throws(() => nn.add(net, [x, y], 'add_1'), /^Error: add_1: add needs equal shapes \(NHWC\), got \[1,8,8,4\] \[1,8,8,5\]$/);
    assert.throws(() => nn.add(net, [x, x], 'add_2', { scales: [1] }), /add_2: 2 inputs but 1 scales/);
    assert.throws(() => nn.add(net, [x], 'add_3'), /add_3: add needs at least 2 inputs, got 1/);
    const z = nn.zeroPad2d(net, x, [0, 0, 1, 1], 'pad');
    assert.throws(() => nn.concat(net, [x, z], 'mixed'), /mixed: concat needs equal N,H,W, got \[1,8,8,4\] \[1,9,9,4\]/);
  });
});
