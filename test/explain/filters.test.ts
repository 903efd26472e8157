import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { filterGrid, filterGridPixels } from '../../src/explain/filters.js';
import { float32, tensor, transpose } from '../../src/tensor.js';
import { readEvents } from '../../src/logs/tb_reader.js';
import { SummaryWriter } from '../../src/logs/tensorboard.js';

const W = 255; // default separator

test('grey filters: per-filter min-max to 0..255, constant filter mid-grey, 1-px separators', () => {
  const w = float32([2, 1, 2, 2], Float32Array.of(0, 1, 2, 3, 5, 5, 5, 5));
  const g = filterGridPixels(w, 'OIHW');
  assert.deepEqual([g.width, g.height, g.channels], [7, 4, 1]);
  // prettier-ignore
  assert.deepEqual([...g.pixels], [
    W, W,   W,   W, W,   W,   W,
    W, 0,   85,  W, 128, 128, W,
    W, 170, 255, W, 128, 128, W,
    W, W,   W,   W, W,   W,   W,
  ]);
});

// Three RGB 1x2 filters in a 2-column grid: the fourth cell stays separator-coloured.
const rgbData = Float32Array.of(
  // filter 0: R [0, 1], G [2, 3], B [4, -4] -> min -4, max 4
  0, 1, 2, 3, 4, -4,
  // filter 1: ramps 10..15
  10, 11, 12, 13, 14, 15,
  // filter 2: all equal
  7, 7, 7, 7, 7, 7,
);
const rgb = float32([3, 3, 1, 2], rgbData);

function px(g: { pixels: Uint8Array; width: number; channels: number }, x: number, y: number): number[] {
  const i = (y * g.width + x) * g.channels;
  return [...g.pixels.subarray(i, i + g.channels)];
}

test('RGB filters: channels normalised jointly, grid geometry and empty cells', () => {
  const g = filterGridPixels(rgb, 'OIHW', { separatorValue: 0 });
  assert.deepEqual([g.width, g.height, g.channels], [7, 5, 3]);
  // round(255 * (v + 4) / 8)
  assert.deepEqual(px(g, 1, 1), [128, 191, 255]);
  assert.deepEqual(px(g, 2, 1), [159, 223, 0]);
  // filter 1 at x 4..5, y 1: round(255 * (v - 10) / 5)
  assert.deepEqual(px(g, 4, 1), [0, 102, 204]);
  assert.deepEqual(px(g, 5, 1), [51, 153, 255]);
  // filter 2 at row 1 of the grid (y 3)
  assert.deepEqual(px(g, 1, 3), [128, 128, 128]);
  assert.deepEqual(px(g, 2, 3), [128, 128, 128]);
  // separators and the unused cell
  for (const [x, y] of [[0, 0], [3, 1], [6, 1], [1, 2], [4, 3], [5, 3], [6, 4]] as const) assert.deepEqual(px(g, x, y), [0, 0, 0], `(${x},${y})`);
});

test('HWIO gives the same picture as OIHW; cols, scale and bgr options', () => {
  const hwio = transpose(rgb, [2, 3, 1, 0]);
  assert.deepEqual(hwio.shape, [1, 2, 3, 3]);
  assert.deepEqual(filterGridPixels(hwio, 'HWIO'), filterGridPixels(rgb, 'OIHW'));

  const row = filterGridPixels(rgb, 'OIHW', { cols: 3 });
  assert.deepEqual([row.width, row.height], [3 * 2 + 4, 3]);
  assert.deepEqual(px(row, 7, 1), [128, 128, 128]);

  const big = filterGridPixels(rgb, 'OIHW', { scale: 3 });
  assert.deepEqual([big.width, big.height], [2 * 6 + 3, 2 * 3 + 3]);
  for (let dy = 0; dy < 3; dy++) {
    for (let dx = 0; dx < 3; dx++) {
      assert.deepEqual(px(big, 1 + dx, 1 + dy), [128, 191, 255]);
      assert.deepEqual(px(big, 4 + dx, 1 + dy), [159, 223, 0]);
    }
  }
  assert.deepEqual(px(big, 7, 1), [W, W, W]);

  const bgr = filterGridPixels(rgb, 'OIHW', { channelOrder: 'bgr' });
  assert.deepEqual(px(bgr, 1, 1), [255, 191, 128]);
});

