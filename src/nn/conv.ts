// Convolution builders: conv2d, depthwiseConv2d (Keras DepthwiseConv2D, torchvision's
// grouped Conv with groups = channels) and separableConv2d (Keras SeparableConv2D).
import * as b from '../graph/build.js';
import type { Value } from '../graph/graph.js';
import { type Activation, applyActivation, biasParam, padStr, type ParamSpec, type Padding, resolvePads, strideStr, type WeightSpec, weightParam, windowRf } from './common.js';
import { batchOne, dims, type Feature, type Layout, type Net, nhwcShape, rfStr } from './net.js';

export interface Conv2dOptions {
  /** Layer name: the end point and the row in the layer table. */
  scope: string;
  filters: number;
  kernel: [number, number];
  stride: [number, number];
  padding: Padding;
  groups?: number;
  activation: Activation;
  /** HWIO is TensorFlow's layout (slim, Keras, kratzert's .npy); OIHW is PyTorch's and Caffe's. */
  weightLayout: 'HWIO' | 'OIHW';
  weights: WeightSpec;
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
  // TF's fan_out per group
  const fans = { in: kh * kw * cin, out: kh * kw * o.filters };
  const spec = typeof o.weights === 'function' ? o.weights(fans.in, fans.out / groups) : o.weights;
  const wShape = o.weightLayout === 'HWIO' ? [kh, kw, cin, o.filters] : [o.filters, cin, kh, kw];
  const weights = weightParam(g, spec, wShape, o.scope, fans);
  const biases = o.biases ? biasParam(g, o.biases, o.filters, o.scope) : null;
  const pads = resolvePads(o.padding, o.kernel, o.stride, [h, w]);
  const noPad = pads.every((p) => p === 0);
  const whole = kh === h && kw === w && noPad;
  const pointwise = kh === 1 && kw === 1 && o.stride[0] === 1 && o.stride[1] === 1 && noPad;
  let y: Value;
  let layout: Layout;
  // A pointwise conv is lowered only when its input is already NHWC (fc7 after a lowered
  // fc6): inside a conv net the Gemm's layout would cost two transposes of the map.
  if (net.opts.lowerToGemm && groups === 1 && o.weightLayout === 'HWIO' && (whole || (pointwise && x.views.NHWC !== undefined))) {
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
  y = applyActivation(y, o.activation, o.scope);
  const { rf, jump } = windowRf(x, o.kernel, o.stride);
  const out = net.feature(y, layout, rf, jump);
  const od = dims(out);
  net.record({
    name: o.scope,
    op: layout === 'NHWC' ? 'Conv→Gemm' : 'Conv',
    kernel: `${kh}x${kw}`,
    stride: strideStr(o.stride),
    padding: padStr(o.padding) + (groups > 1 ? `, groups ${groups}` : ''),
    outputShape: batchOne(nhwcShape(out)),
    params: kh * kw * cin * o.filters + (biases ? o.filters : 0),
    macs: od.h * od.w * o.filters * kh * kw * cin,
    receptiveField: rfStr(out),
  });
  return out;
}

export interface DepthwiseConv2dOptions {
  scope: string;
  kernel: [number, number];
  stride: [number, number];
  padding: Padding;
  /** Output channels per input channel (Keras's depth_multiplier). */
  multiplier: number;
  /** HWIM is Keras's depthwise kernel (kh, kw, in, multiplier); OIHW is torch's [C*mult, 1, kh, kw]. */
  weightLayout: 'HWIM' | 'OIHW';
  /** A function gets Keras's fans for the (kh, kw, in, multiplier) kernel: kh*kw*in, kh*kw*multiplier. */
  weights: WeightSpec;
  biases: ParamSpec | null;
  activation: Activation;
}

/** The OIHW depthwise kernel [C*M, 1, kh, kw] of a depthwise weight; output channel c*M + m (Keras's order). */
function depthwiseOIHW(weights: Value, layout: 'HWIM' | 'OIHW', kh: number, kw: number, cm: number, scope: string): Value {
  if (layout === 'OIHW') return weights;
  const flat = b.reshape(weights, [kh, kw, 1, cm], `${scope}/depthwise_hwio`);
  return b.transpose(flat, [3, 2, 0, 1], `${scope}/depthwise_oihw`);
}

/**
 * Depthwise convolution: each input channel convolved with its own `multiplier` filters,
 * run as a grouped Conv (group = C). Keras layers/convolutional.py DepthwiseConv2D;
 * torchvision mobilenetv2.py's Conv2dNormActivation with groups = channels.
 */
export function depthwiseConv2d(net: Net, x: Feature, o: DepthwiseConv2dOptions): Feature {
  const { h, w, c } = dims(x);
  const [kh, kw] = o.kernel;
  const cm = c * o.multiplier;
  const spec = typeof o.weights === 'function' ? o.weights(kh * kw * c, kh * kw * o.multiplier) : o.weights;
  const wShape = o.weightLayout === 'HWIM' ? [kh, kw, c, o.multiplier] : [cm, 1, kh, kw];
  const weights = weightParam(net.g, spec, wShape, o.scope, { in: kh * kw, out: kh * kw * cm });
  const biases = o.biases ? biasParam(net.g, o.biases, cm, o.scope) : null;
  const pads = resolvePads(o.padding, o.kernel, o.stride, [h, w]);
  const wOIHW = depthwiseOIHW(weights, o.weightLayout, kh, kw, cm, o.scope);
  let y = b.conv(net.as(x, 'NCHW'), wOIHW, biases, { strides: [...o.stride], pads, group: c, name: `${o.scope}/depthwise` });
  y = applyActivation(y, o.activation, o.scope);
  const { rf, jump } = windowRf(x, o.kernel, o.stride);
  const out = net.feature(y, 'NCHW', rf, jump);
  const od = dims(out);
  net.record({
    name: o.scope,
    op: 'DepthwiseConv',
    kernel: `${kh}x${kw}`,
    stride: strideStr(o.stride),
    padding: padStr(o.padding) + (o.multiplier > 1 ? `, multiplier ${o.multiplier}` : ''),
    outputShape: batchOne(nhwcShape(out)),
    params: kh * kw * cm + (biases ? cm : 0),
    macs: od.h * od.w * cm * kh * kw,
    receptiveField: rfStr(out),
  });
  return out;
}

export interface SeparableConv2dOptions {
  scope: string;
  filters: number;
  kernel: [number, number];
  stride: [number, number];
  padding: Padding;
  /** Keras's depthwise_kernel (kh, kw, in, 1); a function gets fans kh*kw*in, kh*kw. */
  depthwise: WeightSpec;
  /** Keras's pointwise_kernel (1, 1, in, filters), HWIO; a function gets fans in, filters. */
  pointwise: WeightSpec;
  biases: ParamSpec | null;
  activation: Activation;
}

/**
 * Keras SeparableConv2D (layers/convolutional.py): a depthwise convolution (multiplier 1,
 * no bias) then a 1x1 pointwise convolution with the bias. Parameters are declared in
 * Keras's order: depthwise_kernel, pointwise_kernel, bias. One row in the layer table.
 */
export function separableConv2d(net: Net, x: Feature, o: SeparableConv2dOptions): Feature {
  const g = net.g;
  const { h, w, c } = dims(x);
  const [kh, kw] = o.kernel;
  const dSpec = typeof o.depthwise === 'function' ? o.depthwise(kh * kw * c, kh * kw) : o.depthwise;
  const pSpec = typeof o.pointwise === 'function' ? o.pointwise(c, o.filters) : o.pointwise;
  const dw = weightParam(g, dSpec, [kh, kw, c, 1], o.scope, { in: kh * kw, out: kh * kw * c });
  const pw = weightParam(g, pSpec, [1, 1, c, o.filters], o.scope, { in: c, out: o.filters });
  const biases = o.biases ? biasParam(g, o.biases, o.filters, o.scope) : null;
  const pads = resolvePads(o.padding, o.kernel, o.stride, [h, w]);
  const d = b.conv(net.as(x, 'NCHW'), depthwiseOIHW(dw, 'HWIM', kh, kw, c, o.scope), null, {
    strides: [...o.stride],
    pads,
    group: c,
    name: `${o.scope}/depthwise`,
  });
  const pwOIHW = b.transpose(pw, [3, 2, 0, 1], `${o.scope}/pointwise_oihw`);
  let y = b.conv(d, pwOIHW, biases, { name: `${o.scope}/pointwise` });
  y = applyActivation(y, o.activation, o.scope);
  const { rf, jump } = windowRf(x, o.kernel, o.stride);
  const out = net.feature(y, 'NCHW', rf, jump);
  const od = dims(out);
  net.record({
    name: o.scope,
    op: 'SeparableConv',
    kernel: `${kh}x${kw}`,
    stride: strideStr(o.stride),
    padding: padStr(o.padding),
    outputShape: batchOne(nhwcShape(out)),
    params: kh * kw * c + c * o.filters + (biases ? o.filters : 0),
    macs: od.h * od.w * (c * kh * kw + c * o.filters),
    receptiveField: rfStr(out),
  });
  return out;
}
