import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import type { PickleGlobals } from '../../src/weights/pickle.js';
import { codecsEncode, isTuple, Py2Str, PyDict, PyGlobal, unpickle, unpickleAt } from '../../src/weights/pickle.js';
import { EXPECTED, fixture } from './expected.js';

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** The same canonical JSON shape tools/make_weight_fixtures.py's canon() writes. */
function canon(v: unknown): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'bigint') return { int: String(v) };
  if (v instanceof Py2Str) return { py2str: hex(v.bytes) };
  if (v instanceof Uint8Array) return { bytes: hex(v) };
  if (isTuple(v)) return { tuple: v.map(canon) };
  if (Array.isArray(v)) return v.map(canon);
  if (v instanceof PyDict) return { dict: [...v].map(([k, x]) => [canon(k), canon(x)]) };
  if (v instanceof Set) return { set: [...v].sort((a, b) => Number(a) - Number(b)) };
  throw new Error(`unexpected ${String(v)}`);
}

// Python 3 pickles bytes as _codecs.encode(str, 'latin1') below protocol 3.
const GLOBALS: PickleGlobals = { '_codecs.encode': codecsEncode };
const PICKLES = EXPECTED['pickles'] as {
  base: { dict: [unknown, unknown][] };
  extra: Record<string, { dict: [unknown, unknown][] }>;
  py2_p0: unknown;
};

for (let proto = 0; proto <= 5; proto++) {
  test(`pickle: protocol ${proto} values match what Python wrote`, () => {
    const v = unpickle(fixture(`pickle/p${proto}.pkl`), { file: `p${proto}.pkl`, globals: GLOBALS });
    const extra = proto >= 4 ? PICKLES.extra[proto >= 5 ? '5' : '4']!.dict : [];
    assert.deepEqual(canon(v), { dict: [...PICKLES.base.dict, ...extra] });
    // memo: the same Python object twice is the same JS object
    const d = v as PyDict;
    const shared = d.get('shared') as unknown[][];
    assert.equal(shared[0], shared[1]);
    assert.equal(d.get('again'), (d.get('strs') as string[])[299]);
  });
}

test('pickle: Python 2 protocol 0 (STRING escapes, I01/I00 bools, LONG ...L, UNICODE, BINSTRING)', () => {
  const v = unpickle(fixture('pickle/py2_p0.pkl'), { file: 'py2_p0.pkl' });
  assert.deepEqual(canon(v), PICKLES.py2_p0);
  assert.equal(String((v as PyDict).get('short')), 'hi');
});

test('pickle: hostile globals are refused, nothing runs', () => {
  const cases: [string, RegExp][] = [
    ['evil/os_system.pth', /^PickleError: refusing pickle global os\.system in os_system\.pth$/],
    ['evil/stack_global.pkl', /refusing pickle global os\.system in stack_global\.pkl/],
    ['evil/inst.pkl', /refusing pickle global os\.system in inst\.pkl/],
    ['evil/proto.pkl', /refusing pickle global __proto__\.constructor in proto\.pkl/],
  ];
  for (const [name, re] of cases) {
    const file = name.split('/')[1]!;
    assert.throws(() => unpickle(fixture(name), { file, globals: GLOBALS }), (e: Error) => re.test(`${e.name}: ${e.message}`), name);
  }
  assert.equal(existsSync('/tmp/alexnet-ts-pwned'), false);
});

test('pickle: names on the prototype chain never resolve', () => {
  const globals: PickleGlobals = { 'a.b': () => 1 };
  for (const [m, n] of [['__proto__', 'x'], ['constructor', 'name'], ['a', 'b.__proto__'], ['hasOwnProperty', 'x'], ['a.b', '']]) {
    const bytes = Buffer.from(`c${m}\n${n}\n)R.`, 'latin1');
    assert.throws(() => unpickle(bytes, { globals }), new RegExp(`refusing pickle global ${m!.replace(/\./g, '\\.')}`));
  }
  // the allowed one works and gets its args
  const ok = unpickle(Buffer.from('\x80\x02ca\nb\nK\x05\x85R.', 'latin1'), { globals: { 'a.b': (args) => args[0] } });
  assert.equal(ok, 5);
});

