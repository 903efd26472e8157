// alexnet train: train or fine-tune a model on an ImageFolder, a list file or IDX data,
// with checkpoints, resume, TensorBoard and JSONL logs (src/train/loop.ts does the work).
import type { AugmentMode } from '../../data/augment.js';
import type { NanPolicy } from '../../train/guard.js';
import type { ScheduleKind } from '../../train/schedule.js';
import type { TrainOptions } from '../../train/config.js';
import { INIT_SCHEMES, type InitScheme } from '../../models/params.js';
import { OPTIMIZERS, type Optimizer } from '../../train/train_graph.js';
import { int, maxPixels, num, parse, size, UsageError, type Values } from '../args.js';
import type { Command } from '../command.js';

const FLAGS = {
  model: { type: 'string', short: 'm' },
  data: { type: 'string' },
  val: { type: 'string' },
  'val-split': { type: 'string' },
  classes: { type: 'string' },
  input: { type: 'string' },
  'global-pool': { type: 'boolean' },
  epochs: { type: 'string' },
  batch: { type: 'string' },
  lr: { type: 'string' },
  optimizer: { type: 'string' },
  betas: { type: 'string' },
  momentum: { type: 'string' },
  nesterov: { type: 'boolean' },
  'weight-decay': { type: 'string' },
  schedule: { type: 'string' },
  'step-epochs': { type: 'string' },
  gamma: { type: 'string' },
  'min-lr': { type: 'string' },
  'warmup-steps': { type: 'string' },
  'clip-norm': { type: 'string' },
  'dropout-keep': { type: 'string' },
  'label-smoothing': { type: 'string' },
  'train-layers': { type: 'string' },
  weights: { type: 'string', short: 'w' },
  reinit: { type: 'string' },
  init: { type: 'string' },
  augment: { type: 'string' },
  flip: { type: 'boolean' },
  seed: { type: 'string' },
  'nan-policy': { type: 'string' },
  out: { type: 'string', short: 'o' },
  resume: { type: 'string' },
  keep: { type: 'string' },
  'checkpoint-every': { type: 'string' },
  logdir: { type: 'string' },
  'log-every': { type: 'string' },
  'histogram-every': { type: 'string' },
  'train-limit': { type: 'string' },
  'val-limit': { type: 'string' },
  'max-steps': { type: 'string' },
  threads: { type: 'string' },
  workers: { type: 'string' },
  'max-pixels': { type: 'string' },
} as const;

