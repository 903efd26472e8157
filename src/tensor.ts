// Host tensors: a dtype, a concrete shape and a typed array, row-major (C order).
// This is the currency between weight readers, preprocessing, the ONNX writer and
// ORT sessions. It is deliberately dumb: no ops, no broadcasting.

export type DType = 'float32' | 'float64' | 'float16' | 'int64' | 'int32' | 'uint8' | 'int8' | 'bool';

export type TypedArrayOf<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'float16'
      ? Uint16Array // raw IEEE half bits
      : D extends 'int64'
        ? BigInt64Array
        : D extends 'int32'
          ? Int32Array
          : D extends 'int8'
            ? Int8Array
            : Uint8Array; // uint8, bool

export type AnyTypedArray =
  | Float32Array
  | Float64Array
  | Uint16Array
  | BigInt64Array
  | Int32Array
  | Int8Array
  | Uint8Array;

export interface Tensor<D extends DType = DType> {
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly data: TypedArrayOf<D>;
}

export const BYTES_PER_ELEMENT: Record<DType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  int64: 8,
  int32: 4,
  uint8: 1,
  int8: 1,
  bool: 1,
};

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeStr(shape: readonly (number | string)[]): string {
  return `[${shape.join(',')}]`;
}

export function sameShape(a: readonly (number | string)[], b: readonly (number | string)[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function allocate<D extends DType>(dtype: D, n: number): TypedArrayOf<D> {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n) as TypedArrayOf<D>;
    case 'float64':
      return new Float64Array(n) as TypedArrayOf<D>;
    case 'float16':
      return new Uint16Array(n) as TypedArrayOf<D>;
    case 'int64':
      return new BigInt64Array(n) as TypedArrayOf<D>;
    case 'int32':
      return new Int32Array(n) as TypedArrayOf<D>;
    case 'int8':
      return new Int8Array(n) as TypedArrayOf<D>;
    default:
      return new Uint8Array(n) as TypedArrayOf<D>;
  }
}

/** A tensor with the given data, checked against the shape; or zero-filled when data is omitted. */
export function tensor<D extends DType>(dtype: D, shape: readonly number[], data?: TypedArrayOf<D>): Tensor<D> {
  const n = numel(shape);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`tensor: bad shape ${shapeStr(shape)}`);
  }
  const arr = data ?? allocate(dtype, n);
  if (arr.length !== n) {
    throw new Error(`tensor: shape ${shapeStr(shape)} needs ${n} elements, data has ${arr.length}`);
  }
  return { dtype, shape: [...shape], data: arr };
}

export function float32(shape: readonly number[], data?: Float32Array): Tensor<'float32'> {
  return tensor('float32', shape, data);
}

/** Same data, new shape (no copy). */
export function reshape<D extends DType>(t: Tensor<D>, shape: readonly number[]): Tensor<D> {
  if (numel(shape) !== t.data.length) {
    throw new Error(`reshape: cannot view ${shapeStr(t.shape)} as ${shapeStr(shape)}`);
  }
  return { dtype: t.dtype, shape: [...shape], data: t.data };
}

/** Row-major strides of a shape, in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Copy with permuted axes (numpy.transpose). Reference implementation, clear rather than fast. */
export function transpose<D extends DType>(t: Tensor<D>, perm: readonly number[]): Tensor<D> {
  const rank = t.shape.length;
  if (perm.length !== rank || [...perm].sort().some((p, i) => p !== i)) {
    throw new Error(`transpose: perm ${shapeStr(perm)} does not fit shape ${shapeStr(t.shape)}`);
  }
  const outShape = perm.map((p) => t.shape[p]!);
  const out = allocate(t.dtype, t.data.length);
  const inStrides = stridesOf(t.shape);
  const permStrides = perm.map((p) => inStrides[p]!);
  const idx = new Array<number>(rank).fill(0);
  const src = t.data as ArrayLike<number | bigint>;
  const dst = out as unknown as { [i: number]: number | bigint };
  let off = 0;
  for (let i = 0; i < out.length; i++) {
    dst[i] = src[off]!;
    // odometer increment over the output index
    for (let a = rank - 1; a >= 0; a--) {
      idx[a]!++;
      off += permStrides[a]!;
      if (idx[a]! < outShape[a]!) break;
      off -= permStrides[a]! * outShape[a]!;
      idx[a] = 0;
    }
  }
  return { dtype: t.dtype, shape: outShape, data: out };
}

/** IEEE 754 half (as raw bits) to float32. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Convert any numeric tensor to float32 (float16 bits are decoded, int64 goes through Number). */
export function toFloat32(t: Tensor): Tensor<'float32'> {
  if (t.dtype === 'float32') return t as Tensor<'float32'>;
  const out = new Float32Array(t.data.length);
  if (t.dtype === 'float16') {
    const d = t.data as Uint16Array;
    for (let i = 0; i < d.length; i++) out[i] = halfToFloat(d[i]!);
  } else if (t.dtype === 'int64') {
    const d = t.data as BigInt64Array;
    for (let i = 0; i < d.length; i++) out[i] = Number(d[i]!);
  } else {
    const d = t.data as ArrayLike<number>;
    for (let i = 0; i < d.length; i++) out[i] = d[i]!;
  }
  return { dtype: 'float32', shape: [...t.shape], data: out };
}

/** Little-endian bytes of a tensor's data, as a view when the platform is little-endian (always, on x86/arm Node). */
export function tensorBytes(t: Tensor): Uint8Array {
  const d = t.data;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** Index of the largest value along the last axis, per row. */
export function argmaxRows(data: Float32Array, cols: number): number[] {
  const rows = data.length / cols;
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let bv = -Infinity;
    for (let c = 0; c < cols; c++) {
      const v = data[r * cols + c]!;
      if (v > bv) {
        bv = v;
        best = c;
      }
    }
    out.push(best);
  }
  return out;
}
