// Initialisation schemes: the model's own initialisers, and 'kaiming' (torchvision's
// VGG/ResNet scheme) with PyTorch's fans, on every layout we build (OIHW, HWIO, grouped).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alexnetSpec } from '../../src/models/alexnet.js';
import { alexnetV2Spec } from '../../src/models/alexnet_v2.js';
import { bvlcAlexnetSpec } from '../../src/models/bvlc_alexnet.js';
import { paramSpecs } from '../../src/models/params.js';
import { initParams } from '../../src/nn/init.js';

const stats = (a: Float32Array) => {
  let s = 0, q = 0;
  for (const v of a) (s += v), (q += v * v);
  const mean = s / a.length;
  return { mean, std: Math.sqrt(q / a.length - mean * mean) };
};

test("'model' keeps each parameter's own initialiser; 'kaiming' gives N(0, 2/fan_out) convs, N(0, 0.01) fc, zero biases", () => {
  const m = alexnetSpec.build({ inputSize: [64, 64], numClasses: 10 });
  const own = paramSpecs(m);
  assert.deepEqual(own.map((p) => p.init), m.graph.params.map((p) => p.param!.init));
  const k = new Map(paramSpecs(m, 'kaiming').map((p) => [p.name, p.init]));
  // fan_out as torch.nn.init counts it: C_out * kh * kw
  assert.deepEqual(k.get('features.0.weight'), { kind: 'normal', mean: 0, stddev: Math.sqrt(2 / (64 * 11 * 11)) });
  assert.deepEqual(k.get('features.3.weight'), { kind: 'normal', mean: 0, stddev: Math.sqrt(2 / (192 * 5 * 5)) });
  assert.deepEqual(k.get('features.10.weight'), { kind: 'normal', mean: 0, stddev: Math.sqrt(2 / (256 * 3 * 3)) });
  for (const fc of ['classifier.1', 'classifier.4', 'classifier.6']) assert.deepEqual(k.get(`${fc}.weight`), { kind: 'normal', mean: 0, stddev: 0.01 });
  for (const [name, init] of k) if (name.endsWith('.bias')) assert.deepEqual(init, { kind: 'constant', value: 0 }, name);

  const some = new Set(['features.3.weight', 'classifier.4.weight', 'classifier.6.bias']);
  const w = initParams(paramSpecs(m, 'kaiming').filter((p) => some.has(p.name)), 0);
  const conv2 = stats(w.get('features.3.weight')!.data as Float32Array); // 307,200 draws
  assert.ok(Math.abs(conv2.mean) < 2e-4, `mean ${conv2.mean}`);
  assert.ok(Math.abs(conv2.std / Math.sqrt(2 / 4800) - 1) < 0.01, `std ${conv2.std}`);
  const fc7 = stats(w.get('classifier.4.weight')!.data as Float32Array);
  assert.ok(Math.abs(fc7.std / 0.01 - 1) < 0.002, `std ${fc7.std}`);
  assert.ok((w.get('classifier.6.bias')!.data as Float32Array).every((v) => v === 0));
  // the default stays torchvision's U(+-1/sqrt(fan_in))
  const d = stats(initParams(own.filter((p) => p.name === 'features.3.weight'), 0).get('features.3.weight')!.data as Float32Array);
  assert.ok(Math.abs(d.std / (1 / Math.sqrt(3 * 64 * 25)) - 1) < 0.01, `std ${d.std}`);
});

test("'kaiming' on TensorFlow's HWIO/IO layouts and on Caffe's grouped convs: the same fans as PyTorch's", () => {
  const v2 = new Map(paramSpecs(alexnetV2Spec.build({}), 'kaiming').map((p) => [p.name, p.init]));
  assert.deepEqual(v2.get('alexnet_v2/conv2/weights'), { kind: 'normal', mean: 0, stddev: Math.sqrt(2 / (192 * 5 * 5)) });
  // fc6 is a 5x5 conv in slim's layout: a conv by shape, so kaiming's conv rule
  assert.deepEqual(v2.get('alexnet_v2/fc6/weights'), { kind: 'normal', mean: 0, stddev: Math.sqrt(2 / (4096 * 5 * 5)) });
  assert.deepEqual(v2.get('alexnet_v2/conv1/biases'), { kind: 'constant', value: 0 });
  // bvlc conv2: 2 groups, [256, 48, 5, 5] in torch's terms; fan_out = 256 * 25 regardless of groups
  const bvlc = bvlcAlexnetSpec.build({});
  const conv2 = bvlc.graph.params.find((p) => p.name === 'conv2/weights')!;
  assert.deepEqual(conv2.shape, [5, 5, 48, 256]);
  assert.deepEqual(conv2.param!.fans, { in: 48 * 25, out: 256 * 25 });
  assert.deepEqual(new Map(paramSpecs(bvlc, 'kaiming').map((p) => [p.name, p.init])).get(conv2.name), { kind: 'normal', mean: 0, stddev: Math.sqrt(2 / (256 * 25)) });
});

test('batch norm: running statistics count as non-trainable (Keras total = trainable + non-trainable); every scheme keeps its 1, 0, 0, 1', async () => {
  const { bnModel } = await import('../nn/bn_model.js');
  const { paramCounts, countParams } = await import('../../src/models/params.js');
  const m = bnModel({ batch: 1, training: false });
  // conv1 3x3x3x4 + bn1 4x4, conv2 1x1x4x6 + bn2 4x6, fc 96x5 + 5
  const trainable = 108 + 8 + 24 + 12 + 480 + 5;
  assert.deepEqual(paramCounts(m), { trainableParams: trainable, nonTrainableParams: 8 + 12, totalParams: trainable + 20 });
  assert.equal(countParams(m), trainable + 20);
  assert.equal(m.layers.find((l) => l.name === 'bn1')!.params, 16);
  const k = new Map(paramSpecs(m, 'kaiming').map((p) => [p.name, p.init]));
  assert.deepEqual(['bn1.weight', 'bn1.bias', 'bn1.running_mean', 'bn1.running_var'].map((n) => k.get(n)), [1, 0, 0, 1].map((value) => ({ kind: 'constant', value })));
  const keras = bnModel({ batch: 1, training: false, style: 'keras' });
  // conv2_bn has no gamma (scale=false): beta + the two statistics
  assert.deepEqual(keras.graph.params.filter((p) => p.param!.layer === 'conv2_bn').map((p) => p.name), ['conv2_bn/beta', 'conv2_bn/moving_mean', 'conv2_bn/moving_variance']);
  assert.deepEqual(paramCounts(keras), { trainableParams: 108 + 4 + 8 + 24 + 6 + 6 + 480 + 5, nonTrainableParams: 20, totalParams: 108 + 4 + 8 + 24 + 6 + 6 + 480 + 5 + 20 });
});