const oneOf = <T extends string>(v: string | boolean | undefined, flag: string, valid: readonly T[]): T | undefined => {
  if (v === undefined) return undefined;
  if (!valid.includes(v as T)) throw new UsageError(`--${flag} must be one of ${valid.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
};
const list = (v: string | boolean | undefined): string[] | undefined =>
  typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean) : undefined;

/** --betas B1,B2: two numbers in [0, 1). */
function betas(v: string | boolean | undefined): [number, number] | undefined {
  if (v === undefined) return undefined;
  const parts = String(v).split(',');
  const b = parts.map((x) => Number(x.trim()));
  if (parts.length !== 2 || !b.every((x) => x >= 0 && x < 1) || parts.some((x) => x.trim() === '')) {
    throw new UsageError(`--betas must be two numbers in [0, 1) as B1,B2 (e.g. 0.9,0.999), got ${JSON.stringify(v)}`);
  }
  return [b[0]!, b[1]!];
}

/** Options from the flags that were given (absent flags stay undefined, so --resume can tell). */
function options(v: Values): Partial<TrainOptions> {
  const pos = (n: number) => n > 0;
  const optInt = (flag: string, min: number) => (v[flag] === undefined ? undefined : int(v[flag], flag, min, 0));
  const optNum = (flag: string, ok: (n: number) => boolean, what: string) => (v[flag] === undefined ? undefined : num(v[flag], flag, NaN, ok, what));
  const o: Partial<TrainOptions> = {
    model: v['model'] as string | undefined,
    data: v['data'] as string | undefined,
    val: v['val'] as string | undefined,
    valSplit: optNum('val-split', (n) => n > 0 && n < 1, 'a fraction in (0, 1)'),
    classes: optInt('classes', 1),
    inputSize: size(v['input'], 'input'),
    globalPool: v['global-pool'] ? true : undefined,
    epochs: optInt('epochs', 1),
    batch: optInt('batch', 1),
    lr: optNum('lr', pos, 'a positive number'),
    optimizer: oneOf<Optimizer>(v['optimizer'], 'optimizer', OPTIMIZERS),
    betas: betas(v['betas']),
    momentum: optNum('momentum', (n) => n >= 0 && n < 1, 'in [0, 1)'),
    nesterov: v['nesterov'] ? true : undefined,
    weightDecay: optNum('weight-decay', (n) => n >= 0, 'a number >= 0'),
    schedule: oneOf<ScheduleKind>(v['schedule'], 'schedule', ['constant', 'step', 'cosine']),
    stepEpochs: optInt('step-epochs', 1),
    gamma: optNum('gamma', (n) => n > 0 && n <= 1, 'in (0, 1]'),
    minLr: optNum('min-lr', (n) => n >= 0, 'a number >= 0'),
    warmupSteps: optInt('warmup-steps', 0),
    clipNorm: optNum('clip-norm', pos, 'a positive number'),
    dropoutKeepProb: optNum('dropout-keep', (n) => n > 0 && n <= 1, 'in (0, 1]'),
    labelSmoothing: optNum('label-smoothing', (n) => n >= 0 && n < 1, 'in [0, 1)'),
    trainLayers: list(v['train-layers']),
    weights: v['weights'] as string | undefined,
    reinit: list(v['reinit']),
    init: oneOf<InitScheme>(v['init'], 'init', INIT_SCHEMES),
    augment: oneOf<AugmentMode>(v['augment'], 'augment', ['none', 'crop', 'resized-crop']),
    flip: v['flip'] ? true : undefined,
    seed: optInt('seed', 0),
    nanPolicy: oneOf<NanPolicy>(v['nan-policy'], 'nan-policy', ['reduce-lr', 'skip', 'stop']),
    out: v['out'] as string | undefined,
    keep: optInt('keep', 1),
    checkpointEvery: optInt('checkpoint-every', 0),
    logdir: v['logdir'] as string | undefined,
    logEvery: optInt('log-every', 1),
    histogramEvery: optInt('histogram-every', 0),
    trainLimit: optInt('train-limit', 1),
    valLimit: optInt('val-limit', 1),
    maxSteps: optInt('max-steps', 1),
    threads: optInt('threads', 1),
    workers: optInt('workers', 0),
    decode: maxPixels(v),
  };
  for (const k of Object.keys(o) as (keyof TrainOptions)[]) if (o[k] === undefined) delete o[k];
  return o;
}

export const trainCommand: Command = {
  name: 'train',
  usage: `alexnet train --data PATH --out DIR [--model alexnet|bvlc_alexnet|alexnet_v2] [--val PATH | --val-split F]
            [--classes N] [--input HxW] [--epochs E] [--batch B] [--lr X] [--optimizer sgd|adamw]
            [--momentum 0.9] [--weight-decay W]
            [--schedule constant|step|cosine] [--train-layers fc8,fc7] [--weights FILE] [--reinit LAYERS]
            [--logdir DIR] [--resume DIR] [--seed S] [--json]
  --data PATH          ImageFolder (PATH/<class>/*.jpg), a list file ("path label" per line), or IDX
                       (a directory with train-/t10k-*-idx?-ubyte[.gz], e.g. /usr/share/datasets/fashion-mnist)
  --val PATH           validation data (an IDX directory gives its t10k split); or --val-split F of --data
  --out DIR            checkpoints (ckpt-<step>/: native weights, optimizer, state) and log.jsonl
  --resume DIR         continue the run in DIR from its newest complete checkpoint, exactly
  --model NAME         default alexnet (torchvision); alexnet_v2 is TF-slim's, bvlc_alexnet Caffe's
  --classes N          classes of the last layer (default: the data's); a change from --weights
                       re-initialises the layers whose shape changed
  --input HxW          input size (default the model's; alexnet takes >= 63x63)
  --global-pool        alexnet_v2: average fc7 over space (for inputs other than 224x224)
  --epochs E           default 10
  --batch B            images per step (default 32); the loss is the batch mean
  --lr X               learning rate (default 0.01)
  --optimizer O        sgd (default: with momentum, PyTorch's rule) or adamw (torch.optim.AdamW;
                       --betas B1,B2, default 0.9,0.999; eps 1e-8)
  --momentum M         SGD momentum (default 0.9); --nesterov for Nesterov's
  --weight-decay W     L2 on weights, counted in the loss (default the model's: alexnet_v2 and
                       bvlc_alexnet 0.0005, alexnet 0.0001); decoupled with adamw
  --schedule S         constant (default), step (--step-epochs 30 --gamma 0.1) or cosine (--min-lr 0);
                       --warmup-steps N ramps linearly up to the rate first
  --clip-norm X        clip the gradient to global L2 norm X
  --dropout-keep P     keep probability of dropout layers (default 0.5; training only)
  --label-smoothing E  cross-entropy against (1 - E) * one-hot + E / classes, as PyTorch's
                       CrossEntropyLoss(label_smoothing=E) (default 0)
  --train-layers L     train only these layers (e.g. fc8,fc7 or classifier.6); the others are frozen
  --weights FILE       start from .pth, .npy, .onnx or .safetensors (kratzert's bvlc_alexnet.npy too)
  --reinit L           re-initialise these layers after loading --weights
  --init S             initialisers of what is not loaded: model (default: the model's own) or
                       kaiming (torchvision's VGG/ResNet scheme: conv N(0, 2/fan_out), fc N(0, 0.01),
                       biases 0)
  --augment A          none (default), crop (random crop) or resized-crop (RandomResizedCrop); --flip
  --seed S             seeds initialisation, shuffling, augmentation and dropout (default 0)
  --nan-policy P       reduce-lr (default: go back, halve the rate; give up after 5), skip or stop
  --keep K             newest checkpoints kept, besides the best by validation top-1 (default 3)
  --checkpoint-every N also checkpoint every N steps (default: each epoch)
  --logdir DIR         TensorBoard event files: scalars, histograms (--histogram-every 100), conv1 image
  --log-every N        a log.jsonl line and TensorBoard scalars every N steps (default 10)
  --train-limit N      use a seeded random subset of N training images (--val-limit N for validation)
  --max-steps N        stop after N steps (resume later to go on)
  --threads N          ONNX Runtime threads (default one per core); --workers N image decoding threads
  --max-pixels N       skip larger images, a possible decompression bomb (default 178956970, PIL's)
  --json               end with one line {"epochs","steps","trainLoss","valTop1","valTop5","imagesPerSec","checkpoint"}`,
  async main(argv, io) {
    const { values: v } = parse('train', argv, FLAGS);
    const given = options(v);
    const { train } = await import('../../train/loop.js');
    const resume = v['resume'] as string | undefined;
    let opts: Parameters<typeof train>[0];
    if (resume) {
      opts = { ...given, resume };
    } else {
      if (!given.data) throw new UsageError('train: --data PATH is required (or --resume DIR)');
      if (!given.out) throw new UsageError('train: --out DIR is required');
      opts = { model: 'alexnet', epochs: 10, batch: 32, lr: 0.01, ...given } as TrainOptions;
    }
    // Human output on stdout, or on stderr when stdout carries the JSON result.
    const json = Boolean(v.json);
    const write = json ? io.err : io.out;
    const tty = json ? io.isTTY : (io.outIsTTY ?? false);
    const killAt = Number(process.env['ALEXNET_TEST_KILL_DURING_CHECKPOINT'] ?? 0);
    const r = await train(opts, {
      log: (line) => write(line + '\n'),
      progress: { stream: { write: (s: string) => write(s), isTTY: tty, columns: process.stdout.columns }, tty },
      ...(killAt > 0 ? { killDuringCheckpoint: killAt } : {}),
    });
    if (json) {
      io.out(JSON.stringify({ epochs: r.epochs, steps: r.steps, trainLoss: r.trainLoss, valTop1: r.valTop1, valTop5: r.valTop5, imagesPerSec: r.imagesPerSec, checkpoint: r.checkpoint, best: r.best }) + '\n');
    } else {
      const val = r.valTop1 === null ? '' : `, val top-1 ${(r.valTop1 * 100).toFixed(2)}% top-5 ${(r.valTop5! * 100).toFixed(2)}%`;
      io.out(`done: ${r.epochs} epochs, ${r.steps} steps, train loss ${r.trainLoss?.toFixed(4) ?? '--'}${val}, ${r.imagesPerSec.toFixed(1)} images/s\n`);
      io.out(`checkpoint: ${r.checkpoint}${r.best && r.best !== r.checkpoint ? `\nbest: ${r.best}` : ''}\n`);
    }
    return 0;
  },
};
