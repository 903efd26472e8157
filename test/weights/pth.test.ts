import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPth, readPth } from '../../src/weights/pth.js';
import { PyDict } from '../../src/weights/pickle.js';
import { assertTensors, expectedFile, fixture } from './expected.js';

const GOOD = [
  'zip_dtypes.pth',
  'legacy.pth',
  'legacy_view.pth',
  'zip_deflate.pth',
  'zip_wrapped.pth',
  'zip_model.pth',
  'zip_bigendian.pth',
  'zip_little_byteorder.pth',
  'zip64.pth',
];

for (const name of GOOD) {
  test(`pth: ${name} matches what torch saved`, () => {
    const r = readPth(fixture(name), name);
    const e = expectedFile(name);
    assertTensors(r.tensors, e, name);
    if (e.metadata) assert.deepEqual(r.metadata, e.metadata);
  });
}

test('pth: views are materialised in C order with the right offsets', () => {
  const { tensors } = readPth(fixture('zip_dtypes.pth'), 'zip_dtypes.pth');
  const t = tensors.get('transposed')!;
  assert.deepEqual(t.shape, [4, 3]);
  // base is (3,4); transposed[i][j] = base[j][i], and row = base[1]
  const row = tensors.get('row')!.data as Float32Array;
  assert.deepEqual([t.data[1], t.data[4], t.data[7], t.data[10]], [...row]);
  const strided = tensors.get('strided')!;
  assert.deepEqual(strided.shape, [3, 2]);
  assert.equal(strided.data[2], row[0]);
  assert.equal(strided.data[3], row[2]);
});

test('pth: shared storages are loaded once and alias', () => {
  const bytes = fixture('zip_dtypes.pth');
  const { tensors } = readPth(bytes, 'zip_dtypes.pth');
  const a = tensors.get('shared_a')!.data as Float32Array;
  const b = tensors.get('shared_b')!.data as Float32Array;
  // shared_b = storage[4:], shared_a = storage[:6]: same memory, offset by 4 elements
  assert.equal(a.buffer, b.buffer);
  assert.equal(b.byteOffset - a.byteOffset, 16);
  assert.deepEqual([...a], [0, 0.25, 0.5, 0.75, 1, 1.25]);
  // torch aligns stored entries to 64 bytes, so contiguous float tensors are views of the file
  assert.equal(a.buffer, bytes.buffer);
});

test('pth: legacy format copes with storage keys that are memory addresses', () => {
  const obj = loadPth(fixture('legacy.pth'), 'legacy.pth');
  assert.ok(obj instanceof PyDict);
  assert.equal(obj.size, Object.keys(expectedFile('legacy.pth').tensors).length);
});

test('pth: nn.Module state_dict keeps its OrderedDict metadata and loses the module. prefix', () => {
  const { tensors } = readPth(fixture('zip_wrapped.pth'), 'zip_wrapped.pth');
  assert.deepEqual([...tensors.keys()].slice(0, 2), ['0.weight', '0.bias']);
  const raw = loadPth(fixture('zip_wrapped.pth'), 'zip_wrapped.pth') as PyDict;
  const sd = raw.get('state_dict') as PyDict;
  assert.ok(sd.attrs instanceof PyDict, 'OrderedDict BUILD state (_metadata) is kept as attrs');
  assert.ok((sd.attrs as PyDict).has('_metadata'));
  assert.equal(tensors.get('1.num_batches_tracked')!.dtype, 'int64');
});

test('pth: corrupt files fail with a message naming the problem', () => {
  const cases: [string, RegExp][] = [
    ['bad/cut_zip.pth', /cut_zip\.pth: not a zip archive or truncated/],
    ['bad/cut_storage.pth', /cut_storage\.pth: truncated: archive\/data\/0 needs 24 bytes, file has 12/],
    ['bad/crc.pth', /crc\.pth: zip: entry archive\/data\/0 is corrupt: CRC32/],
    ['bad/cut_legacy.pth', /cut_legacy\.pth: truncated: storage \d+ /],
    ['bad/expand_bomb.pth', /expand_bomb\.pth: .*would copy \d+ bytes in total/],
    ['bad/not_a_checkpoint.zip', /zip has 0 \*\/data\.pkl entries/],
  ];
  for (const [name, re] of cases) assert.throws(() => readPth(fixture(name), name), re, name);
});

test('pth: hostile pickles are refused before anything runs', () => {
  assert.throws(() => readPth(fixture('evil/eval.pth'), 'eval.pth'), /refusing pickle global __builtin__\.eval in eval\.pth \(archive\/data\.pkl\); only tensors/);
  assert.throws(() => readPth(fixture('evil/os_system.pth'), 'os_system.pth'), /refusing pickle global os\.system in os_system\.pth \(magic number\)/);
  assert.throws(
    () => readPth(fixture('evil/legacy_system.pth'), 'legacy_system.pth'),
    /refusing pickle global posix\.system in legacy_system\.pth \(data\); only tensors/,
  );
});
