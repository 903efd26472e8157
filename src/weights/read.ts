// One entry point for weight files: detect the format from magic bytes (the extension
// only breaks ties), read it, and return flat named tensors.
//
//   zip "PK\x03\x04"       torch.save (zip), or np.savez (.npz: entries *.npy)
//   "\x80" + protocol      legacy torch.save (a pickle stream)
//   "\x93NUMPY"            np.save
//   u64 length + "{"       safetensors (also by the .safetensors extension, so that a bad
//                          header length is reported as such)
//   protobuf ModelProto    ONNX (no magic; decoded and sanity-checked)
//   "\x89HDF\r\n\x1a\n"     HDF5: Keras .h5 (also by the .h5/.hdf5 extension, so that a
//                          truncated or foreign file is reported as such); read from its
//                          path by h5wasm (./h5.ts), not from bytes in memory
import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { Tensor } from '../tensor.js';
import { isHdf5, readH5 } from './h5.js';
import { isNpy, npyObjectTensors, readNpyAny } from './npy.js';
import { readOnnx } from './onnx.js';
import { readPth } from './pth.js';
import { looksLikeSafetensors, readSafetensors, shapedLikeSafetensors } from './safetensors.js';
import { isZip, openZip } from './zip.js';

import { SUPPORTED, type WeightFormat } from './formats.js';

export { SUPPORTED, type WeightFormat };

export interface WeightFile {
  format: WeightFormat;
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}


function stem(file: string): string {
  const b = basename(file);
  return b.slice(0, b.length - extname(b).length) || b;
}

/** A .npy as named tensors: a plain array under the file's stem, a pickled dict flattened (conv1/weights). */
function npyTensors(bytes: Uint8Array, file: string, name: string): Map<string, Tensor> {
  const c = readNpyAny(bytes, file);
  if (c.kind === 'array') return new Map([[name, c.tensor]]);
  return npyObjectTensors(c.value, file);
}

function readNpz(bytes: Uint8Array, file: string): WeightFile {
  const zip = openZip(bytes, file);
  const tensors = new Map<string, Tensor>();
  for (const entry of zip.entries.keys()) {
    if (!entry.endsWith('.npy')) throw new Error(`${file}: zip entry ${entry} is neither torch's data.pkl layout nor an .npz array`);
    const key = entry.slice(0, -4);
    for (const [k, t] of npyTensors(zip.read(entry), `${file} (${entry})`, key)) {
      const name = k === key ? k : `${key}/${k}`;
      if (tensors.has(name)) throw new Error(`${file}: duplicate tensor name ${name}`);
      tensors.set(name, t);
    }
  }
  return { format: 'npy', tensors, metadata: {} };
}

function isProtoLike(bytes: Uint8Array): boolean {
  // ModelProto's first field is normally ir_version (field 1, varint: tag 0x08).
  return bytes.length > 0 && bytes[0] === 0x08;
}

/** Read weights from bytes already in memory; `file` names them in errors and hints the format. HDF5 (.h5) files are read from their path by readWeights. */
export function parseWeights(bytes: Uint8Array, file: string): WeightFile {
  const ext = extname(file).toLowerCase();
  if (isHdf5(bytes)) throw new Error(`${file}: an HDF5 (Keras .h5) file; read it from its path with readWeights`);
  if (isZip(bytes)) {
    const zip = openZip(bytes, file);
    const names = [...zip.entries.keys()];
    if (names.some((n) => /^[^/]+\/data\.pkl$/.test(n))) return { format: 'pth', ...readPth(bytes, file) };
    if (names.length > 0 && names.every((n) => n.endsWith('.npy'))) return readNpz(bytes, file);
    throw new Error(`${file}: a zip archive but neither a torch.save checkpoint nor an .npz (entries: ${names.slice(0, 5).join(', ')}); supported: ${SUPPORTED}`);
  }
  if (isNpy(bytes)) return { format: 'npy', tensors: npyTensors(bytes, file, stem(file)), metadata: {} };
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1]! >= 2 && bytes[1]! <= 5) return { format: 'pth', ...readPth(bytes, file) };
  if (looksLikeSafetensors(bytes) || ext === '.safetensors') return { format: 'safetensors', ...readSafetensors(bytes, file) };
  if (ext === '.onnx' || isProtoLike(bytes)) {
    try {
      return { format: 'onnx', ...readOnnx(bytes, file) };
    } catch (err) {
      if (ext === '.onnx') throw err;
    }
  }
  // safetensors' layout with an impossible header length: say what is wrong with it
  if (shapedLikeSafetensors(bytes)) return { format: 'safetensors', ...readSafetensors(bytes, file) };
  const head = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new Error(`${file}: unrecognised weight file (${bytes.length} bytes, starts ${head || '<empty>'}); supported: ${SUPPORTED}`);
}

/**
 * Safetensors metadata by which a file holds part of a model and names the file with the
 * rest, in its parent directory, by name and sha256: a fine-tune's checkpoints refer so
 * to their run's frozen layers, written once (src/train/checkpoint.ts).
 */
export const REST_FILE_KEY = 'alexnet-ts.rest';
export const REST_SHA256_KEY = 'alexnet-ts.rest.sha256';
const REST_NAME = /^\.\.\/[\w.-]+\.safetensors$/;

/** `w` with the tensors of the file its metadata refers to (REST_FILE_KEY), checked by sha256. */
async function withRest(w: WeightFile, path: string): Promise<WeightFile> {
  const ref = w.metadata[REST_FILE_KEY];
  if (w.format !== 'safetensors' || ref === undefined) return w;
  if (!REST_NAME.test(ref)) throw new Error(`${path}: ${REST_FILE_KEY} ${JSON.stringify(ref)} must be ../NAME.safetensors`);
  const file = join(dirname(path), ref);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new Error(`${path}: holds part of the model; the rest, ${file}, cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== w.metadata[REST_SHA256_KEY]) throw new Error(`${path}: the rest of the model, ${file}, has sha256 ${sha}, expected ${w.metadata[REST_SHA256_KEY]}`);
  const tensors = readSafetensors(bytes, file).tensors;
  for (const [k, t] of w.tensors) {
    if (tensors.has(k)) throw new Error(`${path}: ${k} is also in ${file}`);
    tensors.set(k, t);
  }
  return { ...w, tensors };
}

const H5_EXTENSIONS = new Set(['.h5', '.hdf5']);

/** The first 8 bytes of a file (fewer when it is shorter). */
async function head(path: string): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = new Uint8Array(8);
    const { bytesRead } = await fh.read(buf, 0, 8, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export async function readWeights(path: string): Promise<WeightFile> {
  if (isHdf5(await head(path)) || H5_EXTENSIONS.has(extname(path).toLowerCase())) return { format: 'h5', tensors: await readH5(path), metadata: {} };
  return withRest(parseWeights(await readFile(path), path), path);
}
