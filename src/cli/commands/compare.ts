// alexnet compare: models side by side on this machine (src/compare), as a table sorted by
// speed, JSON, and the chart.
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { CompareResult, ModelRow } from '../../compare/types.js';
import { parse, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { table, thousands } from '../format.js';
import { compareSpec } from '../specs/compare.js';
import { terminalStatus } from '../status.js';

function batches(raw: string[] | undefined): number[] {
  const list = raw ?? ['1', '16'];
  return list.map((s) => {
    const n = Number(s);
    if (!/^\d+$/.test(s) || n < 1 || n > 4096) throw new UsageError(`compare: --batch takes batch sizes 1..4096 separated by commas, got ${JSON.stringify(s)}`);
    return n;
  });
}

const PHASES = { load: 'loading', time: 'timing', features: 'images', probe: 'probe steps', done: 'done' } as const;

export const compareCommand: Command = {
  name: 'compare',
  async main(argv, io) {
    const a = parse('compare', argv, compareSpec);
    const plot = a.str('plot');
    if (plot !== undefined && !['.svg', '.png'].includes(extname(plot).toLowerCase())) throw new UsageError(`compare: --plot writes .svg or .png, got ${JSON.stringify(plot)}`);
    const batch = batches(a.list('batch'));
    const inputSize = a.size('input');
    const threads = a.int('threads');
    const { compareModels } = await import('../../compare/compare.js');
    const status = terminalStatus(io, 'compare');
    const r = await compareModels({
      ...(a.list('models') ? { models: a.list('models')! } : {}),
      batch,
      ...(a.str('data') !== undefined ? { data: a.str('data')! } : {}),
      ...(a.str('weights-dir') !== undefined ? { weightsDir: a.str('weights-dir')! } : {}),
      ...(inputSize ? { inputSize } : {}),
      ...(threads !== undefined ? { threads } : {}),
      runs: a.int('runs')!,
      warmup: a.int('warmup')!,
      seed: a.int('seed')!,
      onWarning: (w) => io.err(`alexnet: ${w}\n`),
      onProgress: (model, phase, done, total) => (phase === 'load' && done === 0 ? status.phase(`${model}: loading`) : status.count(`${model}: ${PHASES[phase]} ${done}/${total}`)),
    }).finally(() => status.done());
    if (plot !== undefined) {
      const { chartPng, chartSvg } = await import('../../compare/plot.js');
      await writeFile(plot, extname(plot).toLowerCase() === '.png' ? await chartPng(r) : await chartSvg(r));
    }
    io.out(a.flag('json') ? JSON.stringify(r) + '\n' : formatCompare(r));
    return 0;
  },
};

const fixed = (x: number | null | undefined, d: number) => (x === null || x === undefined ? '-' : x.toFixed(d));

/** Which measured-accuracy columns the table has: ImageNet top-1/5 when any model has them, the probe's when it ran. */
function accuracyHeads(r: CompareResult): { imagenet: boolean; probe: boolean } {
  return { imagenet: r.models.some((m) => m.top1 !== null), probe: r.models.some((m) => m.probeTop1 !== null) };
}

function accuracyCells(m: ModelRow, h: ReturnType<typeof accuracyHeads>): string[] {
  const cells: string[] = [];
  if (h.imagenet) cells.push(m.top1 !== null ? `${fixed(m.top1, 1)}/${fixed(m.top5, 1)}` : m.weights === null ? 'no weights' : '-');
  if (h.probe) cells.push(fixed(m.probeTop1, 1), fixed(m.probeSeconds, 1));
  return cells;
}

/** The table (sorted by speed, as compareModels returns it), then the agreement between models. */
export function formatCompare(r: CompareResult): string {
  const bs = Object.keys(r.models[0]?.msPerImage ?? {});
  const h = accuracyHeads(r);
  const heads = ['model', 'weights', '>params', '>GMACs', '>MB', '>depth', 'input', 'published top-1/5', ...bs.map((b) => `>ms/img @${b}`), ...bs.map((b) => `>img/s @${b}`), '>peak RSS MB', '>cold s'];
  if (h.imagenet) heads.push('>top-1/5');
  if (h.probe) heads.push('>probe top-1', '>probe s');
  const rows = r.models.map((m) => [
    m.name,
    m.weights === null ? 'no weights (seeded)' : m.weights.split('/').pop()!,
    thousands(m.params),
    (m.macs / 1e9).toFixed(2),
    m.fileMB.toFixed(1),
    String(m.depth),
    m.inputSize.join('x'),
    m.published ? `${m.published.top1.toFixed(1)}/${m.published.top5.toFixed(1)}` : '-',
    ...bs.map((b) => fixed(m.msPerImage[b], 2)),
    ...bs.map((b) => fixed(m.imagesPerSec[b], 1)),
    fixed(m.peakRssMB, 0),
    fixed(m.coldStartS, 2),
    ...accuracyCells(m, h),
  ]);
  const c = r.machine;
  const out = [`${c.cpu}, ${c.cores} cores; ONNX Runtime ${c.onnxruntime} with ${c.threads} intra-op threads; Node ${c.node}`, '', table(heads, rows)];
  if (r.agreement.length) {
    out.push('', 'agreement (fraction of images with the same top-1):', table(['model', 'model', '>agreement', '>images'], r.agreement.map((g) => [g.a, g.b, g.agreement.toFixed(3), String(g.images)])));
  }
  return out.join('\n') + '\n';
}
