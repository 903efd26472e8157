// NumPy .npy files: plain arrays and pickled object arrays (np.save of a dict).
//
// Format per numpy/lib/format.py: "\x93NUMPY", major, minor, a little-endian header
// length (uint16 for v1.0, uint32 for v2.0/3.0), then a Python dict literal
// {'descr': ..., 'fortran_order': ..., 'shape': (...)} (latin1 for v1/v2, UTF-8 for v3),
// then the raw data, or for dtype object ('|O') a pickle of the whole array.
//
// Object arrays unpickle through numpy's reduce protocol (numpy/core/src/multiarray/
// methods.c: array_reduce / array_setstate, descriptor.c: arraydescr_reduce /
// arraydescr_setstate):
//   numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b'b')
//     + BUILD (version, shape, dtype, is_fortran, rawdata)   rawdata: bytes, a Python 2
//       str (BINSTRING), _codecs.encode(str, 'latin1'), or a list for object arrays
//   numpy.dtype('f4', False, True) + BUILD (3, '<', None, None, None, -1, -1, 0)
//   numpy.core.multiarray.scalar(dtype, rawbytes) for numpy scalars.
// NumPy 2 spells the module numpy._core.multiarray; both are accepted.
import type { DType, Tensor } from '../tensor.js';
import { BYTES_PER_ELEMENT, numel, shapeStr } from '../tensor.js';
import type { PickleGlobals, Reconstructor } from './pickle.js';
import { codecsEncode, describe, isTuple, orderedDict, Py2Str, PyDict, pyStr, typeOnly, unpickle } from './pickle.js';
import { checkShape, CopyBudget, fromFortran, typedFromBytes } from './typed.js';

export const NPY_MAGIC = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59); // \x93NUMPY

export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= 6 && NPY_MAGIC.every((b, i) => bytes[i] === b);
}

export interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Offset of the array data (or of the pickle, for object arrays). */
  dataOffset: number;
  version: [number, number];
}

interface NpDescr {
  dtype: DType | 'object';
  bigEndian: boolean;
}

const KINDS: Record<string, DType | 'object'> = {
  f4: 'float32', f8: 'float64', f2: 'float16', i8: 'int64', i4: 'int32', i1: 'int8', u1: 'uint8', b1: 'bool',
  O: 'object', O4: 'object', O8: 'object',
};

/** A numpy type string such as '<f4', '|u1', '>f8' or 'O8' (byte order given separately). */
function parseDescr(descr: string, what: string, order?: string): NpDescr {
  const m = /^([<>|=]?)([a-zA-Z]\d*)$/.exec(descr);
  const kind = m ? KINDS[m[2]!] : undefined;
  if (!m || !kind) {
    throw new Error(`${what}: unsupported numpy dtype ${JSON.stringify(descr)}; supported: <f4 <f8 <f2 <i8 <i4 |i1 |u1 |b1 (either byte order) and object arrays`);
  }
  const o = order ?? m[1];
  return { dtype: kind, bigEndian: o === '>' };
}

// ---- header: a Python dict literal ----------------------------------------------------

const MAX_HEADER = 1 << 16; // numpy itself refuses headers over 10000 bytes by default
const MAX_DEPTH = 16;

function parseLiteral(text: string, what: string): unknown {
  let i = 0;
  const fail = (msg: string): never => {
    throw new Error(`${what}: bad .npy header (${msg} at column ${i}): ${JSON.stringify(text.slice(0, 120))}`);
  };
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const value = (depth: number): unknown => {
    if (depth > MAX_DEPTH) fail('nested too deeply');
    ws();
    const c = text[i];
    if (c === '{' || c === '(' || c === '[') {
      const close = c === '{' ? '}' : c === '(' ? ')' : ']';
      i++;
      const items: unknown[] = [];
      const dict = new Map<unknown, unknown>();
      for (;;) {
        ws();
        if (text[i] === close) break;
        const k = value(depth + 1);
        ws();
        if (c === '{') {
          if (text[i++] !== ':') fail("expected ':'");
          dict.set(k, value(depth + 1));
        } else items.push(k);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== close) fail(`expected ',' or '${close}'`);
      }
      i++;
      return c === '{' ? dict : items;
    }
    if (c === "'" || c === '"') {
      let s = '';
      i++;
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\') i++;
        s += text[i++] ?? '';
      }
      if (text[i++] !== c) fail('unterminated string');
      return s;
    }
    const m = /^(?:True|False|None|-?\d+L?)/.exec(text.slice(i, i + 32));
    if (!m) return fail('unexpected token');
    i += m[0].length;
    if (m[0] === 'True') return true;
    if (m[0] === 'False') return false;
    if (m[0] === 'None') return null;
    return Number(m[0].replace('L', '')); // Python 2 numpy wrote longs as 3L
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail('trailing characters');
  return v;
}

