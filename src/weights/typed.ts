// Byte-level helpers shared by the weight readers: typed arrays from raw little- or
// big-endian bytes (zero-copy when aligned), strided gathers (torch views), Fortran
// order to C order (numpy), and a copy budget so a hostile file that references the
// same large buffer many times cannot make us allocate without bound.
import type { DType, Tensor, TypedArrayOf } from '../tensor.js';
import { BYTES_PER_ELEMENT, numel, shapeStr, transpose } from '../tensor.js';

/** Allocation guard: total bytes a single read may copy. */
export class CopyBudget {
  private used = 0;
  constructor(
    private readonly limit: number,
    private readonly file: string,
  ) {}
  /** A budget proportional to the input: 4x the file plus 64 MiB. */
  static forInput(bytes: number, file: string): CopyBudget {
    return new CopyBudget(4 * bytes + 64 * 2 ** 20, file);
  }
  take(n: number, what: string): void {
    this.used += n;
    if (this.used > this.limit) {
      throw new Error(`${this.file}: ${what} would copy ${this.used} bytes in total, more than the ${this.limit} allowed for this file`);
    }
  }
}

export function checkShape(shape: readonly unknown[], what: string): number[] {
  const out: number[] = [];
  for (const d of shape) {
    const n = typeof d === 'bigint' ? Number(d) : d;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new Error(`${what}: bad dimension ${String(d)} in shape`);
    out.push(n);
  }
  return out;
}

function view<D extends DType>(dtype: D, buf: ArrayBufferLike, byteOffset: number, count: number): TypedArrayOf<D> {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buf, byteOffset, count) as TypedArrayOf<D>;
    case 'float64':
      return new Float64Array(buf, byteOffset, count) as TypedArrayOf<D>;
    case 'float16':
      return new Uint16Array(buf, byteOffset, count) as TypedArrayOf<D>;
    case 'int64':
      return new BigInt64Array(buf, byteOffset, count) as TypedArrayOf<D>;
    case 'int32':
      return new Int32Array(buf, byteOffset, count) as TypedArrayOf<D>;
    case 'int8':
      return new Int8Array(buf, byteOffset, count) as TypedArrayOf<D>;
    default:
      return new Uint8Array(buf, byteOffset, count) as TypedArrayOf<D>;
  }
}

export function byteswap(b: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i + size <= b.length; i += size) {
    for (let j = 0, k = size - 1; j < k; j++, k--) {
      const t = b[i + j]!;
      b[i + j] = b[i + k]!;
      b[i + k] = t;
    }
  }
}

/**
 * Elements of `dtype` stored in `bytes` (exactly count * itemsize of them). A view of the
 * same memory when little-endian and aligned; otherwise a copy charged to `budget`.
 */
export function typedFromBytes<D extends DType>(
  dtype: D,
  bytes: Uint8Array,
  count: number,
  bigEndian: boolean,
  what: string,
  budget?: CopyBudget,
): TypedArrayOf<D> {
  const size = BYTES_PER_ELEMENT[dtype];
  if (bytes.length !== count * size) {
    throw new Error(`${what}: ${count} ${dtype} elements need ${count * size} bytes, found ${bytes.length}`);
  }
  if (!bigEndian && bytes.byteOffset % size === 0) return view(dtype, bytes.buffer, bytes.byteOffset, count);
  budget?.take(bytes.length, what);
  // Not bytes.slice(): on a Buffer that is a view. Not new Uint8Array(bytes): V8 copies
  // element by element there, several times slower than set() on 250 MB.
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  if (bigEndian) byteswap(copy, size);
  return view(dtype, copy.buffer, 0, count);
}

function allocLike<D extends DType>(dtype: D, n: number): TypedArrayOf<D> {
  return view(dtype, new ArrayBuffer(n * BYTES_PER_ELEMENT[dtype]), 0, n);
}

/**
 * A contiguous tensor from a strided view of `src` (torch's as_strided semantics, strides
 * and offset in elements). Contiguous views are zero-copy subarrays.
 */
export function stridedTensor<D extends DType>(
  dtype: D,
  src: TypedArrayOf<D>,
  offset: number,
  size: readonly number[],
  stride: readonly number[],
  what: string,
  budget?: CopyBudget,
): Tensor<D> {
  if (size.length !== stride.length) throw new Error(`${what}: size ${shapeStr(size)} and stride ${shapeStr(stride)} differ in rank`);
  for (const s of stride) {
    if (!Number.isSafeInteger(s) || s < 0) throw new Error(`${what}: bad stride ${shapeStr(stride)}`);
  }
  if (!Number.isSafeInteger(offset) || offset < 0) throw new Error(`${what}: bad storage offset ${offset}`);
  const n = numel(size);
  if (n > 0) {
    let last = offset;
    for (let i = 0; i < size.length; i++) last += (size[i]! - 1) * stride[i]!;
    if (last >= src.length) {
      throw new Error(
        `${what}: view size ${shapeStr(size)} stride ${shapeStr(stride)} offset ${offset} reaches element ${last}, storage has ${src.length}`,
      );
    }
  }
  let contiguous = true;
  let expect = 1;
  for (let i = size.length - 1; i >= 0; i--) {
    if (size[i] !== 1 && stride[i] !== expect) contiguous = false;
    expect *= size[i]!;
  }
  if (contiguous || n === 0) {
    return { dtype, shape: [...size], data: src.subarray(offset, offset + n) as TypedArrayOf<D> };
  }
  budget?.take(n * BYTES_PER_ELEMENT[dtype], what);
  const out = allocLike(dtype, n);
  const rank = size.length;
  const idx = new Array<number>(rank).fill(0);
  const s = src as unknown as ArrayLike<number | bigint>;
  const d = out as unknown as { [i: number]: number | bigint };
  let off = offset;
  for (let i = 0; i < n; i++) {
    d[i] = s[off]!;
    for (let a = rank - 1; a >= 0; a--) {
      idx[a]!++;
      off += stride[a]!;
      if (idx[a]! < size[a]!) break;
      off -= stride[a]! * size[a]!;
      idx[a] = 0;
    }
  }
  return { dtype, shape: [...size], data: out };
}

/** Data laid out in Fortran (column-major) order for `shape`, as a C-order tensor. */
export function fromFortran<D extends DType>(dtype: D, data: TypedArrayOf<D>, shape: readonly number[]): Tensor<D> {
  // Fortran order for shape S is C order for reversed(S); reversing the axes back is a transpose.
  const rev = [...shape].reverse();
  if (shape.length < 2) return { dtype, shape: [...shape], data };
  return transpose({ dtype, shape: rev, data }, rev.map((_, i) => rev.length - 1 - i));
}

/**
 * Set a key read from a file on a plain record. defineProperty, not assignment: a key
 * named `__proto__` must become an ordinary entry, never the object's prototype.
 */
export function setOwn(rec: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(rec, key, { value, enumerable: true, writable: true, configurable: true });
}
