import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseWeights, readWeights } from '../../src/weights/read.js';
import { assertTensors, EXPECTED, expectedFile, fixture, WEIGHTS } from './expected.js';

const GOOD = Object.keys(EXPECTED).filter((k) => k !== 'pickles');
// plus the real-Python-2 pickle, whose expected values live next to it
const FUZZ = [...GOOD, 'npy/dict_py2_real.npy'];
const FORMAT: Record<string, string> = { pth: 'pth', npy: 'npy', npz: 'npy', onnx: 'onnx', safetensors: 'safetensors' };

const dir = mkdtempSync(join(tmpdir(), 'alexnet-ts-read-'));
after(() => rmSync(dir, { recursive: true, force: true }));

for (const name of GOOD) {
  test(`readWeights: ${name}`, async () => {
    const r = await readWeights(join(WEIGHTS, name));
    const ext = name.slice(name.lastIndexOf('.') + 1);
    assert.equal(r.format, FORMAT[ext]);
    const e = expectedFile(name);
    assertTensors(r.tensors, e, name);
    if (e.metadata) assert.deepEqual(r.metadata, e.metadata);
  });
}

test('readWeights: the format comes from the bytes, not the extension', async () => {
  const cases: [string, string, string][] = [
    ['zip_dtypes.pth', 'weights.bin', 'pth'],
    ['legacy.pth', 'weights.npy', 'pth'],
    ['npy/dict_py2.npy', 'bvlc_alexnet.pth', 'npy'],
    ['st/ref.safetensors', 'model.onnx', 'safetensors'],
    ['onnx/bvlc_names.onnx', 'model.dat', 'onnx'],
  ];
  for (const [src, as, format] of cases) {
    const p = join(dir, as);
    copyFileSync(join(WEIGHTS, src), p);
    const r = await readWeights(p);
    assert.equal(r.format, format, `${src} as ${as}`);
    assert.ok(r.tensors.size > 0);
  }
});

test('readWeights: plain .npy is named by the file stem; bvlc_alexnet.npy gets kratzert names', () => {
  const plain = parseWeights(fixture('npy/f4.npy'), '/x/conv1_w.npy');
  assert.deepEqual([...plain.tensors.keys()], ['conv1_w']);
  const d = parseWeights(fixture('npy/dict_py2.npy'), 'bvlc_alexnet.npy');
  assert.deepEqual([...d.tensors.keys()].slice(0, 4), ['conv1/weights', 'conv1/biases', 'fc6/weights', 'fc6/biases']);
});

test('readWeights: unknown formats get one error listing the supported ones', async () => {
  const supported = /supported: PyTorch \.pth\/\.pt \(zip or legacy torch\.save\), NumPy \.npy\/\.npz .*ONNX .*safetensors/;
  await assert.rejects(readWeights(join(WEIGHTS, 'bad/garbage.bin')), /garbage\.bin: unrecognised weight file \(300 bytes, starts [0-9a-f ]+\)/);
  await assert.rejects(readWeights(join(WEIGHTS, 'bad/garbage.bin')), supported);
  assert.throws(() => parseWeights(new Uint8Array(0), 'empty.pth'), /empty\.pth: unrecognised weight file \(0 bytes, starts <empty>\)/);
  assert.throws(() => parseWeights(fixture('bad/not_a_checkpoint.zip'), 'n.zip'), /n\.zip: a zip archive but neither a torch\.save checkpoint nor an \.npz \(entries: readme\.txt\)/);
  // with an .onnx name, the ONNX decoder's own error is the useful one
  assert.throws(() => parseWeights(fixture('bad/garbage.bin'), 'm.onnx'), /m\.onnx: not a valid ONNX model/);
  await assert.rejects(readWeights(join(dir, 'missing.pth')), /ENOENT/);
});

test('readWeights: a safetensors file with a bad header says so, by its structure or its extension', () => {
  const st = (length: bigint, header: string): Buffer => {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(length);
    return Buffer.concat([len, Buffer.from(header)]);
  };
  // a header length of 2^60, then '{': by the extension, and by the structure alone
  const huge = st(2n ** 60n, '{"a":1}');
  for (const name of ['x.safetensors', 'x.bin']) {
    assert.throws(() => parseWeights(huge, name), (e: Error) => {
      assert.equal(e.message, `${name}: invalid safetensors header length 1152921504606846976 (file has 15 bytes)`);
      return true;
    });
  }
  // a header that is not JSON
  assert.throws(() => parseWeights(st(6n, '{nope}'), 'x.bin'), /^Error: x\.bin: invalid safetensors header: not valid JSON \(.+\)$/);
  assert.throws(() => parseWeights(st(6n, 'nope!!'), 'x.safetensors'), /^Error: x\.safetensors: invalid safetensors header: not valid JSON \(.+\)$/);
  assert.throws(() => parseWeights(st(4n, '[12]'), 'x.safetensors'), /^Error: x\.safetensors: invalid safetensors header: not a JSON object$/);
  // a plausible length the file is too short for is a truncated file
  assert.throws(() => parseWeights(st(100n, '{"a":'), 'x.safetensors'), /^Error: x\.safetensors: truncated safetensors: header needs 108 bytes, file has 13$/);
});

