// alexnet classify: ImageNet probabilities for images, files or folders.
import { createClassifier, type ClassifyResult } from '../../classify/classifier.js';
import { expandImagePaths, skippedSummary } from '../../data/files.js';
import { ProgressLine } from '../../util/progress.js';
import { int, maxPixels, model, parse, UsageError } from '../args.js';
import type { Command } from '../command.js';

export const classifyCommand: Command = {
  name: 'classify',
  usage: `alexnet classify IMAGE... | DIR [--model alexnet|bvlc_alexnet|alexnet_v2] [--weights FILE] [--top K] [--batch N]
            [--threads N] [--max-pixels N] [--no-cache] [--json]
  IMAGE, DIR        image files (JPEG, PNG, WebP, GIF, TIFF, AVIF) or folders, walked recursively
  --model NAME      default alexnet (torchvision); bvlc_alexnet is Caffe's
  --weights FILE    .pth, .npy, .onnx or .safetensors; default the weights from
                    \`alexnet weights download NAME\`, kept in $ALEXNET_HOME (~/.cache/alexnet-ts)
  --top K           predictions per image (default 5; --top 1000 gives all)
  --batch N         images per inference batch (default 16)
  --max-pixels N    refuse larger images, a possible decompression bomb (default 178956970, PIL's)
  --no-cache        do not keep the ORT-optimised model in $ALEXNET_HOME/cache
  --json            [{"file":...,"predictions":[{"index","wnid","label","probability"}]}]; a file that
                    fails gets {"file":...,"error":...}, the others are still classified, exit status 1`,
  async main(argv, io) {
    const { values: v, positionals } = parse(
      'classify',
      argv,
      { model: { type: 'string', short: 'm' }, weights: { type: 'string', short: 'w' }, top: { type: 'string' }, batch: { type: 'string' }, threads: { type: 'string' }, 'max-pixels': { type: 'string' }, 'no-cache': { type: 'boolean' } },
      true,
    );
    if (positionals.length === 0) throw new UsageError('classify: give at least one IMAGE or DIR');
    const spec = model(v['model'], 'alexnet');
    const top = int(v['top'], 'top', 1, 5);
    const batchSize = int(v['batch'], 'batch', 1, 16);
    const threads = int(v['threads'], 'threads', 1, 0);
    const decode = maxPixels(v);
    const { files, skipped } = await expandImagePaths(positionals);
    if (skipped.length) io.err(`alexnet: ${skippedSummary(skipped)}\n`);
    const clf = await createClassifier({
      model: spec.name,
      ...(typeof v['weights'] === 'string' ? { weights: v['weights'] } : {}),
      top,
      batchSize,
      ...(threads ? { threads } : {}),
      cache: !v['no-cache'],
      decode,
    });
    let results: ClassifyResult[];
    const progress = files.length > batchSize ? new ProgressLine() : null;
    try {
      results = await clf.classify(files, (done, total) => progress?.update(`classify ${done}/${total} images`));
    } finally {
      progress?.done();
      await clf.dispose();
    }
    if (v.json) io.out(JSON.stringify(results) + '\n');
    else io.out(results.map(formatResult).join('\n') + '\n');
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
