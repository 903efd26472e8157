// PyTorch checkpoints (torch.save) as tensors, without torch and without running pickle code.
//
// Two layouts, both from torch/serialization.py:
// * zip (torch >= 1.6, `_save`): `<dir>/data.pkl` is the object pickle (protocol 2);
//   storages are persistent ids ('storage', torch.FloatStorage, key, location, numel)
//   whose raw bytes live in `<dir>/data/<key>`; `<dir>/byteorder` ('little'/'big', newer
//   torch) gives their byte order, little when absent.
// * legacy (`_legacy_save`, torch < 1.6 or _use_new_zipfile_serialization=False): five
//   pickles back to back -- MAGIC_NUMBER, PROTOCOL_VERSION (1001), sys_info, the object
//   with persistent ids ('storage', type, root_key, location, numel, view_metadata), the
//   sorted storage keys -- then per key an int64 element count and the raw data
//   (StorageImpl _write_file), in the byte order sys_info['little_endian'] records.
// Tensors are `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)`
// (torch/_utils.py), parameters wrap them in `_rebuild_parameter`.
import type { DType, Tensor, TypedArrayOf } from '../tensor.js';
import { BYTES_PER_ELEMENT } from '../tensor.js';
import { numpyGlobals } from './npy.js';
import type { PickleGlobals, Reconstructor } from './pickle.js';
import { describe, inertClass, isTuple, orderedDict, PyDict, pyStr, typeOnly, unpickleAt } from './pickle.js';
import { checkShape, CopyBudget, setOwn, stridedTensor, typedFromBytes } from './typed.js';
import { openZip } from './zip.js';

const STORAGE_DTYPES: Record<string, DType> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ByteStorage: 'uint8',
  CharStorage: 'int8',
  BoolStorage: 'bool',
};

// torch/serialization.py
const MAGIC_NUMBER = 0x1950a86a20f9469cfc6cn;
const PROTOCOL_VERSION = 1001;

/** A storage named by a persistent id; its bytes are attached after unpickling. */
class StorageRef {
  data: TypedArrayOf<DType> | undefined;
  constructor(
    readonly key: string,
    readonly dtype: DType,
    readonly numel: number,
    /** Legacy storage views: (root, offset in elements). */
    readonly root?: StorageRef,
    readonly viewOffset = 0,
  ) {}
}

/** A tensor view into a storage, materialised once storages are loaded. */
class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly size: number[],
    readonly stride: number[],
  ) {}
}

export interface PthResult {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

function intArg(v: unknown, what: string): number {
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new Error(`${what} is ${describe(v)}, not a size`);
  return n;
}

function torchGlobals(file: string, budget: CopyBudget): PickleGlobals {
  const rebuild = (args: readonly unknown[], name: string): TensorRef => {
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof StorageRef)) throw new Error(`${file}: ${name} of ${describe(storage)}, not a storage`);
    if (!Array.isArray(size) || !Array.isArray(stride)) throw new Error(`${file}: ${name} size/stride are ${describe(size)}/${describe(stride)}`);
    return new TensorRef(storage, intArg(offset, `${file}: storage offset`), checkShape(size, file), checkShape(stride, file));
  };
  const parameter: Reconstructor = (args) => {
    if (!(args[0] instanceof TensorRef)) throw new Error(`${file}: _rebuild_parameter of ${describe(args[0])}`);
    return args[0];
  };
  const g: Record<string, Reconstructor> = {
    ...numpyGlobals(file, budget), // numpy scalars (e.g. best_acc) in training checkpoints
    'collections.OrderedDict': orderedDict,
    'torch._utils._rebuild_tensor_v2': (a) => rebuild(a, '_rebuild_tensor_v2'),
    'torch._utils._rebuild_tensor': (a) => rebuild(a, '_rebuild_tensor'),
    'torch._utils._rebuild_parameter': parameter,
    'torch._utils._rebuild_parameter_with_state': parameter,
    'torch.Size': (a) => {
      if (!Array.isArray(a[0])) throw new Error(`${file}: torch.Size(${describe(a[0])})`);
      return Object.freeze([...(a[0] as unknown[])]);
    },
    // training scripts save their argparse options next to the weights; kept inert
    'argparse.Namespace': inertClass('argparse.Namespace'),
  };
  for (const s of Object.keys(STORAGE_DTYPES)) g[`torch.${s}`] = typeOnly(`torch.${s}`);
  return g;
}