export function parseNpyHeader(bytes: Uint8Array, file: string): NpyHeader {
  if (!isNpy(bytes)) throw new Error(`${file}: not a .npy file (no \\x93NUMPY magic)`);
  if (bytes.length < 10) throw new Error(`${file}: truncated .npy: ${bytes.length} bytes`);
  const major = bytes[6]!;
  const minor = bytes[7]!;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let hlen: number;
  let start: number;
  if (major === 1) {
    hlen = dv.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new Error(`${file}: truncated .npy: ${bytes.length} bytes`);
    hlen = dv.getUint32(8, true);
    start = 12;
  } else {
    throw new Error(`${file}: unsupported .npy version ${major}.${minor}`);
  }
  if (hlen > MAX_HEADER) throw new Error(`${file}: .npy header of ${hlen} bytes is too large`);
  if (start + hlen > bytes.length) throw new Error(`${file}: truncated .npy: header needs ${start + hlen} bytes, file has ${bytes.length}`);
  const raw = bytes.subarray(start, start + hlen);
  const text = major === 3 ? new TextDecoder('utf-8', { fatal: true }).decode(raw) : new Py2Str(raw).toString();
  const d = parseLiteral(text.trim(), file);
  if (!(d instanceof Map)) throw new Error(`${file}: .npy header is not a dict: ${JSON.stringify(text)}`);
  const keys = [...d.keys()].sort().join(',');
  if (keys !== 'descr,fortran_order,shape') throw new Error(`${file}: .npy header has keys ${keys}, expected descr, fortran_order, shape`);
  const descr = d.get('descr');
  const fortran = d.get('fortran_order');
  const shape = d.get('shape');
  if (typeof descr !== 'string') throw new Error(`${file}: structured .npy dtype ${JSON.stringify(descr)} is not supported`);
  if (typeof fortran !== 'boolean') throw new Error(`${file}: .npy fortran_order is ${String(fortran)}`);
  if (!Array.isArray(shape)) throw new Error(`${file}: .npy shape is ${String(shape)}`);
  return { descr, fortranOrder: fortran, shape: checkShape(shape, file), dataOffset: start + hlen, version: [major, minor] };
}

function arrayFromBytes(
  d: NpDescr,
  shape: number[],
  fortran: boolean,
  raw: Uint8Array,
  what: string,
  budget?: CopyBudget,
): Tensor {
  if (d.dtype === 'object') throw new Error(`${what}: object array data is not raw bytes`);
  const dtype = d.dtype;
  const n = numel(shape);
  const need = n * BYTES_PER_ELEMENT[dtype];
  if (raw.length !== need) {
    throw new Error(`${what}: truncated or corrupt: ${dtype} ${shapeStr(shape)} needs ${need} bytes, found ${raw.length}`);
  }
  const data = typedFromBytes(dtype, raw, n, d.bigEndian, what, budget);
  if (fortran) {
    budget?.take(need, what);
    return fromFortran(dtype, data, shape);
  }
  return { dtype, shape, data };
}

// ---- pickled object arrays ---------------------------------------------------------------

