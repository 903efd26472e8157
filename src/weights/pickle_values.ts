// The JS values a pickle decodes to, and reconstructors callers can put in their
// allow-lists. Mapping (Python -> JS), following Lib/pickle.py's Unpickler:
//   None -> null, bool -> boolean, int -> number (bigint beyond 2^53), float -> number,
//   str -> string, bytes -> Uint8Array (a zero-copy view of the input), bytearray ->
//   Uint8Array (copy), Python 2 str (STRING/BINSTRING/SHORT_BINSTRING) -> Py2Str (raw
//   bytes, latin1 when read as text), list -> mutable array, tuple -> frozen array,
//   dict -> PyDict (a Map, so keys never become JS properties), set/frozenset -> Set,
//   globals -> PyGlobal.

export type Reconstructor = (args: readonly unknown[], kwargs?: PyDict) => unknown;
/** Allowed globals, keyed by `module.name` exactly as written in the pickle. */
export type PickleGlobals = Readonly<Record<string, Reconstructor>>;

/** A Python 2 `str`: 8-bit data of unknown encoding, kept as bytes. */
export class Py2Str {
  constructor(readonly bytes: Uint8Array) {}
  /** latin1 decoding, the one Python 3 uses for Python 2 pickles holding binary data. */
  toString(): string {
    return latin1(this.bytes);
  }
}

export type PyKey = string | number | bigint | boolean | null;

/** A Python dict (or OrderedDict). `attrs` holds a dict subclass's instance attributes (BUILD state). */
export class PyDict extends Map<PyKey, unknown> {
  attrs: unknown = undefined;
}

/** A resolved, allow-listed global. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly construct: Reconstructor,
  ) {}
  get qualname(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An inert instance of an allow-listed plain-data class; BUILD stores its state. */
export class PyObject {
  state: unknown = undefined;
  constructor(
    readonly cls: string,
    readonly args: readonly unknown[],
  ) {}
  __setstate__(state: unknown): void {
    this.state = state;
  }
}

export class PickleError extends Error {
  override name = 'PickleError';
}

export function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) {
    s += String.fromCharCode(...b.subarray(i, Math.min(b.length, i + 8192)));
  }
  return s;
}

export function isTuple(v: unknown): v is readonly unknown[] {
  return Array.isArray(v) && Object.isFrozen(v);
}

/** A str or Python 2 str as a JS string; undefined for anything else. */
export function pyStr(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v instanceof Py2Str) return v.toString();
  return undefined;
}

/** Short description of a value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'bigint') return `${v}`;
  if (v instanceof Py2Str) return `py2 str of ${v.bytes.length} bytes`;
  if (v instanceof Uint8Array) return `bytes of length ${v.length}`;
  if (isTuple(v)) return `tuple of ${v.length}`;
  if (Array.isArray(v)) return `list of ${v.length}`;
  if (v instanceof PyDict) return `dict of ${v.size}`;
  if (v instanceof Set) return `set of ${v.size}`;
  if (v instanceof PyGlobal) return `global ${v.qualname}`;
  if (v instanceof PyObject) return `${v.cls} object`;
  return (v as object).constructor?.name ?? typeof v;
}

/** `_codecs.encode(str, 'latin1')`: how Python 3 pickles `bytes` at protocols < 3. */
export const codecsEncode: Reconstructor = (args) => {
  const s = args[0];
  const enc = pyStr(args[1]);
  if (typeof s !== 'string' || (enc !== 'latin1' && enc !== 'latin-1')) {
    throw new PickleError(`_codecs.encode(${describe(s)}, ${describe(args[1])}) is not a latin1 encode`);
  }
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255) throw new PickleError(`_codecs.encode: character U+${c.toString(16)} is not latin1`);
    out[i] = c;
  }
  return out;
};

/** `collections.OrderedDict()` or `OrderedDict([[k, v], ...])` (protocols 0/1 pass the items). */
export const orderedDict: Reconstructor = (args) => {
  const d = new PyDict();
  const items = args[0];
  if (items === undefined) return d;
  if (!Array.isArray(items)) throw new PickleError(`OrderedDict(${describe(items)}) is not supported`);
  for (const kv of items) {
    if (!Array.isArray(kv) || kv.length !== 2) throw new PickleError(`OrderedDict item ${describe(kv)} is not a pair`);
    const k = pyStr(kv[0]) ?? kv[0];
    if (k !== null && !['string', 'number', 'bigint', 'boolean'].includes(typeof k)) {
      throw new PickleError(`unsupported OrderedDict key ${describe(k)}`);
    }
    d.set(k as PyKey, kv[1]);
  }
  return d;
};

/** An allow-list entry for a class that is only ever referenced, never instantiated. */
export function typeOnly(qualname: string): Reconstructor {
  return () => {
    throw new PickleError(`pickle tried to instantiate ${qualname}, which is only allowed as a type`);
  };
}

/** An allow-list entry for a plain-data class: instances become inert PyObjects. */
export function inertClass(qualname: string): Reconstructor {
  return (args) => new PyObject(qualname, args);
}
