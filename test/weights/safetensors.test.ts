import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Tensor } from '../../src/tensor.js';
import { atomicWriteFile } from '../../src/util/fs.js';
import { encodeSafetensors, readSafetensors, writeSafetensors } from '../../src/weights/safetensors.js';
import { assertTensors, encodeTensor, expectedFile, fixture } from './expected.js';

const dir = mkdtempSync(join(tmpdir(), 'alexnet-ts-st-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('safetensors: reads a file written per the spec by Python', () => {
  const r = readSafetensors(fixture('st/ref.safetensors'), 'ref.safetensors');
  const e = expectedFile('st/ref.safetensors');
  assertTensors(r.tensors, e, 'ref.safetensors');
  assert.deepEqual(r.metadata, e.metadata);
});

test('safetensors: write then read gives back every dtype exactly, data 8-aligned', async () => {
  const src = readSafetensors(fixture('st/ref.safetensors'), 'ref.safetensors');
  const path = join(dir, 'out.safetensors');
  await writeSafetensors(path, src.tensors, { format: 'pt', epoch: '3' });
  const bytes = readFileSync(path);
  const back = readSafetensors(bytes, path);
  assertTensors(back.tensors, expectedFile('st/ref.safetensors'), 'round trip');
  assert.deepEqual(back.metadata, { format: 'pt', epoch: '3' });
  const hlen = Number(bytes.readBigUInt64LE(0));
  assert.equal(hlen % 8, 0);
  // largest elements first, so each tensor is aligned to its element size
  const header = JSON.parse(bytes.subarray(8, 8 + hlen).toString('utf8')) as Record<string, { dtype: string; data_offsets: number[] }>;
  assert.equal(header['d']!.data_offsets[0], 0); // F64 before F32 before F16 before U8, by name within a size
  for (const [k, v] of Object.entries(header)) {
    if (k === '__metadata__') continue;
    const size = { F64: 8, I64: 8, F32: 4, I32: 4, F16: 2, U8: 1, I8: 1, BOOL: 1 }[v.dtype]!;
    assert.equal(v.data_offsets[0]! % size, 0, k);
  }
  assert.deepEqual(readdirSync(dir), ['out.safetensors'], 'no temp file left behind');
});

test('safetensors: encode from a record, with empty and scalar tensors', () => {
  const t: Record<string, Tensor> = {
    s: { dtype: 'float32', shape: [], data: Float32Array.of(1.5) },
    e: { dtype: 'int64', shape: [0, 2], data: new BigInt64Array(0) },
  };
  const bytes = Buffer.concat(encodeSafetensors(t));
  const back = readSafetensors(bytes, 'x');
  assert.deepEqual(encodeTensor(back.tensors.get('s')!), { dtype: 'float32', shape: [], data: [1.5] });
  assert.deepEqual(encodeTensor(back.tensors.get('e')!), { dtype: 'int64', shape: [0, 2], data: [] });
});

test('safetensors: a metadata key named __proto__ stays an ordinary key', () => {
  const header = Buffer.from('{"__metadata__":{"__proto__":"x","a":"b"}}');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  const { metadata, tensors } = readSafetensors(Buffer.concat([len, header]), 'p.st');
  assert.equal(tensors.size, 0);
  assert.equal(Object.getPrototypeOf(metadata), Object.prototype);
  assert.deepEqual(Object.keys(metadata), ['__proto__', 'a']);
  assert.equal(Object.getOwnPropertyDescriptor(metadata, '__proto__')?.value, 'x');
});

test('safetensors: rejects overlap, unknown dtypes, truncation and trailing bytes', () => {
  assert.throws(() => readSafetensors(fixture('bad/overlap.safetensors'), 'o.st'), /o\.st: tensor b starts at 4, expected 8 \(gap or overlap\)/);
  assert.throws(() => readSafetensors(fixture('bad/bf16.safetensors'), 'b.st'), /b\.st: tensor a has unsupported dtype "BF16"; supported: F32, F16/);
  const good = fixture('st/ref.safetensors');
  assert.throws(() => readSafetensors(good.subarray(0, good.length - 1), 'c.st'), /c\.st: truncated: \w+ needs bytes up to \d+, data has \d+/);
  assert.throws(() => readSafetensors(Buffer.concat([good, Buffer.from([0])]), 't.st'), /t\.st: 1 bytes after the last tensor/);
  assert.throws(() => readSafetensors(good.subarray(0, 20), 'h.st'), /h\.st: truncated safetensors: header needs/);
  const huge = Buffer.alloc(16);
  huge.writeBigUInt64LE(2n ** 40n);
  assert.throws(() => readSafetensors(huge, 'big.st'), /^Error: big\.st: invalid safetensors header length 1099511627776 \(file has 16 bytes\)$/);
});

test('atomicWriteFile: replaces the file whole, from chunks or an async stream', async () => {
  const path = join(dir, 'atomic.bin');
  writeFileSync(path, 'old contents');
  await atomicWriteFile(path, [Buffer.from('new '), Buffer.from('contents')]);
  assert.equal(readFileSync(path, 'utf8'), 'new contents');
  async function* stream() {
    for (let i = 0; i < 3; i++) yield Buffer.from(`part${i};`);
  }
  await atomicWriteFile(path, stream());
  assert.equal(readFileSync(path, 'utf8'), 'part0;part1;part2;');
  const big = new Uint8Array(8 << 20).map((_, i) => i & 0xff);
  await atomicWriteFile(path, big);
  assert.deepEqual(readFileSync(path), Buffer.from(big));
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test('atomicWriteFile: a failing source leaves the old file and no temp file', async () => {
  const path = join(dir, 'keep.bin');
  writeFileSync(path, 'keep me');
  async function* failing() {
    yield Buffer.from('partial');
    throw new Error('download failed');
  }
  await assert.rejects(atomicWriteFile(path, failing()), /download failed/);
  assert.equal(readFileSync(path, 'utf8'), 'keep me');
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  await assert.rejects(atomicWriteFile(join(dir, 'no', 'such', 'dir.bin'), Buffer.from('x')), /ENOENT/);
});
