// Pooling builders: max and average windows, global averages (as rows or keeping the
// spatial axes) and PyTorch's adaptive average pool.
import * as b from '../graph/build.js';
import type { Value } from '../graph/graph.js';
import { padStr, type Padding, resolvePads, strideStr, windowRf } from './common.js';
import { batchOne, dims, type Feature, type Net, nhwcShape, rfStr } from './net.js';

export interface PoolOptions {
  scope: string;
  kernel: [number, number];
  stride: [number, number];
  padding: Padding;
  /** PyTorch's ceil_mode. */
  ceil?: boolean;
}

function recordPool(net: Net, o: PoolOptions, op: string, out: Feature): void {
  net.record({
    name: o.scope,
    op,
    kernel: o.kernel.join('x'),
    stride: strideStr(o.stride),
    padding: padStr(o.padding),
    outputShape: batchOne(nhwcShape(out)),
    params: 0,
    macs: 0,
    receptiveField: rfStr(out),
  });
}

export function maxPool2d(net: Net, x: Feature, o: PoolOptions): Feature {
  const { h, w } = dims(x);
  const pads = resolvePads(o.padding, o.kernel, o.stride, [h, w]);
  const y = b.maxPool(net.as(x, 'NCHW'), { kernel: [...o.kernel], strides: [...o.stride], pads, ceil: o.ceil ?? false, name: `${o.scope}/MaxPool` });
  const { rf, jump } = windowRf(x, o.kernel, o.stride);
  const out = net.feature(y, 'NCHW', rf, jump);
  recordPool(net, o, 'MaxPool', out);
  return out;
}

export interface AvgPoolOptions extends PoolOptions {
  /**
   * Whether padded cells count in each window's divisor (ONNX count_include_pad).
   * Keras's `same` excludes them (false); torchvision passes it per model (F.avg_pool2d
   * and nn.AvgPool2d default to true).
   */
  countIncludePad: boolean;
}

export function avgPool2d(net: Net, x: Feature, o: AvgPoolOptions): Feature {
  const { h, w } = dims(x);
  const pads = resolvePads(o.padding, o.kernel, o.stride, [h, w]);
  const y = b.avgPool(net.as(x, 'NCHW'), {
    kernel: [...o.kernel],
    strides: [...o.stride],
    pads,
    ceil: o.ceil ?? false,
    countIncludePad: o.countIncludePad,
    name: `${o.scope}/AveragePool`,
  });
  const { rf, jump } = windowRf(x, o.kernel, o.stride);
  const out = net.feature(y, 'NCHW', rf, jump);
  recordPool(net, o, o.countIncludePad && pads.some((p) => p > 0) ? 'AveragePool (pads counted)' : 'AveragePool', out);
  return out;
}

function recordGlobal(net: Net, scope: string, op: string, outputShape: (number | string)[]): void {
  net.record({ name: scope, op, kernel: 'global', stride: '', padding: '', outputShape, params: 0, macs: 0, receptiveField: 'global' });
}

/**
 * Mean over the spatial axes as rows [N, C]: Keras's GlobalAveragePooling2D, and
 * torchvision's AdaptiveAvgPool2d(1) followed by flatten.
 */
export function globalAvgPool(net: Net, x: Feature, scope: string): Feature {
  const { c } = dims(x);
  // NHWC: one ReduceMean; NCHW: ORT's GlobalAveragePool, then drop the 1x1 axes
  const y =
    x.layout === 'NHWC'
      ? b.reduce('ReduceMean', x.value, [1, 2], false, `${scope}/Mean`)
      : b.flatten(x.value.graph.add1('GlobalAveragePool', [x.value], {}, `${scope}/GlobalAveragePool`), 1, `${scope}/Flatten`);
  recordGlobal(net, scope, 'GlobalAveragePool', [1, c]);
  return net.feature(y, 'NHWC', x.rf, x.jump);
}

/** Mean over the spatial axes, keeping them as size 1 (slim's global_pool). */
export function globalMean(net: Net, x: Feature, scope: string): Feature {
  const axes = x.layout === 'NHWC' ? [1, 2] : [2, 3];
  const y = b.reduce('ReduceMean', x.value, axes, true, scope);
  const out = net.feature(y, x.layout, x.rf, x.jump);
  recordGlobal(net, scope, 'ReduceMean', batchOne(nhwcShape(out)));
  return out;
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
