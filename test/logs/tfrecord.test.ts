import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { frameRecord, readRecords, TFRecordError, TFRecordWriter } from '../../src/logs/tfrecord.js';

test('frameRecord lays out length, masked length CRC, data, masked data CRC', () => {
  const rec = frameRecord(Buffer.from('abc'));
  assert.equal(rec.length, 8 + 4 + 3 + 4);
  assert.equal(rec.readBigUInt64LE(0), 3n);
  // masked crc32c of the 8 length bytes 03 00 .. 00 and of "abc" (independently computed)
  assert.equal(rec.readUInt32LE(8), 0x0e4999b0);
  assert.equal(rec.subarray(12, 15).toString(), 'abc');
  assert.equal(rec.readUInt32LE(15), 0x21f1576e);
  const empty = frameRecord(new Uint8Array(0));
  assert.deepEqual([...empty], [0, 0, 0, 0, 0, 0, 0, 0, 0x29, 0x03, 0x98, 0x07, 0xd8, 0xea, 0x82, 0xa2]);
});

function withFile(fn: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'tfrecord-'));
  try {
    fn(join(dir, 'r.tfrecord'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const PAYLOADS = [Buffer.from('first'), Buffer.alloc(0), Buffer.alloc(1000, 0xab), Buffer.from('last record')];

function writeAll(path: string): number[] {
  const fd = openSync(path, 'w');
  const w = new TFRecordWriter(fd, path);
  const offsets: number[] = [];
  let off = 0;
  for (const p of PAYLOADS) {
    offsets.push(off);
    w.append(p);
    off += 16 + p.length;
  }
  assert.equal(w.bufferedBytes, off);
  assert.equal(w.bytesWritten, 0);
  w.flush();
  assert.equal(w.bufferedBytes, 0);
  assert.equal(w.bytesWritten, off);
  closeSync(fd);
  return offsets;
}

test('writer and reader round-trip records with their offsets', () => {
  withFile((path) => {
    const offsets = writeAll(path);
    const buf = readFileSync(path);
    assert.equal(buf.length, PAYLOADS.reduce((s, p) => s + 16 + p.length, 0));
    const recs = readRecords(buf, { source: path });
    assert.equal(recs.length, PAYLOADS.length);
    recs.forEach((r, i) => {
      assert.equal(r.offset, offsets[i]);
      assert.deepEqual(Buffer.from(r.data), PAYLOADS[i]);
    });
  });
});

function expectError(fn: () => unknown, offset: number, record: number, detail: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TFRecordError, String(e));
    assert.equal(e.offset, offset);
    assert.equal(e.record, record);
    assert.match(e.message, detail);
    assert.match(e.message, new RegExp(`^f\\.tfrecord: record ${record} at byte ${offset}: `));
    return true;
  });
}

test('a flipped byte anywhere in a record is reported at that record', () => {
  withFile((path) => {
    const offsets = writeAll(path);
    const good = readFileSync(path);
    const rec2 = offsets[2]!;
    const cases: [number, RegExp][] = [
      [rec2 + 3, /length CRC mismatch: stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}/], // length field
      [rec2 + 9, /length CRC mismatch/], // length CRC
      [rec2 + 12 + 500, /data CRC mismatch: stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8} \(data length 1000\)/], // data
      [rec2 + 12 + 1000 + 2, /data CRC mismatch/], // data CRC
    ];
    for (const [pos, re] of cases) {
      const bad = Buffer.from(good);
      bad[pos]! ^= 0x10;
      expectError(() => readRecords(bad, { source: 'f.tfrecord' }), rec2, 2, re);
      // allowPartialTail never hides corruption
      expectError(() => readRecords(bad, { source: 'f.tfrecord', allowPartialTail: true }), rec2, 2, re);
    }
  });
});

test('a truncated tail is an error naming the missing bytes, or ignored on request', () => {
  withFile((path) => {
    const offsets = writeAll(path);
    const good = readFileSync(path);
    const last = offsets[3]!;
    // cut inside the last record's data
    const cut = good.subarray(0, good.length - 5);
    expectError(
      () => readRecords(cut, { source: 'f.tfrecord' }),
      last,
      3,
      new RegExp(`truncated record: needs 27 bytes \\(data length 11\\), only 22 left \\(file is ${cut.length} bytes\\)`),
    );
    // cut inside the header
    const cutHeader = good.subarray(0, last + 5);
    expectError(() => readRecords(cutHeader, { source: 'f.tfrecord' }), last, 3, /truncated header: 5 of 12 bytes present/);
    for (const b of [cut, cutHeader]) {
      const recs = readRecords(b, { source: 'f.tfrecord', allowPartialTail: true });
      assert.deepEqual(recs.map((r) => r.offset), offsets.slice(0, 3));
    }
    assert.deepEqual(readRecords(new Uint8Array(0)), []);
  });
});
