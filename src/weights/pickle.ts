// A pickle reader that never executes anything.
//
// Opcodes and their argument encodings follow Python's Lib/pickletools.py (the
// authoritative opcode table) and Lib/pickle.py (Unpickler.load_*), covering
// protocols 0-5 as written by Python 2 and 3. Nothing is imported or called by name:
// GLOBAL / STACK_GLOBAL / INST resolve only through an allow-list the caller supplies
// (`module.name` -> a JS reconstructor), everything else is refused. Every read is
// bounds-checked, and stack/memo/mark sizes are capped, so a hostile file can only
// make us throw. The decoded values are described in pickle_values.ts; protocol 0's
// text arguments are decoded in pickle_text.ts.
import type { PickleGlobals, PyKey } from './pickle_values.js';
import { describe, latin1, PickleError, Py2Str, PyDict, PyGlobal } from './pickle_values.js';
import { floatRepr, rawUnicodeEscape, unquoteStr } from './pickle_text.js';

export * from './pickle_values.js';

export interface UnpickleOptions {
  /** Name used in error messages. */
  file?: string;
  globals?: PickleGlobals;
  /** Resolves PERSID / BINPERSID ids; without it a persistent id is an error. */
  persistentLoad?: (pid: unknown) => unknown;
  /** Appended to "refusing pickle global" errors, e.g. how to save a loadable file. */
  refusalHint?: string;
  maxStack?: number;
  maxMemo?: number;
  maxMarks?: number;
}

const DEFAULT_MAX_STACK = 1 << 20;
const DEFAULT_MAX_MEMO = 1 << 20;
const DEFAULT_MAX_MARKS = 1 << 12;
// Python ints in weight files are tiny; a multi-kilobyte LONG is a decompression-style bomb.
const MAX_LONG_BYTES = 1024;
const MAX_TEXT_LINE = 1 << 16;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function toInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function tuple(items: unknown[]): readonly unknown[] {
  return Object.freeze(items);
}

class Unpickler {
  private pos: number;
  private readonly view: DataView;
  private stack: unknown[] = [];
  private readonly marks: unknown[][] = [];
  private readonly memo = new Map<number, unknown>();
  private proto = 0;
  private readonly file: string;
  private readonly maxStack: number;
  private readonly maxMemo: number;
  private readonly maxMarks: number;

