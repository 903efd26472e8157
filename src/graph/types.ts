// Types of the graph IR: symbolic shapes and ONNX-style attributes.
import type { DType, Tensor } from '../tensor.js';

/** A dimension: a number, or a symbol such as 'N' for a batch size fixed only at run time. */
export type Dim = number | string;
export type Shape = Dim[];

export interface TensorType {
  dtype: DType;
  shape: Shape;
}

export function typeStr(t: TensorType | null | undefined): string {
  if (!t) return '<none>';
  return `${t.dtype}[${t.shape.join(',')}]`;
}

export function isStatic(shape: readonly Dim[]): shape is number[] {
  return shape.every((d) => typeof d === 'number');
}

/** Attributes carry their ONNX type explicitly: JS numbers cannot tell int from float. */
export type Attr =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'string'; value: string }
  | { type: 'ints'; value: number[] }
  | { type: 'floats'; value: number[] }
  | { type: 'tensor'; value: Tensor };

export type Attrs = Record<string, Attr>;

export const int = (value: number): Attr => ({ type: 'int', value });
export const float = (value: number): Attr => ({ type: 'float', value });
export const str = (value: string): Attr => ({ type: 'string', value });
export const ints = (value: readonly number[]): Attr => ({ type: 'ints', value: [...value] });
export const floats = (value: readonly number[]): Attr => ({ type: 'floats', value: [...value] });

export function getInt(attrs: Attrs, name: string, dflt: number): number {
  const a = attrs[name];
  if (!a) return dflt;
  if (a.type !== 'int') throw new Error(`attribute ${name} must be an int, got ${a.type}`);
  return a.value;
}

export function getFloat(attrs: Attrs, name: string, dflt: number): number {
  const a = attrs[name];
  if (!a) return dflt;
  if (a.type !== 'float') throw new Error(`attribute ${name} must be a float, got ${a.type}`);
  return a.value;
}

export function getInts(attrs: Attrs, name: string, dflt: number[]): number[] {
  const a = attrs[name];
  if (!a) return dflt;
  if (a.type !== 'ints') throw new Error(`attribute ${name} must be ints, got ${a.type}`);
  return a.value;
}

export function getString(attrs: Attrs, name: string, dflt: string): string {
  const a = attrs[name];
  if (!a) return dflt;
  if (a.type !== 'string') throw new Error(`attribute ${name} must be a string, got ${a.type}`);
  return a.value;
}
