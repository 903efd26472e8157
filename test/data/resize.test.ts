import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rgbImage } from '../../src/data/image.js';
import { bilinearTaps, resizeBilinear, resizeBilinearRegion } from '../../src/data/resize.js';
import { crop } from '../../src/data/transforms.js';
import { preprocessOracle } from './oracle.js';

function firstMismatch(a: Uint8Array, b: Uint8Array): string {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `byte ${i} (pixel ${Math.floor(i / 3)}): ${a[i]} vs ${b[i]}`;
  return 'none';
}

test('resize: equals Pillow Image.resize(BILINEAR) byte for byte', (t) => {
  const o = preprocessOracle(t);
  if (!o) return;
  const src = o.u8('chelsea/decoded');
  const img = rgbImage(src.shape[1]!, src.shape[0]!, src.data);
  const sizes = [[224, 224], [100, 37], [1000, 701], [451, 150], [150, 300], [3, 5], [1, 1], [640, 200], [7, 900], [45, 30], [452, 299]] as const;
  for (const [w, h] of sizes) {
    const ref = o.u8(`resize/${w}x${h}`);
    const out = resizeBilinear(img, w, h);
    assert.deepEqual([out.height, out.width], ref.shape.slice(0, 2));
    assert.ok(Buffer.from(out.data).equals(Buffer.from(ref.data)), `${w}x${h}: first mismatch ${firstMismatch(out.data, ref.data)}`);
  }
});

test('resize: taps for a 2x shrink are the triangle of radius 2, normalised', () => {
  // 4 -> 2: output 0 is centred at input 1.0, reads inputs 0..2 with triangle((j - 1 + 0.5) / 2):
  // 0.75, 0.75, 0.25 for j = 0, 1, 2 (j = -1 is off the image), normalised by 1.75.
  const taps = bilinearTaps(4, 2);
  assert.equal(taps.ksize, 5);
  assert.deepEqual([taps.start[0], taps.count[0], taps.start[1], taps.count[1]], [0, 3, 1, 3]);
  const one = 1 << 22;
  const w = (x: number) => Math.floor(x * one + 0.5);
  assert.deepEqual([...taps.weights.subarray(0, 3)], [w(0.75 / 1.75), w(0.75 / 1.75), w(0.25 / 1.75)]);
  assert.deepEqual([...taps.weights.subarray(5, 8)], [w(0.25 / 1.75), w(0.75 / 1.75), w(0.75 / 1.75)]);
});

test('resize: enlarging interpolates between pixel centres, shrinking averages', () => {
  // One row 0, 100 enlarged to 4: centres at input 0.25, 0.75, 1.25, 1.75 -> weights of pixel 1:
  // 0 (clamped, edge renormalised), 0.25, 0.75, 1 -> 0, 25, 75, 100.
  const row = rgbImage(2, 1, new Uint8Array([0, 0, 0, 100, 100, 100]));
  assert.deepEqual([...resizeBilinear(row, 4, 1).data].filter((_, i) => i % 3 === 0), [0, 25, 75, 100]);
  // A constant image stays constant through both passes whatever the sizes.
  const flat = rgbImage(13, 7, new Uint8Array(13 * 7 * 3).fill(77));
  assert.ok(resizeBilinear(flat, 5, 29).data.every((v) => v === 77));
  // Same size: an unchanged copy, not the same buffer.
  const same = resizeBilinear(flat, 13, 7);
  assert.notEqual(same.data, flat.data);
  assert.deepEqual(same.data, flat.data);
});

test('resize: rejects bad sizes and inconsistent images with the values', () => {
  const img = rgbImage(4, 4);
  assert.throws(() => resizeBilinear(img, 0, 3), /bad target size 0x3 \(from 4x4\)/);
  assert.throws(() => resizeBilinear({ data: new Uint8Array(5), width: 4, height: 4 }, 2, 2), /4x4 RGB needs 48 bytes, got 5/);
});

describe('resizeBilinearRegion', () => {
  test('equals cropping the full resize, byte for byte, whatever the region', () => {
    const src = { width: 61, height: 47, data: Uint8Array.from({ length: 61 * 47 * 3 }, (_, i) => (i * 7919) % 251) };
    const sizes: [number, number][] = [[30, 20], [61, 20], [30, 47], [100, 80], [61, 47]];
    for (const [w, h] of sizes) {
      const full = resizeBilinear(src, w, h);
      for (const [top, left, rh, rw] of [[0, 0, h, w], [1, 2, h - 3, w - 5], [h - 1, w - 1, 1, 1], [Math.floor(h / 3), 0, Math.ceil(h / 2), w]]) {
        const region = resizeBilinearRegion(src, w, h, { top: top!, left: left!, height: rh!, width: rw! });
        assert.deepEqual(region.data, crop(full, { top: top!, left: left!, height: rh!, width: rw! }).data, `${w}x${h} region ${rw}x${rh}@${left},${top}`);
      }
    }
    assert.throws(() => resizeBilinearRegion(src, 30, 20, { top: 15, left: 0, height: 10, width: 30 }), /region 30x10 at \(0,15\) is outside 30x20/);
  });
});
