import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateRawSync, crc32 } from 'node:zlib';
import { openZip } from '../../src/weights/zip.js';
import { fixture } from './expected.js';

/** A one-entry zip assembled by hand (APPNOTE 4.3.7, 4.3.12, 4.3.16). */
function makeZip(name: string, body: Uint8Array, opts: { method?: number; size?: number; crc?: number } = {}): Buffer {
  const method = opts.method ?? 0;
  const data = method === 8 ? deflateRawSync(body) : Buffer.from(body);
  const n = Buffer.from(name);
  const crc = opts.crc ?? crc32(body);
  const size = opts.size ?? body.length;
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(method, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(size, 22);
  local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(method, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(n.length, 28);
  const cdOffset = local.length + n.length + data.length;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(central.length + n.length, 12);
  eocd.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, n, data, central, n, eocd]);
}

test('zip: torch checkpoint entries, stored data as zero-copy views', () => {
  const bytes = fixture('zip_dtypes.pth');
  const z = openZip(bytes, 'zip_dtypes.pth');
  assert.ok(z.has('archive/data.pkl'));
  assert.ok(z.has('archive/version'));
  assert.equal(new TextDecoder().decode(z.read('archive/version')).trim(), '3');
  const d0 = z.read('archive/data/0');
  assert.equal(d0.buffer, bytes.buffer);
  assert.equal(d0.length, 24); // f32 (2,3)
  assert.equal((d0.byteOffset - bytes.byteOffset) % 64, 0, 'torch aligns stored data to 64 bytes');
});

test('zip: ZIP64 end records and extra fields, deflate entries', () => {
  const a = openZip(fixture('zip64.pth'), 'zip64.pth');
  const b = openZip(fixture('zip_little_byteorder.pth'), 'x.pth');
  for (const name of ['archive/data.pkl', 'archive/data/0', 'archive/data/3']) {
    assert.deepEqual(a.read(name), b.read(name), name);
  }
  const deflated = openZip(fixture('zip_deflate.pth'), 'zip_deflate.pth');
  assert.equal(deflated.entries.get('archive/data.pkl')!.method, 8);
  const plain = openZip(fixture('zip_dtypes.pth'), 'zip_dtypes.pth');
  assert.deepEqual(deflated.read('archive/data.pkl'), plain.read('archive/data.pkl'));
});

test('zip: hand-made archives: comment-free EOCD, deflate, bad CRC, lying sizes, unknown method', () => {
  const body = Buffer.from('hello hello hello hello');
  assert.deepEqual(openZip(makeZip('a.txt', body), 'z').read('a.txt'), body);
  assert.deepEqual(openZip(makeZip('a.txt', body, { method: 8 }), 'z').read('a.txt'), body);
  assert.throws(() => openZip(makeZip('a.txt', body, { crc: 1 }), 'z.zip').read('a.txt'), /z\.zip: zip: entry a\.txt is corrupt: CRC32 0x[0-9a-f]{8}, directory says 0x00000001/);
  assert.throws(() => openZip(makeZip('a.txt', body, { method: 8, size: 2 ** 31 }), 'z').read('a.txt'), /inflates to 2147483648 bytes, too large/);
  assert.throws(() => openZip(makeZip('a.txt', body, { method: 8, size: 3 }), 'z').read('a.txt'), /cannot inflate/);
  assert.throws(() => openZip(makeZip('a.txt', body, { method: 12 }), 'z').read('a.txt'), /compression method 12/);
  assert.throws(() => openZip(makeZip('a.txt', body), 'z').read('b.txt'), /z: zip: no entry b\.txt/);
});

test('zip: truncated or garbage archives fail cleanly', () => {
  const bytes = fixture('zip_dtypes.pth');
  for (let cut = 0; cut < bytes.length; cut += 7) {
    assert.throws(() => {
      const z = openZip(bytes.subarray(0, cut), 'cut.pth');
      for (const n of z.entries.keys()) z.read(n);
    }, /cut\.pth: (not a zip archive or truncated|zip)/);
  }
  assert.throws(() => openZip(fixture('bad/garbage.bin'), 'g'), /g: not a zip archive or truncated: no end of central directory record \(file has 300 bytes\)/);
});
