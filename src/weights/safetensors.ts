// safetensors read and write.
//
// Format per huggingface/safetensors (README "Format" and safetensors/src/tensor.rs):
// an 8-byte little-endian header length N, N bytes of UTF-8 JSON
//   {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
//    "__metadata__": {"key": "value"}}
// then the byte buffer; offsets are relative to the buffer's start, little-endian,
// row-major. The reference validator requires the tensors to cover the buffer exactly
// without overlap; we check the same. Writers pad the header with spaces to 8 bytes so
// the data is aligned.
import type { DType, Tensor } from '../tensor.js';
import { BYTES_PER_ELEMENT, numel, shapeStr, tensorBytes } from '../tensor.js';
import { atomicWriteFile } from '../util/fs.js';
import { checkShape, setOwn, typedFromBytes } from './typed.js';

const TO_ST: Record<DType, string> = {
  float32: 'F32',
  float16: 'F16',
  float64: 'F64',
  int64: 'I64',
  int32: 'I32',
  uint8: 'U8',
  int8: 'I8',
  bool: 'BOOL',
};
const FROM_ST: Record<string, DType> = Object.fromEntries(Object.entries(TO_ST).map(([k, v]) => [v, k as DType]));

// The reference implementation refuses headers over 100 MB.
const MAX_HEADER = 100_000_000;

export interface SafetensorsContent {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/** Header sanity check used for format detection: plausible length, then '{'. */
export function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  return n >= 2n && n <= BigInt(Math.min(bytes.length - 8, MAX_HEADER)) && bytes[8] === 0x7b;
}

/**
 * The safetensors layout whatever the length says: 8 bytes, then the header's '{'. A file
 * like this that fails looksLikeSafetensors has a bad header length, which readSafetensors
 * reports as such rather than as an unknown format.
 */
export function shapedLikeSafetensors(bytes: Uint8Array): boolean {
  return bytes.length >= 9 && bytes[8] === 0x7b;
}

/** The header as JSON text, or an error saying why it is not (cut to one short line). */
function parseHeader(bytes: Uint8Array, file: string): unknown {
  const fail = (why: string, err: unknown): Error => {
    const detail = (err as Error).message.split('\n')[0]!;
    return new Error(`${file}: invalid safetensors header: ${why} (${detail.length > 120 ? `${detail.slice(0, 119)}…` : detail})`);
  };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    throw fail('not UTF-8', err);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw fail('not valid JSON', err);
  }
}

export function readSafetensors(bytes: Uint8Array, file = '<safetensors>'): SafetensorsContent {
  if (bytes.length < 8) throw new Error(`${file}: truncated safetensors: ${bytes.length} bytes`);
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER)) {
    const limit = n64 + 8n <= BigInt(bytes.length) ? `; the format allows at most ${MAX_HEADER}` : '';
    throw new Error(`${file}: invalid safetensors header length ${n64} (file has ${bytes.length} bytes${limit})`);
  }
  const n = Number(n64);
  if (8 + n > bytes.length) throw new Error(`${file}: truncated safetensors: header needs ${8 + n} bytes, file has ${bytes.length}`);
  const header = parseHeader(bytes.subarray(8, 8 + n), file);
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new Error(`${file}: invalid safetensors header: not a JSON object`);
  const buf = bytes.subarray(8 + n);
  const metadata: Record<string, string> = {};
  const spans: [number, number, string][] = [];
  const tensors = new Map<string, Tensor>();
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof info !== 'object' || info === null) throw new Error(`${file}: __metadata__ is not an object`);
      for (const [k, v] of Object.entries(info)) {
        if (typeof v !== 'string') throw new Error(`${file}: __metadata__.${k} is ${JSON.stringify(v)}, not a string`);
        setOwn(metadata, k, v);
      }
      continue;
    }
    const what = `${file}: tensor ${name}`;
    const e = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = typeof e?.dtype === 'string' ? FROM_ST[e.dtype] : undefined;
    if (!dtype) throw new Error(`${what} has unsupported dtype ${JSON.stringify(e?.dtype)}; supported: ${Object.values(TO_ST).join(', ')}`);
    if (!Array.isArray(e.shape)) throw new Error(`${what} has no shape`);
    const shape = checkShape(e.shape, what);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((x) => Number.isSafeInteger(x) && x >= 0) || off[0] > off[1]) {
      throw new Error(`${what} has bad data_offsets ${JSON.stringify(off)}`);
    }
    const [b, end] = off as [number, number];
    const need = numel(shape) * BYTES_PER_ELEMENT[dtype];
    if (end - b !== need) throw new Error(`${what}: ${dtype} ${shapeStr(shape)} needs ${need} bytes, data_offsets span ${end - b}`);
    if (end > buf.length) throw new Error(`${file}: truncated: ${name} needs bytes up to ${end}, data has ${buf.length}`);
    spans.push([b, end, name]);
    tensors.set(name, { dtype, shape, data: typedFromBytes(dtype, buf.subarray(b, end), numel(shape), false, what) });
  }
  // Tensors must tile the data buffer: no gaps, no overlaps, nothing left over.
  spans.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let cursor = 0;
  for (const [b, end, name] of spans) {
    if (b !== cursor) throw new Error(`${file}: tensor ${name} starts at ${b}, expected ${cursor} (gap or overlap)`);
    cursor = end;
  }
  if (cursor !== buf.length) throw new Error(`${file}: ${buf.length - cursor} bytes after the last tensor`);
  return { tensors, metadata };
}

/**
 * The file as a list of chunks (length, header, then each tensor's bytes as views, no copy).
 * Tensors are ordered by element size, largest first, then by name, so every tensor is
 * aligned to its element size.
 */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array[] {
  const entries: [string, Tensor][] = tensors instanceof Map ? [...tensors] : Object.entries(tensors as Record<string, Tensor>);
  entries.sort(([an, a], [bn, b]) => BYTES_PER_ELEMENT[b.dtype] - BYTES_PER_ELEMENT[a.dtype] || (an < bn ? -1 : an > bn ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new Error(`safetensors metadata ${k} must be a string, got ${typeof v}`);
    }
    header['__metadata__'] = metadata;
  }
  const chunks: Uint8Array[] = [];
  let off = 0;
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw new Error('safetensors: a tensor cannot be named __metadata__');
    const data = tensorBytes(t);
    const need = numel(t.shape) * BYTES_PER_ELEMENT[t.dtype];
    if (data.length !== need) throw new Error(`safetensors: tensor ${name} ${shapeStr(t.shape)} has ${data.length} bytes, needs ${need}`);
    header[name] = { dtype: TO_ST[t.dtype], shape: [...t.shape], data_offsets: [off, off + data.length] };
    chunks.push(data);
    off += data.length;
  }
  let json = JSON.stringify(header);
  let hb = new TextEncoder().encode(json);
  const pad = (8 - (hb.length % 8)) % 8;
  if (pad) hb = new TextEncoder().encode((json += ' '.repeat(pad)));
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(hb.length), true);
  return [len, hb, ...chunks];
}

/** Write a safetensors file atomically (temp file, fsync, rename, fsync dir). */
export async function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>,
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  await atomicWriteFile(path, encodeSafetensors(tensors, metadata));
}
