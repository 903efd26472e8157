// Layer builders: each declares its parameters, emits graph nodes, and records one
// row of the layer table (shape, parameters, multiply-accumulates, receptive field).
//
// Models call these with every number written out (src/models); nothing here holds
// hidden defaults beyond what each option's comment says.
import * as b from '../graph/build.js';
import type { InitSpec, Value } from '../graph/graph.js';
import { batchOne, dims, type Feature, type Layout, type Net, nhwcShape, rfStr } from './net.js';

export type Padding = 'SAME' | 'VALID' | number | [number, number, number, number];

/** Explicit pads [top, left, bottom, right]; SAME follows TensorFlow (extra pixel at the end). */
export function resolvePads(padding: Padding, kernel: [number, number], stride: [number, number], size: [number, number]): number[] {
  if (padding === 'VALID') return [0, 0, 0, 0];
  if (typeof padding === 'number') return [padding, padding, padding, padding];
  if (Array.isArray(padding)) return [...padding];
  const begin: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < 2; i++) {
    const out = Math.ceil(size[i]! / stride[i]!);
    const total = Math.max((out - 1) * stride[i]! + kernel[i]! - size[i]!, 0);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  }
  return [...begin, ...end];
}

function padStr(padding: Padding): string {
  return typeof padding === 'string' ? padding : Array.isArray(padding) ? padding.join(',') : String(padding);
}

export interface ParamSpec {
  name: string;
  init: InitSpec;
  /** Counted by weight decay; default true for weights, false for biases. */
  regularized?: boolean;
}

export interface Conv2dOptions {
  /** Layer name: the end point and the row in the layer table. */
  scope: string;
  filters: number;
  kernel: [number, number];
  stride: [number, number];
  padding: Padding;
  groups?: number;
  activation: 'relu' | null;
  /** HWIO is TensorFlow's layout (slim, kratzert's .npy); OIHW is PyTorch's and Caffe's. */
  weightLayout: 'HWIO' | 'OIHW';
  weights: ParamSpec | ((fanIn: number, fanOut: number) => ParamSpec);
  biases: ParamSpec | null;
}

