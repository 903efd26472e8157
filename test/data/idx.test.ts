// IDX files: our encoder and parser round-trip every header field, gzip is detected by its
// magic, damaged files give errors naming the file and the sizes, and Debian's
// Fashion-MNIST reads with the labels, class counts and pixels numpy reads from it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { encodeIdx, idxLabelsFileFor, idxSplitFiles, parseIdx, readIdx } from '../../src/data/idx.js';
import { FASHION_DIR, fashionMnist } from '../fashion.js';

test('uint8 and float32 round-trip, plain and gzipped', () => {
  const px = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 11) % 256);
  const a = parseIdx(encodeIdx([2, 3, 4], px), 'a');
  assert.deepEqual(a.dims, [2, 3, 4]);
  assert.ok(a.data instanceof Uint8Array);
  assert.deepEqual([...a.data], [...px]);
  const f = Float32Array.of(1.5, -2.25, 1e-7);
  const b = parseIdx(gzipSync(encodeIdx([3], f)), 'b.gz');
  assert.ok(b.data instanceof Float32Array);
  assert.deepEqual([...b.data], [...f]);
});

test('big-endian int32 and int16 data', () => {
  const bytes = Uint8Array.of(0, 0, 0x0c, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xfe, 0, 0, 1, 0);
  assert.deepEqual([...parseIdx(bytes, 'i32').data], [-2, 256]);
  const s = Uint8Array.of(0, 0, 0x0b, 1, 0, 0, 0, 1, 0x80, 0x01);
  assert.deepEqual([...parseIdx(s, 'i16').data], [-32767]);
});

test('damaged files: errors name the file and the sizes', () => {
  const good = encodeIdx([2, 2], Uint8Array.of(1, 2, 3, 4));
  assert.throws(() => parseIdx(good.subarray(0, good.length - 1), 'x.idx'), /^Error: x\.idx: IDX uint8 \[2, 2\] needs 16 bytes, file has 15 \(truncated\)$/);
  assert.throws(() => parseIdx(Uint8Array.of(0x89, 0x50, 0x4e, 0x47), 'p.png'), /p\.png: not an IDX file \(magic 89 50 4e 47/);
  assert.throws(() => parseIdx(Uint8Array.of(0, 0, 0x07, 1, 0, 0, 0, 0), 't'), /t: unknown IDX data type 0x07/);
  assert.throws(() => parseIdx(Uint8Array.of(0, 0, 8, 3, 0, 0), 'h'), /h: truncated IDX header \(6 bytes, 3 dimensions need 16\)/);
  assert.throws(() => parseIdx(Uint8Array.of(0x1f, 0x8b, 1, 2, 3), 'z.gz'), /z\.gz: corrupt gzip stream/);
});

test('split files and the labels file beside an images file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idx-'));
  try {
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), encodeIdx([1, 1, 1], Uint8Array.of(0)));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), encodeIdx([1], Uint8Array.of(0)));
    assert.deepEqual(idxSplitFiles(dir, 'train'), { images: join(dir, 'train-images-idx3-ubyte'), labels: join(dir, 'train-labels-idx1-ubyte') });
    assert.equal(idxSplitFiles(dir, 't10k'), null);
    assert.equal(idxLabelsFileFor('/d/t10k-images-idx3-ubyte.gz'), '/d/t10k-labels-idx1-ubyte.gz');
    assert.throws(() => idxLabelsFileFor('/d/foo.gz'), /cannot tell the labels file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("Debian's Fashion-MNIST: shapes, first labels, class counts and pixels as numpy reads them", async (t) => {
  if (!fashionMnist(t)) return;
  const split = idxSplitFiles(FASHION_DIR, 't10k')!;
  const img = await readIdx(split.images);
  const lab = await readIdx(split.labels);
  assert.deepEqual(img.dims, [10000, 28, 28]);
  assert.deepEqual(lab.dims, [10000]);
  assert.deepEqual([...lab.data.subarray(0, 10)], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
  const counts = new Array(10).fill(0);
  for (const l of lab.data) counts[l]++;
  assert.deepEqual(counts, new Array(10).fill(1000));
  // values from numpy.frombuffer over the gunzipped file
  assert.deepEqual([...img.data.subarray(14 * 28, 15 * 28)], [0, 0, 0, 0, 0, 0, 2, 4, 1, 0, 0, 0, 98, 136, 110, 109, 110, 162, 135, 144, 149, 159, 167, 144, 158, 169, 119, 0]);
  let sum = 0;
  for (const v of img.data) sum += v;
  assert.equal(sum, 573469082);
});
