// The foundation commands as a user runs them: run, summary, export, models, and errors.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Session } from '../../src/runtime/session.js';
import { alexnet, alexnetBin, alexnetHere } from './cli_helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'alexnet-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('alexnet run (the slim note demo)', () => {
  test('--json prints input shape, logits shape and one prediction per image', async () => {
    const r = await alexnet(['run', '--model', 'alexnet_v2', '--batch', '2', '--input', '300x400', '--classes', '50', '--global-pool', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { inputShape: number[]; logitsShape: number[]; predictions: number[] };
    assert.deepEqual(j.inputShape, [2, 300, 400, 3]);
    assert.deepEqual(j.logitsShape, [2, 50]);
    assert.equal(j.predictions.length, 2);
    for (const p of j.predictions) assert.ok(Number.isInteger(p) && p >= 0 && p < 50);
  });

  // two processes, the same --seed: the same weights, input and predictions
  test('plain output is the numpy-style shape and predictions, and the launcher gives the same for the same seed', async () => {
    const args = ['run', '--model', 'alexnet_v2', '--batch', '2', '--input', '300x400', '--classes', '50', '--global-pool', '--seed', '3'];
    const r = await alexnet(args);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], '(2, 300, 400, 3)');
    assert.match(lines[1]!, /^\[\d+ \d+\]$/);
    const viaBin = await alexnetBin(args);
    assert.equal(viaBin.status, 0, viaBin.stderr);
    assert.equal(viaBin.stdout, r.stdout);
  });
});

describe('alexnet summary', () => {
  test('--json: layers with shapes, params and MACs; totals', async () => {
    const r = await alexnet(['summary', '--model', 'alexnet_v2', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { layers: { name: string; outputShape: number[]; params: number; macs: number }[]; totalParams: number; totalMacs: number };
    assert.equal(j.layers[0]!.name, 'alexnet_v2/conv1');
    assert.deepEqual(j.layers[0]!.outputShape, [1, 54, 54, 64]);
    assert.equal(j.layers[0]!.params, 23296);
    assert.equal(j.layers[0]!.macs, 67_744_512);
    assert.equal(j.totalParams, 50_303_912);
    assert.equal(j.totalMacs, j.layers.reduce((n, l) => n + l.macs, 0));
    assert.deepEqual(j.layers.map((l) => l.name.split('/')[1]), ['conv1', 'pool1', 'conv2', 'pool2', 'conv3', 'conv4', 'conv5', 'pool5', 'fc6', 'fc7', 'fc8']);
  });

  test('the table has every layer and the totals line; options change shapes', async () => {
    const r = await alexnet(['summary', '--model', 'alexnet_v2', '--input', '300x400', '--classes', '50', '--no-squeeze']);
    assert.equal(r.status, 0, r.stderr);
    // fc6 over a 8x11 pool5 is a plain conv, so fc7 and fc8 (1x1 over NCHW maps) stay convs
    assert.match(r.stdout, /alexnet_v2\/fc8\s+Conv\s+1x1\/1 SAME\s+\[1,4,7,50\]\s+204,850/);
    // at 224x224 fc6 covers its 5x5 input and is a Gemm, and fc7 and fc8 follow on its rows
    const small = await alexnet(['summary', '--model', 'alexnet_v2']);
    assert.match(small.stdout, /alexnet_v2\/fc7\s+Conv→Gemm\s+1x1\/1 SAME\s+\[1,1,1,4096\]/);
    assert.match(r.stdout, /total: 46,411,762 parameters/);
    const gp = await alexnet(['summary', '--model', 'alexnet_v2', '--input', '256x256', '--global-pool', '--json']);
    const j = JSON.parse(gp.stdout) as { layers: { name: string; outputShape: number[] }[] };
    assert.deepEqual(j.layers.find((l) => l.name === 'alexnet_v2/global_pool')!.outputShape, [1, 1, 1, 4096]);
  });
});

describe('alexnet export', () => {
  test('writes an ONNX file that onnxruntime loads and runs', async () => {
    const file = join(dir, 'm.onnx');
    const r = await alexnet(['export', '--model', 'alexnet_v2', '--out', file, '--classes', '10', '--global-pool', '--input', '256x256']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /wrote .*m\.onnx .*input input \[N,256,256,3\] -> logits \[N,10\]/);
    const s = await Session.create(file);
    assert.deepEqual(s.inputNames, ['input']);
    assert.deepEqual(s.outputNames, ['logits']);
    const out = await s.run({ input: { dtype: 'float32', shape: [1, 256, 256, 3], data: new Float32Array(256 * 256 * 3).fill(0.5) } });
    assert.deepEqual(out.logits!.shape, [1, 10]);
    await s.dispose();
  });

  test('--out is required', async () => {
    const r = await alexnet(['export']);
    assert.equal(r.status, 2);
    assert.equal(r.stderr, 'alexnet: export: --out FILE is required\n');
  });
});

describe('errors: one line, non-zero, no stack unless --verbose', () => {
  const cases: [string, string[], number, string][] = [
    ['unknown option', ['run', '--bogus'], 2, "alexnet: run: Unknown option '--bogus' (see alexnet run --help)\n"],
    ['unknown model', ['run', '--model', 'vgg99'], 2, 'alexnet: unknown model "vgg99"; valid models: '],
    ['input below the minimum', ['run', '--model', 'alexnet_v2', '--input', '194x300'], 2, "alexnet: --input 194x300 is smaller than alexnet_v2's minimum of 195x195 (fc6 needs a 5x5 pool5)\n"],
    ['bad number', ['run', '--batch', 'two'], 2, 'alexnet: --batch must be an integer >= 1, got "two"\n'],
    ['bad size', ['summary', '--input', '300by400'], 2, 'alexnet: --input must be HxW, e.g. 224x224, got "300by400"\n'],
    ['unknown command', ['fly'], 2, 'alexnet: unknown command "fly"; commands: '],
    ['squeeze of a spatial map', ['run', '--model', 'alexnet_v2', '--input', '300x400'], 1, 'alexnet: spatial_squeeze: logits are 4x7, not 1x1; use globalPool or spatialSqueeze=false\n'],
  ];
  // main() in this process: the message and the status; the two tests after these run
  // the CLI as a process
  for (const [what, args, status, message] of cases) {
    test(what, async () => {
      const r = await alexnetHere(args);
      assert.equal(r.status, status);
      assert.equal(r.stdout, '');
      assert.ok(r.stderr.startsWith(message), r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    });
  }

  test('--verbose adds the stack trace', async () => {
    const r = await alexnet(['run', '--model', 'alexnet_v2', '--input', '300x400', '--verbose']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /spatial_squeeze: logits are 4x7/);
    assert.match(r.stderr, /\n\s+at /);
  });

  test('--help lists the commands', async () => {
    const r = await alexnet(['--help']);
    assert.equal(r.status, 0);
    for (const c of ['run', 'summary', 'export', 'models']) assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'));
  });
});
