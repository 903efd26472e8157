// The small cuts of the command line: --version, the same default model everywhere, the
// model's layout in summary's heading, messages that say what is wrong, usage errors
// (exit 2) for input sizes and numbers out of range.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ROOT } from '../helpers.js';
import { alexnet, alexnetBin, alexnetHere } from './cli_helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'alexnet-flags-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

describe('alexnet --version', () => {
  test('--version and -V print the version in package.json', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await alexnet([flag]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `${pkg.version}\n`);
      assert.equal(r.stderr, '');
    }
    const bin = await alexnetBin(['--version']);
    assert.equal(bin.stdout, `${pkg.version}\n`);
  });

  test('--help lists it', async () => {
    const r = await alexnet(['--help']);
    assert.match(r.stdout, /-V, --version/);
  });
});

describe('every command builds alexnet unless told otherwise', () => {
  test('run, summary and export default to alexnet (NCHW, 3x224x224)', async () => {
    const run = await alexnet(['run', '--batch', '1', '--classes', '0', '--json']);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual((JSON.parse(run.stdout) as { inputShape: number[] }).inputShape, [1, 3, 224, 224]);
    const summary = await alexnet(['summary', '--json']);
    assert.equal(summary.status, 0, summary.stderr);
    const s = JSON.parse(summary.stdout) as { model: string; trainableParams: number; nonTrainableParams: number; totalParams: number };
    assert.equal(s.model, 'alexnet');
    assert.deepEqual([s.trainableParams, s.nonTrainableParams, s.totalParams], [61_100_840, 0, 61_100_840]);
    const file = join(tmp, 'default.onnx');
    const exp = await alexnet(['export', '--out', file, '--classes', '0', '--json']);
    assert.equal(exp.status, 0, exp.stderr);
    assert.deepEqual((JSON.parse(exp.stdout) as { input: { shape: unknown[] } }).input.shape, ['N', 3, 224, 224]);
  });

  test('the help of each says so', async () => {
    for (const cmd of ['run', 'summary', 'export', 'classify', 'train', 'eval']) {
      const r = await alexnetHere([cmd, '--help']);
      assert.match(r.stdout, /-m, --model NAME +the model.*\(default alexnet;/, cmd);
    }
  });
});

describe("summary heads the output column with the model's layout", () => {
  test('NCHW models: (NCHW) and shapes as N,C,H,W; alexnet_v2: (NHWC) and N,H,W,C', async () => {
    const nchw = await alexnet(['summary', '--model', 'bvlc_alexnet']);
    assert.equal(nchw.status, 0, nchw.stderr);
    assert.match(nchw.stdout, /^layer +op +kernel\/stride pad +output \(NCHW\) /m);
    assert.match(nchw.stdout, /^conv1 +Conv +11x11\/4 0 +\[1,96,55,55\] +34,944 /m);
    assert.doesNotMatch(nchw.stdout, /NHWC/);
    const nhwc = await alexnet(['summary', '--model', 'alexnet_v2']);
    assert.match(nhwc.stdout, /^layer +op +kernel\/stride pad +output \(NHWC\) /m);
    assert.match(nhwc.stdout, /^alexnet_v2\/conv1 +Conv +11x11\/4 VALID +\[1,54,54,64\] /m);
  });
});

describe('messages say what is wrong', () => {
  test('weights import --out x.bin: the file name, not "--out is required"', async () => {
    const bin = await alexnet(['weights', 'import', 'w.npy', '--model', 'alexnet', '--out', 'x.bin']);
    assert.equal(bin.status, 2);
    assert.equal(bin.stderr, 'alexnet: weights import: --out must end in .safetensors (the JSON config is written beside it), got "x.bin"\n');
    // without --out it installs where weights download would; a missing file says so
    const none = await alexnet(['weights', 'import', 'w.npy', '--model', 'alexnet']);
    assert.equal(none.status, 1);
    assert.equal(none.stderr, 'alexnet: w.npy: no such file or directory\n');
  });

  test('weights download of an entry without a published hash: refused, unless --sha256 or --allow-unverified', async () => {
    const env = { ALEXNET_HOME: join(tmp, 'dl-home') };
    const r = await alexnet(['weights', 'download', 'bvlc_alexnet'], env);
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr,
      'alexnet: bvlc_alexnet: its source publishes no hash for http://www.cs.toronto.edu/~guerzhoy/tf_alexnet/bvlc_alexnet.npy (plain HTTP), so nothing would verify the file; give --sha256 HEX of a copy you trust, or --allow-unverified to take it unchecked\n',
    );
    // allowed, it goes on to fetch (here from a port nothing listens on)
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/bvlc_alexnet.npy`;
    await new Promise((done) => closed.close(done));
    const allowed = await alexnet(['weights', 'download', 'bvlc_alexnet', '--allow-unverified', '--url', url], env);
    assert.equal(allowed.status, 1);
    assert.equal(allowed.stderr, `alexnet: download ${url}: fetch failed: ECONNREFUSED\n`);
  });
});

describe('wrong calls exit 2, before any work', () => {
  test('--input below the model minimum, in every command that takes --input', async () => {
    const msg = "alexnet: --input 10x10 is smaller than alexnet's minimum of 63x63 (the last max pool needs a 3x3 map)\n";
    const missing = join(tmp, 'missing');
    const calls = [
      ['run', '--input', '10x10'],
      ['summary', '--input', '10x10'],
      ['export', '--out', join(tmp, 'x.onnx'), '--input', '10x10'],
      ['train', '--data', missing, '--out', join(tmp, 'run'), '--input', '10x10'],
      ['eval', '--weights', missing, '--data', missing, '--input', '10x10'],
    ];
    for (const argv of calls) {
      const r = await alexnetHere(argv);
      assert.equal(r.status, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, msg, argv.join(' '));
    }
  });
});

describe('numbers are checked up front, with the flag and its range', () => {
  const cores = availableParallelism();
  const cases: [string[], string][] = [
    [['classify', '--batch', '100000', 'cat.jpg'], 'alexnet: --batch must be an integer from 1 to 4096, got "100000"\n'],
    [['run', '--batch', '100000'], 'alexnet: --batch must be an integer from 1 to 4096, got "100000"\n'],
    [['classify', '--batch', '-1', 'cat.jpg'], 'alexnet: --batch must be an integer from 1 to 4096, got "-1"\n'],
    [['classify', '--batch=-1', 'cat.jpg'], 'alexnet: --batch must be an integer from 1 to 4096, got "-1"\n'],
    [['train', '--data', 'd', '--out', 'o', '--batch', '0'], 'alexnet: --batch must be an integer from 1 to 4096, got "0"\n'],
    [['classify', '--threads', '999', 'cat.jpg'], `alexnet: --threads must be an integer from 1 to ${4 * cores} (4 per core), got "999"\n`],
    [['eval', '--weights', 'w', '--data', 'd', '--workers', '999'], `alexnet: --workers must be an integer from 0 to ${4 * cores} (4 per core), got "999"\n`],
    [['run', '--seed', '-3'], 'alexnet: --seed must be an integer >= 0, got "-3"\n'],
    [['train', '--data', 'd', '--out', 'o', '--lr', '-0.1'], 'alexnet: --lr must be a positive number, got "-0.1"\n'],
    [['classify', '--top', '0', 'cat.jpg'], 'alexnet: --top must be an integer >= 1, got "0"\n'],
  ];
  for (const [argv, message] of cases) {
    test(argv.join(' '), async () => {
      const r = await alexnetHere(argv);
      assert.equal(r.status, 2);
      assert.equal(r.stderr, message);
      assert.equal(r.stdout, '');
    });
  }

  test('a negative number is still a value where it is allowed, and a positional after --', async () => {
    const r = await alexnetHere(['train', '--data', 'd', '--out', 'o', '--lr', '-1']);
    assert.equal(r.stderr, 'alexnet: --lr must be a positive number, got "-1"\n', 'the value reaches the check, not parseArgs');
    const files = await alexnetHere(['classify', '--top', '1', '--', '-1.jpg']);
    assert.equal(files.status, 1);
    assert.equal(files.stderr, 'alexnet: -1.jpg: no such file or directory\n');
  });
});

describe('output into a pipe that closes early', () => {
  test('summary | head: no EPIPE stack trace, exit 0', async () => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'bin.ts'), 'summary'], { cwd: ROOT });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.stdout.once('data', () => p.stdout.destroy());
    const status = await new Promise<number | null>((resolve) => p.on('close', resolve));
    assert.equal(stderr, '');
    assert.equal(status, 0);
  });
});

describe('--pretrained and eval without --weights: the model download in $ALEXNET_HOME', () => {
  test('say how to get the weights when there are none, and refuse --pretrained with --weights', async () => {
    const home = join(tmp, 'empty-home');
    const env = { ALEXNET_HOME: home };
    const train = await alexnet(['train', '--model', 'alexnet', '--pretrained', '--data', tmp, '--out', join(tmp, 'run')], env);
    assert.equal(train.status, 1, train.stderr);
    assert.equal(
      train.stderr,
      `alexnet: no weights for alexnet in ${join(home, 'weights', 'alexnet.safetensors')}: get them with \`alexnet weights download alexnet\` (https://download.pytorch.org/models/alexnet-owt-7be5be79.pth), or pass --weights FILE (.pth, .npy, .onnx, .safetensors or .h5)\n`,
    );
    const both = await alexnet(['train', '--pretrained', '--weights', 'x.pth', '--data', tmp, '--out', join(tmp, 'run')], env);
    assert.equal(both.status, 2);
    assert.equal(both.stderr, 'alexnet: train: give --weights FILE or --pretrained, not both\n');
    const v2 = await alexnet(['train', '--model', 'alexnet_v2', '--pretrained', '--data', tmp, '--out', join(tmp, 'run')], env);
    assert.equal(v2.status, 2);
    assert.match(v2.stderr, /^alexnet: alexnet_v2 has no published pretrained weights; pass --weights FILE/);
    const ev = await alexnet(['eval', '--data', tmp], env);
    assert.equal(ev.status, 1);
    assert.match(ev.stderr, /^alexnet: no weights for alexnet in .*: get them with `alexnet weights download alexnet`/);
  });
});
