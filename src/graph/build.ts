// Typed builders over Graph.add: one function per op, with ONNX attribute types made
// explicit. Layer builders (src/nn) and gradient rules (src/grad) are written with these.
import { tensor } from '../tensor.js';
import type { Graph, Value } from './graph.js';
import type { Attrs } from './types.js';
import { float, int, ints, str } from './types.js';

export function i64(g: Graph, values: readonly number[], name = 'const'): Value {
  return g.constant(tensor('int64', [values.length], BigInt64Array.from(values.map((v) => BigInt(v)))), name);
}

export function f32(g: Graph, values: readonly number[] | number, name = 'const'): Value {
  if (typeof values === 'number') return g.constant(tensor('float32', [], Float32Array.of(values)), name);
  return g.constant(tensor('float32', [values.length], Float32Array.from(values)), name);
}

export interface ConvAttrs {
  strides?: number[];
  pads?: number[];
  dilations?: number[];
  group?: number;
  name?: string;
}

function windowAttrs(o: ConvAttrs & { kernel?: number[] }): Attrs {
  const a: Attrs = {};
  if (o.kernel) a['kernel_shape'] = ints(o.kernel);
  if (o.strides) a['strides'] = ints(o.strides);
  if (o.pads) a['pads'] = ints(o.pads);
  if (o.dilations) a['dilations'] = ints(o.dilations);
  return a;
}

export function conv(x: Value, w: Value, b: Value | null, o: ConvAttrs = {}): Value {
  const attrs = windowAttrs(o);
  if (o.group && o.group !== 1) attrs['group'] = int(o.group);
  return x.graph.add1('Conv', b ? [x, w, b] : [x, w], attrs, o.name);
}

export function convTranspose(x: Value, w: Value, o: ConvAttrs & { outputPadding?: number[] } = {}): Value {
  const attrs = windowAttrs(o);
  if (o.group && o.group !== 1) attrs['group'] = int(o.group);
  if (o.outputPadding && o.outputPadding.some((p) => p !== 0)) attrs['output_padding'] = ints(o.outputPadding);
  return x.graph.add1('ConvTranspose', [x, w], attrs, o.name);
}

export interface PoolAttrs {
  kernel: number[];
  strides?: number[];
  pads?: number[];
  ceil?: boolean;
  name?: string;
}

export function maxPool(x: Value, o: PoolAttrs): Value {
  const attrs = windowAttrs(o);
  if (o.ceil) attrs['ceil_mode'] = int(1);
  return x.graph.add1('MaxPool', [x], attrs, o.name);
}

/** MaxPool with its Indices output (flat NCHW offsets), for the backward pass. */
export function maxPoolWithIndices(x: Value, o: PoolAttrs): [Value, Value] {
  const attrs = windowAttrs(o);
  if (o.ceil) attrs['ceil_mode'] = int(1);
  const [y, idx] = x.graph.add('MaxPool', [x], attrs, { outputs: 2, ...(o.name ? { name: o.name } : {}) });
  return [y!, idx!];
}

export function avgPool(x: Value, o: PoolAttrs & { countIncludePad?: boolean }): Value {
  const attrs = windowAttrs(o);
  if (o.ceil) attrs['ceil_mode'] = int(1);
  if (o.countIncludePad) attrs['count_include_pad'] = int(1);
  return x.graph.add1('AveragePool', [x], attrs, o.name);
}

export function lrn(x: Value, o: { size: number; alpha: number; beta: number; bias: number; name?: string }): Value {
  return x.graph.add1('LRN', [x], { size: int(o.size), alpha: float(o.alpha), beta: float(o.beta), bias: float(o.bias) }, o.name);
}

export function unary(op: string, x: Value, name?: string): Value {
  return x.graph.add1(op, [x], {}, name);
}

export const relu = (x: Value, name?: string) => unary('Relu', x, name);

/** ONNX Clip with constant bounds (min and max as scalar inputs, opset 11+). */
export function clip(x: Value, min: number, max: number, name?: string): Value {
  const g = x.graph;
  return g.add1('Clip', [x, f32(g, min, 'clip_min'), f32(g, max, 'clip_max')], {}, name);
}
export const identity = (x: Value, name?: string) => unary('Identity', x, name);

export function binary(op: string, a: Value, b: Value, name?: string): Value {
  return a.graph.add1(op, [a, b], {}, name);
}

