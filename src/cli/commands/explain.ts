// alexnet explain: what a model sees in one image, as a report folder or JSON.
import { existsSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { explain } from '../../explain/explain.js';
import { writeReport } from '../../explain/report/index.js';
import type { ExplainMap, ExplainResult } from '../../explain/types.js';
import { loadWeights, type LoadedWeights } from '../../hub/load.js';
import { imagenetClasses } from '../../models/imagenet_classes.js';
import { getModel } from '../../models/registry.js';
import { downloadedWeightsPath } from '../../weights/resolve.js';
import { ProgressLine } from '../../util/progress.js';
import { parse, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { explainSpec } from '../specs/explain.js';

/** --class as an index, a label (case-insensitive) or a WordNet id; else an error naming the near ones. */
export function classIndex(value: string, labels: readonly string[], wnids: readonly string[] = []): number {
  if (/^\d+$/.test(value)) {
    const k = Number(value);
    if (k < labels.length) return k;
    throw new UsageError(`explain: --class ${value} is out of range; valid classes are 0..${labels.length - 1} or a label`);
  }
  const v = value.toLowerCase();
  const i = labels.findIndex((l) => l.toLowerCase() === v);
  if (i >= 0) return i;
  const w = wnids.indexOf(value);
  if (w >= 0) return w;
  const near = labels.filter((l) => l.toLowerCase().includes(v)).slice(0, 10);
  const hint = near.length ? `labels containing it: ${near.map((l) => JSON.stringify(l)).join(', ')}` : `labels: ${labels.slice(0, 5).map((l) => JSON.stringify(l)).join(', ')}, ... (${labels.length})`;
  throw new UsageError(`explain: unknown class ${JSON.stringify(value)}; give an index 0..${labels.length - 1}, a WordNet id or a label; ${hint}`);
}

/** Rows of a row-major map, for JSON. */
function nested(map: Float32Array, [h, w]: [number, number]): number[][] {
  return Array.from({ length: h }, (_, i) => Array.from(map.subarray(i * w, (i + 1) * w)));
}

const mapJson = (g: ExplainMap) => ({ layer: g.layer, classIndex: g.classIndex, shape: g.shape, map: nested(g.map, g.shape) });

/** The --json object (the shape). */
export function explainJson(r: ExplainResult, report: string | null): object {
  return {
    file: r.file,
    model: r.model,
    randomWeights: r.randomWeights,
    predictions: r.predictions,
    class: r.class,
    gradcam: mapJson(r.gradcam[0]!),
    ...(r.gradcam[1] ? { gradcamClass: mapJson(r.gradcam[1]) } : {}),
    occlusion: { patch: r.occlusion.patch, stride: r.occlusion.stride, shape: r.occlusion.shape, map: nested(r.occlusion.map, r.occlusion.shape) },
    report,
  };
}

/** --weights, else the model's download when there is one, else null (random weights). */
async function weightsOf(model: string, file: string | undefined): Promise<LoadedWeights | null> {
  if (file !== undefined) return loadWeights(model, file);
  const cached = downloadedWeightsPath(getModel(model));
  return cached && existsSync(cached) ? loadWeights(model, cached) : null;
}

export const explainCommand: Command = {
  name: 'explain',
  async main(argv, io) {
    if (argv[0] === 'units') return (await import('./explain_units.js')).explainUnitsCommand.main(argv.slice(1), io);
    const a = parse('explain', argv, explainSpec);
    if (a.positionals.length !== 1) throw new UsageError(`explain: give one IMAGE, got ${a.positionals.length}`);
    const image = a.positionals[0]!;
    if (!existsSync(image)) throw new Error(`${image}: no such file`);
    const model = a.str('model')!;
    const seed = a.int('seed')!;
    const threads = a.int('threads');
    const progress = io.isTTY ? new ProgressLine() : null;
    progress?.update('explain: loading weights', true);
    const weights = await weightsOf(model, a.str('weights'));
    if (!weights) io.err(`alexnet: no weights for ${model}: using seeded random weights (seed ${seed}); see alexnet weights download\n`);
    const cls = a.str('class');
    const labels = weights?.config.labels ?? imagenetClasses().map((c) => c.label);
    const wnids = !weights || weights.config.imagenet1k ? imagenetClasses().map((c) => c.wnid) : [];
    const layer = a.str('layer');
    let r: ExplainResult;
    try {
      r = await explain(model, image, {
        ...(weights ? { weights } : { seed }),
        ...(cls !== undefined ? { classIndex: classIndex(cls, labels, wnids) } : {}),
        ...(layer !== undefined ? { layer } : {}),
        patch: a.int('patch')!,
        stride: a.int('stride')!,
        ...(threads ? { threads } : {}),
        onProgress: (phase, done, total) => progress?.update(`explain: ${phase} ${done}/${total}`),
      });
    } finally {
      progress?.done();
    }
    const dir = a.str('out') ?? `explain-${basename(image, extname(image))}`;
    const report = await writeReport(r, { dir, lang: a.str('lang') as 'en' | 'ja' });
    if (a.flag('json')) io.out(JSON.stringify(explainJson(r, report)) + '\n');
    else io.out(`${summary(r)}${join(report)}\n`);
    return 0;
  },
};

function summary(r: ExplainResult): string {
  const top = r.predictions.map((p, i) => `  ${i + 1}  ${String(p.index).padStart(4)}  ${(p.probability * 100).toFixed(2).padStart(6)}%  ${p.label}`).join('\n');
  const weights = r.randomWeights ? ` (random weights, seed ${r.seed})` : '';
  return `${r.file}: ${r.model}${weights}\n${top}\n`;
}
