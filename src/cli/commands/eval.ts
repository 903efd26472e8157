// alexnet eval: top-1, top-5, mean cross-entropy and the confusion matrix of weights on a
// labelled dataset, through the plain inference graph.
import { checkMinSize, maxPixels, model, parse } from '../args.js';
import type { Command } from '../command.js';
import { downloadedWeights } from '../model_flags.js';
import { evalSpec } from '../specs/eval.js';
import { terminalStatus } from '../status.js';
import type { EvalReport } from '../../train/eval_run.js';

export const evalCommand: Command = {
  name: 'eval',
  async main(argv, io) {
    const a = parse('eval', argv, evalSpec);
    const weights = a.str('weights') ?? (await downloadedWeights(model(a.str('model')!)));
    const data = a.required('data');
    const inputSize = a.size('input');
    if (inputSize) checkMinSize(model(a.str('model')!), inputSize);
    const classes = a.int('classes');
    const limit = a.int('limit');
    const threads = a.int('threads');
    const { evaluateWeights } = await import('../../train/eval_run.js');
    // on a terminal, a status line for each phase and then the images scored so far
    const status = terminalStatus(io, 'eval');
    const r = await evaluateWeights({
      model: a.str('model')!,
      weights,
      data,
      ...(inputSize ? { inputSize } : {}),
      ...(a.flag('global-pool') ? { globalPool: true } : {}),
      ...(classes !== undefined ? { classes } : {}),
      batch: a.int('batch')!,
      ...(limit !== undefined ? { limit } : {}),
      ...(threads !== undefined ? { threads } : {}),
      workers: a.int('workers')!,
      decode: maxPixels(a),
      onStatus: (s) => status.phase(s),
      onProgress: (done, total) => status.count(`${done}/${total} images`),
    }).finally(() => status.done());
    if (a.flag('json')) {
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
