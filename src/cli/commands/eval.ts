// alexnet eval: top-1, top-5, mean cross-entropy and the confusion matrix of weights on a
// labelled dataset, through the plain inference graph.
import { int, maxPixels, parse, size, UsageError } from '../args.js';
import type { Command } from '../command.js';
import type { EvalReport } from '../../train/eval_run.js';

export const evalCommand: Command = {
  name: 'eval',
  usage: `alexnet eval --model NAME --weights FILE|DIR --data PATH [--input HxW] [--global-pool] [--classes N] [--batch N]
            [--limit N] [--threads N] [--workers N] [--max-pixels N] [--json]
  --model NAME      alexnet, bvlc_alexnet or alexnet_v2 (default alexnet)
  --weights FILE    any supported weight file, a checkpoint directory (ckpt-<step>/), or a training
                    run's --out directory (its best checkpoint by validation top-1, else the newest)
  --data PATH       ImageFolder, list file, or IDX (a directory gives its t10k split)
  --input HxW       input size (default: the one the weights were trained at, else the model's)
  --global-pool     alexnet_v2: average fc7 over space (default: as the weights were trained)
  --classes N       classes of the last layer (default: the weights')
  --batch N         images per inference batch (default 32)
  --limit N         evaluate a seeded random subset of N images
  --max-pixels N    skip larger images, a possible decompression bomb (default 178956970, PIL's)
  --json            {"images","top1","top5","k","loss","skipped","classes":[...],"confusion":[[...]],"weights"}`,
  async main(argv, io) {
    const { values: v } = parse('eval', argv, {
      model: { type: 'string', short: 'm' },
      weights: { type: 'string', short: 'w' },
      data: { type: 'string' },
      input: { type: 'string' },
      'global-pool': { type: 'boolean' },
      classes: { type: 'string' },
      batch: { type: 'string' },
      limit: { type: 'string' },
      threads: { type: 'string' },
      workers: { type: 'string' },
      'max-pixels': { type: 'string' },
    });
    if (typeof v['weights'] !== 'string') throw new UsageError('eval: --weights FILE is required');
    if (typeof v['data'] !== 'string') throw new UsageError('eval: --data PATH is required');
    const model = typeof v['model'] === 'string' ? v['model'] : 'alexnet';
    const { getModel } = await import('../../models/registry.js');
    try {
      getModel(model);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const inputSize = size(v['input'], 'input');
    const decode = maxPixels(v);
    const { evaluateWeights } = await import('../../train/eval_run.js');
    const r = await evaluateWeights({
      model,
      weights: v['weights'],
      data: v['data'],
      ...(inputSize ? { inputSize } : {}),
      ...(v['global-pool'] ? { globalPool: true } : {}),
      ...(v['classes'] !== undefined ? { classes: int(v['classes'], 'classes', 1, 0) } : {}),
      batch: int(v['batch'], 'batch', 1, 32),
      ...(v['limit'] !== undefined ? { limit: int(v['limit'], 'limit', 1, 0) } : {}),
      ...(v['threads'] !== undefined ? { threads: int(v['threads'], 'threads', 1, 0) } : {}),
      workers: int(v['workers'], 'workers', 0, 1),
      decode,
    });
    if (v.json) {
      io.out(JSON.stringify({ images: r.images, top1: r.top1, top5: r.top5, k: r.k, loss: r.loss, skipped: r.skipped, classes: r.classes, confusion: r.confusion, weights: r.weights }) + '\n');
    } else {
      io.out(formatReport(r));
    }
    for (const w of r.warnings) io.err(`alexnet: ${w}\n`);
    if (r.skipped) io.err(`alexnet: ${r.skipped} image(s) could not be decoded and were skipped\n`);
    return 0;
  },
};

/** Classes up to which the text output prints the confusion matrix. */
const MAX_MATRIX = 30;

/** Summary lines and the confusion matrix (rows: true class, columns: predicted). */
export function formatReport(r: EvalReport): string {
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  const lines = [`${r.weights}: ${r.images} images`, `top-1 ${pct(r.top1)}  top-${r.k} ${pct(r.top5)}  loss ${r.loss.toFixed(4)}`, ''];
  const n = r.classes.length;
  if (n > MAX_MATRIX) return lines.concat(`(the ${n}x${n} confusion matrix is in --json)`).join('\n') + '\n';
  lines.push('confusion matrix (rows: true class, columns: predicted)');
  const w = Math.max(...r.confusion.flat().map((c) => String(c).length), String(n - 1).length);
  const nameW = Math.max(...r.classes.map((c) => c.length));
  lines.push(`${''.padEnd(nameW + 6)}${Array.from({ length: n }, (_, j) => String(j).padStart(w)).join(' ')}`);
  r.confusion.forEach((row, i) => lines.push(`${String(i).padStart(3)}  ${r.classes[i]!.padEnd(nameW)}${row.map((c) => String(c).padStart(w)).join(' ').replace(/^/, ' ')}`));
  return lines.join('\n') + '\n';
}
