// alexnet weights: download pretrained weights by name, import any supported file, list
// what is cached. Everything ends up in our native format (safetensors + JSON config).
import { readdir, readFile, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { getModel, listModels } from '../../models/registry.js';
import type { ModelSpec, WeightsEntry } from '../../models/types.js';
import type { Tensor } from '../../tensor.js';
import { DownloadProgress } from '../../util/progress.js';
import { download } from '../../weights/download.js';
import { classesInFile, matchWeights, requireAllWeights } from '../../weights/mapping.js';
import { alexnetHome, cachedWeightsPath, NATIVE_FORMAT, type NativeConfig, readSidecar, saveNative } from '../../weights/native.js';
import { readWeights, type WeightFile } from '../../weights/read.js';
import { model, parse, UsageError } from '../args.js';
import type { Command, Io } from '../command.js';
import { table } from '../format.js';
import type { CommandSpec } from '../spec.js';
import { weightsSpec } from '../specs/weights.js';

const sub = (name: string): CommandSpec => weightsSpec.subcommands!.find((s) => s.name === name)!;

function findEntry(name: string): { spec: ModelSpec; entry: WeightsEntry } {
  for (const m of listModels()) {
    const spec = getModel(m);
    const entry = spec.weights.find((w) => w.name === name);
    if (entry) return { spec, entry };
  }
  const known = listModels().flatMap((m) => getModel(m).weights.map((w) => w.name));
  throw new UsageError(`unknown weights ${JSON.stringify(name)}; known: ${known.join(', ')}`);
}

/** A weight file's tensors under the model's names, all present and the right shapes. */
function convert(spec: ModelSpec, file: WeightFile, path: string): { weights: Map<string, Tensor>; numClasses: number } {
  const numClasses = classesInFile(spec, file.tensors) ?? spec.defaultNumClasses;
  const m = spec.build({ numClasses });
  return { weights: requireAllWeights(m, matchWeights(m, file.tensors), path), numClasses };
}

async function downloadCmd(argv: string[], io: Io): Promise<number> {
  const a = parse('weights download', argv, sub('download'));
  if (a.positionals.length !== 1) throw new UsageError('weights download: give one NAME, e.g. alexnet');
  const { spec, entry } = findEntry(a.positionals[0]!);
  const dest = cachedWeightsPath(entry.name);
  const json = a.flag('json');
  if (!a.flag('force') && (await readSidecar(dest).catch(() => null))) {
    io.out(json ? JSON.stringify({ name: entry.name, file: dest, cached: true }) + '\n' : `${entry.name}: already in ${dest} (--force to fetch again)\n`);
    return 0;
  }
  const mirror = a.str('url');
  const url = mirror ?? entry.url;
  const sha = a.str('sha256') ?? (mirror !== undefined ? '' : entry.sha256);
  const original = join(alexnetHome(), 'downloads', basename(new URL(url).pathname) || `${entry.name}.${entry.format}`);
  let progress: DownloadProgress | null = null;
  try {
    await download(url, original, {
      sha256Prefix: sha,
      onProgress: (done, total) => {
        progress ??= new DownloadProgress({ label: entry.name, ...(total !== null ? { totalBytes: total } : {}) });
        progress.update(done);
      },
    });
  } finally {
    (progress as DownloadProgress | null)?.done();
  }
  const file = await readWeights(original);
  const { weights, numClasses } = convert(spec, file, original);
  const config: NativeConfig = {
    format: NATIVE_FORMAT,
    model: spec.name,
    numClasses,
    preprocess: entry.preprocess,
    labels: 'imagenet1k',
    source: { url, format: file.format, ...(sha ? { sha256: sha } : {}) },
  };
  await saveNative(dest, weights, config);
  if (!a.flag('keep-original')) await unlink(original);
  // Build the ORT-optimised model now, so the first `alexnet classify` starts warm.
  const { createClassifier } = await import('../../classify/classifier.js');
  await (await createClassifier({ model: spec.name, weights: dest, workers: 0 })).dispose();
  io.out(json ? JSON.stringify({ name: entry.name, model: spec.name, file: dest, numClasses }) + '\n' : `${entry.name}: ${spec.name} weights (${numClasses} classes) in ${dest}\n`);
  return 0;
}

async function importCmd(argv: string[], io: Io): Promise<number> {
  const a = parse('weights import', argv, sub('import'));
  if (a.positionals.length !== 1) throw new UsageError('weights import: give one FILE');
  const spec = model(a.required('model'));
  const out = a.required('out');
  if (!out.endsWith('.safetensors')) throw new UsageError(`weights import: --out must end in .safetensors (the JSON config is written beside it), got ${JSON.stringify(out)}`);
  const path = a.positionals[0]!;
  const file = await readWeights(path);
  const { weights, numClasses } = convert(spec, file, path);
  let labels: NativeConfig['labels'] = numClasses === 1000 ? 'imagenet1k' : Array.from({ length: numClasses }, (_, i) => `class_${i}`);
  const labelsFile = a.str('labels');
  if (labelsFile !== undefined) {
    const list = (await readFile(labelsFile, 'utf8')).split('\n').map((l) => l.trim()).filter(Boolean);
    if (list.length !== numClasses) throw new UsageError(`--labels ${labelsFile}: ${list.length} labels for ${numClasses} classes`);
    labels = list;
  }
  await saveNative(out, weights, { format: NATIVE_FORMAT, model: spec.name, numClasses, preprocess: spec.preprocess, labels, source: { file: path, format: file.format } });
  const n = [...weights.values()].reduce((a, t) => a + t.data.length, 0);
  io.out(a.flag('json') ? JSON.stringify({ file: out, model: spec.name, numClasses, params: n }) + '\n' : `wrote ${out}: ${spec.name}, ${numClasses} classes, ${n.toLocaleString('en-US')} parameters (from ${file.format})\n`);
  return 0;
}

async function listCmd(argv: string[], io: Io): Promise<number> {
  const a = parse('weights list', argv, sub('list'));
  const dir = join(alexnetHome(), 'weights');
  const names = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.safetensors')).sort();
  const rows: { name: string; model: string; classes: number; file: string }[] = [];
  for (const f of names) {
    const c = await readSidecar(join(dir, f)).catch(() => null);
    if (c) rows.push({ name: f.replace(/\.safetensors$/, ''), model: c.model, classes: c.numClasses, file: join(dir, f) });
  }
  if (a.flag('json')) io.out(JSON.stringify(rows) + '\n');
  else if (!rows.length) io.out(`no weights in ${dir}; get some with alexnet weights download NAME\n`);
  else io.out(table(['name', 'model', '>classes', 'file'], rows.map((r) => [r.name, r.model, String(r.classes), r.file])) + '\n');
  return 0;
}

export const weightsCommand: Command = {
  name: 'weights',
  async main(argv, io) {
    const [name, ...rest] = argv;
    if (name === 'download') return downloadCmd(rest, io);
    if (name === 'import') return importCmd(rest, io);
    if (name === 'list') return listCmd(rest, io);
    throw new UsageError(`weights: unknown subcommand ${JSON.stringify(name ?? '')}; use download, import or list`);
  },
};
