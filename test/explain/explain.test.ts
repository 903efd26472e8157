// explain() on seeded random weights: the shapes of every part of the result, the Grad-CAM
// and occlusion definitions on small arrays, the fully convolutional form against the
// plain logits, the progress callback, and the errors.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { explain } from '../../src/explain/explain.js';
import { gradcam, occlude, positions, spread } from '../../src/explain/maps.js';
import type { ExplainResult } from '../../src/explain/types.js';
import { preprocess } from '../../src/data/preprocess.js';
import { decodeImage } from '../../src/data/decode.js';
import { alexnetV2Spec } from '../../src/models/alexnet_v2.js';
import { randomWeights } from '../../src/models/params.js';
import { compileModel } from '../../src/runtime/compile.js';
import { FIXTURES } from '../helpers.js';

const photo = join(FIXTURES, 'images', 'chelsea.png');

test('Grad-CAM: α_k the mean gradient per channel, ReLU of the weighted sum, divided by its maximum', () => {
  // two channels of 2x2: α = [mean(1,1,1,1), mean(-2,0,0,0)] = [1, -0.5]
  const a = Float32Array.of(1, 2, 3, 4, 4, 4, 0, 0);
  const da = Float32Array.of(1, 1, 1, 1, -2, 0, 0, 0);
  // Σ α_k A_k = [1-2, 2-2, 3, 4] = [-1, 0, 3, 4] → ReLU / 4
  assert.deepEqual([...gradcam(a, da, 2, 2, 2)], [0, 0, 0.75, 1]);
  // everything negative: all zero stays zero (no division by 0)
  assert.deepEqual([...gradcam(a, da.map((v) => -Math.abs(v)), 2, 2, 2)], [0, 0, 0, 0]);
});

test('occlusion: positions 0, stride, … up to size − patch; the square is 0 in every channel', () => {
  assert.equal(positions(224, 32, 16), 13);
  assert.equal(positions(227, 32, 16), 13);
  assert.equal(positions(224, 64, 32), 6);
  assert.throws(() => positions(224, 300, 16), /patch must be an integer in 1\.\.224, got 300/);
  const x = new Float32Array(3 * 4 * 4).fill(1);
  const nchw = new Float32Array(x.length);
  occlude(x, nchw, 'NCHW', 4, 4, 1, 2, 2);
  assert.deepEqual([...nchw.subarray(0, 16)], [1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 1, 1]);
  assert.deepEqual([...nchw.subarray(32, 48)], [...nchw.subarray(0, 16)]);
  const nhwc = new Float32Array(x.length);
  occlude(x, nhwc, 'NHWC', 4, 4, 1, 2, 2);
  const zeros = [...nhwc.keys()].filter((i) => nhwc[i] === 0).map((i) => Math.floor(i / 3));
  assert.deepEqual([...new Set(zeros)], [6, 7, 10, 11]);
});

test('logit spread: standard deviation across inputs and across classes', () => {
  // two inputs, three classes
  const s = spread(Float32Array.of(0, 1, 2, 0, 1, 4), 2, 3);
  assert.ok(Math.abs(s.acrossInputs - (0 + 0 + 1) / 3) < 1e-9);
  assert.ok(Math.abs(s.acrossClasses - (Math.sqrt(2 / 3) + Math.sqrt(26 / 9)) / 2) < 1e-6);
  assert.deepEqual(s.argmax, [2, 2]);
});

