import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeImage } from '../../src/data/decode.js';
import { rgbImage } from '../../src/data/image.js';
import { loadImageBatch, loadImageTensor, preprocess, presetInfo, stackBatch } from '../../src/data/preprocess.js';
import { resizeBilinear } from '../../src/data/resize.js';
import { torchvisionResizeSize } from '../../src/data/transforms.js';
import { transpose } from '../../src/tensor.js';
import { FIXTURES } from '../helpers.js';
import { diffStats, preprocessOracle } from './oracle.js';

const IMG = join(FIXTURES, 'images');
const PARITY = ['chelsea.png', 'coffee.png', 'rocket.jpg', 'astronaut.png'];

// The acceptance bar, in normalised units; the pipeline is in fact exact (see the uint8 checks).
const MEAN_TOL = 0.01;
const MAX_TOL = 0.05;

test('parity: sharp decoding equals PIL convert("RGB") byte for byte', async (t) => {
  const o = preprocessOracle(t);
  if (!o) return;
  for (const file of PARITY) {
    const ref = o.u8(`${file.split('.')[0]}/decoded`);
    const img = await decodeImage(join(IMG, file));
    assert.deepEqual([img.height, img.width, 3], ref.shape, file);
    assert.ok(Buffer.from(img.data).equals(Buffer.from(ref.data)), `${file}: decoded pixels differ from PIL`);
  }
});

test('parity: torchvision Resize(256) CenterCrop(224) ToTensor Normalize', async (t) => {
  const o = preprocessOracle(t);
  if (!o) return;
  for (const file of PARITY) {
    const name = file.split('.')[0]!;
    const img = await decodeImage(join(IMG, file));
    // The uint8 image after Resize(256) is Pillow's exactly.
    const [rh, rw] = torchvisionResizeSize(img.width, img.height, 256);
    const resized = o.u8(`${name}/resize256`);
    assert.deepEqual([rh, rw, 3], resized.shape, `${file}: Resize(256) size`);
    assert.ok(Buffer.from(resizeBilinear(img, rw, rh).data).equals(Buffer.from(resized.data)), `${file}: Resize(256) pixels`);

    const x = preprocess(img, 'torchvision');
    const ref = o.f32(`${name}/torchvision`);
    assert.deepEqual(x.shape, [1, ...ref.shape]);
    const d = diffStats(x.data, ref.data);
    assert.ok(d.mean <= MEAN_TOL && d.max <= MAX_TOL, `${file}: mean |d| ${d.mean}, max |d| ${d.max}`);
    assert.ok(d.max <= 1e-6, `${file}: expected float32 agreement, max |d| ${d.max}`);
  }
});

test('parity: Caffe protocol (256x256 warp, crop 227 at 14, BGR, minus 104/117/123)', async (t) => {
  const o = preprocessOracle(t);
  if (!o) return;
  for (const file of PARITY) {
    const name = file.split('.')[0]!;
    const img = await decodeImage(join(IMG, file));
    assert.ok(Buffer.from(resizeBilinear(img, 256, 256).data).equals(Buffer.from(o.u8(`${name}/warp256`).data)), `${file}: 256x256 warp`);
    const x = preprocess(img, 'caffe');
    const ref = o.f32(`${name}/caffe`);
    assert.deepEqual(x.shape, [1, 3, 227, 227]);
    const d = diffStats(x.data, ref.data);
    // 0..255 units: the bar scaled by a typical std of 0.226 * 255 would be looser; we ask exact.
    assert.equal(d.max, 0, `${file}: mean |d| ${d.mean}, max |d| ${d.max}`);
  }
});

test('parity: torchvision with other sizes, odd margins and padding', async (t) => {
  const o = preprocessOracle(t);
  if (!o) return;
  const img = await decodeImage(join(IMG, 'chelsea.png'));
  const cases = [
    ['torchvision_342_299', { size: 299 }, [299, 299]], // resize defaults to round(299 * 256 / 224) = 342
    ['torchvision_256_223', { size: 223, resize: 256 }, [223, 223]],
    ['torchvision_100_120', { size: 120, resize: 100 }, [120, 120]],
    ['torchvision_256_225x201', { size: [225, 201], resize: 256 }, [225, 201]],
  ] as const;
  for (const [key, opts, [h, w]] of cases) {
    const x = preprocess(img, 'torchvision', { ...opts, size: opts.size as number | [number, number] });
    assert.deepEqual(x.shape, [1, 3, h, w], key);
    const d = diffStats(x.data, o.f32(`chelsea/${key}`).data);
    assert.ok(d.max <= 1e-6, `${key}: mean |d| ${d.mean}, max |d| ${d.max}`);
  }
  // The padded case really has zeros (normalised: -mean / std) in its first rows.
  const padded = preprocess(img, 'torchvision', { size: 120, resize: 100 });
  assert.equal(padded.data[0], Math.fround(-Math.fround(0.485) / Math.fround(0.229)));
});

