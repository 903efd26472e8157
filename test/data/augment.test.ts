// Sample transforms: evaluation is exactly the preset; crops resize a box with the preset's
// resampler; torchvision's RandomResizedCrop box rule with given draws, and its fallback;
// every random choice is a function of (seed, stream) only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boxToTensor, evalBoxSize, evalTensor, flipHorizontal, randomCropBox, randomResizedCropBox, transformSample, type SampleTransform } from '../../src/data/augment.js';
import { decodeImage } from '../../src/data/decode.js';
import { rgbImage } from '../../src/data/image.js';
import { preprocess } from '../../src/data/preprocess.js';
import { Rng } from '../../src/util/rng.js';
import { FIXTURES } from '../helpers.js';

/** An Rng stand-in that returns the given uniforms in order. */
function draws(values: number[]): Rng {
  const r = new Rng(0);
  r.next = () => {
    const v = values.shift();
    if (v === undefined) throw new Error('out of draws');
    return v;
  };
  return r;
}

const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

test("RandomResizedCrop's box from given draws: area, log-ratio, then offsets", () => {
  // area 8000 * (0.08 + 0.92 * 0.5) = 4320, ratio exp(0) = 1: w = h = round(65.73) = 66,
  // top = floor(0.2 * 15) = 3, left = floor(0.9 * 35) = 31
  assert.deepEqual(randomResizedCropBox(100, 80, draws([0.5, 0.5, 0.2, 0.9])), { top: 3, left: 31, height: 66, width: 66 });
  // ratio at the top of the log range (4/3): w = round(sqrt(8000 * 4/3)) = 103 > 100 fails,
  // the second attempt (area 0.08 * 8000 = 640, ratio 1) gives round(25.3) = 25
  assert.deepEqual(randomResizedCropBox(100, 80, draws([1, 1, 0, 0.5, 0, 0])), { top: 0, left: 0, height: 25, width: 25 });
});

test('RandomResizedCrop falls back to the centre box clamped to the ratio range', () => {
  const fail = Array.from({ length: 20 }, (_, i) => (i % 2 ? 0.5 : 1)); // area 1.0 never fits 1000x10
  assert.deepEqual(randomResizedCropBox(1000, 10, draws([...fail])), { top: 0, left: 493, height: 10, width: 13 });
  assert.deepEqual(randomResizedCropBox(10, 1000, draws([...fail])), { top: 493, left: 0, height: 13, width: 10 });
  const r = new Rng(3);
  for (let i = 0; i < 200; i++) {
    const b = randomResizedCropBox(640, 427, r);
    assert.ok(b.top >= 0 && b.left >= 0 && b.top + b.height <= 427 && b.left + b.width <= 640, JSON.stringify(b));
    const area = (b.width * b.height) / (640 * 427);
    assert.ok(area > 0.07 && area <= 1, `area ${area}`);
  }
});

test('the evaluation box of each preset, and random crops of that size', () => {
  // torchvision: Resize(256) + CenterCrop(224) keeps 224/256 of the shorter side
  assert.deepEqual(evalBoxSize(500, 375, { preset: 'torchvision', size: [224, 224], fit: 'preset' }), { height: 328, width: 328 });
  // caffe: 256x256 warp, crop 227: 227/256 of each side
  assert.deepEqual(evalBoxSize(500, 375, { preset: 'caffe', size: [227, 227], fit: 'preset' }), { height: 333, width: 443 });
  // inception and stretch: TF's central_crop(0.875)
  assert.deepEqual(evalBoxSize(28, 28, { preset: 'torchvision', size: [64, 64], fit: 'stretch' }), { height: 26, width: 26 });
  const t: SampleTransform = { preset: 'torchvision', size: [64, 64], fit: 'stretch' };
  assert.deepEqual(randomCropBox(28, 28, t, draws([0, 0.99])), { top: 0, left: 2, height: 26, width: 26 });
});

test('no augmentation is the preset exactly; a whole-image box is the stretch transform', async () => {
  const img = await decodeImage(`${FIXTURES}/images/chelsea.png`);
  for (const preset of ['torchvision', 'caffe', 'inception'] as const) {
    const size: [number, number] = preset === 'caffe' ? [227, 227] : [224, 224];
    const t: SampleTransform = { preset, size, fit: 'preset' };
    assert.ok(same(transformSample(img, t).data, preprocess(img, preset, { size }).data), preset);
    const stretch = evalTensor(img, { ...t, fit: 'stretch' });
    const whole = boxToTensor(img, { top: 0, left: 0, height: img.height, width: img.width }, preset, size);
    assert.ok(same(stretch.data, whole.data), `${preset} stretch`);
  }
});

test('flips and crops are drawn per sample stream; the same stream gives the same tensor', async () => {
  const img = await decodeImage(`${FIXTURES}/images/rocket.jpg`);
  const f = flipHorizontal(rgbImage(3, 1, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9)));
  assert.deepEqual([...f.data], [7, 8, 9, 4, 5, 6, 1, 2, 3]);
  const t = (stream: string, mode: 'crop' | 'resized-crop' | 'none', flip = true): SampleTransform => ({ preset: 'torchvision', size: [64, 64], fit: 'preset', augment: { mode, flip, seed: 5, stream } });
  for (const mode of ['crop', 'resized-crop'] as const) {
    const a = transformSample(img, t('augment/0/1', mode)).data;
    assert.ok(same(a, transformSample(img, t('augment/0/1', mode)).data), mode);
    assert.ok(!same(a, transformSample(img, t('augment/0/2', mode)).data), mode);
  }
  // flip only: either the evaluation tensor or its mirror image, decided by the stream
  const plain = evalTensor(img, { preset: 'torchvision', size: [64, 64], fit: 'preset' }).data;
  const mirrored = evalTensor(flipHorizontal(img), { preset: 'torchvision', size: [64, 64], fit: 'preset' }).data;
  let flips = 0;
  for (let i = 0; i < 16; i++) {
    const x = transformSample(img, t(`augment/0/${i}`, 'none')).data;
    assert.ok(same(x, plain) || same(x, mirrored));
    if (same(x, mirrored)) flips++;
  }
  assert.ok(flips > 2 && flips < 14, `flipped ${flips} of 16`);
});
