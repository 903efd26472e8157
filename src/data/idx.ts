// IDX files, the format of MNIST and Fashion-MNIST (Yann LeCun's MNIST page, "FILE
// FORMATS FOR THE MNIST DATABASE"): a 4-byte magic [0, 0, type, ndims], ndims big-endian
// uint32 sizes, then the data in row-major order, big-endian.
//   type 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
// Debian's dataset-fashion-mnist ships them gzipped (train-images-idx3-ubyte.gz); a gzip
// stream (magic 1f 8b) is inflated first.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  dims: number[];
  data: IdxData;
}

const TYPES: Record<number, { name: string; bytes: number; read: (v: DataView, off: number) => number; make: (n: number) => IdxData }> = {
  0x08: { name: 'uint8', bytes: 1, read: (v, o) => v.getUint8(o), make: (n) => new Uint8Array(n) },
  0x09: { name: 'int8', bytes: 1, read: (v, o) => v.getInt8(o), make: (n) => new Int8Array(n) },
  0x0b: { name: 'int16', bytes: 2, read: (v, o) => v.getInt16(o), make: (n) => new Int16Array(n) },
  0x0c: { name: 'int32', bytes: 4, read: (v, o) => v.getInt32(o), make: (n) => new Int32Array(n) },
  0x0d: { name: 'float32', bytes: 4, read: (v, o) => v.getFloat32(o), make: (n) => new Float32Array(n) },
  0x0e: { name: 'float64', bytes: 8, read: (v, o) => v.getFloat64(o), make: (n) => new Float64Array(n) },
};

/** Parse IDX bytes (gzipped or not). `file` names them in errors. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  let b = bytes;
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) {
    try {
      b = gunzipSync(b);
    } catch (e) {
      throw new Error(`${file}: corrupt gzip stream (${(e as Error).message})`);
    }
  }
  if (b.length < 4 || b[0] !== 0 || b[1] !== 0) {
    const head = [...b.subarray(0, 4)].map((x) => x.toString(16).padStart(2, '0')).join(' ');
    throw new Error(`${file}: not an IDX file (magic ${head || '<empty>'}, expected 00 00 <type> <ndims>)`);
  }
  const type = TYPES[b[2]!];
  if (!type) throw new Error(`${file}: unknown IDX data type 0x${b[2]!.toString(16).padStart(2, '0')} (known: 08 uint8, 09 int8, 0b int16, 0c int32, 0d float32, 0e float64)`);
  const ndims = b[3]!;
  if (ndims < 1) throw new Error(`${file}: IDX file with 0 dimensions`);
  const header = 4 + 4 * ndims;
  if (b.length < header) throw new Error(`${file}: truncated IDX header (${b.length} bytes, ${ndims} dimensions need ${header})`);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i));
  const n = dims.reduce((a, d) => a * d, 1);
  const need = header + n * type.bytes;
  if (b.length !== need) {
    throw new Error(`${file}: IDX ${type.name} [${dims.join(', ')}] needs ${need} bytes, file has ${b.length}${b.length < need ? ' (truncated)' : ''}`);
  }
  if (type.bytes === 1) {
    const data = type.make(n);
    (data as Uint8Array).set(b.subarray(header, need));
    return { dims, data };
  }
  const data = type.make(n);
  for (let i = 0, o = header; i < n; i++, o += type.bytes) data[i] = type.read(view, o);
  return { dims, data };
}

export async function readIdx(path: string): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseIdx(bytes, path);
}

/** Encode an IDX file (uint8 or float32 data), for tests and tools. */
export function encodeIdx(dims: readonly number[], data: Uint8Array | Float32Array): Uint8Array {
  const type = data instanceof Uint8Array ? 0x08 : 0x0d;
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + data.length * (type === 0x08 ? 1 : 4));
  const v = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d));
  if (data instanceof Uint8Array) out.set(data, header);
  else data.forEach((x, i) => v.setFloat32(header + 4 * i, x));
  return out;
}

/**
 * The images file and labels file of one split in an IDX directory ('train' or 't10k', the
 * MNIST names), gzipped or not; null when the directory has no such split.
 */
export function idxSplitFiles(dir: string, split: 'train' | 't10k'): { images: string; labels: string } | null {
  for (const ext of ['.gz', '']) {
    const images = join(dir, `${split}-images-idx3-ubyte${ext}`);
    const labels = join(dir, `${split}-labels-idx1-ubyte${ext}`);
    if (existsSync(images) && existsSync(labels)) return { images, labels };
  }
  return null;
}

/** The labels file that belongs to an images file (…-images-idx3-ubyte → …-labels-idx1-ubyte). */
export function idxLabelsFileFor(images: string): string {
  const l = images.replace(/images-idx3-ubyte/, 'labels-idx1-ubyte');
  if (l === images) throw new Error(`${images}: cannot tell the labels file from this name (expected …-images-idx3-ubyte[.gz])`);
  return l;
}
