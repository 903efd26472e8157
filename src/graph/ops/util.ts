// Helpers shared by the shape-inference rules.
import type { Tensor } from '../../tensor.js';
import type { Dim, Shape, TensorType } from '../types.js';
import type { InferContext } from './registry.js';

export function req(ctx: InferContext, i: number, what: string): TensorType {
  const t = ctx.inputs[i];
  if (!t) throw new Error(`missing input ${i} (${what})`);
  return t;
}

export function rank(t: TensorType, r: number, what: string): void {
  if (t.shape.length !== r) throw new Error(`${what} must have rank ${r}, got [${t.shape.join(',')}]`);
}

export function num(d: Dim, what: string): number {
  if (typeof d !== 'number') throw new Error(`${what} must be a known size, got symbol ${d}`);
  return d;
}

/** Integer values of a constant input (axes, shapes, pads). */
export function constInts(ctx: InferContext, i: number, what: string): number[] | null {
  if (!ctx.inputs[i]) return null;
  const c: Tensor | null = ctx.consts[i] ?? null;
  if (!c) throw new Error(`${what} must be a constant`);
  return Array.from(c.data as ArrayLike<number | bigint>, (v) => Number(v));
}

export function normAxis(axis: number, r: number, what = 'axis'): number {
  const a = axis < 0 ? axis + r : axis;
  if (a < 0 || a >= r) throw new Error(`${what} ${axis} is out of range for rank ${r}`);
  return a;
}

/** Numpy-style broadcasting of two shapes; a symbol matches itself or broadcasts against 1. */
export function broadcast(a: Shape, b: Shape): Shape {
  const r = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x === y || y === 1) out.push(x);
    else if (x === 1) out.push(y);
    else if (typeof x === 'string' && typeof y === 'number') out.push(y);
    else if (typeof y === 'string' && typeof x === 'number') out.push(x);
    else throw new Error(`shapes [${a.join(',')}] and [${b.join(',')}] do not broadcast`);
  }
  return out;
}

/**
 * Product of dims as a coefficient and the list of symbols it carries. A symbolic dim
 * may itself be a product written 'a*b' (e.g. '28*N' after folding N into rows).
 */
export function dimProduct(dims: Shape): { coef: number; syms: string[] } {
  let coef = 1;
  const syms: string[] = [];
  for (const d of dims) {
    if (typeof d === 'number') coef *= d;
    else
      for (const part of d.split('*')) {
        if (/^\d+$/.test(part)) coef *= Number(part);
        else syms.push(part);
      }
  }
  return { coef, syms: syms.sort() };
}