test('presets: layouts, defaults and overrides', async () => {
  const img = await decodeImage(join(IMG, 'coffee.png'));
  const nchw = preprocess(img, 'torchvision');
  const nhwc = preprocess(img, 'torchvision', { layout: 'NHWC' });
  assert.deepEqual(nhwc.shape, [1, 224, 224, 3]);
  assert.deepEqual(transpose(nhwc, [0, 3, 1, 2]).data, nchw.data);
  assert.deepEqual(presetInfo('caffe').size, [227, 227]);
  assert.equal(presetInfo('inception').layout, 'NHWC');
  const custom = preprocess(img, 'torchvision', { mean: [0, 0, 0], std: [1, 1, 1] });
  assert.ok(custom.data.every((v) => v >= 0 && v <= 1));
  assert.throws(() => preprocess(img, 'torchvision', { size: 0 }), /torchvision size: expected a positive integer or \[height, width\], got 0/);
  assert.throws(() => preprocess(img, 'nope' as 'caffe'), /unknown preprocessing preset "nope"; valid presets: torchvision, caffe, inception, keras-caffe, keras-tf/);
  // caffe at 2x: warp to round(454 * 256 / 227) = 512, crop 454 at offset 29.
  const big = preprocess(img, 'caffe', { size: 454 });
  assert.deepEqual(big.shape, [1, 3, 454, 454]);
});

test('inception: central 87.5% crop, TF bilinear, [-1, 1], NHWC', () => {
  // 8x8 image whose central_crop(0.875) is rows/cols 0..7 (start int(1 / 2) = 0): unchanged;
  // resized to 8x8 the TF resize is the identity, so values are v / 255 * 2 - 1.
  const data = Uint8Array.from({ length: 8 * 8 * 3 }, (_, i) => (i * 5) % 256);
  const img = rgbImage(8, 8, data);
  const x = preprocess(img, 'inception', { size: 8 });
  assert.deepEqual(x.shape, [1, 8, 8, 3]);
  const f = Math.fround;
  const unit = (v: number) => f(v * f(1 / 255));
  for (let i = 0; i < data.length; i++) assert.equal(x.data[i], f(f(unit(data[i]!) - 0.5) / 0.5));
  assert.ok(Math.abs(x.data[1]! - (5 / 127.5 - 1)) < 1e-6);
  // 16x16 -> crop 14x14 from (1, 1) -> resize to 7x7: TF's legacy grid samples input 2i
  // exactly (scale 2), no averaging, so output (i, j) is crop pixel (2i, 2j) = image (2i+1, 2j+1).
  const big = rgbImage(16, 16, Uint8Array.from({ length: 16 * 16 * 3 }, (_, i) => Math.floor(i / 3) % 251));
  const y = preprocess(big, 'inception', { size: 7 });
  for (const [i, j] of [[0, 0], [3, 5], [6, 6]] as const) {
    const v = ((2 * i + 1) * 16 + (2 * j + 1)) % 251;
    assert.equal(y.data[(i * 7 + j) * 3], f(f(unit(v) - 0.5) / 0.5), `(${i}, ${j})`);
  }
  // Upsampling interpolates: a 2x1 row 0, 255 at width 4 samples input x = 0, 0.5, 1, 1.5->1.
  const row = rgbImage(2, 1, new Uint8Array([0, 0, 0, 255, 255, 255]));
  const z = preprocess(row, 'inception', { size: [1, 4], centralFraction: 1 });
  assert.deepEqual([0, 1, 2, 3].map((k) => z.data[k * 3]), [-1, 0, 1, 1]);
});

test('batch: stackBatch and loadImageBatch keep order and shape', async () => {
  const files = ['chelsea.png', 'rocket.jpg', 'coffee.png'].map((f) => join(IMG, f));
  const batch = await loadImageBatch(files, 'torchvision');
  assert.deepEqual(batch.shape, [3, 3, 224, 224]);
  const second = await loadImageTensor(files[1]!, 'torchvision');
  assert.deepEqual(batch.data.subarray(224 * 224 * 3, 2 * 224 * 224 * 3), second.data);
  const decoded = await decodeImage(files[2]!);
  assert.deepEqual((await loadImageTensor(decoded, 'torchvision')).data, batch.data.subarray(2 * 224 * 224 * 3));
  assert.throws(() => stackBatch([]), /no tensors to stack/);
  assert.throws(() => stackBatch([second, preprocess(decoded, 'caffe')]), /tensor 1 has shape \[1,3,227,227\], tensor 0 has \[1,3,224,224\]/);
  assert.throws(() => stackBatch([batch]), /expected \[1, \.\.\.\] tensors, got \[3,3,224,224\]/);
  // into a reused buffer: its first slices, the rest untouched
  const buf = new Float32Array(4 * 224 * 224 * 3).fill(7);
  const two = stackBatch([second, second], buf);
  assert.equal(two.data.buffer, buf.buffer);
  assert.deepEqual(two.shape, [2, 3, 224, 224]);
  assert.deepEqual(two.data.subarray(224 * 224 * 3), second.data);
  assert.equal(buf[2 * 224 * 224 * 3], 7);
  assert.throws(() => stackBatch([second, second], new Float32Array(100)), /2 tensors of 150528 values do not fit a buffer of 100/);
  // preprocessing into a given array
  const into = new Float32Array(224 * 224 * 3);
  assert.equal(preprocess(decoded, 'torchvision', {}, into).data, into);
  assert.deepEqual(into, batch.data.subarray(2 * 224 * 224 * 3));
});
