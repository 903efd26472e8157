import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as b from '../../src/graph/build.js';
import { Graph } from '../../src/graph/graph.js';
import { reshapeShape, windowOut } from '../../src/graph/ops/index.js';

const param = (g: Graph, name: string, shape: number[]) =>
  g.param(name, { dtype: 'float32', shape }, { init: { kind: 'constant', value: 0 }, regularized: false, layer: name });

describe('shape inference', () => {
  test('Conv: stride, pads, dilation, groups', () => {
    const g = new Graph();
    const x = g.input('x', { dtype: 'float32', shape: ['N', 96, 27, 27] });
    const y = b.conv(x, param(g, 'w', [256, 48, 5, 5]), null, { pads: [2, 2, 2, 2], group: 2 });
    assert.deepEqual(y.shape, ['N', 256, 27, 27]);
    const z = b.conv(x, param(g, 'w2', [8, 96, 3, 3]), null, { strides: [2, 2], dilations: [2, 2] });
    assert.deepEqual(z.shape, ['N', 8, 12, 12]);
  });

  test('errors name the node and show the shapes', () => {
    const g = new Graph();
    const x = g.input('x', { dtype: 'float32', shape: ['N', 64, 27, 27] });
    assert.throws(
      () => b.conv(x, param(g, 'conv2/w', [192, 48, 5, 5]), null, { name: 'conv2' }),
      { message: 'conv2 (Conv): W [192,48,5,5] with group 1 expects 48 input channels, X has 64; inputs: x float32[N,64,27,27], conv2/w float32[192,48,5,5]' },
    );
    const small = g.input('s', { dtype: 'float32', shape: [1, 3, 4, 4] });
    assert.throws(() => b.maxPool(small, { kernel: [5, 5], strides: [1, 1], name: 'pool' }), /pool \(MaxPool\): input 4x4 is too small for kernel 5x5/);
  });

  test('window sizes: floor and ceil mode', () => {
    assert.equal(windowOut(224, 11, 4, 2, 2), 55);
    assert.equal(windowOut(55, 3, 2, 0, 0), 27);
    assert.equal(windowOut(227, 11, 4, 0, 0), 55);
    assert.equal(windowOut(6, 3, 2, 0, 0, 1, true), 3);
    assert.equal(windowOut(5, 2, 2, 0, 0, 1, true), 3);
  });

  test('Reshape keeps a symbolic batch through -1 and folds it into products', () => {
    assert.deepEqual(reshapeShape(['N', 5, 5, 256], [-1, 6400]), ['N', 6400]);
    assert.deepEqual(reshapeShape(['N', 4, 7, 4096], [-1, 4096]), ['28*N', 4096]);
    assert.deepEqual(reshapeShape(['28*N', 4096], [-1, 4, 7, 4096]), ['N', 4, 7, 4096]);
    assert.deepEqual(reshapeShape([2, 3, 4], [0, -1]), [2, 12]);
    assert.throws(() => reshapeShape([2, 3], [4, 2]), /cannot reshape \[2,3\]/);
  });

  test('MatMul broadcasting, Gemm transposes, Squeeze checks sizes', () => {
    const g = new Graph();
    const a = g.input('a', { dtype: 'float32', shape: ['N', 4, 7, 64] });
    assert.deepEqual(b.matmul(a, param(g, 'w', [64, 10])).shape, ['N', 4, 7, 10]);
    const r = g.input('r', { dtype: 'float32', shape: ['N', 9216] });
    assert.deepEqual(b.gemm(r, param(g, 'fc', [4096, 9216]), null, { transB: true }).shape, ['N', 4096]);
    assert.throws(() => b.squeeze(a, [1, 2]), /cannot squeeze axis 1 of size 4/);
  });

  test('unique names and duplicate outputs', () => {
    const g = new Graph();
    const x = g.input('x', { dtype: 'float32', shape: [1] });
    const y1 = b.relu(x, 'r');
    const y2 = b.relu(x, 'r');
    assert.equal(y1.name, 'r');
    assert.equal(y2.name, 'r_1');
    g.output(y1, 'out');
    assert.throws(() => g.output(y2, 'out'), /output out is already declared/);
    assert.throws(() => g.input('x', { dtype: 'float32', shape: [1] }), /input name x is already used/);
  });

  test('replace: the new nodes take the old one\'s place, its uses are rewired, and mismatches are refused', () => {
    const g = new Graph('r');
    const x = g.input('x', { dtype: 'float32', shape: [2, 3] });
    const relu = b.unary('Relu', x, 'relu');
    const y = b.unary('Neg', relu, 'neg');
    g.output(relu, 'kept');
    const [z] = g.replace(relu.producer!, () => [b.unary('Abs', b.unary('Exp', x, 'exp'), 'abs')]);
    assert.deepEqual(g.nodes.map((n) => n.name), ['exp', 'abs', 'neg'], 'in topological order');
    assert.equal(y.producer!.inputs[0], z);
    assert.equal(g.outputs.find((o) => o.name === 'kept')!.value, z);
    assert.throws(() => g.replace(relu.producer!, () => [x]), /no node relu to replace/);
    assert.throws(() => g.replace(y.producer!, () => [b.reshape(x, [6], 'flat')]), /neg output neg is float32\[2,3\], its replacement float32\[6\]/);
    assert.deepEqual(g.nodes.map((n) => n.name), ['exp', 'abs', 'neg'], 'a refused replacement leaves the graph as it was');
  });
});
