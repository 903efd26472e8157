// Training benchmarks, next to PyTorch in the same run:
//
//   train    alexnet_v2 at 224x224, batch 16, every layer trained: ms per image of the
//            training step (ours: Trainer with seeded dropout masks; PyTorch: autograd +
//            torch.optim.SGD), alternated in two rounds; then our whole loop (JPEG decoding
//            in a worker thread, masks, NaN guard, logs) on a folder of photos, to show the
//            step never waits for images; and the peak RSS of `alexnet train` at batch 32.
//   fashion  time to accuracy: torchvision alexnet from scratch on Fashion-MNIST at 64x64,
//            the same recipe on both sides (RECIPE below), validated on all of t10k after
//            each epoch; the two runs interleaved in chunks of 50 steps, each side timing
//            only its own chunks.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { table } from '../../src/cli/format.js';
import { alexnetV2Spec } from '../../src/models/alexnet_v2.js';
import { randomWeights, type InitScheme } from '../../src/models/params.js';
import { generate } from '../../src/nn/init.js';
import { numel } from '../../src/tensor.js';
import { DropoutMasks } from '../../src/train/dropout.js';
import { nativeKernels, nativeUnavailable } from '../../src/runtime/native.js';
import { glibcTunables } from '../../src/runtime/malloc.js';
import { readJsonl } from '../../src/logs/jsonl.js';
import { train } from '../../src/train/loop.js';
import { Trainer } from '../../src/train/trainer.js';
import type { Optimizer } from '../../src/optim/optimizers.js';
import { f1, median, photoPath, ROOT, torch, torchServer } from './common.js';

const FASHION = '/usr/share/datasets/fashion-mnist';

/** The Fashion-MNIST time-to-accuracy recipe, shared with tools/bench_torch.py fashion. */
export const RECIPE = { optimizer: 'adamw' as Optimizer, batch: 64, lr: 0.0002, weightDecay: 0.05, schedule: 'cosine' as const, warmupSteps: 100, flip: true, nesterov: false, labelSmoothing: 0, init: 'kaiming' as InitScheme, epochs: 3, size: 64, seed: 0 };

/** Where our optimizer update (SGD or AdamW) runs in this process. */
function updatePath(): string {
  return nativeKernels() ? 'native kernels (native/sgd.c, native/step.h), fc weight gradients formed there (native/outer.c)' : `inside the ONNX graph (${nativeUnavailable()})`;
}

/** Median ms per image of our training step (after 2 warm-up steps). */
async function oursStep(trainer: Trainer, masks: DropoutMasks, batch: number, steps: number): Promise<number> {
  const shape = [batch, 224, 224, 3];
  const images = { dtype: 'float32' as const, shape, data: generate({ kind: 'uniform', low: -1, high: 1 }, numel(shape), 2, 'images') };
  const labels = Array.from({ length: batch }, (_, i) => (i * 37) % 1000);
  const times: number[] = [];
  for (let i = 0; i < steps + 2; i++) {
    const t = performance.now();
    const r = await trainer.step(images, labels, 0.001, masks.draw());
    if (r.finite) trainer.commit();
    else trainer.reject();
    if (i >= 2) times.push(performance.now() - t);
  }
  return median(times) / batch;
}

async function photoFolder(dir: string, perClass: number): Promise<void> {
  const photos = { cat: 'chelsea.png', coffee: 'coffee.png', rocket: 'rocket.jpg', astronaut: 'astronaut.png' };
  for (const [cls, file] of Object.entries(photos)) {
    mkdirSync(join(dir, cls), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const [w, h] = i % 2 ? [500, 375] : [375, 500];
      await sharp(photoPath(file)).resize(w, h, { fit: 'cover', position: ['left', 'centre', 'right'][i % 3] }).jpeg({ quality: 90 }).toFile(join(dir, cls, `${i}.jpg`));
    }
  }
}