export function conv2d(net: Net, x: Feature, o: Conv2dOptions): Feature {
  const g = net.g;
  const { h, w, c } = dims(x);
  const [kh, kw] = o.kernel;
  const groups = o.groups ?? 1;
  if (c % groups !== 0) throw new Error(`${o.scope}: ${c} input channels are not divisible by ${groups} groups`);
  const cin = c / groups;
  // PyTorch's fans (stored for other initialisers); the model's own initialiser gets
  // TF's fan_out per group, as before
  const fans = { in: kh * kw * cin, out: kh * kw * o.filters };
  const spec = typeof o.weights === 'function' ? o.weights(fans.in, fans.out / groups) : o.weights;
  const wShape = o.weightLayout === 'HWIO' ? [kh, kw, cin, o.filters] : [o.filters, cin, kh, kw];
  const weights = g.param(spec.name, { dtype: 'float32', shape: wShape }, { init: spec.init, regularized: spec.regularized ?? true, layer: o.scope, fans });
  const biases = o.biases
    ? g.param(o.biases.name, { dtype: 'float32', shape: [o.filters] }, { init: o.biases.init, regularized: o.biases.regularized ?? false, layer: o.scope })
    : null;
  const pads = resolvePads(o.padding, o.kernel, o.stride, [h, w]);
  const noPad = pads.every((p) => p === 0);
  const whole = kh === h && kw === w && noPad;
  const pointwise = kh === 1 && kw === 1 && o.stride[0] === 1 && o.stride[1] === 1 && noPad;
  let y: Value;
  let layout: Layout;
  if (net.opts.lowerToGemm && groups === 1 && o.weightLayout === 'HWIO' && (whole || pointwise)) {
    // Gemm on NHWC rows: HWIO flattens to [kh*kw*cin, cout] in the same (h, w, c) order.
    const rows = b.reshape(net.as(x, 'NHWC'), [-1, whole ? kh * kw * c : c], `${o.scope}/rows`);
    const w2 = b.reshape(weights, [kh * kw * cin, o.filters], `${o.scope}/weights_2d`);
    const out = b.gemm(rows, w2, biases, { name: `${o.scope}/Gemm` });
    y = b.reshape(out, [-1, whole ? 1 : h, whole ? 1 : w, o.filters], `${o.scope}/BiasAdd`);
    layout = 'NHWC';
  } else {
    const wOIHW = o.weightLayout === 'HWIO' ? b.transpose(weights, [3, 2, 0, 1], `${o.scope}/weights_oihw`) : weights;
    y = b.conv(net.as(x, 'NCHW'), wOIHW, biases, { strides: [...o.stride], pads, group: groups, name: `${o.scope}/Conv2D` });
    layout = 'NCHW';
  }
  if (o.activation === 'relu') y = b.relu(y, `${o.scope}/Relu`);
  const out = net.feature(
    y,
    layout,
    [x.rf[0] + (kh - 1) * x.jump[0], x.rf[1] + (kw - 1) * x.jump[1]],
    [x.jump[0] * o.stride[0], x.jump[1] * o.stride[1]],
  );
  const od = dims(out);
  net.record({
    name: o.scope,
    op: whole || pointwise ? (net.opts.lowerToGemm && layout === 'NHWC' ? 'Conv→Gemm' : 'Conv') : 'Conv',
    kernel: `${kh}x${kw}`,
    stride: o.stride[0] === o.stride[1] ? String(o.stride[0]) : o.stride.join('x'),
    padding: padStr(o.padding) + (groups > 1 ? `, groups ${groups}` : ''),
    outputShape: batchOne(nhwcShape(out)),
    params: kh * kw * cin * o.filters + (biases ? o.filters : 0),
    macs: od.h * od.w * o.filters * kh * kw * cin,
    receptiveField: rfStr(out),
  });
  return out;
}

export interface PoolOptions {
  scope: string;
  kernel: [number, number];
  stride: [number, number];
  padding: Padding;
  /** PyTorch's ceil_mode. */
  ceil?: boolean;
}

export function maxPool2d(net: Net, x: Feature, o: PoolOptions): Feature {
  const { h, w } = dims(x);
  const pads = resolvePads(o.padding, o.kernel, o.stride, [h, w]);
  const y = b.maxPool(net.as(x, 'NCHW'), { kernel: [...o.kernel], strides: [...o.stride], pads, ceil: o.ceil ?? false, name: `${o.scope}/MaxPool` });
  const out = net.feature(
    y,
    'NCHW',
    [x.rf[0] + (o.kernel[0] - 1) * x.jump[0], x.rf[1] + (o.kernel[1] - 1) * x.jump[1]],
    [x.jump[0] * o.stride[0], x.jump[1] * o.stride[1]],
  );
  net.record({
    name: o.scope,
    op: 'MaxPool',
    kernel: o.kernel.join('x'),
    stride: o.stride[0] === o.stride[1] ? String(o.stride[0]) : o.stride.join('x'),
    padding: padStr(o.padding),
    outputShape: batchOne(nhwcShape(out)),
    params: 0,
    macs: 0,
    receptiveField: rfStr(out),
  });
  return out;
}

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

/** Mean over the spatial axes, keeping them as size 1 (slim's global_pool). */
export function globalMean(net: Net, x: Feature, scope: string): Feature {
  const axes = x.layout === 'NHWC' ? [1, 2] : [2, 3];
  const y = b.reduce('ReduceMean', x.value, axes, true, scope);
  const out = net.feature(y, x.layout, x.rf, x.jump);
  net.record({
    name: scope,
    op: 'ReduceMean',
    kernel: 'global',
    stride: '',
    padding: '',
    outputShape: batchOne(nhwcShape(out)),
    params: 0,
    macs: 0,
    receptiveField: 'global',
  });
  return out;
}

