// The Keras presets against Keras itself: load_img's Pillow NEAREST resize and
// keras_applications' preprocess_input (tools/gen_keras_preprocess_oracle.py), bit for bit.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { augmentStream, evalBoxSize, transformSample } from '../../src/data/augment.js';
import { decodeImage } from '../../src/data/decode.js';
import { rgbImage } from '../../src/data/image.js';
import { preprocess, presetInfo } from '../../src/data/preprocess.js';
import { nearestIndex, resizeNearest } from '../../src/data/resize_nearest.js';
import { FIXTURES } from '../helpers.js';
import { preprocessOracle } from './oracle.js';

const IMG = join(FIXTURES, 'images');
const PARITY = ['chelsea.png', 'coffee.png', 'rocket.jpg', 'astronaut.png'];
const same = (a: Uint8Array | Float32Array, b: Uint8Array | Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

test('parity: Pillow Image.resize(NEAREST) byte for byte, shrinking, enlarging and degenerate', async (t) => {
  const o = preprocessOracle(t, 'keras_preprocess');
  if (!o) return;
  const img = await decodeImage(join(IMG, 'chelsea.png'));
  for (const [w, h] of [[224, 224], [100, 37], [1000, 701], [451, 150], [3, 5], [1, 1], [7, 900], [1353, 900], [150, 100]] as const) {
    const ref = o.u8(`resize/${w}x${h}`);
    const r = resizeNearest(img, w, h);
    assert.deepEqual([r.height, r.width, 3], ref.shape);
    assert.ok(same(r.data, ref.data), `${w}x${h}: pixels differ from Pillow`);
  }
});

test('parity: load_img(target_size) + preprocess_input, modes caffe and tf, float32 exact', async (t) => {
  const o = preprocessOracle(t, 'keras_preprocess');
  if (!o) return;
  for (const file of PARITY) {
    const name = file.split('.')[0]!;
    const img = await decodeImage(join(IMG, file));
    for (const [h, w] of [[224, 224], [299, 299], [150, 200]] as const) {
      assert.ok(same(resizeNearest(img, w, h).data, o.u8(`${name}/nearest_${h}x${w}`).data), `${file} ${h}x${w}: load_img pixels`);
      for (const [preset, mode] of [['keras-caffe', 'caffe'], ['keras-tf', 'tf']] as const) {
        const x = preprocess(img, preset, { size: [h, w] });
        const ref = o.f32(`${name}/${mode}_${h}x${w}`);
        assert.deepEqual(x.shape, [1, ...ref.shape], `${file} ${preset}`);
        assert.ok(same(x.data, ref.data), `${file} ${preset} ${h}x${w}: values differ from preprocess_input`);
      }
    }
  }
});

test('keras presets: NHWC, BGR minus mean or [-1, 1], no crop', () => {
  assert.equal(presetInfo('keras-caffe').layout, 'NHWC');
  assert.deepEqual(presetInfo('keras-tf').size, [224, 224]);
  // a 2x2 image at its own size: no resize, values straight through the normalisation
  const img = rgbImage(2, 2, Uint8Array.from([0, 10, 255, 1, 2, 3, 200, 100, 50, 255, 255, 255]));
  const c = preprocess(img, 'keras-caffe', { size: 2 });
  const f = Math.fround;
  assert.deepEqual([...c.data.subarray(0, 3)], [f(255 - f(103.939)), f(10 - f(116.779)), f(0 - f(123.68))]);
  const tf = preprocess(img, 'keras-tf', { size: 2 });
  assert.deepEqual([...tf.data.subarray(0, 3)], [-1, f(f(10 / 127.5) - 1), 1]);
  // the whole image is kept: 4x2 to 2x1 picks source columns 1 and 3 of row 1
  assert.deepEqual([...nearestIndex(4, 2)], [1, 3]);
  assert.deepEqual([...nearestIndex(2, 1)], [1]);
  assert.throws(() => nearestIndex(0, 3), /nearest resize: bad sizes 0 -> 3/);
});

test('keras presets in training: evaluation is the preset, crops resize with NEAREST', async () => {
  const img = await decodeImage(join(IMG, 'coffee.png'));
  for (const preset of ['keras-caffe', 'keras-tf'] as const) {
    for (const fit of ['preset', 'stretch'] as const) {
      const x = transformSample(img, { preset, size: [64, 48], fit });
      assert.ok(same(x.data, preprocess(img, preset, { size: [64, 48] }).data), `${preset} ${fit}`);
    }
    // the crop box is the 0.875 central fraction's size (evaluation keeps the whole image)
    assert.deepEqual(evalBoxSize(img.width, img.height, { preset, size: [64, 48], fit: 'preset' }), { height: 350, width: 526 });
    const a = transformSample(img, { preset, size: [32, 32], fit: 'preset', augment: { mode: 'crop', flip: false, seed: 1, stream: augmentStream(0, 0) } });
    assert.deepEqual(a.shape, [1, 32, 32, 3]);
    assert.ok(!same(a.data, preprocess(img, preset, { size: 32 }).data));
  }
});
