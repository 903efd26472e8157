// compareModels as the CLI runs it: each model measured in a fresh process (peak RSS is
// that process's), weights from --weights-dir, measured ImageNet accuracy on WordNet-id
// folders; and `alexnet compare` itself.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compareModels } from '../../src/compare/compare.js';
import { alexnetBin } from '../cli/cli_helpers.js';
import { FIXTURES, generated } from '../helpers.js';

test('in a child process: weights from --weights-dir, measured top-1/top-5 on ImageNet folders, peak RSS', async (t) => {
  const pth = generated(t, 'alexnet_seeded.pth');
  if (!pth) return;
  const root = mkdtempSync(join(tmpdir(), 'compare-iso-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const weightsDir = join(root, 'weights');
  mkdirSync(weightsDir);
  symlinkSync(pth, join(weightsDir, 'alexnet.pth'));
  const data = join(root, 'imagenet');
  for (const [wnid, file] of [['n02123045', 'chelsea.png'], ['n07920052', 'coffee.png'], ['n04266014', 'rocket.jpg']] as const) {
    mkdirSync(join(data, wnid), { recursive: true });
    copyFileSync(join(FIXTURES, 'images', file), join(data, wnid, file));
  }
  const r = await compareModels({ models: ['alexnet', 'alexnet_v2'], batch: [1], runs: 1, warmup: 0, inputSize: [63, 63], weightsDir, data, threads: 1 });
  assert.equal(r.machine.threads, 1);
  const a = r.models.find((m) => m.name === 'alexnet')!;
  assert.equal(a.weights, join(weightsDir, 'alexnet.pth'));
  assert.ok(a.peakRssMB !== null && a.peakRssMB > 50 && a.peakRssMB < 4000, `peak RSS ${a.peakRssMB} MB`);
  assert.ok(a.top1 !== null && a.top5 !== null && a.top5 >= a.top1);
  assert.ok([0, 100 / 3, 200 / 3, 100].some((v) => Math.abs(v - a.top1!) < 0.01), `top-1 ${a.top1} of 3 images`);
  assert.equal(a.probeTop1, null);
  const v2 = r.models.find((m) => m.name === 'alexnet_v2')!;
  assert.equal(v2.weights, null); // no weights: "no weights", null cells
  assert.deepEqual([v2.top1, v2.top5, v2.published], [null, null, null]);
  assert.ok(v2.peakRssMB! > 50);
  assert.deepEqual(r.agreement, []); // only one model has ImageNet weights
});

test('alexnet compare --json: the documented object; the text table names the CPU and threads', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'compare-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { ALEXNET_HOME: join(dir, 'home') };
  const svg = join(dir, 'c.svg');
  const j = await alexnetBin(['compare', '--models', 'alexnet', '--batch', '1,2', '--input', '63', '--runs', '1', '--warmup', '0', '--threads', '1', '--json', '--plot', svg], env);
  assert.equal(j.status, 0, j.stderr);
  const r = JSON.parse(j.stdout);
  assert.deepEqual(Object.keys(r), ['machine', 'models', 'agreement']);
  assert.deepEqual(Object.keys(r.machine), ['cpu', 'cores', 'threads', 'node', 'onnxruntime']);
  assert.deepEqual(Object.keys(r.models[0]).sort(), ['coldStartS', 'depth', 'fileMB', 'imagesPerSec', 'inputSize', 'macs', 'msPerImage', 'name', 'params', 'peakRssMB', 'probeSeconds', 'probeTop1', 'published', 'top1', 'top5', 'weights'].sort());
  assert.deepEqual([r.models[0].name, r.models[0].params, r.models[0].inputSize, Object.keys(r.models[0].msPerImage)], ['alexnet', 61_100_840, [63, 63], ['1', '2']]);
  assert.match(readFileSync(svg, 'utf8'), /^<svg[^>]*>[\s\S]*alexnet[\s\S]*<\/svg>$/);
  const bad = await alexnetBin(['compare', '--batch', '0'], env);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--batch takes batch sizes 1\.\.4096/);
  const badPlot = await alexnetBin(['compare', '--plot', 'chart.pdf'], env);
  assert.equal(badPlot.status, 2);
  assert.match(badPlot.stderr, /--plot writes \.svg or \.png, got "chart\.pdf"/);
  const unknown = await alexnetBin(['compare', '--models', 'alexnet,lenet'], env);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /unknown model "lenet"; valid models: .*alexnet/);
});

test('alexnet compare prints the table sorted by speed, with the machine line first', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'compare-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = await alexnetBin(['compare', '--models', 'alexnet', '--batch', '1', '--input', '63', '--runs', '1', '--warmup', '0', '--threads', '1'], { ALEXNET_HOME: join(dir, 'home') });
  assert.equal(out.status, 0, out.stderr);
  const lines = out.stdout.split('\n');
  assert.match(lines[0]!, /, \d+ cores; ONNX Runtime \d+\.\d+\.\d+ with 1 intra-op threads; Node \d+/);
  assert.match(lines[2]!, /^model\s+weights\s+params\s+GMACs\s+MB\s+depth\s+input\s+published top-1\/5\s+ms\/img @1\s+img\/s @1\s+peak RSS MB\s+cold s$/);
  assert.match(lines[4]!, /^alexnet\s+no weights \(seeded\)\s+61,100,840\s+0\.\d\d\s+233\.1\s+8\s+63x63\s+56\.5\/79\.1\s+[\d.]+\s+[\d.]+\s+\d+\s+[\d.]+$/);
});
