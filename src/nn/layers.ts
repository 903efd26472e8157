// Layer builders: each declares its parameters, emits graph nodes, and records one
// row of the layer table (shape, parameters, multiply-accumulates, receptive field).
// Convolutions live in conv.ts, pooling in pool.ts, add/concat/pad in merge.ts; this
// module re-exports them with the rest, so models import every builder from here.
//
// Models call these with every number written out (src/models); nothing here holds
// hidden defaults beyond what each option's comment says.
import * as b from '../graph/build.js';
import { type Activation, applyActivation, biasParam, type ParamSpec, type WeightSpec, weightParam } from './common.js';
import { batchOne, type Feature, type Net, nhwcShape, rfStr } from './net.js';

export { type Activation, type Padding, type ParamSpec, resolvePads, type WeightSpec } from './common.js';
export * from './conv.js';
export * from './merge.js';
export * from './pool.js';

/** Local response normalisation across channels (ONNX LRN: alpha is divided by size). */
export function lrn(net: Net, x: Feature, o: { scope: string; size: number; alpha: number; beta: number; bias: number }): Feature {
  const y = b.lrn(net.as(x, 'NCHW'), { size: o.size, alpha: o.alpha, beta: o.beta, bias: o.bias, name: `${o.scope}/LRN` });
  const out = net.feature(y, 'NCHW', x.rf, x.jump);
  net.record({
    name: o.scope,
    op: 'LRN',
    kernel: `${o.size}ch`,
    stride: '',
    padding: '',
    outputShape: batchOne(nhwcShape(out)),
    params: 0,
    macs: 0,
    receptiveField: rfStr(out),
  });
  return out;
}

/**
 * Dropout that keeps `keepProb` of the units (slim's argument). Outside training it
 * adds nothing to the graph; in training it emits ONNX Dropout with its mask.
 */
export function dropout(net: Net, x: Feature, keepProb: number, isTraining: boolean, scope: string): Feature {
  if (!isTraining || keepProb >= 1) return x;
  if (net.opts.dropoutMasks === 'input') {
    const mask = net.g.input(`dropout_mask/${scope}`, { dtype: 'float32', shape: [...x.value.shape] });
    net.dropoutMasks.push({ input: mask, keepProb, scope });
    return net.feature(b.mul(x.value, mask, `${scope}/dropout`), x.layout, x.rf, x.jump);
  }
  const [y] = b.dropout(x.value, 1 - keepProb, true, {
    ...(net.opts.dropoutSeed !== undefined ? { seed: net.opts.dropoutSeed } : {}),
    name: `${scope}/dropout`,
  });
  return net.feature(y, x.layout, x.rf, x.jump);
}

export function relu(net: Net, x: Feature, scope: string): Feature {
  return activation(net, x, 'relu', scope);
}

/** min(max(x, 0), 6) as ONNX Clip(0, 6): Keras's ReLU(6.), torchvision's nn.ReLU6. */
export function relu6(net: Net, x: Feature, scope: string): Feature {
  return activation(net, x, 'relu6', scope);
}

/** A standalone activation layer (Keras's Activation('relu') and ReLU(6.) layers); no table row. */
export function activation(net: Net, x: Feature, kind: 'relu' | 'relu6', scope: string): Feature {
  return net.feature(applyActivation(x.value, kind, scope), x.layout, x.rf, x.jump);
}

export interface LinearOptions {
  scope: string;
  units: number;
  activation: Activation;
  /** PyTorch and Caffe store [out, in] (OI); TensorFlow stores [in, out] (IO). */
  weightLayout: 'OI' | 'IO';
  weights: WeightSpec;
  biases: ParamSpec | null;
}

/**
 * A fully connected layer on [N, K] rows: one Gemm (transB for OI weights, which ORT
 * handles without a copy). Use flatten() first to turn a feature map into rows.
 */
export function linear(net: Net, x: Feature, o: LinearOptions): Feature {
  const g = net.g;
  const k = x.value.shape[1];
  if (x.value.shape.length !== 2 || typeof k !== 'number') {
    throw new Error(`${o.scope}: expects [N, K] rows, got [${x.value.shape.join(',')}]; flatten first`);
  }
  const fans = { in: k, out: o.units };
  const spec = typeof o.weights === 'function' ? o.weights(fans.in, fans.out) : o.weights;
  const wShape = o.weightLayout === 'OI' ? [o.units, k] : [k, o.units];
  const w = weightParam(g, spec, wShape, o.scope, fans);
  const bias = o.biases ? biasParam(g, o.biases, o.units, o.scope) : null;
  let y = b.gemm(x.value, w, bias, { transB: o.weightLayout === 'OI', name: `${o.scope}/Gemm` });
  y = applyActivation(y, o.activation, o.scope);
  net.record({
    name: o.scope,
    op: 'Gemm',
    kernel: `${k}→${o.units}`,
    stride: '',
    padding: '',
    outputShape: [1, o.units],
    params: k * o.units + (bias ? o.units : 0),
    macs: k * o.units,
    receptiveField: 'global',
  });
  return net.feature(y, 'NHWC', x.rf, x.jump);
}

/**
 * Feature map to rows [N, H*W*C] in the given order: 'CHW' is PyTorch's torch.flatten of
 * NCHW, 'HWC' is TensorFlow's reshape of NHWC (and kratzert's bvlc_alexnet.npy fc6 rows).
 */
export function flatten(net: Net, x: Feature, order: 'CHW' | 'HWC', scope: string): Feature {
  const v = net.as(x, order === 'CHW' ? 'NCHW' : 'NHWC');
  return net.feature(b.flatten(v, 1, `${scope}/Flatten`), 'NHWC', x.rf, x.jump);
}

