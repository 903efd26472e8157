// alexnet models as a user runs it: every model with its source, input size, the parameter
// count its source publishes and its weights entries; and README's
// model table, which lists the same.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { getModel, listModels } from '../../src/models/registry.js';
import { modelSource, sourceParams } from '../../src/models/source.js';
import { ROOT } from '../helpers.js';
import { alexnet, alexnetBin, type CliResult } from './cli_helpers.js';

interface ModelRow {
  name: string;
  source: string;
  inputSize: [number, number];
  params: number;
  weights: { name: string; model: string; meta: { numParams: number; categories: number } }[];
  trainableParams: number;
  nonTrainableParams: number;
  totalParams: number;
}

// [source, input, params]: Keras's model.summary() totals and torchvision's num_params.
const EXPECTED: Record<string, [string, number, number]> = {
  alexnet_v2: ['slim', 224, 50_303_912],
  alexnet: ['torchvision', 224, 61_100_840],
  bvlc_alexnet: ['caffe', 227, 60_965_224],
  vgg16: ['keras_applications', 224, 138_357_544],
  vgg19: ['keras_applications', 224, 143_667_240],
  resnet50: ['keras_applications', 224, 25_636_712],
  inception_v3: ['keras_applications', 299, 23_851_784],
  xception: ['keras_applications', 299, 22_910_480],
  inception_resnet_v2: ['keras_applications', 299, 55_873_736],
  mobilenet: ['keras_applications', 224, 4_253_864],
  'vgg16.torchvision': ['torchvision', 224, 138_357_544],
  'resnet50.torchvision': ['torchvision', 224, 25_557_032],
  'inception_v3.torchvision': ['torchvision', 299, 27_161_264],
  mobilenet_v2: ['torchvision', 224, 3_504_872],
  squeezenet1_1: ['torchvision', 224, 1_235_496],
};

describe('alexnet models', () => {
  // one run of `models --json` for both tests: it builds every model's graph
  let json: Promise<CliResult> | undefined;
  const listed = async () => {
    const r = await (json ??= alexnet(['models', '--json']));
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as ModelRow[];
  };

  test('--json: every model with the source, input size and parameters its source publishes', async () => {
    const rows = await listed();
    assert.deepEqual(rows.map((m) => m.name).sort(), Object.keys(EXPECTED).sort());
    for (const m of rows) {
      const [source, size, params] = EXPECTED[m.name]!;
      assert.equal(m.source, source, m.name);
      assert.deepEqual(m.inputSize, [size, size], m.name);
      assert.equal(m.params, params, m.name);
      assert.equal(m.totalParams, m.trainableParams + m.nonTrainableParams, m.name);
    }
    // Keras counts BN's moving statistics, torchvision does not: ResNet-50's 25,583,592 + 53,120
    const resnet = rows.find((m) => m.name === 'resnet50')!;
    assert.deepEqual([resnet.trainableParams, resnet.nonTrainableParams], [25_583_592, 53_120]);
    const tv = rows.find((m) => m.name === 'resnet50.torchvision')!;
    assert.deepEqual([tv.trainableParams, tv.nonTrainableParams], [25_557_032, 53_120]);
  });

  test('--json: each model\'s full weights carry its own parameter count, the class list as a count', async () => {
    const rows = await listed();
    for (const m of rows) {
      for (const w of m.weights) {
        assert.equal(w.model, m.name);
        assert.equal(w.meta.categories, 1000, w.name);
        if (!w.name.endsWith('_notop')) assert.equal(w.meta.numParams, m.params, w.name);
      }
    }
    assert.deepEqual(rows.find((m) => m.name === 'vgg16')!.weights.map((w) => w.name), ['vgg16', 'vgg16_notop']);
    assert.deepEqual(rows.find((m) => m.name === 'alexnet_v2')!.weights, []);
  });

  test('the table: one row per model with its source, input, parameters and weights; the launcher gives the same', async () => {
    const r = await alexnet(['models']);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^model +source +input +params +weights$/);
    assert.equal(lines.length, 2 + Object.keys(EXPECTED).length);
    const row = (name: string) => lines.find((l) => l.startsWith(name + ' '))!.split(/ {2,}/);
    assert.deepEqual(row('resnet50'), ['resnet50', 'keras_applications', '224x224 BGR', '25,636,712', 'resnet50, resnet50_notop']);
    assert.deepEqual(row('inception_v3.torchvision'), ['inception_v3.torchvision', 'torchvision', '299x299 RGB', '27,161,264', 'inception_v3.torchvision']);
    assert.deepEqual(row('alexnet_v2'), ['alexnet_v2', 'slim', '224x224 RGB', '50,303,912', '-']);
    const bin = await alexnetBin(['models']);
    assert.equal(bin.status, 0, bin.stderr);
    assert.equal(bin.stdout, r.stdout);
  });
});

describe("README's model table", () => {
  // | `name` | source | what | input | parameters | pretrained weights | top-1 |
  const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n');
  const head = lines.indexOf('| name | source | what | input | parameters | pretrained weights | top-1 |');
  const end = lines.findIndex((l, i) => i > head && !l.startsWith('|'));
  const rows = lines.slice(head + 2, end).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));

  test('lists every model once, with its source, input size and parameters as `alexnet models` gives them', () => {
    assert.deepEqual(rows.map((r) => r[0]!.replace(/`/g, '')).sort(), listModels().sort());
    for (const r of rows) {
      const spec = getModel(r[0]!.replace(/`/g, ''));
      assert.equal(r[1], modelSource(spec), spec.name);
      assert.equal(r[3], `${spec.defaultImageSize.join('x')} ${spec.channels}, ${spec.inputLayout}`, spec.name);
      assert.equal(r[4], sourceParams(spec).toLocaleString('en-US'), spec.name);
    }
  });

  test("top-1 is the published figure of the model's weights", () => {
    for (const r of rows) {
      const spec = getModel(r[0]!.replace(/`/g, ''));
      const w = spec.weights.find((e) => e.name === spec.name);
      if (!w) {
        assert.equal(r[6], '', spec.name);
        continue;
      }
      const top1 = w.meta.metrics.top1;
      const shown = Number(r[6]!.replace('%', ''));
      const decimals = r[6]!.replace('%', '').split('.')[1]?.length ?? 0;
      assert.equal(shown, Number(top1.toFixed(decimals)), spec.name);
      assert.ok(r[5]!.includes(`\`${w.url.split('/').pop()}\``), `${spec.name}: ${r[5]}`);
    }
  });
});
