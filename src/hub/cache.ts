// listCachedWeights: what $ALEXNET_HOME holds. weights/ has the bundles written by
// downloadWeights (and importWeights, when pointed there); cache/ has the ORT-optimised
// models createClassifier keeps (src/classify/classifier.ts), one directory each.
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { WeightFormat } from '../weights/formats.js';
import { alexnetHome, readSidecar, sidecarPath } from '../weights/bundle.js';

export interface CachedWeights {
  /** The file name without .safetensors: the weights entry's name for downloads. */
  name: string;
  model: string;
  numClasses: number;
  file: string;
  /** Size of the weights and their JSON config, in bytes. */
  bytes: number;
  /** Where they came from: the URL or file, its format, its SHA-256 when known. */
  source: { url?: string; file?: string; format: WeightFormat; sha256?: string } | null;
}

export interface WeightsCache {
  /** $ALEXNET_HOME, default ~/.cache/alexnet-ts (XDG_CACHE_HOME respected). */
  home: string;
  /** Where the weights are: home/weights. */
  dir: string;
  weights: CachedWeights[];
  /** ORT-optimised models kept by createClassifier for fast starts: home/cache. */
  optimizedModels: { dir: string; count: number; bytes: number };
}

async function entries(dir: string): Promise<Dirent[]> {
  return readdir(dir, { withFileTypes: true }).catch(() => []);
}

async function treeBytes(dir: string): Promise<number> {
  let n = 0;
  for (const e of await entries(dir)) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? await treeBytes(p) : e.isFile() ? (await stat(p)).size : 0;
  }
  return n;
}

/** The weights in $ALEXNET_HOME/weights (by name), their sizes, and the optimised-model cache. */
export async function listCachedWeights(): Promise<WeightsCache> {
  const home = alexnetHome();
  const dir = join(home, 'weights');
  const weights: CachedWeights[] = [];
  const files = (await entries(dir)).filter((e) => e.isFile() && e.name.endsWith('.safetensors')).map((e) => e.name).sort();
  for (const f of files) {
    const file = join(dir, f);
    const c = await readSidecar(file).catch(() => null);
    if (!c) continue; // not a bundle (no readable config beside it)
    const bytes = (await stat(file)).size + (await stat(sidecarPath(file))).size;
    weights.push({ name: f.replace(/\.safetensors$/, ''), model: c.model, numClasses: c.numClasses, file, bytes, source: c.source ?? null });
  }
  const cacheDir = join(home, 'cache');
  const optimized = (await entries(cacheDir)).filter((e) => e.isDirectory() && !e.name.endsWith('.tmp'));
  let bytes = 0;
  for (const e of optimized) bytes += await treeBytes(join(cacheDir, e.name));
  return { home, dir, weights, optimizedModels: { dir: cacheDir, count: optimized.length, bytes } };
}
