// Keras .h5 weights (src/weights/h5.ts, h5_map.ts) from tools/gen_h5_fixtures.py's files,
// in both naming generations, onto a tiny Keras-style model (./tiny_keras.ts).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { importWeights } from '../../src/hub/convert.js';
import { loadWeights } from '../../src/hub/load.js';
import type { Tensor } from '../../src/tensor.js';
import { initialWeights } from '../../src/train/init_weights.js';
import { isHdf5, readH5, storedEof } from '../../src/weights/h5.js';
import { matchWeights, requireAllWeights } from '../../src/weights/mapping.js';
import { parseWeights, readWeights } from '../../src/weights/read.js';
import { resolveWeights } from '../../src/weights/resolve.js';
import { generated } from '../helpers.js';
import { tinySpec } from './tiny_keras.js';

const tmp = mkdtempSync(join(tmpdir(), 'alexnet-h5-'));
after(() => rmSync(tmp, { recursive: true, force: true }));


/** A fixture's path, or null (skipped) without the generated files. */
function h5(t: TestContext, name: string): string | null {
  return generated(t, `h5/${name}`);
}

function expected(path: string): Record<string, { shape: number[]; values: number[] }> {
  return JSON.parse(readFileSync(join(dirname(path), 'expected.json'), 'utf8'));
}

function assertWeights(got: ReadonlyMap<string, Tensor>, want: Record<string, { shape: number[]; values: number[] }>, only?: (name: string) => boolean): void {
  const names = Object.keys(want).filter((n) => !only || only(n));
  for (const n of names) {
    const t = got.get(n);
    assert.ok(t, `no ${n}`);
    assert.deepEqual(t.shape, want[n]!.shape, n);
    assert.deepEqual([...(t.data as Float32Array)], want[n]!.values.map(Math.fround), n);
  }
}

const message = async (p: Promise<unknown>) => p.then(() => 'accepted', (e: Error) => e.message);

test('h5: both naming generations, split layer_names and model.save files load onto the model by order', async (t) => {
  const later = h5(t, 'tiny_later.h5');
  if (!later) return;
  const want = expected(later);
  const m = tinySpec.build();
  for (const file of ['tiny_later.h5', 'tiny_vgg.h5', 'tiny_model.h5']) {
    const path = join(dirname(later), file);
    const w = await readWeights(path);
    assert.equal(w.format, 'h5', file);
    assertWeights(requireAllWeights(m, matchWeights(m, w.tensors), path), want);
  }
  // the reader: layers in order (weightless ones too), keys by the file's names
  const split = await readH5(later);
  assert.equal(split.layers.length, 1009); // layer_names0 + layer_names1
  assert.deepEqual(split.layers.slice(0, 3).map((l) => l.name), ['input_1', 'block1_conv1', 'block1_bn']);
  assert.deepEqual(split.layers[2]!.weights.map((w) => w.name), ['block1_bn/gamma:0', 'block1_bn/beta:0', 'block1_bn/moving_mean:0', 'block1_bn/moving_variance:0']);
  const vgg = await readH5(join(dirname(later), 'tiny_vgg.h5'));
  assert.deepEqual(vgg.layers[1]!.weights, [
    { name: 'block1_conv1_W_1:0', key: 'block1_conv1/W_1' },
    { name: 'block1_conv1_b_1:0', key: 'block1_conv1/b_1' },
  ]);
  assert.deepEqual([...vgg.keys()].slice(0, 2), ['block1_conv1/W_1', 'block1_conv1/b_1']);
});

test('h5: loadWeights, importWeights and resolveWeights take .h5 files', async (t) => {
  const vgg = h5(t, 'tiny_vgg.h5');
  if (!vgg) return;
  const want = expected(vgg);
  const loaded = await loadWeights('tiny_keras', vgg);
  assert.equal(loaded.format, 'h5');
  assert.equal(loaded.config.numClasses, 5);
  assert.equal(loaded.config.preprocess, 'keras-tf');
  assertWeights(loaded.weights, want);
  const r = await resolveWeights(tinySpec, vgg);
  assert.deepEqual([r.format, r.numClasses], ['h5', 5]);
  const out = join(tmp, 'tiny.safetensors');
  const imported = await importWeights('tiny_keras', vgg, out);
  assert.deepEqual([imported.from, imported.numClasses, imported.params], ['h5', 5, 108 + 4 + 16 + 12 + 256 * 6 + 6 + 30 + 5]);
  assertWeights((await loadWeights('tiny_keras', out)).weights, want);
});

