import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { npyObjectTensors, parseNpyHeader, readNpy, readNpyAny, readNpyDict } from '../../src/weights/npy.js';
import { PyDict } from '../../src/weights/pickle.js';
import type { ExpectedFile } from './expected.js';
import { assertTensors, EXPECTED, encodeTensor, expectedFile, fixture } from './expected.js';

const PLAIN = Object.keys(EXPECTED).filter((k) => k.startsWith('npy/') && k.endsWith('.npy') && !k.includes('dict_'));

test('npy: fixture list is complete', () => {
  assert.ok(PLAIN.length >= 15, PLAIN.join(','));
});

for (const name of PLAIN) {
  test(`npy: ${name} matches numpy`, () => {
    const t = readNpy(fixture(name), name);
    const e = expectedFile(name);
    const [only] = Object.values(e.tensors);
    assert.deepEqual(encodeTensor(t), only);
  });
}

test('npy: header versions, Fortran order and byte order are parsed from the header', () => {
  assert.deepEqual(parseNpyHeader(fixture('npy/v2.npy'), 'v2.npy').version, [2, 0]);
  assert.deepEqual(parseNpyHeader(fixture('npy/v3.npy'), 'v3.npy').version, [3, 0]);
  const h = parseNpyHeader(fixture('npy/fortran_i4_3d.npy'), 'f.npy');
  assert.equal(h.fortranOrder, true);
  assert.deepEqual(h.shape, [2, 3, 4]);
  assert.equal(parseNpyHeader(fixture('npy/f8_big.npy'), 'b.npy').descr, '>f8');
  // The aligned little-endian body is used in place; big-endian data is a swapped copy.
  const bytes = fixture('npy/f4.npy');
  assert.equal(readNpy(bytes, 'f4.npy').data.buffer, bytes.buffer);
});

const DICTS = ['npy/dict_py3.npy', 'npy/dict_py3_proto2.npy', 'npy/dict_py2.npy', 'npy/dict_nested.npy'];
for (const name of DICTS) {
  test(`npy: pickled dict ${name} flattens to kratzert names`, () => {
    const c = readNpyAny(fixture(name), name);
    assert.equal(c.kind, 'object');
    assertTensors(npyObjectTensors(c.kind === 'object' ? c.value : null, name), expectedFile(name), name);
  });
}

test('npy: Python 2 bvlc_alexnet-style dict as Map<layer, [weights, biases]>', () => {
  const d = readNpyDict(fixture('npy/dict_py2.npy'), 'bvlc_alexnet.npy');
  assert.deepEqual([...d.keys()], ['conv1', 'fc6', 'fortran', 'bigend']);
  const e = expectedFile('npy/dict_py2.npy').tensors;
  const [w, b] = d.get('conv1')!;
  assert.deepEqual(encodeTensor(w!), e['conv1/weights']);
  assert.deepEqual(encodeTensor(b!), e['conv1/biases']);
  assert.deepEqual(w!.shape, [3, 3, 2, 4]); // HWIO, as TensorFlow stores conv kernels
  assert.deepEqual(encodeTensor(d.get('fc6')![0]!), e['fc6/weights']); // 320 bytes: a BINSTRING
  assert.equal(d.get('fortran')!.length, 1);
});

test('npy: Python 3 dict with a numpy scalar (numpy.core.multiarray.scalar)', () => {
  const d = readNpyDict(fixture('npy/dict_py3.npy'), 'd.npy');
  const [s] = d.get('scale')!;
  assert.deepEqual(s!.shape, []);
  assert.deepEqual([...(s!.data as Float64Array)], [0.125]);
  const raw = readNpyAny(fixture('npy/dict_py3.npy'), 'd.npy');
  assert.ok(raw.kind === 'object' && raw.value instanceof PyDict);
});

test('npy: plain reader and dict reader refuse each other', () => {
  assert.throws(() => readNpy(fixture('npy/dict_py3.npy'), 'd.npy'), /d\.npy: holds a pickled object array; use readNpyDict/);
  assert.throws(() => readNpyDict(fixture('npy/f4.npy'), 'f4.npy'), /f4\.npy: expected a pickled dict, found a float32 array/);
});

test('npy: broken and hostile files', () => {
  assert.throws(() => readNpy(fixture('bad/header.npy'), 'header.npy'), /header\.npy: bad \.npy header \(unexpected token at column 10\)/);
  assert.throws(() => readNpy(fixture('bad/cut_data.npy'), 'cut.npy'), /cut\.npy: truncated or corrupt: float32 \[2,3\] needs 24 bytes, found 21/);
  assert.throws(() => readNpy(fixture('bad/structured.npy'), 's.npy'), /s\.npy: structured \.npy dtype/);
  assert.throws(() => readNpyAny(fixture('evil/popen.npy'), 'popen.npy'), /refusing pickle global subprocess\.Popen in popen\.npy/);
  assert.equal(existsSync('/tmp/alexnet-ts-pwned'), false);
  const u2 = Buffer.concat([fixture('npy/f4.npy')]);
  u2.write("'<u2'", u2.indexOf("'<f4'"), 'latin1');
  assert.throws(() => readNpy(u2, 'u2.npy'), /u2\.npy: unsupported numpy dtype "<u2"; supported: <f4/);
  const v9 = Buffer.from(fixture('npy/f4.npy'));
  v9[6] = 9;
  assert.throws(() => readNpy(v9, 'v9.npy'), /unsupported \.npy version 9\.0/);
});

test('npy: object array pickled by a real Python 2 pickler (tools/make_py2_npy_fixture.py)', () => {
  const name = 'npy/dict_py2_real.npy';
  const e = JSON.parse(fixture('npy/dict_py2_real.json').toString('utf8')) as ExpectedFile & { keys: string[] };
  const c = readNpyAny(fixture(name), name);
  assert.ok(c.kind === 'object');
  assertTensors(npyObjectTensors(c.value, name), e, name);
  const d = readNpyDict(fixture(name), name);
  assert.deepEqual([...d.keys()].sort(), e.keys);
  // b is one Python object used twice: the memo (BINGET) gives the same tensor both times
  assert.equal(d.get('conv1')![1], d.get('fc6')![1]);
});