function storageDtype(t: unknown, file: string): DType {
  const q = (t as { qualname?: string } | null)?.qualname ?? describe(t);
  const m = /^torch\.(\w+)$/.exec(q);
  const d = m ? STORAGE_DTYPES[m[1]!] : undefined;
  if (!d) throw new Error(`${file}: unsupported storage type ${q}; supported: ${Object.keys(STORAGE_DTYPES).join(', ')}`);
  return d;
}

const HINT = 'only tensors, dicts and lists load; save model.state_dict() rather than the model';

// ---- zip format ------------------------------------------------------------------------------

function readZipPth(bytes: Uint8Array, file: string): unknown {
  const zip = openZip(bytes, file);
  const pkls = [...zip.entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkls.length !== 1) throw new Error(`${file}: zip has ${pkls.length} */data.pkl entries; not a torch.save checkpoint`);
  const dir = pkls[0]!.slice(0, -'data.pkl'.length);
  let bigEndian = false;
  if (zip.has(`${dir}byteorder`)) {
    const bo = new TextDecoder().decode(zip.read(`${dir}byteorder`)).trim();
    if (bo !== 'little' && bo !== 'big') throw new Error(`${file}: ${dir}byteorder is ${JSON.stringify(bo)}`);
    bigEndian = bo === 'big';
  }
  const budget = CopyBudget.forInput(bytes.length, file);
  const storages = new Map<string, StorageRef>();
  const persistentLoad = (pid: unknown): StorageRef => {
    if (!isTuple(pid) || pid.length !== 5 || pyStr(pid[0]) !== 'storage') throw new Error(`${file}: unsupported persistent id ${describe(pid)}`);
    const key = pyStr(pid[2]);
    if (key === undefined) throw new Error(`${file}: storage key ${describe(pid[2])}`);
    const dtype = storageDtype(pid[1], file);
    const n = intArg(pid[4], `${file}: numel of storage ${key}`);
    const prev = storages.get(key);
    if (prev) {
      if (prev.dtype !== dtype || prev.numel !== n) throw new Error(`${file}: storage ${key} is used as ${prev.dtype}[${prev.numel}] and ${dtype}[${n}]`);
      return prev;
    }
    const name = `${dir}data/${key}`;
    if (!zip.has(name)) throw new Error(`${file}: missing storage ${name}`);
    const s = new StorageRef(key, dtype, n);
    storages.set(key, s);
    return s;
  };
  const pklName = `${dir}data.pkl`;
  const { value } = unpickleAt(zip.read(pklName), 0, {
    file: `${file} (${pklName})`,
    globals: torchGlobals(file, budget),
    persistentLoad,
    refusalHint: HINT,
  });
  for (const s of storages.values()) {
    const name = `${dir}data/${s.key}`;
    const raw = zip.read(name);
    const need = s.numel * BYTES_PER_ELEMENT[s.dtype];
    if (raw.length !== need) throw new Error(`${file}: truncated: ${name} needs ${need} bytes, file has ${raw.length}`);
    s.data = typedFromBytes(s.dtype, raw, s.numel, bigEndian, `${file}: ${name}`, budget);
  }
  return materialise(value, file, budget);
}

// ---- legacy format ---------------------------------------------------------------------------