test('pickle: truncation anywhere throws "truncated pickle" quickly', () => {
  const bytes = fixture('pickle/p2.pkl');
  for (let cut = 0; cut < bytes.length; cut++) {
    assert.throws(() => unpickle(bytes.subarray(0, cut), { file: 'p2.pkl', globals: GLOBALS }), /truncated pickle at byte \d+ in p2\.pkl|stack underflow|MARK missing/);
  }
});

test('pickle: caps on stack, memo, marks and LONG sizes', () => {
  const many = (op: string, n: number) => Buffer.from('\x80\x02' + op.repeat(n) + '.', 'latin1');
  assert.throws(() => unpickle(many('N', 200), { maxStack: 100 }), /pickle stack exceeds 100 items/);
  assert.throws(() => unpickle(many('(', 200), { maxMarks: 100 }), /pickle marks nested deeper than 100/);
  assert.throws(() => unpickle(Buffer.from('\x80\x04N' + '\x94'.repeat(50) + '.', 'latin1'), { maxMemo: 10 }), /pickle memo exceeds 10 entries/);
  const long4 = Buffer.concat([Buffer.from('\x80\x02\x8b', 'latin1'), Buffer.from([0, 0, 0, 0x40])]);
  assert.throws(() => unpickle(long4), /LONG of 1073741824 bytes/);
  const binbytes8 = Buffer.concat([Buffer.from('\x80\x04\x8e', 'latin1'), Buffer.alloc(8, 0xff)]);
  assert.throws(() => unpickle(binbytes8), /truncated pickle/);
});

test('pickle: malformed streams fail with the opcode position', () => {
  assert.throws(() => unpickle(Buffer.from('\x80\x02\xff.', 'latin1'), { file: 'x' }), /unknown pickle opcode 0xff at byte 2 in x/);
  assert.throws(() => unpickle(Buffer.from('\x80\x06N.', 'latin1')), /unsupported pickle protocol 6/);
  assert.throws(() => unpickle(Buffer.from('\x80\x02a.', 'latin1')), /stack underflow/);
  assert.throws(() => unpickle(Buffer.from('\x80\x02)Na.', 'latin1')), /APPEND to tuple of 0/);
  assert.throws(() => unpickle(Buffer.from('\x80\x02h\x07.', 'latin1')), /memo key 7 missing/);
  assert.throws(() => unpickle(Buffer.from('\x80\x02K\x01)R.', 'latin1')), /cannot call 1/);
  assert.throws(() => unpickle(Buffer.from('\x80\x02Q.', 'latin1')), /stack underflow/);
  assert.throws(() => unpickle(Buffer.from('\x80\x02NQ.', 'latin1')), /unexpected persistent id None/);
  assert.throws(() => unpickle(Buffer.from('\x80\x02\x82\x01.', 'latin1')), /extension code/);
  assert.throws(() => unpickle(Buffer.from('\x80\x02}]]s.', 'latin1')), /unsupported dict key list of 0/);
  assert.throws(() => unpickle(Buffer.from('\x80\x02K\x01N b.', 'latin1')), /unknown pickle opcode 0x20/);
  assert.throws(() => unpickle(Buffer.from('\x80\x02K\x01Nb.', 'latin1')), /cannot BUILD 1/);
});

test('pickle: persistent ids go to the loader, consecutive pickles are read with unpickleAt', () => {
  const two = Buffer.from('\x80\x02K\x01.\x80\x02X\x01\x00\x00\x00aQ.', 'latin1');
  const first = unpickleAt(two, 0);
  assert.deepEqual(first, { value: 1, end: 5 });
  const seen: unknown[] = [];
  const second = unpickleAt(two, first.end, { persistentLoad: (pid) => (seen.push(pid), 'loaded') });
  assert.deepEqual(second, { value: 'loaded', end: two.length });
  assert.deepEqual(seen, ['a']);
  assert.equal(unpickle(Buffer.from('Pkey\n.', 'latin1'), { persistentLoad: (pid) => `<${String(pid)}>` }), '<key>');
});

test('pickle: globals are inert values until called', () => {
  const g = unpickle(Buffer.from('\x80\x02ctorch\nFloatStorage\n.', 'latin1'), { globals: { 'torch.FloatStorage': () => 0 } });
  assert.ok(g instanceof PyGlobal);
  assert.equal(g.qualname, 'torch.FloatStorage');
});
