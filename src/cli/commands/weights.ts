// alexnet weights: download pretrained weights by name, import any supported file, list
// what is cached. The work is the library's (src/hub); this file parses flags and prints.
import { readFile } from 'node:fs/promises';
import { downloadWeights } from '../../hub/download.js';
import { getWeightsEntry } from '../../hub/entries.js';
import { importWeights } from '../../hub/convert.js';
import { listCachedWeights } from '../../hub/cache.js';
import type { WeightsEntry } from '../../models/types.js';
import { DownloadProgress, formatMB } from '../../util/progress.js';
import { model, parse, UsageError } from '../args.js';
import type { Command, Io } from '../command.js';
import { table } from '../format.js';

function entry(name: string): WeightsEntry {
  try {
    return getWeightsEntry(name);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function downloadCmd(argv: string[], io: Io): Promise<number> {
  const { values: v, positionals } = parse(
    'weights download',
    argv,
    { url: { type: 'string' }, sha256: { type: 'string' }, force: { type: 'boolean' }, 'keep-original': { type: 'boolean' } },
    true,
  );
  if (positionals.length !== 1) throw new UsageError('weights download: give one NAME, e.g. alexnet');
  const { name } = entry(positionals[0]!);
  let progress: DownloadProgress | null = null;
  let r;
  try {
    r = await downloadWeights(name, {
      ...(typeof v['url'] === 'string' ? { url: v['url'] } : {}),
      ...(typeof v['sha256'] === 'string' ? { sha256: v['sha256'] } : {}),
      force: Boolean(v['force']),
      keepOriginal: Boolean(v['keep-original']),
      onProgress: (done, total) => {
        progress ??= new DownloadProgress({ label: name, ...(total !== null ? { totalBytes: total } : {}) });
        progress.update(done);
      },
    });
  } finally {
    (progress as DownloadProgress | null)?.done();
  }
  if (r.cached) {
    io.out(v.json ? JSON.stringify({ name, file: r.file, cached: true }) + '\n' : `${name}: already in ${r.file} (--force to fetch again)\n`);
    return 0;
  }
  // Build the ORT-optimised model now, so the first `alexnet classify` starts warm.
  const { createClassifier } = await import('../../classify/classifier.js');
  await (await createClassifier({ model: r.model, weights: r.file, workers: 0 })).dispose();
  io.out(v.json ? JSON.stringify({ name, model: r.model, file: r.file, numClasses: r.numClasses }) + '\n' : `${name}: ${r.model} weights (${r.numClasses} classes) in ${r.file}\n`);
  return 0;
}

async function importCmd(argv: string[], io: Io): Promise<number> {
  const { values: v, positionals } = parse(
    'weights import',
    argv,
    { model: { type: 'string', short: 'm' }, out: { type: 'string', short: 'o' }, labels: { type: 'string' } },
    true,
  );
  if (positionals.length !== 1) throw new UsageError('weights import: give one FILE');
  if (typeof v['model'] !== 'string') throw new UsageError('weights import: --model NAME is required');
  const out = v['out'];
  if (typeof out !== 'string' || !out.endsWith('.safetensors')) throw new UsageError('weights import: --out FILE.safetensors is required');
  const spec = model(v['model']);
  const labels = typeof v['labels'] === 'string' ? (await readFile(v['labels'], 'utf8')).split('\n').map((l) => l.trim()).filter(Boolean) : undefined;
  const r = await importWeights(spec.name, positionals[0]!, out, labels ? { labels } : {});
  io.out(v.json ? JSON.stringify({ file: r.file, model: r.model, numClasses: r.numClasses, params: r.params }) + '\n' : `wrote ${r.file}: ${r.model}, ${r.numClasses} classes, ${r.params.toLocaleString('en-US')} parameters (from ${r.from})\n`);
  return 0;
}

async function listCmd(argv: string[], io: Io): Promise<number> {
  const { values: v } = parse('weights list', argv, {});
  const cache = await listCachedWeights();
  const rows = cache.weights.map((w) => ({ name: w.name, model: w.model, classes: w.numClasses, file: w.file }));
  if (v.json) io.out(JSON.stringify(rows) + '\n');
  else if (!rows.length) io.out(`no weights in ${cache.dir}; get some with alexnet weights download NAME\n`);
  else io.out(table(['name', 'model', '>classes', '>MB', 'file'], cache.weights.map((w) => [w.name, w.model, String(w.numClasses), formatMB(w.bytes), w.file])) + '\n');
  return 0;
}

export const weightsCommand: Command = {
  name: 'weights',
  usage: `alexnet weights download NAME [--url URL] [--sha256 PREFIX] [--force] [--keep-original] [--json]
       alexnet weights import FILE --model NAME --out FILE.safetensors [--labels FILE] [--json]
       alexnet weights list [--json]
  download          fetch NAME's published file (progress on stderr), check its SHA-256 prefix,
                    convert it once to safetensors in $ALEXNET_HOME/weights (default ~/.cache/alexnet-ts)
  --url URL         fetch from a mirror instead (the hash is then checked only with --sha256)
  import            convert a .pth, .npy, .onnx or .safetensors file (or a checkpoint or run
                    directory) for a model
  --labels FILE     one class label per line, for weights with other classes than ImageNet's`,
  async main(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'download') return downloadCmd(rest, io);
    if (sub === 'import') return importCmd(rest, io);
    if (sub === 'list') return listCmd(rest, io);
    throw new UsageError(`weights: unknown subcommand ${JSON.stringify(sub ?? '')}; use download, import or list`);
  },
};