test('h5: hostile and broken files get one-line errors naming layer and shapes', async (t) => {
  const later = h5(t, 'tiny_later.h5');
  if (!later) return;
  const dir = dirname(later);
  const load = (f: string) => message(loadWeights('tiny_keras', join(dir, f)));
  assert.equal(await load('tiny_badshape.h5'), `${join(dir, 'tiny_badshape.h5')}: block1_conv1: expected kernel [3,3,3,4], file has [3,3,3,2]`);
  assert.equal(await load('tiny_missing.h5'), `${join(dir, 'tiny_missing.h5')}: no layer block1_bn2 in the file, which tiny_keras has (the file has 4 layers with weights)`);
  assert.equal(
    await load('tiny_notop.h5'),
    `${join(dir, 'tiny_notop.h5')}: no layer fc1, predictions in the file, which tiny_keras has (the file has 3 layers with weights); the file holds the features only (a Keras _notop file): train a new head on them with --classes N`,
  );
  const [half, whole] = [readFileSync(join(dir, 'tiny_truncated.h5')).length, readFileSync(later).length];
  assert.equal(await load('tiny_truncated.h5'), `${join(dir, 'tiny_truncated.h5')}: truncated or not an HDF5 file (${half} bytes, its superblock says ${whole})`);
  // a BN layer given another number of weights (gamma where the model has none)
  const m = tinySpec.build();
  const w = await readH5(later);
  const shifted = w.layers.map((l) => (l.name === 'block1_bn2' ? { ...l, name: 'block1_bn' } : l.name === 'block1_bn' ? { ...l, name: 'block1_bn2' } : l));
  Object.defineProperty(w, 'layers', { value: shifted });
  assert.throws(() => matchWeights(m, w), { message: `${later}: block1_bn2: the model has 3 weights (beta, moving_mean, moving_variance), the file 4 (block1_bn/gamma:0 [4], block1_bn/beta:0 [4], block1_bn/moving_mean:0 [4], block1_bn/moving_variance:0 [4])` });
  // not HDF5 at all, with the extension; a few bytes of signature; HDF5 but not Keras
  const junk = join(tmp, 'junk.h5');
  writeFileSync(junk, 'not an hdf5 file');
  assert.equal(await message(readWeights(junk)), `${junk}: truncated or not an HDF5 file (no HDF5 signature)`);
  const stub = join(tmp, 'stub.h5');
  writeFileSync(stub, readFileSync(later).subarray(0, 12));
  assert.equal(await message(readWeights(stub)), `${stub}: truncated or not an HDF5 file (12 bytes, no complete superblock)`);
  // a sound superblock over damaged object headers: HDF5's reason, in one line, and nothing on stderr
  const corrupt = join(tmp, 'corrupt.h5');
  const bytes = Buffer.from(readFileSync(join(dir, 'tiny_vgg.h5')));
  bytes.fill(0xab, 200, 4000);
  writeFileSync(corrupt, bytes);
  const writeSync = fs.writeSync;
  let leaked = '';
  fs.writeSync = ((fd: number, data: unknown, ...rest: unknown[]) => {
    if (fd === 2) leaked += String(data);
    return (writeSync as (...a: unknown[]) => number)(fd, data, ...rest);
  }) as typeof fs.writeSync;
  try {
    assert.match(await message(readWeights(corrupt)), new RegExp(`^${corrupt}: corrupt or not an HDF5 file \\([^\\n]+\\)$`));
  } finally {
    fs.writeSync = writeSync;
  }
  assert.equal(leaked, '');
  assert.throws(() => parseWeights(readFileSync(later), later), { message: `${later}: an HDF5 (Keras .h5) file; read it from its path with readWeights` });
});

test('h5: training from a _notop file loads the features and initialises the head; a full file with --classes re-initialises predictions', async (t) => {
  const notop = h5(t, 'tiny_notop.h5');
  if (!notop) return;
  const want = expected(notop);
  const m = tinySpec.build({ numClasses: 3 });
  const r = await initialWeights(m, { weights: notop, reinit: [], seed: 1, init: 'model' });
  assert.deepEqual(r.messages, [`weights: ${notop} (h5, 9 of 13 parameters loaded)`, `fc1, predictions: not in ${notop} (features only); initialised`]);
  assertWeights(r.weights, want, (n) => n.startsWith('block1_'));
  assert.deepEqual(r.weights.get('predictions/kernel')!.shape, [6, 3]);
  assert.deepEqual([...r.weights.get('fc1/bias')!.data], [0, 0, 0, 0, 0, 0]);
  const full = join(dirname(notop), 'tiny_later.h5');
  const f = await initialWeights(m, { weights: full, reinit: [], seed: 1, init: 'model' });
  assert.deepEqual(f.messages, [`weights: ${full} (h5, 11 of 13 parameters loaded)`, `predictions: shape differs from ${full} (kernel [6,5] -> [6,3], bias [5] -> [3]); re-initialised`]);
  assertWeights(f.weights, want, (n) => !n.startsWith('predictions/'));
  // a middle layer missing is not features-only
  const missing = join(dirname(notop), 'tiny_missing.h5');
  assert.match(await message(initialWeights(m, { weights: missing, reinit: [], seed: 1, init: 'model' })), /^.*tiny_missing\.h5: no block1_bn2\/beta, block1_bn2\/moving_mean, block1_bn2\/moving_variance for tiny_keras; pass --reinit LAYER to initialise them$/);
});

test('h5: signature and superblock end-of-file address', async (t) => {
  const later = h5(t, 'tiny_later.h5');
  if (!later) return;
  const bytes = readFileSync(later);
  assert.ok(isHdf5(bytes));
  assert.equal(storedEof(bytes.subarray(0, 128)), bytes.length);
  assert.equal(storedEof(bytes.subarray(0, 20)), null);
  assert.ok(!isHdf5(Buffer.from('\x89HDF')));
  // a copy with another extension is still found by its signature
  const copy = join(tmp, 'weights.bin');
  copyFileSync(later, copy);
  assert.equal((await readWeights(copy)).format, 'h5');
});
