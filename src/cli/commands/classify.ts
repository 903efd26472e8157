// alexnet classify: ImageNet probabilities for images, files or folders.
import { createClassifier, type ClassifyResult } from '../../classify/classifier.js';
import { expandImagePaths, skippedSummary } from '../../data/files.js';
import { ProgressLine } from '../../util/progress.js';
import { maxPixels, parse, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { classifySpec } from '../specs/classify.js';

export const classifyCommand: Command = {
  name: 'classify',
  async main(argv, io) {
    const a = parse('classify', argv, classifySpec);
    const positionals = a.positionals;
    if (positionals.length === 0) throw new UsageError('classify: give at least one IMAGE or DIR');
    const top = a.int('top')!;
    const batchSize = a.int('batch')!;
    const threads = a.int('threads');
    const weights = a.str('weights');
    const { files, skipped } = await expandImagePaths(positionals);
    if (skipped.length) io.err(`alexnet: ${skippedSummary(skipped)}\n`);
    const json = a.flag('json');
    const jsonl = a.flag('jsonl');
    if (json && jsonl) throw new UsageError('classify: give --json or --jsonl, not both');
    // On a terminal, a status line while the ORT model cache is built and as batches finish.
    const progress = io.isTTY ? new ProgressLine() : null;
    const clf = await createClassifier({
      model: a.str('model')!,
      ...(weights !== undefined ? { weights } : {}),
      top,
      batchSize,
      ...(threads ? { threads } : {}),
      cache: !a.flag('no-cache'),
      // One image decodes in this thread: a worker's start and its own load of sharp would
      // cost more than the decode (cold start; docs/design/runtime.md).
      ...(files.length === 1 ? { workers: 0 } : {}),
      decode: maxPixels(a),
      ...(progress ? { onStatus: (s: string) => progress.update(s, true) } : {}),
    }).catch((e: unknown) => {
      progress?.done();
      throw e;
    });
    progress?.erase();
    // Text and --jsonl are printed as each batch finishes; --json is one array, at the end.
    const print = (batch: readonly ClassifyResult[]) => {
      if (json) return;
      progress?.erase();
      io.out(jsonl ? batch.map((r) => JSON.stringify(r) + '\n').join('') : batch.map((r) => formatResult(r) + '\n').join(''));
    };
    let results: ClassifyResult[];
    try {
      results = await clf.classify(files, (done, total, batch) => {
        print(batch);
        if (total > batchSize) progress?.update(`classify ${done}/${total} images`);
      });
    } finally {
      progress?.done();
      await clf.dispose();
    }
    if (json) io.out(JSON.stringify(results) + '\n');
    const failed = results.filter((r) => 'error' in r);
    if (failed.length) {
      io.err(`alexnet: ${failed.length} of ${results.length} images could not be classified\n`);
      return 1;
    }
    return 0;
  },
};

function formatResult(r: ClassifyResult): string {
  if ('error' in r) return `${r.file}\n  error: ${r.error}\n`;
  const lines = r.predictions.map((p, i) => `  ${String(i + 1).padStart(2)}  ${String(p.index).padStart(4)}  ${(p.wnid ?? '').padEnd(9)}  ${(p.probability * 100).toFixed(2).padStart(6)}%  ${p.label}`);
  return `${r.file}\n${lines.join('\n')}\n`;
}