test('readWeights: hostile files are refused through every format', async () => {
  for (const [name, global] of [
    ['evil/os_system.pth', 'os.system'],
    ['evil/eval.pth', '__builtin__.eval'],
    ['evil/legacy_system.pth', 'posix.system'],
    ['evil/popen.npy', 'subprocess.Popen'],
  ] as const) {
    await assert.rejects(readWeights(join(WEIGHTS, name)), new RegExp(`refusing pickle global ${global.replace('.', '\\.')} in `), name);
  }
  assert.equal(existsSync('/tmp/alexnet-ts-pwned'), false);
});

test('readWeights: every good fixture cut anywhere throws an Error quickly', () => {
  let cuts = 0;
  let slowest = 0;
  for (const name of FUZZ) {
    const bytes = fixture(name);
    const step = bytes.length <= 1500 ? 1 : Math.ceil(bytes.length / 1500);
    const offsets = new Set<number>();
    for (let c = 0; c < bytes.length; c += step) offsets.add(c);
    for (let c = Math.max(0, bytes.length - 64); c < bytes.length; c++) offsets.add(c);
    for (const cut of offsets) {
      const t0 = performance.now();
      assert.throws(() => parseWeights(bytes.subarray(0, cut), name), Error, `${name} cut at ${cut} of ${bytes.length}`);
      slowest = Math.max(slowest, performance.now() - t0);
      cuts++;
    }
  }
  assert.ok(cuts > 10000, `${cuts} cuts`);
  assert.ok(slowest < 500, `slowest read of a cut file took ${slowest.toFixed(1)} ms`);
});

test('readWeights: corrupt bytes (flipped) never hang or crash the process', () => {
  // Not every flip is detectable (e.g. inside float data), but each read must return or throw an Error.
  for (const name of FUZZ) {
    const bytes = fixture(name);
    for (let i = 0; i < bytes.length; i += Math.max(1, Math.floor(bytes.length / 200))) {
      const b = Buffer.from(bytes);
      b[i] ^= 0xa5;
      try {
        parseWeights(b, name);
      } catch (err) {
        assert.ok(err instanceof Error, `${name} flip at ${i}: threw ${String(err)}`);
      }
    }
  }
});

test('a safetensors file naming the rest of the model: joined when its sha256 matches, refused otherwise', async () => {
  const { encodeSafetensors } = await import('../../src/weights/safetensors.js');
  const { writeFileSync, mkdirSync } = await import('node:fs');
  const { createHash } = await import('node:crypto');
  const run = join(dir, 'run');
  mkdirSync(join(run, 'ckpt'), { recursive: true });
  const t = (v: number) => ({ dtype: 'float32' as const, shape: [1], data: new Float32Array([v]) });
  const rest = Buffer.concat(encodeSafetensors(new Map([['a', t(1)]])));
  writeFileSync(join(run, 'frozen.safetensors'), rest);
  const sha = createHash('sha256').update(rest).digest('hex');
  const part = (meta: Record<string, string>) => writeFileSync(join(run, 'ckpt', 'w.safetensors'), Buffer.concat(encodeSafetensors(new Map([['b', t(2)]]), meta)));
  part({ 'alexnet-ts.rest': '../frozen.safetensors', 'alexnet-ts.rest.sha256': sha });
  const w = await readWeights(join(run, 'ckpt', 'w.safetensors'));
  assert.deepEqual([...w.tensors].map(([k, v]) => [k, v.data[0]]), [['a', 1], ['b', 2]]);
  part({ 'alexnet-ts.rest': '../frozen.safetensors', 'alexnet-ts.rest.sha256': '0'.repeat(64) });
  await assert.rejects(readWeights(join(run, 'ckpt', 'w.safetensors')), new RegExp(`the rest of the model, .*frozen\\.safetensors, has sha256 ${sha}, expected 0{64}$`));
  part({ 'alexnet-ts.rest': '/etc/passwd', 'alexnet-ts.rest.sha256': sha });
  await assert.rejects(readWeights(join(run, 'ckpt', 'w.safetensors')), /alexnet-ts\.rest "\/etc\/passwd" must be \.\.\/NAME\.safetensors$/);
});