test('conv1-sized weights: 64 filters of 11x11x3 in an 8x8 grid', () => {
  const n = 64 * 3 * 11 * 11;
  const w = float32([64, 3, 11, 11], Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37)));
  const g = filterGridPixels(w, 'OIHW', { scale: 2 });
  assert.deepEqual([g.width, g.height], [8 * 22 + 9, 8 * 22 + 9]);
  // every filter reaches both ends of the range
  const f = filterGridPixels(w, 'OIHW');
  for (let o = 0; o < 64; o++) {
    const x0 = 1 + (o % 8) * 12;
    const y0 = 1 + Math.floor(o / 8) * 12;
    let min = 255;
    let max = 0;
    for (let y = 0; y < 11; y++) for (let x = 0; x < 11; x++) for (const v of px(f, x0 + x, y0 + y)) (min = Math.min(min, v)), (max = Math.max(max, v));
    assert.deepEqual([min, max], [0, 255], `filter ${o}`);
  }
  // other dtypes are converted
  const f64 = tensor('float64', [64, 3, 11, 11], Float64Array.from(w.data));
  assert.deepEqual(filterGridPixels(f64, 'OIHW'), f);
});

test('unsupported shapes and values throw with the shape', () => {
  assert.throws(() => filterGridPixels(float32([4, 2, 3, 3]), 'OIHW'), /OIHW shape \[4,2,3,3\] has 2 input channels; only 1 \(grey\) or 3 \(RGB\)/);
  assert.throws(() => filterGridPixels(float32([3, 3, 64, 2]), 'HWIO'), /HWIO shape \[3,3,64,2\] has 64 input channels/);
  assert.throws(() => filterGridPixels(float32([3, 11, 11]), 'OIHW'), /expected 4-d OIHW weights, got shape \[3,11,11\]/);
  assert.throws(() => filterGridPixels(float32([1, 1, 1, 2], Float32Array.of(0, NaN)), 'OIHW'), /filter 0 has a non-finite weight NaN at \(i=0, h=0, w=1\)/);
  assert.throws(() => filterGridPixels(rgb, 'OIHW', { scale: 1.5 }), /scale must be an integer >= 1, got 1\.5/);
  assert.throws(() => filterGridPixels(float32([1, 1, 1, 1]), 'OIHW', { channelOrder: 'bgr' }), /'bgr' needs 3 input channels, got 1/);
});

test('PNG encoding decodes back to the same pixels, and goes into TensorBoard as an image', async (t) => {
  for (const [w, layout] of [[rgb, 'OIHW'], [float32([2, 1, 2, 2], Float32Array.of(0, 1, 2, 3, 5, 5, 5, 5)), 'OIHW']] as const) {
    const raw = filterGridPixels(w, layout, { scale: 2 });
    const img = await filterGrid(w, layout, { scale: 2 });
    assert.deepEqual([img.width, img.height, img.channels], [raw.width, raw.height, raw.channels]);
    assert.equal(img.png[25], raw.channels === 1 ? 0 : 2, 'IHDR colour type: 0 grey, 2 RGB');
    const dec = await (raw.channels === 1 ? sharp(img.png).toColourspace('b-w') : sharp(img.png)).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([dec.info.width, dec.info.height, dec.info.channels], [raw.width, raw.height, raw.channels]);
    assert.deepEqual(new Uint8Array(dec.data), raw.pixels);
  }

  const dir = mkdtempSync(join(tmpdir(), 'filters-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const img = await filterGrid(rgb, 'OIHW', { scale: 4 });
  const writer = new SummaryWriter(dir);
  writer.image('conv1/filters', img.png, img.height, img.width, 7, img.channels);
  writer.close();
  const [, ev] = readEvents(writer.path);
  assert.equal(ev!.step, 7);
  const v = ev!.summary!.value[0]!;
  assert.deepEqual([v.tag, v.image!.width, v.image!.height, v.image!.colorspace], ['conv1/filters', 2 * 8 + 3, 2 * 4 + 3, 3]);
  assert.deepEqual(Buffer.from(v.image!.encoded_image_string), Buffer.from(img.png));
});
