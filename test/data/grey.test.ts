// The grey path (src/data/grey.ts) against the RGB path it replaces: the same float32
// values bit for bit, for every augmentation mode and the Pillow-resampled presets, and
// the loader's batches of an IDX dataset the same with and without it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { augmentStream, type AugmentMode, type SampleTransform, transformSample } from '../../src/data/augment.js';
import { type Dataset, openDataset } from '../../src/data/datasets.js';
import { cropGrey, flipGrey, greyBatch, greyPath, resizeGrey } from '../../src/data/grey.js';
import { encodeIdx } from '../../src/data/idx.js';
import type { GreyImage, RgbImage } from '../../src/data/image.js';
import { Loader } from '../../src/data/loader.js';
import { ImagePool } from '../../src/data/pool.js';
import type { PresetName } from '../../src/data/preprocess.js';
import { resizeBilinear } from '../../src/data/resize.js';
import { crop } from '../../src/data/transforms.js';

const tmp = mkdtempSync(join(tmpdir(), 'alexnet-grey-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A grey image of varied values (edges, ramps, noise), seeded by `k`. */
function greyImage(width: number, height: number, k: number): GreyImage {
  const data = new Uint8Array(width * height);
  let s = 12345 + k * 7919;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const x = i % width;
    data[i] = x < width / 3 ? 0 : x > (2 * width) / 3 ? 255 : s >>> 24;
  }
  return { data, width, height };
}

function rgb(g: GreyImage): RgbImage {
  const data = new Uint8Array(g.data.length * 3);
  g.data.forEach((v, i) => (data[3 * i] = data[3 * i + 1] = data[3 * i + 2] = v));
  return { data, width: g.width, height: g.height };
}

/** Channel 0 of an RGB image whose channels are equal (asserted). */
function channel(img: RgbImage): Uint8Array {
  const out = new Uint8Array(img.width * img.height);
  for (let i = 0; i < out.length; i++) {
    assert.equal(img.data[3 * i + 1], img.data[3 * i]);
    assert.equal(img.data[3 * i + 2], img.data[3 * i]);
    out[i] = img.data[3 * i]!;
  }
  return out;
}

const sameBits = (a: Float32Array, b: Float32Array, what: string) =>
  assert.ok(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength)), `${what}: values differ`);

test('resizeGrey is each channel of the RGB resize (Pillow bilinear): up, down, one axis, none', () => {
  const cases: [number, number, number, number][] = [
    [28, 28, 64, 64],
    [28, 28, 20, 20],
    [30, 17, 64, 50],
    [28, 28, 28, 40],
    [28, 28, 41, 28],
    [28, 28, 28, 28],
    [5, 9, 224, 3],
  ];
  cases.forEach(([w, h, ow, oh], k) => {
    const g = greyImage(w, h, k);
    const r = resizeGrey(g, ow, oh);
    assert.deepEqual([r.width, r.height], [ow, oh]);
    assert.deepEqual(r.data, channel(resizeBilinear(rgb(g), ow, oh)), `${w}x${h} -> ${ow}x${oh}`);
  });
  assert.throws(() => resizeGrey(greyImage(4, 4, 0), 0, 4), /resizeGrey: bad target size 0x4 \(from 4x4\)/);
  assert.throws(() => resizeGrey({ data: new Uint8Array(5), width: 2, height: 2 }, 4, 4), /resizeGrey: 2x2 grey needs 4 bytes, got 5/);
});

test('cropGrey and flipGrey are the RGB crop and flip of one channel, zero outside the image', () => {
  const g = greyImage(9, 7, 3);
  for (const box of [
    { top: 1, left: 2, height: 4, width: 5 },
    { top: -2, left: 6, height: 5, width: 6 },
  ]) {
    const c = cropGrey(g, box);
    assert.deepEqual(c.data, channel(crop(rgb(g), box)));
  }
  const f = flipGrey(g);
  for (let y = 0; y < 7; y++) for (let x = 0; x < 9; x++) assert.equal(f.data[y * 9 + x], g.data[y * 9 + 8 - x]);
});