export function relu(net: Net, x: Feature, scope: string): Feature {
  return net.feature(b.relu(x.value, `${scope}/Relu`), x.layout, x.rf, x.jump);
}

export interface LinearOptions {
  scope: string;
  units: number;
  activation: 'relu' | null;
  /** PyTorch and Caffe store [out, in] (OI); TensorFlow stores [in, out] (IO). */
  weightLayout: 'OI' | 'IO';
  weights: ParamSpec | ((fanIn: number, fanOut: number) => ParamSpec);
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
  const w = g.param(spec.name, { dtype: 'float32', shape: wShape }, { init: spec.init, regularized: spec.regularized ?? true, layer: o.scope, fans });
  const bias = o.biases
    ? g.param(o.biases.name, { dtype: 'float32', shape: [o.units] }, { init: o.biases.init, regularized: o.biases.regularized ?? false, layer: o.scope })
    : null;
  let y = b.gemm(x.value, w, bias, { transB: o.weightLayout === 'OI', name: `${o.scope}/Gemm` });
  if (o.activation === 'relu') y = b.relu(y, `${o.scope}/Relu`);
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

/**
 * PyTorch's AdaptiveAvgPool2d: output cell i averages input rows
 * [floor(i*H/out), ceil((i+1)*H/out)). When out divides the input it is an ordinary
 * AveragePool; otherwise it is linear in each axis, so it runs as two MatMuls with
 * constant averaging matrices (which also makes its gradient a MatMul).
 */
export function adaptiveAvgPool2d(net: Net, x: Feature, out: [number, number], scope: string): Feature {
  const { h, w } = dims(x);
  const v = net.as(x, 'NCHW');
  let y: Value;
  if (h === out[0] && w === out[1]) {
    y = v;
  } else if (h % out[0] === 0 && w % out[1] === 0) {
    const k = [h / out[0], w / out[1]];
    y = b.avgPool(v, { kernel: k, strides: k, name: `${scope}/AveragePool` });
  } else {
    const ph = poolMatrix(h, out[0]); // [out, H]
    const pw = poolMatrix(w, out[1]); // [out, W]
    const pwT = net.g.constant({ dtype: 'float32', shape: [w, out[1]], data: transpose2d(pw, out[1], w) }, `${scope}/pool_w`);
    const phC = net.g.constant({ dtype: 'float32', shape: [out[0], h], data: ph }, `${scope}/pool_h`);
    y = b.matmul(phC, b.matmul(v, pwT, `${scope}/MatMul_w`), `${scope}/MatMul_h`);
  }
  // rows and columns each widen by the window, at most ceil(size/out) + 1 input pixels
  const span = [Math.ceil(h / out[0]) + (h % out[0] ? 1 : 0), Math.ceil(w / out[1]) + (w % out[1] ? 1 : 0)];
  const res = net.feature(y, 'NCHW', [x.rf[0] + (span[0]! - 1) * x.jump[0], x.rf[1] + (span[1]! - 1) * x.jump[1]], x.jump);
  net.record({
    name: scope,
    op: 'AdaptiveAvgPool',
    kernel: `→${out[0]}x${out[1]}`,
    stride: '',
    padding: '',
    outputShape: batchOne(nhwcShape(res)),
    params: 0,
    macs: 0,
    receptiveField: rfStr(res),
  });
  return res;
}

function poolMatrix(size: number, out: number): Float32Array {
  const m = new Float32Array(out * size);
  for (let i = 0; i < out; i++) {
    const start = Math.floor((i * size) / out);
    const end = Math.ceil(((i + 1) * size) / out);
    for (let j = start; j < end; j++) m[i * size + j] = 1 / (end - start);
  }
  return m;
}

/** [rows, cols] row-major to its [cols, rows] transpose. */
function transpose2d(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}
