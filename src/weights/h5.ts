// Keras .h5 weight files, in the legacy HDF5 layout that keras/engine/saving.py writes
// (save_weights_to_hdf5_group; model.save puts the same layout under a `model_weights`
// group):
//
//   root attrs   layer_names: every layer of the model in order, weightless ones included,
//                split into layer_names0, layer_names1, ... when one attribute would pass
//                HDF5's 64 KB object header limit (save_attributes_to_hdf5_group)
//   /<layer>     one group per layer; attribute weight_names lists its weights in the
//                order the layer creates them, and each is a dataset at <layer>/<name>:
//                `block1_conv1_W_1:0` in VGG-era (Keras 1) files, `conv1_conv/kernel:0` later
//
// Keras loads by that order, never by the names (load_weights_from_hdf5_group), so the
// reader keeps it: readH5 returns the layers in order with their weights in order, and
// the tensors keyed `<layer>/<weight name without the layer prefix and :0>` in an
// H5Tensors map that carries the layers (./h5_map.ts maps them onto a model's parameters).
//
// The HDF5 library is h5wasm (HDF5's C library compiled to WASM, reading through Node's
// filesystem); it loads on the first .h5 read. HDF5 prints its error stacks to standard
// error, so calls into it run with that output captured, and a failure becomes one line.
import fs from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { float32, type Tensor } from '../tensor.js';

/** The 8-byte HDF5 signature at the start of a file (superblock at offset 0, as Keras writes). */
const MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export function isHdf5(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && MAGIC.every((b, i) => bytes[i] === b);
}

export interface H5Layer {
  /** The Keras layer name. */
  name: string;
  /** Its weights in the file's order: the full name in the file, and the key in H5Tensors. */
  weights: { name: string; key: string }[];
}

/** A .h5 file's tensors by `<layer>/<leaf>`, with the file's layers in order. */
export class H5Tensors extends Map<string, Tensor> {
  constructor(
    /** The file, for messages. */
    readonly file: string,
    readonly layers: readonly H5Layer[],
  ) {
    super();
  }
}

/** An .h5 file's tensors with their layers, or null for any other format's. */
export function asH5(raw: ReadonlyMap<string, Tensor>): H5Tensors | null {
  return raw instanceof H5Tensors ? raw : null;
}

/**
 * The end-of-file address a superblock records (versions 0 to 3), or null when the
 * header is too short to hold it. Offsets are little-endian, 4 or 8 bytes (byte 13 of a
 * version 0/1 superblock, byte 9 of a version 2/3 one).
 */
export function storedEof(head: Uint8Array): number | null {
  if (head.length < 10) return null;
  const version = head[8]!;
  const size = version <= 1 ? head[13] : head[9];
  if (size !== 4 && size !== 8) return null;
  // v0: 24 bytes of versions, sizes and K values, then base, free-space, EOF addresses;
  // v1 adds 4 bytes (indexed storage K, reserved); v2/3: 12 bytes, then base, extension, EOF.
  const at = version === 0 ? 24 + 2 * size : version === 1 ? 28 + 2 * size : 12 + 2 * size;
  if (head.length < at + size) return null;
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  return size === 4 ? dv.getUint32(at, true) : Number(dv.getBigUint64(at, true));
}

/** A problem found in the file's Keras layout (not an HDF5 failure): passed through as it is. */
class LayoutError extends Error {}

/**
 * Run `fn` with standard error captured: HDF5 prints its error stacks to file descriptor 2,
 * which h5wasm's filesystem writes with fs.writeSync. An HDF5 failure becomes one line,
 * `what` with HDF5's innermost reason.
 */
