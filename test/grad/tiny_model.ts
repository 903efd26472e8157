// A small AlexNet-shaped model for training-graph tests: strided conv, LRN, overlapping
// max-pool, grouped conv (OIHW weights), fc layers lowered to Gemm, dropout, logits.
import { Graph } from '../../src/graph/graph.js';
import * as b from '../../src/graph/build.js';
import { conv2d, dropout, lrn, maxPool2d, type ParamSpec } from '../../src/nn/layers.js';
import { Net } from '../../src/nn/net.js';
import { initParams } from '../../src/nn/init.js';
import type { BuiltModel } from '../../src/models/types.js';
import type { Tensor } from '../../src/tensor.js';
import { generate } from '../../src/nn/init.js';

export const TINY_CLASSES = 5;

export function tinyModel(batch: number, keepProb = 1, dropoutMasks: 'onnx' | 'input' = 'onnx'): BuiltModel {
  const g = new Graph('tiny');
  const net = new Net(g, { lowerToGemm: true, dropoutMasks });
  const input = g.input('input', { dtype: 'float32', shape: [batch, 19, 19, 3] });
  const xavier = (name: string) => (fanIn: number, fanOut: number): ParamSpec => ({ name, init: { kind: 'glorot_uniform', fanIn, fanOut } });
  const bias = (name: string, value = 0.1): ParamSpec => ({ name, init: { kind: 'constant', value } });
  let x = net.feature(input, 'NHWC');
  x = conv2d(net, x, { scope: 'tiny/conv1', filters: 4, kernel: [5, 5], stride: [2, 2], padding: 'VALID', activation: 'relu', weightLayout: 'HWIO', weights: xavier('tiny/conv1/weights'), biases: bias('tiny/conv1/biases') }); // 8x8
  x = lrn(net, x, { scope: 'tiny/lrn1', size: 3, alpha: 0.5, beta: 0.75, bias: 1 });
  x = maxPool2d(net, x, { scope: 'tiny/pool1', kernel: [3, 3], stride: [2, 2], padding: 'VALID' }); // 3x3
  x = conv2d(net, x, { scope: 'tiny/conv2', filters: 6, kernel: [3, 3], stride: [1, 1], padding: 'SAME', groups: 2, activation: 'relu', weightLayout: 'OIHW', weights: xavier('tiny/conv2/weights'), biases: bias('tiny/conv2/biases') });
  x = conv2d(net, x, { scope: 'tiny/fc3', filters: 8, kernel: [3, 3], stride: [1, 1], padding: 'VALID', activation: 'relu', weightLayout: 'HWIO', weights: xavier('tiny/fc3/weights'), biases: bias('tiny/fc3/biases') });
  x = dropout(net, x, keepProb, true, 'tiny/dropout3');
  x = conv2d(net, x, { scope: 'tiny/fc4', filters: TINY_CLASSES, kernel: [1, 1], stride: [1, 1], padding: 'SAME', activation: null, weightLayout: 'HWIO', weights: xavier('tiny/fc4/weights'), biases: bias('tiny/fc4/biases', 0) });
  const logits = b.squeeze(net.as(x, 'NHWC'), [1, 2], 'tiny/logits');
  return { name: 'tiny', graph: g, net, input, inputLayout: 'NHWC', output: logits, outputName: 'logits', outputs: { logits }, endPoints: {}, layers: net.layers, weightDecay: 0.0005 };
}

export function tinyWeights(m: BuiltModel, seed = 0): Map<string, Tensor> {
  return initParams(m.graph.params.map((p) => ({ name: p.name, shape: p.shape, init: p.param!.init })), seed);
}

export function tinyBatch(batch: number, step: number): { images: Tensor<'float32'>; labels: number[] } {
  const n = batch * 19 * 19 * 3;
  const images: Tensor<'float32'> = { dtype: 'float32', shape: [batch, 19, 19, 3], data: generate({ kind: 'uniform', low: -1, high: 1 }, n, 50 + step, 'images') };
  const labels = Array.from({ length: batch }, (_, i) => (i * 3 + step) % TINY_CLASSES);
  return { images, labels };
}