/** A numpy.dtype under construction (args, then BUILD state with the byte order). */
export class NpDtype {
  order: string | undefined;
  constructor(readonly descr: string) {}
  __setstate__(state: unknown): void {
    if (!isTuple(state) || state.length < 2) throw new Error(`numpy.dtype state ${describe(state)} is not a tuple`);
    this.order = pyStr(state[1]);
    if (state.length >= 5 && (state[3] !== null || state[4] !== null)) {
      throw new Error(`structured numpy dtype ${this.descr} is not supported`);
    }
  }
  resolve(what: string): NpDescr {
    return parseDescr(this.descr, what, this.order);
  }
}

/** An ndarray from numpy's _reconstruct; BUILD fills in either a tensor or object items. */
export class NdArray {
  tensor: Tensor | undefined;
  items: unknown[] | undefined;
  shape: number[] = [];
  constructor(
    private readonly what: string,
    private readonly budget?: CopyBudget,
  ) {}
  __setstate__(state: unknown): void {
    if (!isTuple(state) || (state.length !== 5 && state.length !== 4)) {
      throw new Error(`${this.what}: ndarray state ${describe(state)} is not (version, shape, dtype, fortran, data)`);
    }
    const [shapeV, dtypeV, fortranV, rawV] = state.length === 5 ? state.slice(1) : state;
    if (!Array.isArray(shapeV)) throw new Error(`${this.what}: ndarray shape is ${describe(shapeV)}`);
    if (!(dtypeV instanceof NpDtype)) throw new Error(`${this.what}: ndarray dtype is ${describe(dtypeV)}`);
    this.shape = checkShape(shapeV, this.what);
    const d = dtypeV.resolve(this.what);
    const fortran = fortranV === true || fortranV === 1;
    if (d.dtype === 'object') {
      if (!Array.isArray(rawV) || rawV.length !== numel(this.shape)) {
        throw new Error(`${this.what}: object ndarray ${shapeStr(this.shape)} has data ${describe(rawV)}`);
      }
      this.items = [...rawV];
      return;
    }
    this.tensor = arrayFromBytes(d, this.shape, fortran, rawBytes(rawV, this.what), this.what, this.budget);
  }
}

function rawBytes(v: unknown, what: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof Py2Str) return v.bytes; // Python 2 wrote the data as a str (BINSTRING)
  if (typeof v === 'string') return codecsEncode([v, 'latin1']) as Uint8Array;
  throw new Error(`${what}: ndarray data is ${describe(v)}, not bytes`);
}

/** The allow-list for numpy pickles: pure constructors, nothing that touches the system. */
export function numpyGlobals(file: string, budget?: CopyBudget): PickleGlobals {
  const reconstruct: Reconstructor = (args) => {
    const cls = args[0] as { qualname?: string } | undefined;
    if (!cls?.qualname?.endsWith('.ndarray')) throw new Error(`${file}: _reconstruct of ${describe(cls)} is not supported`);
    return new NdArray(file, budget);
  };
  const dtype: Reconstructor = (args) => {
    const s = pyStr(args[0]);
    if (s === undefined) throw new Error(`${file}: numpy.dtype(${describe(args[0])})`);
    return new NpDtype(s);
  };
  const scalar: Reconstructor = (args) => {
    const dt = args[0];
    if (!(dt instanceof NpDtype)) throw new Error(`${file}: numpy scalar of dtype ${describe(dt)}`);
    const d = dt.resolve(file);
    if (d.dtype === 'object') return args[1];
    return arrayFromBytes(d, [], false, rawBytes(args[1], file), `${file}: numpy scalar`, budget);
  };
  const g: Record<string, Reconstructor> = {
    '_codecs.encode': codecsEncode,
    'collections.OrderedDict': orderedDict,
  };
  for (const mod of ['numpy.core.multiarray', 'numpy._core.multiarray']) {
    g[`${mod}._reconstruct`] = reconstruct;
    g[`${mod}.scalar`] = scalar;
  }
  g['numpy.ndarray'] = typeOnly('numpy.ndarray');
  g['numpy.dtype'] = dtype;
  return g;
}

/** Unwrap numpy values into plain JS: ndarrays become tensors (or their object items). */
function unwrapNd(v: unknown): unknown {
  if (v instanceof NdArray) {
    if (v.tensor) return v.tensor;
    return v.shape.length === 0 ? v.items![0] : v.items;
  }
  return v;
}