function quiet<T>(fn: () => T, what: string): T {
  const writeSync = fs.writeSync;
  let captured = '';
  fs.writeSync = ((fd: number, data: string | NodeJS.ArrayBufferView, ...rest: unknown[]) => {
    if (fd !== 2) return (writeSync as (...a: unknown[]) => number)(fd, data, ...rest);
    const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const [offset, length] = [typeof rest[0] === 'number' ? rest[0] : 0, typeof rest[1] === 'number' ? rest[1] : bytes.length];
    captured += bytes.subarray(offset, offset + length).toString('utf8');
    return length;
  }) as typeof fs.writeSync;
  try {
    return fn();
  } catch (e) {
    if (e instanceof LayoutError) throw e;
    // the innermost frame of HDF5's stack names the cause: "#006: ... in H5F__super_read(): truncated file: ..."
    const frames = [...captured.matchAll(/#\d+: .* in [\w]+\(\): (.*)/g)].map((m) => m[1]!);
    throw new Error(`${what}${frames.length ? ` (${frames[frames.length - 1]})` : ''}`, { cause: e });
  } finally {
    fs.writeSync = writeSync;
  }
}

type H5Module = typeof import('h5wasm/node');
type H5Group = InstanceType<H5Module['Group']>;
let h5: Promise<H5Module['default']> | null = null;

async function library(): Promise<H5Module['default']> {
  return (h5 ??= import('h5wasm/node').then(async (m) => {
    await m.default.ready;
    return m.default;
  }));
}

/** Keras's load_attributes_from_hdf5_group: `name`, or `name0`, `name1`, ... joined. */
function nameList(g: H5Group, name: string, where: string): string[] {
  const attrs = g.attrs;
  const parts = attrs[name] ? [name] : [];
  for (let i = 0; !attrs[name] && attrs[`${name}${i}`]; i++) parts.push(`${name}${i}`);
  if (parts.length === 0) return [];
  return parts.flatMap((p) => {
    const v = attrs[p]!.value;
    // a weightless layer's empty list is stored as numpy's np.asarray([]), float64
    if (ArrayBuffer.isView(v) && (v as Float64Array).length === 0) return [];
    const list = Array.isArray(v) ? v : [v];
    if (!list.every((s) => typeof s === 'string')) throw new LayoutError(`${where}: attribute ${p} is not a list of names`);
    return list as string[];
  });
}

/** `conv1_conv/kernel:0` -> `kernel`, `block1_conv1_W_1:0` -> `W_1`: the key's leaf. */
function leafOf(layer: string, weight: string): string {
  const w = weight.replace(/:\d+$/, '');
  if (w.startsWith(`${layer}/`)) return w.slice(layer.length + 1);
  if (w.startsWith(`${layer}_`)) return w.slice(layer.length + 1);
  return w;
}

function toF32(v: unknown, where: string, dtype: unknown): Float32Array {
  if (v instanceof Float32Array) return v;
  if (v instanceof Float64Array) return Float32Array.from(v);
  throw new LayoutError(`${where}: dtype ${JSON.stringify(dtype)}, expected float32 or float64`);
}

function readLayers(root: H5Group, lib: H5Module['default'], file: string): H5Tensors {
  const names = nameList(root, 'layer_names', file);
  if (names.length === 0) throw new LayoutError(`${file}: an HDF5 file without Keras's layer_names attribute (not Keras weights)`);
  const layers: H5Layer[] = [];
  const tensors = new H5Tensors(file, layers);
  for (const name of names) {
    const g = root.get(name);
    if (!(g instanceof lib.Group)) throw new LayoutError(`${file}: layer_names lists ${name}, which has no group in the file`);
    const layer: H5Layer = { name, weights: [] };
    for (const w of nameList(g, 'weight_names', `${file}: ${name}`)) {
      const d = g.get(w);
      if (!(d instanceof lib.Dataset)) throw new LayoutError(`${file}: ${name} lists weight ${w}, which has no dataset in the file`);
      let key = `${name}/${leafOf(name, w)}`;
      if (tensors.has(key)) key = `${key}#${layer.weights.length}`;
      const data = toF32(d.value, `${file}: ${name}/${w}`, d.dtype);
      tensors.set(key, float32(d.shape ?? [], data));
      layer.weights.push({ name: w, key });
    }
    layers.push(layer);
  }
  return tensors;
}

/** Check the signature and the length the superblock records before HDF5 sees the file. */
async function checkFile(path: string): Promise<void> {
  const size = (await stat(path)).size;
  const fh = await open(path, 'r');
  const head = new Uint8Array(128);
  try {
    await fh.read(head, 0, head.length, 0);
  } finally {
    await fh.close();
  }
  const bad = (why: string) => new Error(`${path}: truncated or not an HDF5 file (${why})`);
  if (!isHdf5(head)) throw bad('no HDF5 signature');
  const eof = storedEof(head.subarray(0, Math.min(size, head.length)));
  if (eof === null) throw bad(`${size} bytes, no complete superblock`);
  if (eof > size) throw bad(`${size} bytes, its superblock says ${eof}`);
}

/** A Keras .h5 file's weights (a weights file, or a model.save with `model_weights`). */
export async function readH5(path: string): Promise<H5Tensors> {
  await checkFile(path);
  const lib = await library();
  const f = quiet(() => {
    const file = new lib.File(resolve(path), 'r');
    if (file.file_id < 0) throw new Error('H5Fopen failed'); // h5wasm returns an invalid id rather than throwing
    return file;
  }, `${path}: corrupt or not an HDF5 file`);
  try {
    return quiet(() => {
      const mw = f.attrs['layer_names'] || f.attrs['layer_names0'] ? null : f.get('model_weights');
      return readLayers(mw instanceof lib.Group ? mw : f, lib, path);
    }, `${path}: unreadable HDF5 data`);
  } finally {
    quiet(() => f.close(), `${path}: closing`);
  }
}