  constructor(
    private readonly buf: Uint8Array,
    start: number,
    private readonly opts: UnpickleOptions,
  ) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.file = opts.file ?? '<pickle>';
    this.maxStack = opts.maxStack ?? DEFAULT_MAX_STACK;
    this.maxMemo = opts.maxMemo ?? DEFAULT_MAX_MEMO;
    this.maxMarks = opts.maxMarks ?? DEFAULT_MAX_MARKS;
  }

  private fail(msg: string): never {
    throw new PickleError(`${msg} in ${this.file}`);
  }

  private need(n: number): number {
    if (n < 0 || this.pos + n > this.buf.length) this.fail(`truncated pickle at byte ${this.buf.length}`);
    const p = this.pos;
    this.pos += n;
    return p;
  }

  private u8(): number {
    return this.buf[this.need(1)]!;
  }
  private u16(): number {
    return this.view.getUint16(this.need(2), true);
  }
  private i32(): number {
    return this.view.getInt32(this.need(4), true);
  }
  private u32(): number {
    return this.view.getUint32(this.need(4), true);
  }
  private u64(): number {
    const v = this.view.getBigUint64(this.need(8), true);
    // Any length beyond the buffer is a truncation; keep the number small enough to compare.
    return v > BigInt(this.buf.length) ? this.buf.length + 1 : Number(v);
  }
  private bytes(n: number): Uint8Array {
    const p = this.need(n);
    return this.buf.subarray(p, p + n);
  }
  /** A text argument of the protocol 0 opcodes, without its newline. */
  private line(): Uint8Array {
    const start = this.pos;
    const limit = Math.min(this.buf.length, start + MAX_TEXT_LINE);
    let i = start;
    while (i < limit && this.buf[i] !== 0x0a) i++;
    if (i >= this.buf.length) this.fail(`truncated pickle at byte ${this.buf.length}`);
    if (i >= limit) this.fail(`text argument at byte ${start} longer than ${MAX_TEXT_LINE} bytes`);
    this.pos = i + 1;
    return this.buf.subarray(start, i);
  }
  private lineStr(): string {
    return latin1(this.line());
  }
  private utf8(b: Uint8Array, at: number): string {
    try {
      return utf8.decode(b);
    } catch {
      this.fail(`invalid UTF-8 string at byte ${at}`);
    }
  }

  private push(v: unknown): void {
    if (this.stack.length >= this.maxStack) this.fail(`pickle stack exceeds ${this.maxStack} items`);
    this.stack.push(v);
  }
  private pop(): unknown {
    if (this.stack.length === 0) this.fail(`pickle stack underflow at byte ${this.pos - 1}`);
    return this.stack.pop();
  }
  private top(): unknown {
    if (this.stack.length === 0) this.fail(`pickle stack underflow at byte ${this.pos - 1}`);
    return this.stack[this.stack.length - 1];
  }
  private popMark(): unknown[] {
    const items = this.stack;
    const prev = this.marks.pop();
    if (prev === undefined) this.fail(`pickle MARK missing at byte ${this.pos - 1}`);
    this.stack = prev;
    return items;
  }
  private memoPut(idx: number, v: unknown): void {
    if (!this.memo.has(idx) && this.memo.size >= this.maxMemo) this.fail(`pickle memo exceeds ${this.maxMemo} entries`);
    this.memo.set(idx, v);
  }
  private memoGet(idx: number): unknown {
    if (!this.memo.has(idx)) this.fail(`pickle memo key ${idx} missing at byte ${this.pos}`);
    return this.memo.get(idx);
  }

  private global(module: string, name: string): PyGlobal {
    const qual = `${module}.${name}`;
    const g = this.opts.globals;
    // Object.hasOwn: never resolve through the prototype chain (`__proto__`, `constructor`).
    if (!g || !Object.hasOwn(g, qual)) {
      const hint = this.opts.refusalHint ? `; ${this.opts.refusalHint}` : '';
      throw new PickleError(`refusing pickle global ${qual} in ${this.file}${hint}`);
    }
    return new PyGlobal(module, name, g[qual]!);
  }

  private call(fn: unknown, args: unknown, kwargs?: PyDict): unknown {
    if (!(fn instanceof PyGlobal)) this.fail(`cannot call ${describe(fn)} at byte ${this.pos - 1}`);
    if (!Array.isArray(args)) this.fail(`arguments to ${fn.qualname} are ${describe(args)}, not a tuple`);
    return fn.construct(args, kwargs);
  }

  private key(k: unknown): PyKey {
    if (k === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof k)) return k as PyKey;
    if (k instanceof Py2Str) return k.toString();
    this.fail(`unsupported dict key ${describe(k)} at byte ${this.pos - 1}`);
  }

  private setItems(d: unknown, items: unknown[]): void {
    if (!(d instanceof PyDict)) this.fail(`SETITEM on ${describe(d)} at byte ${this.pos - 1}`);
    if (items.length % 2) this.fail(`SETITEMS with an odd number of items at byte ${this.pos - 1}`);
    for (let i = 0; i < items.length; i += 2) d.set(this.key(items[i]), items[i + 1]);
  }

  private append(list: unknown, items: unknown[]): void {
    if (!Array.isArray(list) || Object.isFrozen(list)) this.fail(`APPEND to ${describe(list)} at byte ${this.pos - 1}`);
    for (const it of items) list.push(it);
  }

  private build(obj: unknown, state: unknown): void {
    const setstate = (obj as { __setstate__?: unknown } | null)?.__setstate__;
    if (typeof setstate === 'function') {
      (setstate as (s: unknown) => void).call(obj, state);
    } else if (obj instanceof PyDict) {
      obj.attrs = state; // e.g. OrderedDict._metadata in a torch state_dict
    } else {
      this.fail(`cannot BUILD ${describe(obj)} at byte ${this.pos - 1}`);
    }
  }

  private parseInt(text: string, at: number): number | bigint {
    const t = text.endsWith('L') ? text.slice(0, -1) : text;
    if (!/^[-+]?[0-9]+$/.test(t)) this.fail(`bad integer ${JSON.stringify(text)} at byte ${at}`);
    return toInt(BigInt(t));
  }

  private long(n: number): number | bigint {
    if (n > MAX_LONG_BYTES) this.fail(`LONG of ${n} bytes at byte ${this.pos}`);
    const b = this.bytes(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (n > 0 && b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    return toInt(v);
  }

  run(): { value: unknown; end: number } {
    for (;;) {
      const at = this.pos;
      const op = this.u8();
      switch (op) {
        case 0x80: { // PROTO
          this.proto = this.u8();
          if (this.proto > 5) this.fail(`unsupported pickle protocol ${this.proto}`);
          break;
        }
        case 0x95: { // FRAME: framing is only a read-ahead hint; check it fits and carry on
          const n = this.u64();
          if (this.pos + n > this.buf.length) this.fail(`truncated pickle at byte ${this.buf.length}`);
          break;
        }
        case 0x2e: { // STOP
          return { value: this.pop(), end: this.pos };
        }
        case 0x28: // MARK
          if (this.marks.length >= this.maxMarks) this.fail(`pickle marks nested deeper than ${this.maxMarks}`);
          this.marks.push(this.stack);
          this.stack = [];
          break;
        case 0x30: this.pop(); break; // POP
        case 0x31: this.popMark(); break; // POP_MARK
        case 0x32: this.push(this.top()); break; // DUP

        // Constants and numbers
        case 0x4e: this.push(null); break; // NONE
        case 0x88: this.push(true); break; // NEWTRUE
        case 0x89: this.push(false); break; // NEWFALSE
        case 0x4a: this.push(this.i32()); break; // BININT
        case 0x4b: this.push(this.u8()); break; // BININT1
        case 0x4d: this.push(this.u16()); break; // BININT2
        case 0x8a: this.push(this.long(this.u8())); break; // LONG1
        case 0x8b: { // LONG4
          const n = this.i32();
          if (n < 0) this.fail(`negative LONG4 length ${n} at byte ${at}`);
          this.push(this.long(n));
          break;
        }
        case 0x49: { // INT: protocol 0 also spells True/False as I01/I00
          const t = this.lineStr();
          this.push(t === '01' ? true : t === '00' ? false : this.parseInt(t, at));
          break;
        }
        case 0x4c: this.push(this.parseInt(this.lineStr(), at)); break; // LONG
        case 0x46: { // FLOAT (repr text)
          const t = this.lineStr().trim();
          const v = floatRepr(t);
          if (v === null) this.fail(`bad float ${JSON.stringify(t)} at byte ${at}`);
          this.push(v);
          break;
        }
        case 0x47: this.push(this.view.getFloat64(this.need(8), false)); break; // BINFLOAT (big-endian)

        // Strings and bytes
        case 0x53: this.push(new Py2Str(unquoteStr(this.line(), (m) => this.fail(`${m} at byte ${at}`)))); break; // STRING
        case 0x54: { // BINSTRING
          const n = this.i32();
          if (n < 0) this.fail(`negative BINSTRING length ${n} at byte ${at}`);
          this.push(new Py2Str(this.bytes(n)));
          break;
        }
        case 0x55: this.push(new Py2Str(this.bytes(this.u8()))); break; // SHORT_BINSTRING
        case 0x56: this.push(rawUnicodeEscape(this.line())); break; // UNICODE
        case 0x58: this.push(this.utf8(this.bytes(this.u32()), at)); break; // BINUNICODE
        case 0x8c: this.push(this.utf8(this.bytes(this.u8()), at)); break; // SHORT_BINUNICODE
        case 0x8d: this.push(this.utf8(this.bytes(this.u64()), at)); break; // BINUNICODE8
        case 0x42: this.push(this.bytes(this.u32())); break; // BINBYTES
        case 0x43: this.push(this.bytes(this.u8())); break; // SHORT_BINBYTES
        case 0x8e: this.push(this.bytes(this.u64())); break; // BINBYTES8
        case 0x96: { const b = this.bytes(this.u64()); const c = new Uint8Array(b.length); c.set(b); this.push(c); break; } // BYTEARRAY8: a copy
        case 0x97: return this.fail(`out-of-band buffer (NEXT_BUFFER) at byte ${at} is not supported`);
        case 0x98: break; // READONLY_BUFFER: our bytes are never written to

        // Containers
        case 0x29: this.push(tuple([])); break; // EMPTY_TUPLE
        case 0x74: this.push(tuple(this.popMark())); break; // TUPLE
        case 0x85: this.push(tuple([this.pop()])); break; // TUPLE1
        case 0x86: { const b = this.pop(); const a = this.pop(); this.push(tuple([a, b])); break; } // TUPLE2
        case 0x87: { const c = this.pop(); const b = this.pop(); const a = this.pop(); this.push(tuple([a, b, c])); break; } // TUPLE3
        case 0x5d: this.push([]); break; // EMPTY_LIST
        case 0x6c: this.push(this.popMark()); break; // LIST
        case 0x61: { const v = this.pop(); this.append(this.top(), [v]); break; } // APPEND
        case 0x65: { const items = this.popMark(); this.append(this.top(), items); break; } // APPENDS
        case 0x7d: this.push(new PyDict()); break; // EMPTY_DICT
        case 0x64: { const d = new PyDict(); this.setItems(d, this.popMark()); this.push(d); break; } // DICT
        case 0x73: { const v = this.pop(); const k = this.pop(); this.setItems(this.top(), [k, v]); break; } // SETITEM
        case 0x75: { const items = this.popMark(); this.setItems(this.top(), items); break; } // SETITEMS
        case 0x8f: this.push(new Set<PyKey>()); break; // EMPTY_SET
        case 0x90: { // ADDITEMS
          const items = this.popMark();
          const s = this.top();
          if (!(s instanceof Set) || Object.isFrozen(s)) this.fail(`ADDITEMS to ${describe(s)} at byte ${at}`);
          for (const it of items) s.add(this.key(it));
          break;
        }
        case 0x91: this.push(Object.freeze(new Set(this.popMark().map((k) => this.key(k))))); break; // FROZENSET

        // Memo
        case 0x70: this.memoPut(this.intArg(at), this.top()); break; // PUT
        case 0x71: this.memoPut(this.u8(), this.top()); break; // BINPUT
        case 0x72: this.memoPut(this.u32(), this.top()); break; // LONG_BINPUT
        case 0x94: this.memoPut(this.memo.size, this.top()); break; // MEMOIZE
        case 0x67: this.push(this.memoGet(this.intArg(at))); break; // GET
        case 0x68: this.push(this.memoGet(this.u8())); break; // BINGET
        case 0x6a: this.push(this.memoGet(this.u32())); break; // LONG_BINGET

        // Globals and object construction: only through the allow-list
        case 0x63: { // GLOBAL
          const module = this.utf8(this.line(), at);
          const name = this.utf8(this.line(), at);
          this.push(this.global(module, name));
          break;
        }
        case 0x93: { // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') {
            this.fail(`STACK_GLOBAL needs two str, got ${describe(module)} and ${describe(name)} at byte ${at}`);
          }
          this.push(this.global(module, name));
          break;
        }
        case 0x82: case 0x83: case 0x84: // EXT1/2/4: copyreg's extension registry
          return this.fail(`pickle extension code (opcode 0x${op.toString(16)}) at byte ${at} is not supported`);
        case 0x52: { const args = this.pop(); const fn = this.pop(); this.push(this.call(fn, args)); break; } // REDUCE
        case 0x81: { const args = this.pop(); const cls = this.pop(); this.push(this.call(cls, args)); break; } // NEWOBJ
        case 0x92: { // NEWOBJ_EX
          const kwargs = this.pop();
          const args = this.pop();
          const cls = this.pop();
          if (!(kwargs instanceof PyDict)) this.fail(`NEWOBJ_EX kwargs are ${describe(kwargs)} at byte ${at}`);
          this.push(this.call(cls, args, kwargs));
          break;
        }
        case 0x69: { // INST
          const module = this.utf8(this.line(), at);
          const name = this.utf8(this.line(), at);
          const cls = this.global(module, name);
          this.push(this.call(cls, this.popMark()));
          break;
        }
        case 0x6f: { // OBJ
          const items = this.popMark();
          if (items.length === 0) this.fail(`OBJ without a class at byte ${at}`);
          this.push(this.call(items[0], items.slice(1)));
          break;
        }
        case 0x62: { const state = this.pop(); this.build(this.top(), state); break; } // BUILD

        // Persistent ids: storages in torch files
        case 0x50: this.push(this.persistent(this.lineStr(), at)); break; // PERSID
        case 0x51: this.push(this.persistent(this.pop(), at)); break; // BINPERSID

        default:
          this.fail(`unknown pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at}`);
      }
    }
  }

  private intArg(at: number): number {
    const v = this.parseInt(this.lineStr(), at);
    if (typeof v !== 'number' || v < 0) this.fail(`bad memo index ${v} at byte ${at}`);
    return v;
  }

  private persistent(pid: unknown, at: number): unknown {
    if (!this.opts.persistentLoad) this.fail(`unexpected persistent id ${describe(pid)} at byte ${at}`);
    return this.opts.persistentLoad(pid);
  }
}

/** Unpickle one object starting at `start`; returns it and the offset after its STOP. */
export function unpickleAt(buf: Uint8Array, start: number, opts: UnpickleOptions = {}): { value: unknown; end: number } {
  return new Unpickler(buf, start, opts).run();
}

export function unpickle(buf: Uint8Array, opts: UnpickleOptions = {}): unknown {
  return unpickleAt(buf, 0, opts).value;
}
