// compare's columns that need no measuring, and the scoring helpers, on known values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agreementTable, topAccuracy } from '../../src/compare/data.js';
import { penultimate, topKRows } from '../../src/compare/measure.js';
import { machineInfo, staticColumns } from '../../src/compare/static.js';
import { getModel, listModels } from '../../src/models/registry.js';

test('static columns of the AlexNets: published parameter counts, MACs, float32 size, depth, input, published accuracy', () => {
  const a = staticColumns(getModel('alexnet'));
  // torchvision AlexNet_Weights.IMAGENET1K_V1: num_params 61,100,840, _ops 0.714 GFLOPS (multiply-accumulates)
  assert.equal(a.params, 61_100_840);
  assert.equal(a.macs, 714_188_480);
  assert.equal(a.fileMB, 233.1); // 61,100,840 x 4 bytes / 2^20
  assert.equal(a.depth, 8); // 5 conv + 3 fc
  assert.deepEqual(a.inputSize, [224, 224]);
  assert.deepEqual(a.published, { top1: 56.522, top5: 79.066, source: "torchvision AlexNet_Weights.IMAGENET1K_V1, meta['_metrics']" });
  const b = staticColumns(getModel('bvlc_alexnet'));
  // Caffe's bvlc_alexnet: 60,965,224 parameters, 724M multiply-accumulates at 227x227 (two-tower grouped convs)
  assert.equal(b.params, 60_965_224);
  assert.equal(b.macs, 724_406_816);
  assert.deepEqual(b.inputSize, [227, 227]);
  assert.equal(b.published?.top1, 57.1);
  const v2 = staticColumns(getModel('alexnet_v2'));
  assert.equal(v2.params, 50_303_912); // slim's alexnet_v2 with 1000 classes
  assert.equal(v2.depth, 8);
  assert.equal(v2.published, null); // no published weights
  // MACs follow the input size: alexnet at 127x127 (conv maps 31, 15, 7; pool to 6x6 by repetition)
  assert.ok(staticColumns(getModel('alexnet'), [127, 127]).macs < a.macs);
});

test('every registered model: parameters at least its weights meta count, published figures copied from the entry', () => {
  for (const name of listModels()) {
    const spec = getModel(name);
    const s = staticColumns(spec);
    assert.ok(s.params > 0 && s.macs > 0 && s.depth > 0, name);
    const w = spec.weights[0];
    if (!w) continue;
    // torchvision counts trainable parameters only; BN moving statistics are in ours
    assert.ok(s.params >= w.meta.numParams, `${name}: ${s.params} < ${w.meta.numParams}`);
    assert.deepEqual(s.published, { top1: w.meta.metrics.top1, top5: w.meta.metrics.top5, source: w.meta.metrics.source });
  }
});

// The Keras Applications "Available models" table: size (MB), parameters, depth.
const KERAS_TABLE: Record<string, { mb: number; params: number; depth: number }> = {
  vgg16: { mb: 528, params: 138_357_544, depth: 16 },
  vgg19: { mb: 549, params: 143_667_240, depth: 19 },
  resnet50: { mb: 98, params: 25_636_712, depth: 107 },
  inception_v3: { mb: 92, params: 23_851_784, depth: 189 },
  xception: { mb: 88, params: 22_910_480, depth: 81 },
  inception_resnet_v2: { mb: 215, params: 55_873_736, depth: 449 },
  mobilenet: { mb: 16, params: 4_253_864, depth: 55 },
};

test("Keras models, when registered: parameters and depth as Keras's table, file size within 1.5%", (t) => {
  const present = Object.keys(KERAS_TABLE).filter((n) => listModels().includes(n));
  if (!present.length) return t.skip('no Keras models registered');
  for (const name of present) {
    const k = KERAS_TABLE[name]!;
    const s = staticColumns(getModel(name));
    assert.deepEqual([name, s.params, s.depth], [name, k.params, k.depth]);
    // Keras's MB is its .h5 file's size, which also holds layer names and attributes: 1.5% over the float32 weights at most
    assert.ok(Math.abs(s.fileMB - k.mb) <= Math.max(1.5, 0.015 * k.mb), `${name}: ${s.fileMB} MB, Keras says ${k.mb}`);
  }
  if (present.includes('vgg16')) assert.equal(staticColumns(getModel('vgg16')).macs, 15_470_264_320); // 15.47 GMACs
});

// torchvision's weights meta, "_ops" (GFLOPS, counted as multiply-accumulates) at the default input size.
const TORCHVISION_OPS: Record<string, number> = {
  alexnet: 0.714,
  'vgg16.torchvision': 15.47,
  squeezenet1_1: 0.349,
  'resnet50.torchvision': 4.089,
  mobilenet_v2: 0.301,
  'inception_v3.torchvision': 5.713,
};

test("torchvision models, when registered: MACs as torchvision's _ops, within 0.15%", () => {
  for (const [name, gmacs] of Object.entries(TORCHVISION_OPS)) {
    if (!listModels().includes(name)) continue;
    const macs = staticColumns(getModel(name)).macs / 1e9;
    assert.ok(Math.abs(macs - gmacs) / gmacs < 0.0015, `${name}: ${macs} GMACs, torchvision says ${gmacs}`);
  }
});

test('penultimate: the input of the classifier layer (fc7 for alexnet, fc7 through the lowered fc8 for alexnet_v2)', () => {
  const a = getModel('alexnet');
  assert.deepEqual(penultimate(a.build({ batch: 1 }), a).shape, [1, 4096]);
  const v2 = getModel('alexnet_v2');
  const f = penultimate(v2.build({ batch: 1 }), v2);
  assert.equal(f.shape.reduce<number>((n, d) => n * Number(d), 1), 4096);
});

test('top-k rows, top-1/top-5 accuracy and the agreement table', () => {
  const logits = Float32Array.of(0.1, 0.5, 0.2, 0.9, 0.3, 0.4, 0.9, 0.0, 0.2, 0.1, 0.1, 0.8);
  const top = topKRows(logits, 6, 5);
  assert.deepEqual([...top], [3, 1, 5, 4, 2, 0, 5, 2, 3, 4]);
  assert.deepEqual(topAccuracy(top, Int32Array.of(3, 2)), { top1: 50, top5: 100 });
  const ag = agreementTable(new Map([['a', Int32Array.of(1, 2, 3, 4)], ['b', Int32Array.of(1, 2, 0, 4)], ['c', Int32Array.of(0, 0, 0, 0)]]));
  assert.deepEqual(ag, [
    { a: 'a', b: 'b', agreement: 0.75, images: 4 },
    { a: 'a', b: 'c', agreement: 0, images: 4 },
    { a: 'b', b: 'c', agreement: 0.25, images: 4 },
  ]);
});

test('machine: CPU, cores, the threads given, node and onnxruntime versions', () => {
  const m = machineInfo(3);
  assert.equal(m.threads, 3);
  assert.ok(m.cores >= 1 && m.cpu.length > 0);
  assert.equal(m.node, process.versions.node);
  assert.match(m.onnxruntime, /^\d+\.\d+\.\d+$/);
});
