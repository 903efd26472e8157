// alexnet train and alexnet eval as a user runs them, on real photos (a small ImageFolder
// cut from the fixture images, with one broken JPEG) and on Debian's Fashion-MNIST:
// training from scratch with --json, the logs (every TensorBoard record CRC-checked and
// decoded), eval of the run, a run SIGKILLed in the middle of a checkpoint write and
// resumed (the same weights as a run never interrupted), an AdamW run stopped and
// resumed, and the errors.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import type { Tensor } from '../../src/tensor.js';
import { listCheckpoints, readCheckpoint } from '../../src/train/checkpoint.js';
import { readJsonl } from '../../src/logs/jsonl.js';
import type { TbEvent } from '../../src/logs/tb_proto.js';
import { decodeGraphDef } from '../../src/logs/graphdef_proto.js';
import { readEvents } from '../../src/logs/tb_reader.js';
import { FASHION_DIR, fashionMnist } from '../fashion.js';
import { FIXTURES } from '../helpers.js';
import { addCorruptImage, makeImageFolder } from '../image_folder.js';
import { alexnet, alexnetWith } from './cli_helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'cli-train-'));
const photos = join(tmp, 'photos');
const photosVal = join(tmp, 'photos_val');
let broken = '';
before(async () => {
  await makeImageFolder(photos, 6, 80);
  await makeImageFolder(photosVal, 2, 80);
  broken = addCorruptImage(photos, 'coffee');
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const bytes = (t: Tensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
const stepRecords = (dir: string) => readJsonl(join(dir, 'log.jsonl')).filter((r) => !('event' in r));
const SMALL = ['--input', '63x63', '--batch', '4', '--threads', '2', '--workers', '1'];

describe('alexnet train from scratch on photos', () => {
  const out = join(tmp, 'scratch');
  const logdir = join(out, 'tb');
  let result: Record<string, unknown>;
  let stderr = '';

  before(async () => {
    const r = await alexnet(['train', '--data', photos, '--val', photosVal, ...SMALL, '--epochs', '3', '--lr', '0.01', '--seed', '1', '--out', out, '--logdir', logdir, '--log-every', '1', '--histogram-every', '9', '--json']);
    assert.equal(r.status, 0, r.stderr);
    stderr = r.stderr;
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1, r.stdout);
    result = JSON.parse(lines[0]!) as Record<string, unknown>;
  });

  test('--json: one line with the summary; the loss goes down', () => {
    assert.deepEqual(Object.keys(result), ['epochs', 'steps', 'trainLoss', 'valTop1', 'valTop5', 'imagesPerSec', 'wallImagesPerSec', 'checkpoint', 'best']);
    // 25 files, one broken: 24 images, 6 full batches of 4 per epoch
    assert.equal(result['epochs'], 3);
    assert.equal(result['steps'], 18);
    assert.equal(result['checkpoint'], join(out, 'ckpt-00000018'));
    assert.ok((result['imagesPerSec'] as number) > 0);
    // the steps-only rate counts less time than the wall clock, which adds validation and checkpoints
    assert.ok((result['wallImagesPerSec'] as number) > 0 && (result['wallImagesPerSec'] as number) <= (result['imagesPerSec'] as number), JSON.stringify(result));
    const epochs = readJsonl(join(out, 'log.jsonl')).filter((r) => r['event'] === 'epoch');
    assert.deepEqual(epochs.map((e) => e['step']), [6, 12, 18]);
    assert.equal(result['trainLoss'], epochs[2]!['trainLoss']);
    assert.equal(result['valTop1'], epochs[2]!['valTop1']);
    assert.ok((epochs[2]!['valLoss'] as number) < (epochs[0]!['valLoss'] as number), JSON.stringify(epochs));
    assert.ok((epochs[2]!['trainLoss'] as number) < (epochs[0]!['trainLoss'] as number), JSON.stringify(epochs));
  });

  test('the broken image: one warning naming it, counted in every epoch summary', () => {
    const warnings = stderr.split('\n').filter((l) => l.startsWith('warning: '));
    assert.equal(warnings.length, 1, stderr);
    assert.ok(warnings[0]!.startsWith(`warning: skipping ${broken}: `), warnings[0]);
    const summaries = stderr.split('\n').filter((l) => /^epoch \d\/3: step/.test(l));
    assert.equal(summaries.length, 3, stderr);
    for (const s of summaries) assert.match(s, /, 1 image\(s\) skipped \(could not be decoded\)$/);
    // stderr is not a terminal: plain progress lines, at least at the end of each epoch
    assert.match(stderr, /^epoch 3\/3 step 6\/6 loss \d+\.\d{4} acc \d+\.\d% \d+\.\d img\/s ETA 0:00$/m);
    assert.ok(!stderr.includes('\r'));
  });

  test('JSONL: one line per step, in order', () => {
    const recs = stepRecords(out);
    assert.deepEqual(recs.map((r) => r['step']), Array.from({ length: 18 }, (_, i) => i + 1));
    for (const r of recs) {
      for (const k of ['time', 'step', 'epoch', 'loss', 'xent', 'accuracy', 'lr', 'gradNorm', 'imagesPerSec']) assert.equal(typeof r[k], 'number', `${k} in ${JSON.stringify(r)}`);
      assert.equal(r['lr'], 0.01);
    }
  });

  test('TensorBoard: every record CRC-checked and decoded; scalars, histograms of weights and gradients, conv1 filters', async () => {
    const files = readdirSync(logdir).filter((f) => f.includes('tfevents'));
    assert.equal(files.length, 1);
    const events: TbEvent[] = readEvents(join(logdir, files[0]!));
    assert.equal(events[0]!.file_version, 'brain.Event:2');
    // the training graph, once, scoped by layer: forward under the layers, backward under grad/
    const graphs = events.filter((e) => e.graph_def);
    assert.equal(graphs.length, 1);
    const nodes = decodeGraphDef(graphs[0]!.graph_def!).node;
    const tops = new Set(nodes.filter((n) => n.op !== 'Placeholder').map((n) => n.name.split('/')[0]));
    assert.deepEqual([...tops].sort(), ['avgpool', 'classifier.1', 'classifier.4', 'classifier.6', 'features.0', 'features.10', 'features.12', 'features.2', 'features.3', 'features.5', 'features.6', 'features.8', 'grad', 'train']);
    assert.ok(nodes.some((n) => n.name === 'features.0/weight' && n.op === 'VariableV2'));
    const byTag = new Map<string, TbEvent[]>();
    for (const e of events) for (const v of e.summary?.value ?? []) byTag.set(v.tag, [...(byTag.get(v.tag) ?? []), e]);
    const steps = (tag: string) => (byTag.get(tag) ?? []).map((e) => e.step);
    const all = Array.from({ length: 18 }, (_, i) => i + 1);
    for (const tag of ['loss', 'cross_entropy', 'accuracy', 'learning_rate']) assert.deepEqual(steps(tag), all, tag);
    assert.deepEqual(steps('images_per_sec'), all);
    for (const tag of ['val/top1', 'val/top5', 'val/loss']) assert.deepEqual(steps(tag), [6, 12, 18], tag);
    const lossAt1 = byTag.get('loss')![0]!.summary!.value[0]!.simple_value!;
    assert.equal(lossAt1, Math.fround(stepRecords(out)[0]!['loss'] as number));
    // histograms of every trained parameter and its gradient, kratzert's tags, every 9 steps
    const ckpt = await readCheckpoint(join(out, 'ckpt-00000018'));
    const params = [...ckpt.weights.keys()];
    assert.equal(params.length, 16);
    for (const p of params) {
      assert.deepEqual(steps(p), [9, 18], p);
      assert.deepEqual(steps(`${p}/gradient`), [9, 18], `${p}/gradient`);
    }
    const h = byTag.get('classifier.6.weight')!.at(-1)!.summary!.value[0]!.histo!;
    assert.equal(h.num, 4 * 4096);
    const w = ckpt.weights.get('classifier.6.weight')!.data as Float32Array;
    assert.equal(h.min, Math.min(...w));
    assert.equal(h.max, Math.max(...w));
    const g = byTag.get('classifier.6.bias/gradient')![0]!.summary!.value[0]!.histo!;
    assert.equal(g.num, 4);
    // the gradient histograms are of the gradients step 9 applied: their squared norms add
    // up to the global norm that step reported
    const sq = params.reduce((a, p) => a + byTag.get(`${p}/gradient`)![0]!.summary!.value.find((v) => v.tag === `${p}/gradient`)!.histo!.sum_squares, 0);
    const norm = stepRecords(out)[8]!['gradNorm'] as number;
    assert.ok(Math.abs(Math.sqrt(sq) - norm) < 1e-4 * norm, `${Math.sqrt(sq)} vs ${norm}`);
    // the conv1 filters, one image per epoch, a PNG of the declared size
    const imgs = byTag.get('conv1/filters')!;
    assert.deepEqual(imgs.map((e) => e.step), [6, 12, 18]);
    const im = imgs[0]!.summary!.value[0]!.image!;
    const meta = await sharp(im.encoded_image_string).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height, im.colorspace], ['png', im.width, im.height, 3]);
    assert.equal(im.width, 8 * 44 + 9); // 64 filters of 11x11 at scale 4 in 8 columns, 1-px separators
  });

  test('alexnet eval on the run: the best checkpoint, its validation top-1, a confusion matrix', async () => {
    const best = listCheckpoints(out).reduce((a, c) => (c.valTop1 !== null && (a === null || c.valTop1 > a.valTop1!) ? c : a), null as null | ReturnType<typeof listCheckpoints>[number]);
    assert.equal(result['best'], best!.dir);
    const r = await alexnet(['eval', '--weights', out, '--data', photosVal, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const e = JSON.parse(r.stdout) as { images: number; top1: number; top5: number; k: number; loss: number; classes: string[]; confusion: number[][]; weights: string };
    assert.equal(e.weights, join(best!.dir, 'weights.safetensors'));
    assert.equal(e.images, 8);
    assert.equal(e.top1, best!.valTop1);
    assert.equal(e.k, 4);
    assert.equal(e.top5, 1);
    assert.deepEqual(e.classes, ['astronaut', 'cat', 'coffee', 'rocket']);
    assert.deepEqual(e.confusion.map((row) => row.reduce((a, b) => a + b, 0)), [2, 2, 2, 2]);
    assert.equal(e.confusion.reduce((n, row, i) => n + row[i]!, 0), Math.round(e.top1 * 8));
    const text = await alexnet(['eval', '--weights', join(out, 'ckpt-00000018'), '--data', photosVal]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^.*ckpt-00000018\/weights\.safetensors: 8 images\ntop-1 \d+\.\d\d%  top-4 100\.00%  loss \d\.\d{4}\n\nconfusion matrix \(rows: true class, columns: predicted\)\n/);
    assert.match(text.stdout, /\n {2}0 {2}astronaut( +\d){4}\n/);
  });
});

describe('--max-pixels', () => {
  // photos with a 600x400 one among them: over the limit it is skipped with a warning that names the flag
  const big = join(tmp, 'photos_big');
  let bigFile = '';
  before(async () => {
    await makeImageFolder(big, 1, 80);
    bigFile = join(big, 'coffee', 'big.png');
    copyFileSync(join(FIXTURES, 'images', 'coffee.png'), bigFile);
  });
  const refusal = () => `${bigFile}: 600x400 = 240000 pixels exceeds the limit of 200000 pixels (a possible decompression bomb; raise --max-pixels to at least 240000 to allow it)`;

  test('train: images over the limit are skipped, naming the flag', async () => {
    const out = join(tmp, 'max-pixels');
    const r = await alexnet(['train', '--data', big, ...SMALL, '--epochs', '1', '--out', out, '--max-pixels', '200000']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.split('\n').includes(`warning: skipping ${refusal()}`), r.stdout);
  });

  test('eval: images over the limit are skipped, naming the flag', async () => {
    const r = await alexnet(['eval', '--weights', join(tmp, 'max-pixels'), '--data', big, '--max-pixels', '200000', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { images: number }).images, 4);
    assert.equal(r.stderr, `alexnet: skipped ${refusal()}\nalexnet: 1 image(s) could not be decoded and were skipped\n`);
  });
});

/** A long training run into `out`, handed to `interrupt` once its first step is logged. */
function trainUntilStep1(out: string, interrupt: (p: ChildProcess) => void) {
  const many = ['train', '--data', photos, ...SMALL, '--epochs', '50', '--lr', '0.001', '--log-every', '1', '--out', out];
  return alexnetWith(many, (p) => {
    const poll = setInterval(() => {
      const log = existsSync(join(out, 'log.jsonl')) ? readFileSync(join(out, 'log.jsonl'), 'utf8') : '';
      if (!/"step":1,/.test(log)) return;
      clearInterval(poll);
      interrupt(p);
    }, 50);
    p.on('close', () => clearInterval(poll));
  });
}

describe('Ctrl-C', () => {
  test('SIGINT: the step in progress finishes, a checkpoint is written, exit 130 with the resume command; --resume goes on from it', async () => {
    const out = join(tmp, 'interrupted');
    const r = await trainUntilStep1(out, (p) => p.kill('SIGINT'));
    assert.equal(r.status, 130, r.stderr);
    const m = /^interrupted at step (\d+); resume with alexnet train --resume (.+)$/m.exec(r.stderr);
    assert.ok(m, r.stderr);
    assert.equal(m[2], out);
    const n = Number(m[1]);
    assert.ok(n >= 1 && n < 300, r.stderr);
    assert.deepEqual(listCheckpoints(out).map((c) => c.step), [n]);
    assert.deepEqual(stepRecords(out).map((x) => x['step']), Array.from({ length: n }, (_, i) => i + 1));
    const rr = await alexnet(['train', '--resume', out, '--max-steps', String(n + 2), '--json']);
    assert.equal(rr.status, 0, rr.stderr);
    assert.match(rr.stderr, new RegExp(`^resuming ${join(out, `ckpt-${String(n).padStart(8, '0')}`)}: step ${n}, epoch \\d+$`, 'm'));
    assert.equal((JSON.parse(rr.stdout) as { steps: number }).steps, n + 2);
  });
});

describe('Ctrl-C twice', () => {
  test('a second SIGINT exits with 130 at once or, when it lands during the checkpoint write, right after it; what is on disk always loads', async () => {
    const out = join(tmp, 'interrupted-twice');
    const r = await trainUntilStep1(out, (p) => {
      // both signals before the step in progress can finish: the first asks for a stop
      // after it, the second quits then (see below)
      p.kill('SIGINT');
      setTimeout(() => p.kill('SIGINT'), 20);
    });
    assert.equal(r.status, 130, r.stderr);
    assert.match(r.stderr, /^stopping after this step and writing a checkpoint \(again to quit now\)$/m);
    // the checkpoint is written synchronously, so a second signal during it waits for it: then
    // the resume line is printed; otherwise nothing more
    assert.match(r.stderr, /^\nstopping after this step and writing a checkpoint \(again to quit now\)\n(interrupted at step \d+; resume with alexnet train --resume .+\n)?$/);
    for (const c of listCheckpoints(out)) assert.ok((await readCheckpoint(c.dir)).weights.size > 0, c.dir);
  });
});

describe('kill and resume', () => {
  const args = (out: string) => ['train', '--data', photos, ...SMALL, '--epochs', '2', '--lr', '0.01', '--seed', '5', '--augment', 'crop', '--flip', '--label-smoothing', '0.1', '--checkpoint-every', '4', '--keep', '2', '--log-every', '1', '--out', out];

  test('SIGKILL in the middle of a checkpoint write: resume from the last complete one, the same weights as an uninterrupted run', async () => {
    const a = join(tmp, 'uninterrupted');
    const b = join(tmp, 'killed');
    const ra = await alexnet([...args(a), '--json']);
    assert.equal(ra.status, 0, ra.stderr);
    // checkpoints: step 4 (mid-epoch), then killed halfway through writing the weights of
    // step 6's (the end of epoch 1)
    const rk = await alexnet(args(b), { ALEXNET_TEST_KILL_DURING_CHECKPOINT: '2' });
    assert.equal(rk.signal, 'SIGKILL', rk.stderr);
    const left = readdirSync(b).sort();
    assert.equal(left.filter((n) => n.startsWith('.tmp-ckpt-00000006-')).length, 1, left.join(' '));
    assert.deepEqual(listCheckpoints(b).map((c) => c.step), [4]);
    assert.ok(stepRecords(b).some((r) => r['step'] === 6), 'steps past the last complete checkpoint were logged before the kill');

    const rr = await alexnet(['train', '--resume', b, '--json']);
    assert.equal(rr.status, 0, rr.stderr);
    assert.match(rr.stderr, /^removed 1 incomplete checkpoint\(s\) left by a killed run: \.tmp-ckpt-00000006-\d+$/m);
    assert.match(rr.stderr, new RegExp(`^resuming ${join(b, 'ckpt-00000004')}: step 4, epoch 1$`, 'm'));
    assert.ok(!readdirSync(b).some((n) => n.startsWith('.tmp')));
    const ja = JSON.parse(ra.stdout) as Record<string, unknown>;
    const jb = JSON.parse(rr.stdout) as Record<string, unknown>;
    assert.equal(jb['steps'], 12);
    assert.equal(jb['trainLoss'], ja['trainLoss']);
    // bit for bit: every weight and momentum buffer
    const ca = await readCheckpoint(ja['checkpoint'] as string);
    const cb = await readCheckpoint(jb['checkpoint'] as string);
    assert.equal(ca.state.step, 12);
    assert.equal((cb.state.config as unknown as { labelSmoothing: number }).labelSmoothing, 0.1, 'the resumed run kept its label smoothing');
    assert.deepEqual([...cb.weights.keys()].sort(), [...ca.weights.keys()].sort());
    for (const [n, t] of ca.weights) assert.ok(bytes(t).equals(bytes(cb.weights.get(n)!)), `weights ${n}`);
    for (const [n, t] of ca.momenta) assert.ok(bytes(t).equals(bytes(cb.momenta.get(n)!)), `momentum ${n}`);
    assert.deepEqual(cb.state.loop, ca.state.loop);
    // nothing lost, nothing twice: the step log equals the uninterrupted run's
    const la = stepRecords(a).map((r) => [r['step'], r['loss'], r['lr'], r['accuracy']]);
    const lb = stepRecords(b).map((r) => [r['step'], r['loss'], r['lr'], r['accuracy']]);
    assert.deepEqual(lb, la);
    assert.deepEqual(listCheckpoints(b).map((c) => c.step), listCheckpoints(a).map((c) => c.step));
  });
});

describe('AdamW', () => {
  test('stopped with --max-steps and resumed: the same weights, moments and log as an uninterrupted run (the bias correction counts on)', async () => {
    const args = (out: string) => ['train', '--data', photos, ...SMALL, '--epochs', '2', '--optimizer', 'adamw', '--betas', '0.85,0.99', '--lr', '0.0003', '--weight-decay', '0.05', '--seed', '3', '--log-every', '1', '--out', out];
    const a = join(tmp, 'adamw_whole');
    const b = join(tmp, 'adamw_resumed');
    const ra = await alexnet([...args(a), '--json']);
    assert.equal(ra.status, 0, ra.stderr);
    const rs = await alexnet([...args(b), '--max-steps', '5']);
    assert.equal(rs.status, 0, rs.stderr);
    const rr = await alexnet(['train', '--resume', b, '--json']);
    assert.equal(rr.status, 0, rr.stderr);
    const ja = JSON.parse(ra.stdout) as Record<string, unknown>;
    const jb = JSON.parse(rr.stdout) as Record<string, unknown>;
    assert.equal(jb['steps'], 12);
    const ca = await readCheckpoint(ja['checkpoint'] as string);
    const cb = await readCheckpoint(jb['checkpoint'] as string);
    const cfg = ca.state.config as unknown as { optimizer: string; betas: number[]; momentum: number };
    assert.deepEqual([cfg.optimizer, cfg.betas, cfg.momentum], ['adamw', [0.85, 0.99], 0]);
    assert.deepEqual({ ...ca.optimizer }, { format: 'alexnet-ts-optimizer/1', optimizer: 'adamw', betas: '0.85,0.99', eps: '1e-8', weightDecay: '0.05', step: '12' });
    // both moments of every parameter, bit for bit
    assert.equal(ca.momenta.size, 2 * ca.weights.size);
    assert.ok(ca.momenta.has('exp_avg_sq/classifier.6.weight'));
    for (const [n, t] of ca.weights) assert.ok(bytes(t).equals(bytes(cb.weights.get(n)!)), `weights ${n}`);
    for (const [n, t] of ca.momenta) assert.ok(bytes(t).equals(bytes(cb.momenta.get(n)!)), `optimizer state ${n}`);
    // the loss is the cross-entropy (decoupled decay is no loss term), and it is the same step by step
    const la = stepRecords(a).map((r) => [r['step'], r['loss'], r['xent'], r['lr']]);
    assert.ok(la.every(([, loss, xent]) => loss === xent), JSON.stringify(la));
    assert.deepEqual(stepRecords(b).map((r) => [r['step'], r['loss'], r['xent'], r['lr']]), la);
  });
});

describe('errors', () => {
  test('usage errors: one line, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['train', '--out', join(tmp, 'x')], /^alexnet: train: --data PATH is required \(or --resume DIR\)\n$/],
      [['train', '--data', photos], /^alexnet: train: --out DIR is required\n$/],
      [['train', '--data', photos, '--out', join(tmp, 'x'), '--lr', 'fast'], /^alexnet: --lr must be a positive number, got "fast"\n$/],
      [['train', '--data', photos, '--out', join(tmp, 'x'), '--augment', 'mixup'], /^alexnet: --augment must be one of none, crop, resized-crop, got "mixup"\n$/],
      [['train', '--data', photos, '--out', join(tmp, 'x'), '--label-smoothing', '1'], /^alexnet: --label-smoothing must be in \[0, 1\), got "1"\n$/],
      [['train', '--data', photos, '--out', join(tmp, 'x'), '--init', 'xavier'], /^alexnet: --init must be one of model, kaiming, got "xavier"\n$/],
      [['train', '--data', photos, '--out', join(tmp, 'x'), '--optimizer', 'adam'], /^alexnet: --optimizer must be one of sgd, adamw, got "adam"\n$/],
      [['train', '--data', photos, '--out', join(tmp, 'x'), '--betas', '0.9'], /^alexnet: --betas must be two numbers in \[0, 1\) as B1,B2 \(e\.g\. 0\.9,0\.999\), got "0\.9"\n$/],
      [['train', '--data', photos, '--out', join(tmp, 'x'), '--nan-policy', 'ignore'], /^alexnet: --nan-policy must be one of reduce-lr, skip, stop, got "ignore"\n$/],
      [['train', '--data', photos, '--out', join(tmp, 'e2'), '--input', '32x32'], /^alexnet: --input 32x32 is smaller than alexnet's minimum of 63x63 \(the last max pool needs a 3x3 map\)\n$/],
      [['eval', '--data'], /^alexnet: eval: Option '--data <value>' argument missing/],
      [['train', '--data', photos, '--out', join(tmp, 'x'), '--max-pixels', '0'], /^alexnet: --max-pixels must be an integer >= 1, got "0"\n$/],
      [['eval', '--weights', 'w', '--data', photos, '--max-pixels', 'many'], /^alexnet: --max-pixels must be an integer >= 1, got "many"\n$/],
      [['eval', '--weights', 'w', '--data', photos, '--model', 'vgg'], /^alexnet: unknown model "vgg"; valid models: /],
    ];
    for (const [argv, re] of cases) {
      const r = await alexnet(argv);
      assert.equal(r.status, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
  });

  test('failures: one line naming the problem, exit 1', async () => {
    const bad = await alexnet(['train', '--data', photos, '--out', join(tmp, 'e1'), ...SMALL, '--train-layers', 'fc9']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^alexnet: --train-layers: alexnet has no layer "fc9"; layers with parameters: features\.0, features\.3, features\.6, features\.8, features\.10, classifier\.1, classifier\.4, classifier\.6\n$/m);
    const none = await alexnet(['train', '--data', join(tmp, 'nothing'), '--out', join(tmp, 'e3')]);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /nothing: no such file or directory\n$/);
    const differs = await alexnet(['train', '--resume', join(tmp, 'killed'), '--lr', '0.1']);
    assert.equal(differs.status, 1);
    assert.match(differs.stderr, /^alexnet: --resume: lr 0\.1 differs from the run's 0\.01 \(.*ckpt-00000012\); only epochs, data, val, out, logdir, maxSteps, nanRetries, threads, workers, keep, checkpointEvery, logEvery, histogramEvery may change\n$/);
    const momentum = await alexnet(['train', '--data', photos, '--out', join(tmp, 'e4'), ...SMALL, '--optimizer', 'adamw', '--momentum', '0.8']);
    assert.equal(momentum.status, 1);
    assert.match(momentum.stderr, /^alexnet: AdamW takes betas \(--betas B1,B2\), not momentum or nesterov\n$/);
    const betas = await alexnet(['train', '--data', photos, '--out', join(tmp, 'e5'), ...SMALL, '--betas', '0.9,0.99']);
    assert.equal(betas.status, 1);
    assert.match(betas.stderr, /^alexnet: betas are an AdamW setting; choose the optimizer adamw\n$/);
    const occupied = await alexnet(['train', '--data', photos, '--out', join(tmp, 'killed'), ...SMALL]);
    assert.equal(occupied.status, 1);
    assert.match(occupied.stderr, /already holds a run .*; continue it with --resume .*killed, or choose another --out\n$/);
    assert.ok(!existsSync(join(tmp, 'e1', 'ckpt-00000000')));
  });
});

describe('Fashion-MNIST', () => {
  test('IDX from Debian, grey to 3 channels at 64x64: train, then eval on the same validation subset', async (t) => {
    if (!fashionMnist(t)) return;
    const out = join(tmp, 'fashion');
    const r = await alexnet(['train', '--data', FASHION_DIR, '--val', FASHION_DIR, '--train-limit', '96', '--val-limit', '48', '--input', '64x64', '--batch', '16', '--epochs', '1', '--lr', '0.01', '--threads', '2', '--out', out, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as Record<string, number>;
    assert.equal(j['steps'], 6);
    assert.match(r.stderr, /^training alexnet on 96 images \(10 classes, 64x64\), validating on 48: 1 epoch of 6 steps, batch 16, 57,044,810 trainable parameters$/m);
    const e = await alexnet(['eval', '--weights', out, '--data', FASHION_DIR, '--limit', '48', '--json']);
    assert.equal(e.status, 0, e.stderr);
    const ej = JSON.parse(e.stdout) as { top1: number; images: number; classes: string[]; confusion: number[][] };
    assert.equal(ej.images, 48);
    assert.equal(ej.top1, j['valTop1']);
    assert.deepEqual(ej.classes.slice(0, 2), ['T-shirt/top', 'Trouser']);
    assert.equal(ej.confusion.flat().reduce((a, b) => a + b, 0), 48);
  });
});