function readLegacyPth(bytes: Uint8Array, file: string): unknown {
  const at = (what: string) => `${file} (${what})`;
  let pos = 0;
  const next = (what: string, opts: Parameters<typeof unpickleAt>[2] = {}): unknown => {
    const r = unpickleAt(bytes, pos, { file: at(what), ...opts });
    pos = r.end;
    return r.value;
  };
  const magic = next('magic number');
  if (magic !== MAGIC_NUMBER) throw new Error(`${file}: not a torch file: first pickle is ${describe(magic)}, not torch's magic number`);
  const proto = next('protocol version');
  if (proto !== PROTOCOL_VERSION) throw new Error(`${file}: unsupported legacy torch protocol ${describe(proto)}`);
  const sysInfo = next('sys_info');
  const little = sysInfo instanceof PyDict ? sysInfo.get('little_endian') : undefined;
  if (typeof little !== 'boolean') throw new Error(`${file}: sys_info ${describe(sysInfo)} has no little_endian flag`);

  const budget = CopyBudget.forInput(bytes.length, file);
  const roots = new Map<string, StorageRef>();
  const views = new Map<string, StorageRef>();
  const persistentLoad = (pid: unknown): StorageRef => {
    if (!isTuple(pid) || pid.length !== 6 || pyStr(pid[0]) !== 'storage') {
      const kind = isTuple(pid) ? pyStr(pid[0]) : undefined;
      throw new Error(kind === 'module' ? `${file}: holds a pickled nn.Module (${HINT})` : `${file}: unsupported persistent id ${describe(pid)}`);
    }
    const dtype = storageDtype(pid[1], file);
    const key = pyStr(pid[2]);
    if (key === undefined) throw new Error(`${file}: storage key ${describe(pid[2])}`);
    const n = intArg(pid[4], `${file}: numel of storage ${key}`);
    let root = roots.get(key);
    if (!root) roots.set(key, (root = new StorageRef(key, dtype, n)));
    if (root.dtype !== dtype) throw new Error(`${file}: storage ${key} is used as ${root.dtype} and ${dtype}`);
    const vm = pid[5];
    if (vm === null) return root;
    if (!isTuple(vm) || vm.length !== 3) throw new Error(`${file}: storage view metadata ${describe(vm)}`);
    const vkey = pyStr(vm[0]) ?? String(vm[0]);
    const off = intArg(vm[1], `${file}: view offset`);
    const size = intArg(vm[2], `${file}: view size`);
    let v = views.get(vkey);
    if (!v) views.set(vkey, (v = new StorageRef(vkey, dtype, size, root, off)));
    return v;
  };
  const value = next('data', { globals: torchGlobals(file, budget), persistentLoad, refusalHint: HINT });
  const keys = next('storage keys');
  if (!Array.isArray(keys)) throw new Error(`${file}: storage key list is ${describe(keys)}`);

  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const k of keys) {
    const key = pyStr(k) ?? String(k);
    const s = roots.get(key);
    if (!s) throw new Error(`${file}: storage ${key} is listed but never used`);
    if (pos + 8 > bytes.length) throw new Error(`${file}: truncated: storage ${key} header at byte ${pos}, file has ${bytes.length}`);
    const count = dv.getBigInt64(pos, little);
    pos += 8;
    if (count !== BigInt(s.numel)) throw new Error(`${file}: storage ${key} has ${count} elements on disk, pickle says ${s.numel}`);
    const need = s.numel * BYTES_PER_ELEMENT[s.dtype];
    if (pos + need > bytes.length) throw new Error(`${file}: truncated: storage ${key} needs ${need} bytes at ${pos}, file has ${bytes.length}`);
    s.data = typedFromBytes(s.dtype, bytes.subarray(pos, pos + need), s.numel, !little, `${file}: storage ${key}`, budget);
    pos += need;
  }
  for (const v of views.values()) {
    const r = v.root!;
    if (!r.data) throw new Error(`${file}: storage ${r.key} has no data`);
    if (v.viewOffset + v.numel > r.numel) throw new Error(`${file}: storage view ${v.key} [${v.viewOffset}+${v.numel}] exceeds ${r.key}[${r.numel}]`);
    v.data = r.data.subarray(v.viewOffset, v.viewOffset + v.numel) as TypedArrayOf<DType>;
  }
  if (pos !== bytes.length) throw new Error(`${file}: ${bytes.length - pos} unexpected bytes after the last storage`);
  return materialise(value, file, budget);
}