describe('explain alexnet_v2 with seeded random weights', () => {
  let r: ExplainResult;
  const phases: string[] = [];
  before(async () => {
    r = await explain('alexnet_v2', photo, { seed: 3, classIndex: 7, onProgress: (p, d, t) => phases.push(`${p} ${d}/${t}`) });
  });

  test('input, predictions and the class', () => {
    assert.equal(r.model, 'alexnet_v2');
    assert.equal(r.randomWeights, true);
    assert.equal(r.seed, 3);
    assert.deepEqual(r.input.tensor.shape, [1, 224, 224, 3]);
    assert.deepEqual([r.input.display.width, r.input.display.height], [224, 224]);
    assert.equal(r.predictions.length, 5);
    assert.equal(r.class, r.predictions[0]!.index);
    assert.ok(r.predictions[0]!.wnid?.startsWith('n'));
    // de-normalised display: the inception preset's [-1, 1] back to 0..255 is within a level
    const x = r.input.tensor.data as Float32Array;
    for (const i of [0, 1, 2, 5000, 150527]) assert.ok(Math.abs(r.input.display.data[i]! - ((x[i]! + 1) / 2) * 255) <= 0.5 + 1e-3);
  });

  test('Grad-CAM for the top class and --class at conv5, 12x12', () => {
    assert.deepEqual(r.gradcam.map((g) => [g.layer, g.endPoint, g.classIndex, g.shape]), [
      ['conv5', 'alexnet_v2/conv5', r.class, [12, 12]],
      ['conv5', 'alexnet_v2/conv5', 7, [12, 12]],
    ]);
    for (const g of r.gradcam) {
      assert.equal(g.map.length, 144);
      const max = Math.max(...g.map);
      assert.ok(max === 1 || max === 0, `max ${max}`);
      assert.ok(g.map.every((v) => v >= 0));
    }
  });

  test('occlusion 13x13, the logit spread, the feature maps, conv1, the fully convolutional map', () => {
    assert.deepEqual([r.occlusion.patch, r.occlusion.stride, r.occlusion.shape, r.occlusion.classIndex], [32, 16, [13, 13], r.class]);
    assert.ok(Math.abs(r.occlusion.base - r.predictions[0]!.probability) < 1e-7);
    assert.equal(r.logitSpread!.inputs, 9);
    assert.ok(r.logitSpread!.acrossInputs < r.logitSpread!.acrossClasses, JSON.stringify(r.logitSpread));
    assert.deepEqual(
      r.activations.map((a) => `${a.name} ${a.shape.join('x')} rf ${a.rf[0]}`),
      ['conv1 64x54x54 rf 11', 'pool1 64x26x26 rf 19', 'conv2 192x26x26 rf 51', 'pool2 192x12x12 rf 67', 'conv3 384x12x12 rf 99', 'conv4 384x12x12 rf 131', 'conv5 256x12x12 rf 163', 'pool5 256x5x5 rf 195', 'fc6 4096x1x1 rf 323', 'fc7 4096x1x1 rf 323', 'fc8 1000 rf 323'].map((s) => `alexnet_v2/${s}`),
    );
    const conv1 = r.activations[0]!;
    assert.equal(conv1.topChannels.length, 16);
    assert.ok(conv1.channelMeans[conv1.topChannels[0]!]! >= conv1.channelMeans[conv1.topChannels[15]!]!);
    assert.deepEqual([r.filters.name, r.filters.layout, r.filters.tensor.shape, r.filters.channelOrder], ['alexnet_v2/conv1/weights', 'HWIO', [11, 11, 3, 64], 'rgb']);
    assert.deepEqual([r.fcn!.size, r.fcn!.shape, r.fcn!.classIndex], [[384, 384], [6, 6], r.class]);
  });

  test('progress: load, each batch, the fully convolutional map', () => {
    assert.deepEqual(phases, ['load 0/1', 'load 1/1', ...[1, 2, 3, 4, 5, 6].map((d) => `forward ${d}/6`), 'fcn 0/1', 'fcn 1/1']);
  });
});

test('the fully convolutional form at the trained size is the plain logits (alexnet_v2, slim spatial_squeeze=False)', async () => {
  const m = alexnetV2Spec.build({ batch: 1 });
  const weights = randomWeights(m, 5);
  const r = await explain('alexnet_v2', photo, { weights, fcnSize: [224, 224], patch: 224, stride: 1 });
  const s = await compileModel(m, weights);
  const x = preprocess(await decodeImage(photo), 'inception', { layout: 'NHWC' });
  const logits = (await s.run({ input: x }))['logits']!.data as Float32Array;
  await s.dispose();
  assert.equal(r.randomWeights, false);
  assert.deepEqual(r.fcn!.shape, [1, 1]);
  assert.ok(Math.abs(r.fcn!.map[0]! - logits[r.class]!) < 1e-4, `${r.fcn!.map[0]} vs ${logits[r.class]}`);
  assert.deepEqual(r.occlusion.shape, [1, 1]);
  // --class the same as the top class: two equal maps
  const again = await explain('alexnet_v2', photo, { weights, classIndex: r.class, fcnSize: null, patch: 224, stride: 1 });
  assert.deepEqual(again.gradcam.map((g) => g.classIndex), [r.class, r.class]);
  assert.deepEqual([...again.gradcam[1]!.map], [...again.gradcam[0]!.map]);
  assert.equal(again.fcn, null);
});

test('errors name the thing and list the valid values', async () => {
  await assert.rejects(explain('alexnet_v2', photo, { layer: 'conv9', fcnSize: null }), /alexnet_v2 has no spatial layer "conv9"; valid layers: alexnet_v2\/conv1, .*conv5/);
  await assert.rejects(explain('alexnet_v2', photo, { classIndex: 1000 }), /class 1000 is not a class of alexnet_v2: valid classes are 0\.\.999/);
  await assert.rejects(explain('alexnet', photo, { patch: 0 }), /patch must be an integer in 1\.\.224, got 0/);
  await assert.rejects(explain('alexnet9', photo), /unknown model "alexnet9"; valid models: /);
});

test("a zoo model: Keras's resnet50 (a ReLU read by a padded max pool and shown as a feature map)", async () => {
  const r = await explain('resnet50', photo, { seed: 0, fcnSize: null });
  assert.equal(r.gradcam[0]!.layer, 'conv5_block3_out');
  assert.deepEqual(r.gradcam[0]!.shape, [7, 7]);
  assert.deepEqual(r.occlusion.shape, [13, 13]);
  assert.equal(r.fcn, null);
  const relu = r.activations.find((a) => a.name === 'conv1_relu')!;
  assert.deepEqual(relu.shape, [64, 112, 112]);
  assert.ok(Math.max(...r.gradcam[0]!.map) === 1 || Math.max(...r.gradcam[0]!.map) === 0);
  assert.equal(r.predictions.length, 5);
});