// ---- public API ----------------------------------------------------------------------------

export type NpyContent = { kind: 'array'; tensor: Tensor } | { kind: 'object'; value: unknown };

/** Any .npy: a numeric array, or the unpickled content of an object array (0-d arrays unwrapped). */
export function readNpyAny(bytes: Uint8Array, file = '<npy>'): NpyContent {
  const h = parseNpyHeader(bytes, file);
  const d = parseDescr(h.descr, file);
  const budget = CopyBudget.forInput(bytes.length, file);
  const body = bytes.subarray(h.dataOffset);
  if (d.dtype !== 'object') return { kind: 'array', tensor: arrayFromBytes(d, h.shape, h.fortranOrder, body, file, budget) };
  const value = unpickle(body, {
    file,
    globals: numpyGlobals(file, budget),
    refusalHint: 'only numpy arrays, dicts and lists are loaded from pickled .npy files',
  });
  return { kind: 'object', value: unwrapNd(value) };
}

/** A plain (non-object) .npy array. */
export function readNpy(bytes: Uint8Array, file = '<npy>'): Tensor {
  const c = readNpyAny(bytes, file);
  if (c.kind !== 'array') throw new Error(`${file}: holds a pickled object array; use readNpyDict`);
  return c.tensor;
}

function asTensors(v: unknown, what: string): Tensor[] {
  const u = unwrapNd(v);
  if (isTensor(u)) return [u];
  if (Array.isArray(u)) return u.map((x, i) => asTensors(x, `${what}[${i}]`)).flat();
  throw new Error(`${what} is ${describe(u)}, not an array or a list of arrays`);
}

export function isTensor(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && 'dtype' in v && 'shape' in v && 'data' in v && ArrayBuffer.isView((v as Tensor).data);
}

/**
 * np.save of a dict of arrays or lists of arrays, e.g. bvlc_alexnet.npy's
 * {'conv1': [weights, biases], ...}: keys in file order, each with its arrays.
 */
export function readNpyDict(bytes: Uint8Array, file = '<npy>'): Map<string, Tensor[]> {
  const c = readNpyAny(bytes, file);
  if (c.kind !== 'object' || !(c.value instanceof PyDict)) {
    throw new Error(`${file}: expected a pickled dict, found ${c.kind === 'array' ? `a ${c.tensor.dtype} array` : describe(c.value)}`);
  }
  const out = new Map<string, Tensor[]>();
  for (const [k, v] of c.value) out.set(String(k), asTensors(v, `${file}: ${String(k)}`));
  return out;
}

/**
 * Flat names for a pickled .npy dict. kratzert/guerzhoy's bvlc_alexnet.npy stores
 * {layer: [weights, biases]}: list index 0 is `layer/weights`, 1 is `layer/biases`
 * (further indices are numbered). caffe-tensorflow's {layer: {'weights':, 'biases':}}
 * nests dicts, which join with '/' the same way.
 */
export function npyObjectTensors(value: unknown, file: string): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const seen = new Set<unknown>();
  const walk = (v: unknown, name: string, depth: number): void => {
    const u = unwrapNd(v);
    if (isTensor(u)) {
      if (out.has(name)) throw new Error(`${file}: duplicate tensor name ${name}`);
      out.set(name, u);
      return;
    }
    if (depth > 8 || seen.has(u)) throw new Error(`${file}: ${name || 'value'} nests too deeply or refers to itself`);
    if (u instanceof PyDict) {
      seen.add(u);
      for (const [k, x] of u) walk(x, name ? `${name}/${String(k)}` : String(k), depth + 1);
    } else if (Array.isArray(u)) {
      seen.add(u);
      const label = (i: number) => (i === 0 ? 'weights' : i === 1 ? 'biases' : String(i));
      u.forEach((x, i) => walk(x, name ? `${name}/${label(i)}` : String(i), depth + 1));
    } else {
      throw new Error(`${file}: ${name || 'value'} is ${describe(u)}, not an array`);
    }
  };
  walk(value, '', 0);
  return out;
}