// ---- common ---------------------------------------------------------------------------------

/** Replace TensorRefs by tensors throughout the unpickled value (shared refs stay shared). */
function materialise(value: unknown, file: string, budget: CopyBudget): unknown {
  const done = new Map<unknown, unknown>();
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    if (done.has(v)) return done.get(v);
    if (depth > 64) throw new Error(`${file}: checkpoint nests deeper than 64 levels`);
    if (v instanceof TensorRef) {
      const s = v.storage;
      if (!s.data) throw new Error(`${file}: storage ${s.key} has no data`);
      const t = stridedTensor(s.dtype, s.data, v.offset, v.size, v.stride, `${file}: tensor on storage ${s.key}`, budget);
      done.set(v, t);
      return t;
    }
    if (v instanceof PyDict) {
      const d = new PyDict();
      d.attrs = v.attrs;
      done.set(v, d);
      for (const [k, x] of v) d.set(k, walk(x, depth + 1));
      return d;
    }
    if (Array.isArray(v)) {
      const a: unknown[] = [];
      done.set(v, a);
      for (const x of v) a.push(walk(x, depth + 1));
      return isTuple(v) ? Object.freeze(a) : a;
    }
    return v;
  };
  return walk(value, 0);
}

function isTensorValue(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && 'dtype' in v && 'data' in v && ArrayBuffer.isView((v as Tensor).data);
}

/**
 * The unpickled checkpoint with tensors materialised: PyDicts, arrays and Tensors.
 * Detects zip vs legacy layout from the first bytes.
 */
export function loadPth(bytes: Uint8Array, file = '<pth>'): unknown {
  if (bytes.length >= 2 && bytes[0] === 0x50 && bytes[1] === 0x4b) return readZipPth(bytes, file);
  if (bytes.length >= 1 && bytes[0] === 0x80) return readLegacyPth(bytes, file);
  throw new Error(`${file}: not a PyTorch checkpoint (neither a zip nor a legacy pickle)`);
}

/**
 * A checkpoint's state dict: unwraps {"state_dict": ...} and {"model": ...}, flattens
 * nested dicts with '.', strips DataParallel's `module.` prefix when every key has it.
 * Scalar entries next to the state dict (epoch, arch, ...) become metadata.
 */
export function readPth(bytes: Uint8Array, file = '<pth>'): PthResult {
  let obj = loadPth(bytes, file);
  const metadata: Record<string, string> = {};
  for (let i = 0; i < 4 && obj instanceof PyDict; i++) {
    const inner = obj.get('state_dict') ?? obj.get('model');
    if (!(inner instanceof PyDict)) break;
    for (const [k, v] of obj) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') setOwn(metadata, String(k), String(v));
    }
    obj = inner;
  }
  if (!(obj instanceof PyDict)) throw new Error(`${file}: checkpoint is ${describe(obj)}, not a dict of tensors`);
  let tensors = new Map<string, Tensor>();
  const walk = (v: unknown, name: string, depth: number): void => {
    if (isTensorValue(v)) tensors.set(name, v);
    else if (v instanceof PyDict && depth < 16) for (const [k, x] of v) walk(x, name ? `${name}.${String(k)}` : String(k), depth + 1);
  };
  walk(obj, '', 0);
  if (tensors.size === 0) throw new Error(`${file}: checkpoint has no tensors (keys: ${[...obj.keys()].slice(0, 10).join(', ')})`);
  if ([...tensors.keys()].every((k) => k.startsWith('module.'))) {
    tensors = new Map([...tensors].map(([k, t]) => [k.slice('module.'.length), t]));
  }
  return { tensors, metadata };
}