test('greyBatch gives transformSample\'s values on the RGB image, bit for bit', () => {
  const presets: [PresetName, [number, number]][] = [
    ['torchvision', [64, 64]],
    ['torchvision', [48, 40]],
    ['caffe', [50, 50]],
    ['keras-caffe', [64, 48]],
    ['keras-tf', [20, 33]],
  ];
  const modes: [AugmentMode, boolean][] = [
    ['none', false],
    ['none', true],
    ['crop', true],
    ['resized-crop', false],
    ['resized-crop', true],
  ];
  let flips = 0;
  for (const [preset, size] of presets) {
    for (const [mode, flip] of modes) {
      const images = Array.from({ length: 6 }, (_, k) => greyImage(28, 28, k));
      const ts: SampleTransform[] = images.map((_, k) => ({ preset, size, fit: 'stretch', ...(mode !== 'none' || flip ? { augment: { mode, flip, seed: 7, stream: augmentStream(1, k) } } : {}) }));
      const got = greyBatch(images, ts);
      got.forEach((t, k) => {
        const want = transformSample(rgb(images[k]!), ts[k]!);
        assert.deepEqual(t.shape, want.shape);
        sameBits(t.data, want.data, `${preset} ${size.join('x')} ${mode}${flip ? ' flip' : ''} sample ${k}`);
      });
      if (flip) flips++;
    }
  }
  assert.equal(flips, 15);
});

test('greyBatch: the path, and errors that name the sample', () => {
  assert.equal(greyPath({ preset: 'torchvision', fit: 'stretch' }), true);
  assert.equal(greyPath({ preset: 'caffe', fit: 'stretch' }), true);
  assert.equal(greyPath({ preset: 'keras-caffe', fit: 'stretch' }), true);
  assert.equal(greyPath({ preset: 'keras-tf', fit: 'stretch' }), true);
  assert.equal(greyPath({ preset: 'inception', fit: 'stretch' }), false);
  assert.equal(greyPath({ preset: 'torchvision', fit: 'preset' }), false);
  const g = greyImage(28, 28, 0);
  const t: SampleTransform = { preset: 'torchvision', size: [8, 8], fit: 'stretch' };
  assert.throws(() => greyBatch([g, g], [t]), /greyBatch: 2 images but 1 transforms/);
  assert.throws(() => greyBatch([g, g], [t, { ...t, preset: 'inception' }]), /greyBatch: sample 1: the grey path takes 'stretch' samples with the torchvision, caffe, keras-caffe or keras-tf preset, got stretch \/ inception/);
  assert.throws(() => greyBatch([g, g], [t, { ...t, size: [9, 8] }]), /greyBatch: sample 1 is torchvision 9x8, sample 0 torchvision 8x8/);
  assert.throws(() => greyBatch([g], [t], new Float32Array(10)), /greyBatch: 1 samples of 8x8x3 need 192 values, the buffer has 10/);
  assert.deepEqual(greyBatch([], []), []);
});

test('loader: an IDX dataset\'s batches through the grey path equal the RGB path\'s, with and without workers', async () => {
  const dir = join(tmp, 'idx');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir);
  const n = 37;
  const pixels = new Uint8Array(n * 28 * 28);
  for (let k = 0; k < n; k++) pixels.set(greyImage(28, 28, k).data, k * 784);
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), encodeIdx([n, 28, 28], pixels));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), encodeIdx([n], Uint8Array.from({ length: n }, (_, k) => k % 10)));
  const ds = await openDataset(dir, { split: 'train' });
  assert.ok(ds.grey);
  assert.deepEqual(ds.grey(3).data, greyImage(28, 28, 3).data);
  // the same samples without grey(): the per-image RGB path
  const rgbOnly: Dataset = { kind: ds.kind, root: ds.root, size: ds.size, classes: ds.classes, fit: ds.fit, label: (i) => ds.label(i), source: (i) => ds.source(i), name: (i) => ds.name(i) };
  const pool = new ImagePool(1);
  after(() => pool.close());
  for (const [augment, dropLast, shuffle] of [
    [{ mode: 'none', flip: true }, true, true],
    [undefined, false, false],
  ] as const) {
    const collect = async (d: Dataset, p: ImagePool | null) => {
      const out: { images: Float32Array; labels: bigint[]; cursor: number }[] = [];
      const loader = new Loader(d, { batch: 8, preset: 'torchvision', size: [32, 32], shuffle, seed: 3, ...(augment ? { augment } : {}), dropLast, pool: p });
      for await (const b of loader.epoch(2)) out.push({ images: b.images.data, labels: [...b.labels], cursor: b.cursor });
      return out;
    };
    const want = await collect(rgbOnly, null);
    assert.equal(want.length, dropLast ? 4 : 5);
    for (const p of [null, pool]) {
      const got = await collect(ds, p);
      assert.equal(got.length, want.length);
      got.forEach((b, i) => {
        assert.deepEqual(b.labels, want[i]!.labels);
        assert.equal(b.cursor, want[i]!.cursor);
        sameBits(b.images, want[i]!.images, `batch ${i}${p ? ' (worker)' : ''}`);
      });
    }
  }
});
