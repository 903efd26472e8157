// alexnet train: train or fine-tune a model on an ImageFolder, a list file or IDX data,
// with checkpoints, resume, TensorBoard and JSONL logs (src/train/loop.ts does the work).
import type { TrainOptions } from '../../train/config.js';
import { type Args, checkMinSize, maxPixels, model, parse, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { downloadedWeights } from '../model_flags.js';
import { trainSpec } from '../specs/train.js';

/** Flags whose TrainOptions field is not the flag in camelCase; null: not a training option. */
const FIELDS: Record<string, keyof TrainOptions | null> = { input: 'inputSize', 'dropout-keep': 'dropoutKeepProb', resume: null, pretrained: null, 'max-pixels': null };

/** The TrainOptions field a flag sets, or null. */
export function trainField(flag: string): string | null {
  return flag in FIELDS ? FIELDS[flag]! : flag.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
}

/** --betas B1,B2: two numbers in [0, 1). */
function betas(v: string): [number, number] {
  const parts = v.split(',');
  const b = parts.map((x) => Number(x.trim()));
  if (parts.length !== 2 || !b.every((x) => x >= 0 && x < 1) || parts.some((x) => x.trim() === '')) {
    throw new UsageError(`--betas must be two numbers in [0, 1) as B1,B2 (e.g. 0.9,0.999), got ${JSON.stringify(v)}`);
  }
  return [b[0]!, b[1]!];
}

/** Options from the flags that were given (absent flags stay undefined, so --resume can tell). */
export function trainOptions(a: Args): Partial<TrainOptions> {
  const o: Record<string, unknown> = {};
  for (const { name } of trainSpec.options) {
    const field = trainField(name);
    const v = a.given(name);
    if (field === null || v === undefined) continue;
    o[field] = name === 'betas' ? betas(v as string) : v;
  }
  o['decode'] = maxPixels(a);
  return o as Partial<TrainOptions>;
}

/** The table's default of an option that train() needs given (epochs, batch, lr). */
const dflt = (name: string) => trainSpec.options.find((o) => o.name === name)!.default;

/**
 * SIGINT/SIGTERM: the first asks the loop to stop after the step in progress and write a
 * checkpoint; a second exits at once (130), leaving the last complete checkpoint (their
 * writes are atomic, src/train/checkpoint.ts).
 */
function onInterrupt(): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const handler = () => {
    if (ac.signal.aborted) process.exit(130);
    process.stderr.write('\nstopping after this step and writing a checkpoint (again to quit now)\n');
    ac.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return { signal: ac.signal, dispose: () => (process.off('SIGINT', handler), void process.off('SIGTERM', handler)) };
}

export const trainCommand: Command = {
  name: 'train',
  async main(argv, io) {
    const a = parse('train', argv, trainSpec);
    const given = trainOptions(a);
    if (a.flag('pretrained')) {
      if (given.weights !== undefined) throw new UsageError('train: give --weights FILE or --pretrained, not both');
      given.weights = await downloadedWeights(model(a.str('model')!));
    }
    // A resumed run keeps its model and input size (train() refuses a change).
    if (given.inputSize && !a.has('resume')) checkMinSize(model(a.str('model')!), given.inputSize);
    const { train } = await import('../../train/loop.js');
    const resume = a.str('resume');
    let opts: Parameters<typeof train>[0];
    if (resume) {
      opts = { ...given, resume };
    } else {
      if (!given.data) throw new UsageError('train: --data PATH is required (or --resume DIR)');
      if (!given.out) throw new UsageError('train: --out DIR is required');
      opts = { model: a.str('model'), epochs: dflt('epochs'), batch: dflt('batch'), lr: dflt('lr'), ...given } as TrainOptions;
    }
    // Human output on stdout, or on stderr when stdout carries the JSON result.
    const json = a.flag('json');
    const write = json ? io.err : io.out;
    const tty = json ? io.isTTY : (io.outIsTTY ?? false);
    const killAt = Number(process.env['ALEXNET_TEST_KILL_DURING_CHECKPOINT'] ?? 0);
    const stop = onInterrupt();
    let r: Awaited<ReturnType<typeof train>>;
    try {
      r = await train(opts, {
        log: (line) => write(line + '\n'),
        progress: { stream: { write: (s: string) => write(s), isTTY: tty, columns: process.stdout.columns }, tty },
        signal: stop.signal,
        ...(killAt > 0 ? { killDuringCheckpoint: killAt } : {}),
      });
    } finally {
      stop.dispose();
    }
    if (r.interrupted) {
      io.err(`interrupted at step ${r.steps}; resume with alexnet train --resume ${opts.out ?? resume}\n`);
      return 130;
    }
    if (json) {
      io.out(JSON.stringify({ epochs: r.epochs, steps: r.steps, trainLoss: r.trainLoss, valTop1: r.valTop1, valTop5: r.valTop5, imagesPerSec: r.imagesPerSec, wallImagesPerSec: r.wallImagesPerSec, checkpoint: r.checkpoint, best: r.best }) + '\n');
    } else {
      const val = r.valTop1 === null ? '' : `, val top-1 ${(r.valTop1 * 100).toFixed(2)}% top-${r.valK} ${(r.valTop5! * 100).toFixed(2)}%`;
      io.out(`done: ${r.epochs} epochs, ${r.steps} steps, train loss ${r.trainLoss?.toFixed(4) ?? '--'}${val}, ${r.imagesPerSec.toFixed(1)} images/s in training steps (${r.wallImagesPerSec.toFixed(1)} overall, with validation, logging and checkpoints)\n`);
      io.out(`checkpoint: ${r.checkpoint}${r.best && r.best !== r.checkpoint ? `\nbest: ${r.best}` : ''}\n`);
    }
    return 0;
  },
};
