// The text arguments of pickle protocol 0 (Python 2's default): a str's repr (STRING), the
// raw-unicode-escape codec (UNICODE) and a float's repr (FLOAT), as Lib/pickle.py's
// Unpickler.load_string, load_unicode and load_float read them. Pure functions of the
// argument's bytes, for pickle.ts.
import { latin1 } from './pickle_values.js';

/** Python 2 `repr()` of a str, as protocol 0's STRING writes it: quoted, with backslash escapes. */
export function unquoteStr(line: Uint8Array, fail: (m: string) => never): Uint8Array {
  const q = line[0];
  if (line.length < 2 || (q !== 0x27 && q !== 0x22) || line[line.length - 1] !== q) fail('STRING argument is not quoted');
  const out: number[] = [];
  const end = line.length - 1;
  for (let i = 1; i < end; i++) {
    const c = line[i]!;
    if (c !== 0x5c) {
      out.push(c);
      continue;
    }
    if (++i >= end) fail('STRING ends in a backslash');
    const e = String.fromCharCode(line[i]!);
    const simple: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '\\': 92, "'": 39, '"': 34 };
    if (e in simple) out.push(simple[e]!);
    else if (e === '\n') continue;
    else if (e === 'x') {
      const h = String.fromCharCode(line[i + 1] ?? 0, line[i + 2] ?? 0);
      if (!/^[0-9a-fA-F]{2}$/.test(h) || i + 2 >= end) fail('bad \\x escape in STRING');
      out.push(parseInt(h, 16));
      i += 2;
    } else if (e >= '0' && e <= '7') {
      let v = 0;
      let k = 0;
      while (k < 3 && i < end && line[i]! >= 0x30 && line[i]! <= 0x37) v = v * 8 + (line[i++]! - 0x30), k++;
      i--;
      out.push(v & 0xff);
    } else out.push(0x5c, line[i]!); // unknown escapes are kept verbatim, as Python does
  }
  return Uint8Array.from(out);
}

/** Python's raw-unicode-escape codec, used by protocol 0's UNICODE. */
export function rawUnicodeEscape(line: Uint8Array): string {
  return latin1(line).replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, u4?: string, u8?: string) =>
    String.fromCodePoint(parseInt((u4 ?? u8)!, 16)),
  );
}

/** A float's repr, as FLOAT writes it ('1.5', '-inf', 'nan', '1e-05'); null if it is none. */
export function floatRepr(t: string): number | null {
  const v = /^(?:[-+]?inf|nan)$/i.test(t)
    ? Number(t.toLowerCase().replace('inf', 'Infinity').replace('nan', 'NaN'))
    : /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(t) ? Number(t) : NaN;
  return Number.isNaN(v) && !/nan/i.test(t) ? null : v;
}
