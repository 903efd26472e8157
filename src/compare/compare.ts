// compareModels: the models of the registry side by side on this machine: static columns
// (./static.ts), measured speed, memory and cold start (./measure.ts, each model in a
// fresh process by default: ./isolate.ts), and on the user's images measured ImageNet
// accuracy or a linear probe (./probe.ts), with the agreement between models.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { getModel, listModels } from '../models/registry.js';
import type { ModelSpec } from '../models/types.js';
import { downloadedWeightsPath } from '../weights/resolve.js';
import { agreementTable, type CompareData, openCompareData, topAccuracy } from './data.js';
import { measureInChild } from './isolate.js';
import { measureModel, type MeasureJob, type MeasureResult, prepareModel, round } from './measure.js';
import { linearProbe } from './probe.js';
import { machineInfo, referenceBatch, staticColumns } from './static.js';
import type { CompareOptions, CompareResult, ModelRow } from './types.js';

const WEIGHT_EXT = /^\.(pth|pt|npy|npz|onnx|safetensors|h5)$/;

/** `<model>.<ext>` in `dir`, else the model's cached download, else null (seeded weights). */
export async function weightsFor(spec: ModelSpec, dir?: string): Promise<string | null> {
  if (dir !== undefined) {
    const names = await readdir(dir).catch(() => {
      throw new Error(`--weights-dir ${dir}: no such directory`);
    });
    const f = names.sort().find((n) => n.startsWith(`${spec.name}.`) && WEIGHT_EXT.test(n.slice(spec.name.length)));
    if (f) return join(dir, f);
  }
  const p = downloadedWeightsPath(spec);
  return p && existsSync(p) ? p : null;
}

interface Scored {
  row: ModelRow;
  /** Top-1 per image for the agreement table (ImageNet: every image; probe: the validation images). */
  top1: Int32Array | null;
}

/** The data's labels and the model's outputs without the images that failed to decode. */
function decoded(r: MeasureResult, data: CompareData): { labels: Int32Array; top5: Int32Array; features: Float32Array } {
  if (!r.failed.includes(1)) return { labels: data.labels, top5: r.top5, features: r.features };
  const keep = [...r.failed.keys()].filter((i) => !r.failed[i]);
  const d = r.featureDim;
  const features = new Float32Array(keep.length * d);
  const top5 = new Int32Array(keep.length * 5);
  keep.forEach((i, k) => {
    features.set(r.features.subarray(i * d, (i + 1) * d), k * d);
    top5.set(r.top5.subarray(i * 5, i * 5 + 5), k * 5);
  });
  return { labels: Int32Array.from(keep, (i) => data.labels[i]!), top5, features };
}

async function score(row: ModelRow, r: MeasureResult, data: CompareData | null, o: CompareOptions): Promise<Scored> {
  if (!data) return { row, top1: null };
  const d = decoded(r, data);
  if (!d.labels.length) return { row, top1: null };
  if (data.imagenet) {
    if (!r.imagenet1k || row.weights === null) return { row, top1: null };
    const acc = topAccuracy(d.top5, d.labels);
    return { row: { ...row, top1: round(acc.top1, 2), top5: round(acc.top5, 2) }, top1: d.top5.filter((_, i) => i % 5 === 0) };
  }
  const p = await linearProbe(d.features, r.featureDim, d.labels, data.classes.length, {
    seed: o.seed ?? 0,
    ...(o.probeEpochs !== undefined ? { epochs: o.probeEpochs } : {}),
    ...(o.probeValFraction !== undefined ? { valFraction: o.probeValFraction } : {}),
    onStep: (done, total) => o.onProgress?.(row.name, 'probe', done, total),
  });
  return { row: { ...row, probeTop1: round(p.top1, 2), probeSeconds: round(r.dataSeconds + p.seconds, 2) }, top1: p.valPred };
}

export async function compareModels(o: CompareOptions = {}): Promise<CompareResult> {
  const names = o.models?.length ? [...o.models] : listModels();
  const specs = names.map(getModel); // unknown names fail here, before any work
  const batch = [...new Set(o.batch ?? [1, 16])];
  if (!batch.length || batch.some((b) => !(Number.isInteger(b) && b >= 1))) throw new Error(`batch sizes must be integers >= 1, got ${batch.join(',')}`);
  const threads = o.threads ?? availableParallelism();
  const data = o.data !== undefined ? await openCompareData(o.data) : null;
  for (const w of data?.warnings ?? []) o.onWarning?.(w);
  let failedReported = false;
  const scored: Scored[] = [];
  for (const spec of specs) {
    // a smaller size than the model accepts is raised to its smallest
    const size = o.inputSize ? ([Math.max(o.inputSize[0], spec.minSize[0]), Math.max(o.inputSize[1], spec.minSize[1])] as [number, number]) : undefined;
    const st = staticColumns(spec, size);
    const weights = await weightsFor(spec, o.weightsDir);
    const job: MeasureJob = {
      model: spec.name,
      weightsFile: weights,
      batch,
      runs: o.runs ?? 5,
      warmup: o.warmup ?? 2,
      threads,
      ...(size ? { inputSize: size } : {}),
      seed: o.seed ?? 0,
      images: data?.files ?? [],
      dataBatch: Math.max(...batch),
    };
    const progress = (phase: Parameters<NonNullable<CompareOptions['onProgress']>>[1], done: number, total: number) => o.onProgress?.(spec.name, phase, done, total);
    progress('load', 0, 1);
    const dir = await mkdtemp(join(tmpdir(), `alexnet-compare-${spec.name}-`));
    let r: MeasureResult;
    try {
      const prepared = await prepareModel(job, dir);
      r = o.isolate === false ? await measureModel(job, prepared, progress) : await measureInChild(job, prepared, progress);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const row: ModelRow = {
      name: spec.name,
      ...st,
      msPerImage: r.msPerImage,
      imagesPerSec: r.imagesPerSec,
      peakRssMB: r.peakRssMB,
      coldStartS: r.coldStartS,
      weights,
      top1: null,
      top5: null,
      probeTop1: null,
      probeSeconds: null,
    };
    const nFailed = r.failed.reduce((n, f) => n + f, 0);
    if (nFailed && !failedReported) o.onWarning?.(`${nFailed} image(s) of ${o.data} could not be decoded and were left out`);
    failedReported ||= nFailed > 0;
    scored.push(await score(row, r, data, o));
    o.onProgress?.(spec.name, 'done', 1, 1);
  }
  const ref = String(referenceBatch(batch));
  scored.sort((a, b) => a.row.msPerImage[ref]! - b.row.msPerImage[ref]!);
  const top1 = new Map(scored.filter((s) => s.top1).map((s) => [s.row.name, s.top1!]));
  return { machine: machineInfo(threads), models: scored.map((s) => s.row), agreement: agreementTable(top1) };
}
