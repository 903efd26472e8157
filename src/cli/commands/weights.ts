// alexnet weights: download pretrained weights by name, import any supported file, list
// what is cached. The work is the library's (src/hub); this file parses flags and prints.
import { readFile } from 'node:fs/promises';
import { downloadWeights } from '../../hub/download.js';
import { getWeightsEntry } from '../../hub/entries.js';
import { importWeights } from '../../hub/convert.js';
import { cacheLimitBytes, clearOptimizedModels, listCachedWeights } from '../../hub/cache.js';
import type { ModelSpec, WeightsEntry } from '../../models/types.js';
import { DownloadProgress, formatMB } from '../../util/progress.js';
import { model, parse, UsageError } from '../args.js';
import type { Command, Io } from '../command.js';
import { table } from '../format.js';
import type { CommandSpec } from '../spec.js';
import { weightsSpec } from '../specs/weights.js';
import { terminalStatus } from '../status.js';

const sub = (name: string): CommandSpec => weightsSpec.subcommands!.find((s) => s.name === name)!;

function entry(name: string): WeightsEntry {
  try {
    return getWeightsEntry(name);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function downloadCmd(argv: string[], io: Io): Promise<number> {
  const a = parse('weights download', argv, sub('download'));
  if (a.positionals.length !== 1) throw new UsageError('weights download: give one NAME, e.g. alexnet');
  const { name } = entry(a.positionals[0]!);
  const json = a.flag('json');
  const url = a.str('url');
  const sha256 = a.str('sha256');
  let progress: DownloadProgress | null = null;
  let r;
  try {
    r = await downloadWeights(name, {
      ...(url !== undefined ? { url } : {}),
      ...(sha256 !== undefined ? { sha256 } : {}),
      force: a.flag('force'),
      allowUnverified: a.flag('allow-unverified'),
      keepOriginal: a.flag('keep-original'),
      onProgress: (done, total) => {
        progress ??= new DownloadProgress({ label: name, ...(total !== null ? { totalBytes: total } : {}) });
        progress.update(done);
      },
    });
  } finally {
    (progress as DownloadProgress | null)?.done();
  }
  if (r.cached) {
    io.out(json ? JSON.stringify({ name, file: r.file, cached: true }) + '\n' : `${name}: already in ${r.file} (--force to fetch again)\n`);
    return 0;
  }
  // Build the ORT-optimised model now, so the first `alexnet classify` starts warm (a
  // features-only download, 0 classes, does not classify: it is for train --classes).
  if (r.numClasses > 0) {
    const { createClassifier } = await import('../../classify/classifier.js');
    await (await createClassifier({ model: r.model, weights: r.file, workers: 0 })).dispose();
  }
  const what = r.numClasses > 0 ? `weights (${r.numClasses} classes)` : 'features, without a classifier (train a head with --weights FILE --classes N),';
  io.out(json ? JSON.stringify({ name, model: r.model, file: r.file, numClasses: r.numClasses }) + '\n' : `${name}: ${r.model} ${what} in ${r.file}\n`);
  return 0;
}

/** Where `weights download` keeps a model's weights: `import` without --out installs there. */
async function installPath(spec: ModelSpec): Promise<string> {
  const { downloadedWeightsPath } = await import('../../weights/resolve.js');
  const path = downloadedWeightsPath(spec);
  if (!path) throw new UsageError(`weights import: --out FILE.safetensors is required for ${spec.name}, which has no published weights to stand in for`);
  return path;
}

async function importCmd(argv: string[], io: Io): Promise<number> {
  const a = parse('weights import', argv, sub('import'));
  if (a.positionals.length !== 1) throw new UsageError('weights import: give one FILE');
  const spec = model(a.required('model'));
  const out = a.str('out') ?? (await installPath(spec));
  if (!out.endsWith('.safetensors')) throw new UsageError(`weights import: --out must end in .safetensors (the JSON config is written beside it), got ${JSON.stringify(out)}`);
  const labelsFile = a.str('labels');
  const labels = labelsFile !== undefined ? (await readFile(labelsFile, 'utf8')).split('\n').map((l) => l.trim()).filter(Boolean) : undefined;
  const status = terminalStatus(io, 'weights import');
  const r = await importWeights(spec.name, a.positionals[0]!, out, { ...(labels ? { labels } : {}), onStatus: (s) => status.phase(s) }).finally(() => status.done());
  io.out(a.flag('json') ? JSON.stringify({ file: r.file, model: r.model, numClasses: r.numClasses, params: r.params }) + '\n' : `wrote ${r.file}: ${r.model}, ${r.numClasses} classes, ${r.params.toLocaleString('en-US')} parameters (from ${r.from})\n`);
  return 0;
}

async function listCmd(argv: string[], io: Io): Promise<number> {
  const a = parse('weights list', argv, sub('list'));
  const cache = await listCachedWeights();
  const rows = cache.weights.map((w) => ({ name: w.name, model: w.model, classes: w.numClasses, file: w.file }));
  if (a.flag('json')) io.out(JSON.stringify(rows) + '\n');
  else if (!rows.length) io.out(`no weights in ${cache.dir}; get some with alexnet weights download NAME\n`);
  else io.out(table(['name', 'model', '>classes', '>MB', 'file'], cache.weights.map((w) => [w.name, w.model, String(w.numClasses), formatMB(w.bytes), w.file])) + '\n');
  const m = cache.optimizedModels;
  if (!a.flag('json')) io.out(`classify cache: ${m.count} optimised model${m.count === 1 ? '' : 's'}, ${formatMB(m.bytes)} MB of at most ${formatMB(cacheLimitBytes())} in ${m.dir} (alexnet weights clear-cache removes them)\n`);
  return 0;
}

async function clearCacheCmd(argv: string[], io: Io): Promise<number> {
  const a = parse('weights clear-cache', argv, sub('clear-cache'));
  const r = await clearOptimizedModels();
  if (a.flag('json')) io.out(JSON.stringify({ removed: r.count, bytes: r.bytes }) + '\n');
  else io.out(`removed ${r.count} optimised model${r.count === 1 ? '' : 's'} (${formatMB(r.bytes)} MB) from the classify cache\n`);
  return 0;
}

export const weightsCommand: Command = {
  name: 'weights',
  async main(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'download') return downloadCmd(rest, io);
    if (sub === 'import') return importCmd(rest, io);
    if (sub === 'list') return listCmd(rest, io);
    if (sub === 'clear-cache') return clearCacheCmd(rest, io);
    throw new UsageError(`weights: unknown subcommand ${JSON.stringify(sub ?? '')}; use download, import, list or clear-cache`);
  },
};
