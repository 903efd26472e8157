// A small model with batch normalisation for the tests of src/nn/norm.ts, the BN fold
// pass, the gradient checks and training: conv-bn-relu, max-pool, conv-bn-relu, dense.
// 'torch' is torchvision-style (NCHW input, OIHW weights, state-dict names, conv without
// bias, eps 1e-5, momentum 0.1 passed as 0.9); 'keras' is Keras-style (NHWC input, HWIO
// kernels with biases, a 1x1 conv lowered to Gemm on NHWC rows, BN without scale on it,
// eps 1e-3, momentum 0.99). tools/gen_bn.py builds the same model in PyTorch.
import { Graph } from '../../src/graph/graph.js';
import { conv2d, flatten, linear, maxPool2d, relu } from '../../src/nn/layers.js';
import { Net } from '../../src/nn/net.js';
import { batchNorm } from '../../src/nn/norm.js';
import { generate, initParams } from '../../src/nn/init.js';
import type { BuiltModel } from '../../src/models/types.js';
import type { Tensor } from '../../src/tensor.js';

export const BN_CLASSES = 5;
export const BN_SIZE = 8;

export interface BnModelOptions {
  batch: number | string;
  training: boolean;
  style?: 'torch' | 'keras';
  frozen?: ReadonlySet<string>;
  lowerToGemm?: boolean;
}

export function bnModel(o: BnModelOptions): BuiltModel {
  const style = o.style ?? 'torch';
  const keras = style === 'keras';
  const g = new Graph(`bn_${style}`);
  const net = new Net(g, { lowerToGemm: o.lowerToGemm ?? true, ...(o.frozen ? { frozen: o.frozen } : {}) });
  const s = BN_SIZE;
  const input = g.input('input', { dtype: 'float32', shape: keras ? [o.batch, s, s, 3] : [o.batch, 3, s, s] });
  const uniform = (name: string) => (fanIn: number) => ({ name, init: { kind: 'uniform' as const, low: -1 / Math.sqrt(fanIn), high: 1 / Math.sqrt(fanIn) } });
  const bnOpts = (scope: string, scale = true) =>
    keras
      ? { scope, eps: 1e-3, momentum: 0.99, scale, center: true, training: o.training, unbiasedRunningVar: true, names: { ...(scale ? { gamma: `${scope}/gamma` } : {}), beta: `${scope}/beta`, mean: `${scope}/moving_mean`, variance: `${scope}/moving_variance` } }
      : { scope, eps: 1e-5, momentum: 0.9, scale, center: true, training: o.training, unbiasedRunningVar: true, names: { gamma: `${scope}.weight`, beta: `${scope}.bias`, mean: `${scope}.running_mean`, variance: `${scope}.running_var` } };
  const conv = (x: ReturnType<Net['feature']>, scope: string, cin: number, filters: number, k: number) =>
    conv2d(net, x, {
      scope, filters, kernel: [k, k], stride: [1, 1], padding: k === 1 ? 'VALID' : 'SAME', activation: null,
      weightLayout: keras ? 'HWIO' : 'OIHW',
      weights: uniform(keras ? `${scope}/kernel` : `${scope}.weight`)(cin * k * k),
      biases: keras ? { name: `${scope}/bias`, init: { kind: 'constant', value: 0 } } : null,
    });
  let x = net.feature(input, keras ? 'NHWC' : 'NCHW');
  x = conv(x, 'conv1', 3, 4, 3);
  x = relu(net, batchNorm(net, x, bnOpts(keras ? 'conv1_bn' : 'bn1')), 'relu1');
  x = maxPool2d(net, x, { scope: 'pool1', kernel: [2, 2], stride: [2, 2], padding: 'VALID' });
  x = conv(x, 'conv2', 4, 6, 1);
  x = relu(net, batchNorm(net, x, bnOpts(keras ? 'conv2_bn' : 'bn2', !keras)), 'relu2');
  x = flatten(net, x, keras ? 'HWC' : 'CHW', 'flatten');
  const fanIn = 6 * (s / 2) * (s / 2);
  x = linear(net, x, { scope: 'fc', units: BN_CLASSES, activation: null, weightLayout: keras ? 'IO' : 'OI', weights: uniform(keras ? 'fc/kernel' : 'fc.weight')(fanIn), biases: uniform(keras ? 'fc/bias' : 'fc.bias')(fanIn) });
  const logits = x.value;
  return { name: g.name, graph: g, net, input, inputLayout: keras ? 'NHWC' : 'NCHW', output: logits, outputName: 'logits', outputs: { logits }, endPoints: {}, layers: net.layers, weightDecay: 0 };
}

/**
 * Seeded weights where the BN parameters are not at their initial values: gamma around 1,
 * beta, running mean and variance (positive) drawn, so folding and inference are tested.
 */
export function bnWeights(m: BuiltModel, seed = 0): Map<string, Tensor> {
  const w = initParams(m.graph.params.map((p) => ({ name: p.name, shape: p.shape, init: p.param!.init })), seed);
  for (const p of m.graph.params) {
    const n = p.shape[0] as number;
    const draw = (low: number, high: number) => generate({ kind: 'uniform', low, high }, n, seed + 7, p.name);
    if (/(gamma|\.weight)$/.test(p.name) && p.shape.length === 1) w.set(p.name, { dtype: 'float32', shape: [n], data: draw(0.5, 1.5) });
    if (/(beta|bn\d\.bias)$/.test(p.name)) w.set(p.name, { dtype: 'float32', shape: [n], data: draw(-0.5, 0.5) });
    if (/(moving_mean|running_mean)$/.test(p.name)) w.set(p.name, { dtype: 'float32', shape: [n], data: draw(-0.3, 0.3) });
    if (/(moving_variance|running_var)$/.test(p.name)) w.set(p.name, { dtype: 'float32', shape: [n], data: draw(0.5, 2) });
  }
  return w;
}

export function bnImages(m: BuiltModel, batch: number, step = 0): Tensor<'float32'> {
  const shape = m.input.shape.map((d, i) => (i === 0 ? batch : (d as number)));
  const n = shape.reduce((a, b) => a * b, 1);
  return { dtype: 'float32', shape, data: generate({ kind: 'uniform', low: -1, high: 1 }, n, 90 + step, 'images') };
}
