// The linear probe: on a separable toy task, and on features of the test photos with
// augmented copies (test/image_folder.ts), through the model's own forward pass.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compareModels } from '../../src/compare/compare.js';
import { openCompareData } from '../../src/compare/data.js';
import { measureModel, prepareModel, type MeasureJob } from '../../src/compare/measure.js';
import { linearProbe, probeSplit } from '../../src/compare/probe.js';
import { generate } from '../../src/nn/init.js';
import { addCorruptImage, makeImageFolder } from '../image_folder.js';

test('probeSplit: stratified, seeded, every image once', () => {
  const labels = Int32Array.from({ length: 40 }, (_, i) => i % 4);
  const s = probeSplit(labels, 0.25, 7);
  assert.equal(s.val.length, 12); // round(0.25 x 10) = 3 per class... of 10 each: 3 x 4
  assert.deepEqual([...s.train, ...s.val].sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i));
  for (let c = 0; c < 4; c++) assert.equal(s.val.filter((i) => labels[i] === c).length, 3);
  assert.deepEqual(probeSplit(labels, 0.25, 7), s);
  assert.notDeepEqual(probeSplit(labels, 0.25, 8).val, s.val);
});

test('linear probe on separable blobs: the Trainer learns them; the same seed gives the same head', async () => {
  const dim = 24;
  const classes = 3;
  const n = 60;
  const noise = generate({ kind: 'normal', mean: 0, stddev: 0.5 }, n * dim, 1, 'blobs');
  const labels = Int32Array.from({ length: n }, (_, i) => i % classes);
  const features = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) features[i * dim + j] = noise[i * dim + j]! + (j % classes === labels[i] ? 2 : 0);
  const a = await linearProbe(features, dim, labels, classes, { seed: 3, epochs: 10, batch: 8 });
  assert.equal(a.top1, 100);
  const b = await linearProbe(features, dim, labels, classes, { seed: 3, epochs: 10, batch: 8 });
  assert.deepEqual([b.top1, [...b.valIndex], [...b.valPred]], [a.top1, [...a.valIndex], [...a.valPred]]);
});

test('linear probe on alexnet features of the test photos (augmented crops): well above chance, same seed same result', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'compare-probe-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  await makeImageFolder(root, 8, 80);
  const data = await openCompareData(root);
  assert.equal(data.imagenet, false);
  assert.deepEqual(data.classes, ['astronaut', 'cat', 'coffee', 'rocket']);
  const job: MeasureJob = { model: 'alexnet', weightsFile: null, batch: [2], runs: 1, warmup: 0, threads: 2, inputSize: [63, 63], seed: 0, images: data.files, dataBatch: 8 };
  const r = await measureModel(job, await prepareModel(job, join(root, '.model')));
  assert.equal(r.featureDim, 4096); // fc7
  assert.equal(r.features.length, 32 * 4096);
  const a = await linearProbe(r.features, r.featureDim, data.labels, 4, { seed: 0 });
  assert.equal(a.valIndex.length, 8); // 2 of 8 per class
  assert.ok(a.top1 >= 75, `probe top-1 ${a.top1}% on 4 classes (chance 25%)`);
  const b = await linearProbe(r.features, r.featureDim, data.labels, 4, { seed: 0 });
  assert.deepEqual([b.top1, [...b.valPred]], [a.top1, [...a.valPred]]);
});

test('compareModels with --data of own classes: a broken image left out, probe columns, agreement over the validation images, no ImageNet columns', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'compare-data-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  await makeImageFolder(root, 4, 64, ['cat', 'rocket']);
  addCorruptImage(root, 'cat');
  const seen = new Set<string>();
  const warnings: string[] = [];
  const r = await compareModels({ models: ['alexnet', 'alexnet_v2'], batch: [1, 2], runs: 1, warmup: 0, inputSize: [63, 63], data: root, isolate: false, probeEpochs: 5, onProgress: (m, p) => seen.add(`${m}:${p}`), onWarning: (w) => warnings.push(w) });
  assert.deepEqual(warnings, [`1 image(s) of ${root} could not be decoded and were left out`]);
  assert.deepEqual(r.models.map((m) => m.name).sort(), ['alexnet', 'alexnet_v2']);
  for (const m of r.models) {
    assert.deepEqual(Object.keys(m.msPerImage), ['1', '2']);
    assert.ok(m.msPerImage['2']! > 0 && Math.abs(m.imagesPerSec['2']! - 1000 / m.msPerImage['2']!) / m.imagesPerSec['2']! < 0.01);
    assert.equal(m.peakRssMB, null); // measured in this process: no honest per-model figure
    assert.equal(m.weights, null);
    assert.equal(m.top1, null);
    assert.ok(m.probeTop1 !== null && m.probeTop1 >= 0 && m.probeTop1 <= 100);
    assert.ok(m.probeSeconds! > 0 && m.coldStartS > 0);
  }
  // sorted by ms/image at the largest batch (no 16 here)
  assert.ok(r.models[0]!.msPerImage['2']! <= r.models[1]!.msPerImage['2']!);
  assert.equal(r.agreement.length, 1);
  assert.equal(r.agreement[0]!.images, 2); // one of 4 per class held out
  for (const p of ['load', 'time', 'features', 'probe', 'done']) assert.ok(seen.has(`alexnet:${p}`), p);
});