export const add = (a: Value, b: Value, name?: string) => binary('Add', a, b, name);
export const sub = (a: Value, b: Value, name?: string) => binary('Sub', a, b, name);
export const mul = (a: Value, b: Value, name?: string) => binary('Mul', a, b, name);
export const div = (a: Value, b: Value, name?: string) => binary('Div', a, b, name);
export const matmul = (a: Value, b: Value, name?: string) => binary('MatMul', a, b, name);

export function gemm(a: Value, b: Value, c: Value | null, o: { transA?: boolean; transB?: boolean; alpha?: number; beta?: number; name?: string } = {}): Value {
  const attrs: Attrs = {};
  if (o.transA) attrs['transA'] = int(1);
  if (o.transB) attrs['transB'] = int(1);
  if (o.alpha !== undefined && o.alpha !== 1) attrs['alpha'] = float(o.alpha);
  if (o.beta !== undefined && o.beta !== 1) attrs['beta'] = float(o.beta);
  return a.graph.add1('Gemm', c ? [a, b, c] : [a, b], attrs, o.name);
}

export function reshape(x: Value, shape: readonly number[], name?: string): Value {
  return x.graph.add1('Reshape', [x, i64(x.graph, shape, 'shape')], {}, name);
}

export function flatten(x: Value, axis = 1, name?: string): Value {
  return x.graph.add1('Flatten', [x], { axis: int(axis) }, name);
}

export function transpose(x: Value, perm: readonly number[], name?: string): Value {
  return x.graph.add1('Transpose', [x], { perm: ints(perm) }, name);
}

export function squeeze(x: Value, axes: readonly number[], name?: string): Value {
  return x.graph.add1('Squeeze', [x, i64(x.graph, axes, 'axes')], {}, name);
}

export function unsqueeze(x: Value, axes: readonly number[], name?: string): Value {
  return x.graph.add1('Unsqueeze', [x, i64(x.graph, axes, 'axes')], {}, name);
}

export function concat(xs: Value[], axis: number, name?: string): Value {
  return xs[0]!.graph.add1('Concat', xs, { axis: int(axis) }, name);
}

export function gather(x: Value, indices: Value, axis: number, name?: string): Value {
  return x.graph.add1('Gather', [x, indices], { axis: int(axis) }, name);
}

export function slice(x: Value, starts: number[], ends: number[], axes: number[], steps?: number[], name?: string): Value {
  const g = x.graph;
  const inputs = [x, i64(g, starts, 'starts'), i64(g, ends, 'ends'), i64(g, axes, 'axes')];
  if (steps) inputs.push(i64(g, steps, 'steps'));
  return g.add1('Slice', inputs, {}, name);
}

export function reduce(op: string, x: Value, axes: readonly number[], keepdims: boolean, name?: string): Value {
  return x.graph.add1(op, [x, i64(x.graph, axes, 'axes')], { keepdims: int(keepdims ? 1 : 0) }, name);
}

export function softmax(x: Value, axis = -1, name?: string): Value {
  return x.graph.add1('Softmax', [x], { axis: int(axis) }, name);
}

/**
 * ONNX Dropout with an explicit training_mode input. With training=false it is the
 * identity (ORT removes it); with training=true it also returns the mask.
 */
export function dropout(x: Value, ratio: number, training: boolean, o: { seed?: number; name?: string } = {}): [Value, Value | null] {
  const g = x.graph;
  if (!training) return [g.add1('Dropout', [x], {}, o.name), null];
  const attrs: Attrs = {};
  if (o.seed !== undefined) attrs['seed'] = int(o.seed);
  const mode = g.constant(tensor('bool', [], Uint8Array.of(1)), 'training_mode');
  const [y, mask] = g.add('Dropout', [x, f32(g, ratio, 'ratio'), mode], attrs, { outputs: 2, ...(o.name ? { name: o.name } : {}) });
  return [y!, mask!];
}

export function cast(x: Value, to: number, name?: string): Value {
  return x.graph.add1('Cast', [x], { to: int(to) }, name);
}

export function pad(x: Value, pads: number[], value = 0, name?: string): Value {
  const g = x.graph;
  return g.add1('Pad', [x, i64(g, pads, 'pads'), f32(g, value, 'pad_value')], { mode: str('constant') }, name);
}