export async function trainSection(): Promise<void> {
  console.log('## training: alexnet_v2, 224x224, batch 16, every layer (SGD momentum 0.9, weight decay 0.0005, dropout 0.5)\n');
  console.log(`Our SGD update: ${updatePath()}.\n`);
  const batch = 16;
  const m = alexnetV2Spec.build({ batch, isTraining: true, dropoutMasks: 'input' });
  const trainer = await Trainer.create(m, randomWeights(m, 0), { momentum: 0.9, weightDecay: 0.0005, session: { threads: 2 } });
  const keep = new Map(m.net.dropoutMasks.map((d) => [d.input.name, d.keepProb]));
  const masks = new DropoutMasks(trainer.graph.extraInputs.map((e) => ({ name: e.name, shape: e.shape as number[], keepProb: keep.get(e.name)! })), 0);
  const rows: string[][] = [];
  const ms = (r: Record<string, number | string>[], variant: string) => Number(r.find((x) => x['variant'] === variant)?.['msPerImage'] ?? NaN);
  const cell = (x: number) => (Number.isNaN(x) ? 'n/a' : f1(x));
  for (let round = 1; round <= 2; round++) {
    const ours = await oursStep(trainer, masks, batch, 8);
    const pt = torch(['train', '--batch', String(batch), '--steps', '8']);
    const [conv, linear] = [ms(pt, 'conv'), ms(pt, 'linear')];
    const fastest = Math.min(conv, linear);
    rows.push([`step, round ${round}`, f1(ours), f1(1000 / ours), cell(conv), cell(linear), Number.isNaN(fastest) ? 'n/a' : (ours / fastest).toFixed(2), Number.isNaN(conv) ? 'n/a' : (ours / conv).toFixed(2)]);
  }
  await trainer.dispose();

  // the whole loop on JPEGs: step cadence from the JSONL timestamps, epoch boundaries excluded
  const tmp = mkdtempSync(join(tmpdir(), 'alexnet-bench-train-'));
  try {
    const folder = join(tmp, 'photos');
    await photoFolder(folder, 24);
    const out = join(tmp, 'run');
    await train({ model: 'alexnet_v2', data: folder, epochs: 1, batch, lr: 0.001, out, logEvery: 1, threads: 2, workers: 1, augment: 'resized-crop', flip: true });
    const recs = readJsonl(join(out, 'log.jsonl')).filter((r) => !('event' in r));
    const gaps = recs.slice(3).map((r, i) => ((r['time'] as number) - (recs[i + 2]!['time'] as number)) * 1000);
    const loopMs = median(gaps) / batch;
    rows.push(['whole loop, 96 JPEGs (decode + crop + flip in a worker)', f1(loopMs), f1(1000 / loopMs), '', '', '', '']);
    console.log(table(['', '>ours ms/img', '>ours img/s', '>PyTorch fc as conv ms/img', '>PyTorch fc as linear ms/img', '>ours/PyTorch faster', '>ours/PyTorch conv'], rows));
    console.log('\nTarget: ours/PyTorch time <= 0.70. PyTorch: Debian torch, 2 threads, OpenBLAS, autograd + torch.optim.SGD, fc6-fc8');
    console.log("as slim writes them (convolutions) and as linear layers; median of 8 steps after 2 warm-up, rounds alternate with ours.\n");

    // peak RSS of the CLI at batch 32, with validation, histograms (the gradient session) and checkpoints
    // the tunables bin/alexnet.js gives train
    const env: NodeJS.ProcessEnv = { ...process.env, ALEXNET_NO_REEXEC: '1', GLIBC_TUNABLES: glibcTunables('train') };
    const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, join(ROOT, 'bin', 'alexnet.js'), 'train', '--model', 'alexnet_v2', '--data', folder, '--val', folder, '--val-limit', '32', '--batch', '32', '--epochs', '1', '--max-steps', '3', '--lr', '0.001', '--out', join(tmp, 'rss'), '--logdir', join(tmp, 'rss', 'tb'), '--histogram-every', '2', '--threads', '2', '--json'], { env, encoding: 'utf8' });
    const kb = Number(r.stderr.trim().split('\n').at(-1));
    const ptRss = torch(['train', '--batch', '32', '--steps', '2']).at(-1);
    console.log(table(['peak RSS, batch 32', '>ours MB', '>PyTorch MB'], [['alexnet train (CLI: steps, validation, histograms, checkpoints)', r.status === 0 ? f1(kb / 1024) : `failed: ${r.stderr.split('\n')[0]}`, ptRss ? f1(Number(ptRss['peakRssMB'])) : 'n/a']]));
    console.log('\nTarget: <= 4096 MB. PyTorch: the training steps alone (bench_torch.py train --batch 32).\n');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export async function fashionSection(): Promise<void> {
  const R = RECIPE;
  console.log(`## time to accuracy: torchvision alexnet from scratch, Fashion-MNIST at ${R.size}x${R.size}\n`);
  const opt = R.optimizer === 'adamw' ? `AdamW lr ${R.lr} betas (0.9, 0.999), decoupled weight decay ${R.weightDecay}` : `SGD lr ${R.lr} momentum 0.9, weight decay ${R.weightDecay}`;
  console.log(`Recipe (both sides): batch ${R.batch}, ${opt} on weights, ${R.schedule} schedule with ${R.warmupSteps} warm-up steps,`);
  console.log(`${R.nesterov ? 'Nesterov momentum, ' : ''}${R.labelSmoothing ? `label smoothing ${R.labelSmoothing}, ` : ''}${R.flip ? 'horizontal flips, ' : ''}${R.init === 'model' ? '' : `${R.init} initialisation, `}${R.epochs} epochs, seed ${R.seed}; grey to RGB, bilinear resize, ImageNet normalisation; all 10000 test images after each epoch.\n`);
  console.log(`Our ${R.optimizer === 'adamw' ? 'AdamW' : 'SGD'} update: ${updatePath()}.\n`);
  const tmp = mkdtempSync(join(tmpdir(), 'alexnet-bench-fashion-'));
  // The two runs are interleaved in chunks of INTERLEAVE steps (ours, then PyTorch's, ...),
  // each side's clock counting only its own chunks: a shared machine's speed can drift by
  // up to 2x over minutes, which makes two whole runs one after the other compare the
  // machine's moods as much as the two stacks.
  const INTERLEAVE = 50;
  const args = ['fashion', '--folder', FASHION, '--batch', String(R.batch), '--lr', String(R.lr), '--wd', String(R.weightDecay), '--schedule', R.schedule, '--warmup', String(R.warmupSteps), '--epochs', String(R.epochs), '--size', String(R.size), '--seed', String(R.seed), ...(R.flip ? ['--flip'] : []), ...(R.nesterov ? ['--nesterov'] : []), '--label-smoothing', String(R.labelSmoothing), '--init', R.init, '--optimizer', R.optimizer];
  const server = await torchServer([...args, '--interleave', String(INTERLEAVE)]);
  const pt: Record<string, number | string>[] = [];
  let ptDone = server === null;
  const torchChunk = async () => {
    if (ptDone) return;
    const r = (await server!.ask('go')) as unknown as { epochs: Record<string, number | string>[]; done: boolean };
    pt.push(...r.epochs);
    ptDone = r.done;
  };
  const pauses: [number, number][] = []; // wall-clock [start, end] of PyTorch's chunks, in seconds
  try {
    const out = join(tmp, 'run');
    const t0 = Date.now() / 1000;
    const pause = { every: INTERLEAVE, run: async () => {
      const p0 = Date.now() / 1000;
      await torchChunk();
      pauses.push([p0, Date.now() / 1000]);
    } };
    await train({ model: 'alexnet', data: FASHION, val: FASHION, inputSize: [R.size, R.size], epochs: R.epochs, batch: R.batch, optimizer: R.optimizer, lr: R.lr, weightDecay: R.weightDecay, schedule: R.schedule, warmupSteps: R.warmupSteps, flip: R.flip, ...(R.nesterov ? { nesterov: true } : {}), labelSmoothing: R.labelSmoothing, init: R.init, seed: R.seed, out, logEvery: 50, threads: 2, workers: 1, keep: 1 }, { pause });
    while (!ptDone) await torchChunk();
    const paused = (t: number) => pauses.reduce((a, [p0, p1]) => a + (p1 <= t ? p1 - p0 : 0), 0);
    // Both clocks count the training steps, their data and the validations. PyTorch's starts
    // once its model and data are set up and it writes no checkpoints, so ours starts at the
    // log's 'start' event (graph, sessions and data set up) and leaves out the checkpoint
    // writes (weights and momenta, fsync'd; reported below).
    const log = readJsonl(join(out, 'log.jsonl'));
    const saves = log.filter((r) => r['event'] === 'checkpoint').map((r) => ({ time: r['time'] as number, seconds: r['seconds'] as number }));
    const start = (log.find((r) => r['event'] === 'start')?.['time'] as number | undefined) ?? t0;
    const saving = (t: number) => saves.reduce((a, c) => a + (c.time <= t ? c.seconds : 0), 0);
    const ours = log.filter((r) => r['event'] === 'epoch').map((r) => ({ seconds: (r['time'] as number) - start - paused(r['time'] as number) - saving(r['time'] as number), top1: r['valTop1'] as number }));
    console.log(`Ours before the first step (building the graphs, starting the sessions, reading the data): ${f1(start - t0)} s; checkpoint writes: ${f1(saves.reduce((a, c) => a + c.seconds, 0))} s. Neither is counted below.\n`);
    const rows = ours.map((o, i) => [String(i + 1), f1(o.seconds), `${(o.top1 * 100).toFixed(2)}%`, pt[i] ? f1(Number(pt[i]!['seconds'])) : 'n/a', pt[i] ? `${(Number(pt[i]!['top1']) * 100).toFixed(2)}%` : 'n/a']);
    console.log(table(['epoch', '>ours s', '>ours top-1', '>PyTorch s', '>PyTorch top-1'], rows));
    const first90 = (xs: { seconds: number; top1: number }[]) => xs.find((x) => x.top1 >= 0.9)?.seconds ?? NaN;
    const o90 = first90(ours);
    const p90 = first90(pt.map((p) => ({ seconds: Number(p['seconds']), top1: Number(p['top1']) })));
    const oTotal = ours.at(-1)?.seconds ?? NaN;
    const pTotal = pt.length ? Number(pt.at(-1)!['seconds']) : NaN;
    console.log(`\ntime to 90% test top-1: ours ${Number.isNaN(o90) ? 'not reached' : `${f1(o90)} s`}, PyTorch ${Number.isNaN(p90) ? 'not reached' : `${f1(p90)} s`}` +
      `${Number.isNaN(o90) || Number.isNaN(p90) ? '' : ` (ours/PyTorch ${(o90 / p90).toFixed(2)})`}; whole recipe: ours/PyTorch ${(oTotal / pTotal).toFixed(2)}. Target: >= 90% within ${R.epochs} epochs, time <= 0.70.\n`);
  } finally {
    server?.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}
