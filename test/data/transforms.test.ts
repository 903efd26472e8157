import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rgbImage } from '../../src/data/image.js';
import {
  caffeCenterCrop,
  crop,
  floatToTensor,
  roundHalfEven,
  tfCentralCrop,
  toTensor,
  torchvisionCenterCrop,
  torchvisionResizeSize,
} from '../../src/data/transforms.js';

test('roundHalfEven: Python round() semantics', () => {
  assert.deepEqual([0.5, 1.5, 2.5, 80.5, 81.5, 2.4, 2.6, 3].map(roundHalfEven), [0, 2, 2, 80, 82, 2, 3, 3]);
});

test('torchvisionResizeSize: shorter side to size, longer side truncated', () => {
  assert.deepEqual(torchvisionResizeSize(451, 300, 256), [256, 384]); // 256 * 451 / 300 = 384.85
  assert.deepEqual(torchvisionResizeSize(640, 427, 256), [256, 383]); // 383.70
  assert.deepEqual(torchvisionResizeSize(300, 451, 256), [384, 256]); // portrait
  assert.deepEqual(torchvisionResizeSize(512, 512, 256), [256, 256]);
  assert.deepEqual(torchvisionResizeSize(10, 2000, 256), [51200, 256]);
});

test('torchvisionCenterCrop: round-half-even offsets and zero padding when the crop is larger', () => {
  assert.deepEqual(torchvisionCenterCrop(384, 256, 224, 224), { top: 16, left: 80, height: 224, width: 224 });
  assert.deepEqual(torchvisionCenterCrop(385, 257, 224, 224), { top: 16, left: 80, height: 224, width: 224 }); // 16.5, 80.5
  assert.deepEqual(torchvisionCenterCrop(387, 259, 224, 224), { top: 18, left: 82, height: 224, width: 224 }); // 17.5, 81.5
  // 150x100 image, 120 crop: pad (120 - 100) // 2 = 10 on top; width offset (150 - 120) / 2 = 15.
  assert.deepEqual(torchvisionCenterCrop(150, 100, 120, 120), { top: -10, left: 15, height: 120, width: 120 });
  assert.deepEqual(torchvisionCenterCrop(100, 100, 103, 103), { top: -1, left: -1, height: 103, width: 103 });
});

test('caffeCenterCrop and tfCentralCrop', () => {
  assert.deepEqual(caffeCenterCrop(256, 256, 227, 227), { top: 14, left: 14, height: 227, width: 227 });
  assert.throws(() => caffeCenterCrop(200, 256, 227, 227), /caffe crop 227x227 is larger than the 256x200 image/);
  // 451x300 at 0.875: starts int(56.375 / 2) = 28 and int(37.5 / 2) = 18; extents 395 and 264.
  assert.deepEqual(tfCentralCrop(451, 300, 0.875), { top: 18, left: 28, height: 264, width: 395 });
  assert.deepEqual(tfCentralCrop(224, 224, 1), { top: 0, left: 0, height: 224, width: 224 });
  assert.throws(() => tfCentralCrop(10, 10, 0), /fraction must be in \(0, 1\], got 0/);
});

test('crop: copies the box, zero outside the image', () => {
  // 3x2 image whose R channel is 10 * (y * 3 + x) + 1.
  const img = rgbImage(3, 2, Uint8Array.from({ length: 18 }, (_, i) => (i % 3 === 0 ? (i / 3) * 10 + 1 : 0)));
  const red = (im: { data: Uint8Array }) => [...im.data].filter((_, i) => i % 3 === 0);
  assert.deepEqual(red(crop(img, { top: 1, left: 1, height: 1, width: 2 })), [41, 51]);
  assert.deepEqual(red(crop(img, { top: -1, left: -1, height: 4, width: 5 })), [0, 0, 0, 0, 0, 0, 1, 11, 21, 0, 0, 31, 41, 51, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(red(crop(img, { top: 5, left: 0, height: 1, width: 2 })), [0, 0]);
});

test('toTensor: torchvision arithmetic in float32, layouts and BGR', () => {
  const img = rgbImage(2, 1, new Uint8Array([255, 0, 10, 1, 2, 3]));
  const norm = { divisor: 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], channels: 'RGB', layout: 'NCHW' } as const;
  const f = Math.fround;
  const expect = (v: number, m: number, s: number) => f(f(f(v / 255) - f(m)) / f(s));
  const nchw = toTensor(img, norm);
  assert.deepEqual(nchw.shape, [1, 3, 1, 2]);
  assert.deepEqual([...nchw.data], [expect(255, 0.485, 0.229), expect(1, 0.485, 0.229), expect(0, 0.456, 0.224), expect(2, 0.456, 0.224), expect(10, 0.406, 0.225), expect(3, 0.406, 0.225)]);
  assert.equal(nchw.data[0], f((1 - f(0.485)) / f(0.229))); // 2.2489083
  const caffe = toTensor(img, { divisor: 1, mean: [104, 117, 123], std: [1, 1, 1], channels: 'BGR', layout: 'NHWC' });
  assert.deepEqual(caffe.shape, [1, 1, 2, 3]);
  assert.deepEqual([...caffe.data], [10 - 104, 0 - 117, 255 - 123, 3 - 104, 2 - 117, 1 - 123]);
  const fl = floatToTensor(new Float32Array([0, 0.5, 1]), 1, 1, { divisor: 1, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], channels: 'RGB', layout: 'NCHW' });
  assert.deepEqual([...fl.data], [-1, 0, 1]);
  assert.throws(() => toTensor(img, { ...norm, std: [1, 0, 1] }), /bad normalisation: divisor 255, mean \[0.485, 0.456, 0.406\], std \[1, 0, 1\]/);
});
