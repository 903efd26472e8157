// Helpers shared by the gradient rules: typed scalars, static shapes, and summing a
// broadcast gradient back to the shape of the operand that was broadcast.
import type { Graph, Value } from '../graph/graph.js';
import * as b from '../graph/build.js';
import { isStatic } from '../graph/types.js';
import type { DType } from '../tensor.js';
import { shapeStr, tensor } from '../tensor.js';
import type { GradContext } from './registry.js';

export const FLOAT_DTYPES: ReadonlySet<DType> = new Set(['float32', 'float64', 'float16']);

/** A scalar constant of the given float dtype. */
export function scalar(g: Graph, dtype: DType, value: number, name = 'const'): Value {
  if (dtype === 'float64') return g.constant(tensor('float64', [], Float64Array.of(value)), name);
  if (dtype === 'float32') return g.constant(tensor('float32', [], Float32Array.of(value)), name);
  throw new Error(`scalar: no ${dtype} constants for gradients`);
}

/** A constant of the given float dtype and shape, from a function of the flat index. */
export function filled(g: Graph, dtype: DType, shape: number[], f: (i: number) => number, name = 'const'): Value {
  const n = shape.reduce((a, d) => a * d, 1);
  if (dtype === 'float64') return g.constant(tensor('float64', shape, Float64Array.from({ length: n }, (_, i) => f(i))), name);
  if (dtype === 'float32') return g.constant(tensor('float32', shape, Float32Array.from({ length: n }, (_, i) => f(i))), name);
  throw new Error(`filled: no ${dtype} constants for gradients`);
}

/** The value's shape, which must be fully known. */
export function staticShape(ctx: GradContext, v: Value): number[] {
  const s = v.shape;
  if (!isStatic(s)) ctx.fail(`the gradient needs the static shape of ${v.name}, got ${shapeStr(s)}; build with a numeric batch`);
  return s;
}

/** Integer values of a constant input (axes, shapes, pads), or null when the input is absent. */
export function constInts(ctx: GradContext, i: number, what: string): number[] | null {
  const v = ctx.node.inputs[i];
  if (!v) return null;
  if (!v.constData) ctx.fail(`${what} (input ${i}) must be a constant`);
  return Array.from(v.constData.data as ArrayLike<number | bigint>, (x) => Number(x));
}

/**
 * Sum `dy` over the axes along which `x` was broadcast to produce it (numpy rules), so
 * the result has x's shape. Leading axes are reduced away; size-1 axes are kept.
 */
export function sumToShape(ctx: GradContext, dy: Value, x: Value, name: string): Value {
  const ys = dy.shape;
  const xs = x.shape;
  if (xs.length === ys.length && xs.every((d, i) => d === ys[i])) return dy;
  const lead = ys.length - xs.length;
  if (lead < 0) ctx.fail(`cannot sum gradient ${shapeStr(ys)} to the larger shape ${shapeStr(xs)} of ${x.name}`);
  const axes: number[] = [];
  for (let i = 0; i < ys.length; i++) {
    if (i < lead) axes.push(i);
    else if (xs[i - lead] === 1 && ys[i] !== 1) axes.push(i);
    else if (xs[i - lead] !== ys[i]) ctx.fail(`gradient ${shapeStr(ys)} does not broadcast from ${x.name} ${shapeStr(xs)}`);
  }
  let out = axes.length ? b.reduce('ReduceSum', dy, axes, true, ctx.name(`${name}/sum`)) : dy;
  if (lead > 0) out = b.squeeze(out, [...Array(lead).keys()], ctx.name(`${name}/squeeze`));
  return out;
}

/** Sum a list of gradient contributions with one node (Add for two, Sum for more). */
export function sumAll(g: Graph, parts: Value[], name: string): Value {
  if (parts.length === 1) return parts[0]!;
  if (parts.length === 2) return b.add(parts[0]!, parts[1]!, name);
  return g.add1('Sum', parts, {}, name);
}

/** Zeros of a static shape, made at run time (ConstantOfShape) rather than stored in the model. */
export function zeros(g: Graph, dtype: DType, shape: readonly number[], name: string): Value {
  const one = dtype === 'float64' ? tensor('float64', [1], Float64Array.of(0)) : tensor('float32', [1], Float32Array.of(0));
  if (dtype !== 'float64' && dtype !== 'float32') throw new Error(`zeros: no ${dtype} zeros for gradients`);
  return g.add1('ConstantOfShape', [b.i64(g, shape, 'shape')], { value: { type: 'tensor', value: one } }, name);
}

/** Zero padding of any float dtype (build.pad's pad value is float32); pads in ONNX order. */
export function padZeros(x: Value, pads: readonly number[], name: string): Value {
  return x.graph.add1('Pad', [x, b.i64(x.graph, pads, 'pads')], { mode: { type: 'string', value: 'constant' } }, name);
}
