// listCachedWeights: what $ALEXNET_HOME holds. weights/ has the bundles written by
// downloadWeights (and importWeights, when pointed there); cache/ has the ORT-optimised
// models createClassifier keeps (src/classify/classifier.ts), one directory each: their
// size bound (least recently used removed first) and the removal of abandoned build
// temporaries are here too.
import type { Dirent } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
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
  const optimized = await cacheEntries(cacheDir);
  const bytes = optimized.reduce((n, e) => n + e.bytes, 0);
  return { home, dir, weights, optimizedModels: { dir: cacheDir, count: optimized.length, bytes } };
}

/** The classify cache's size bound: $ALEXNET_CACHE_MB megabytes (default 2048). */
export function cacheLimitBytes(env: NodeJS.ProcessEnv = process.env): number {
  const v = env['ALEXNET_CACHE_MB'];
  if (v === undefined || v === '') return 2048 * 2 ** 20;
  const mb = Number(v);
  if (!(mb >= 0)) throw new Error(`ALEXNET_CACHE_MB must be a number of megabytes >= 0, got ${JSON.stringify(v)}`);
  return mb * 2 ** 20;
}

/** The cache entries (not build temporaries) with their sizes and last use (the entry's mtime), oldest first. */
async function cacheEntries(cacheDir: string): Promise<{ name: string; bytes: number; usedMs: number }[]> {
  const out = [];
  for (const e of await entries(cacheDir)) {
    if (!e.isDirectory() || e.name.endsWith('.tmp')) continue;
    const p = join(cacheDir, e.name);
    const st = await stat(p).catch(() => null);
    if (st) out.push({ name: e.name, bytes: await treeBytes(p), usedMs: st.mtimeMs });
  }
  return out.sort((a, b) => a.usedMs - b.usedMs || a.name.localeCompare(b.name));
}

/**
 * Remove the least recently used entries of the classify cache until it holds at most
 * `maxBytes`, never the entry `keep` (the one in use). Returns the names removed. Failures
 * are ignored: another process may be removing the same entry.
 */
export async function pruneOptimizedModels(cacheDir: string, maxBytes: number, keep?: string): Promise<string[]> {
  const list = await cacheEntries(cacheDir);
  let total = list.reduce((n, e) => n + e.bytes, 0);
  const removed: string[] = [];
  for (const e of list) {
    if (total <= maxBytes) break;
    if (e.name === keep) continue;
    await rm(join(cacheDir, e.name), { recursive: true, force: true }).catch(() => undefined);
    total -= e.bytes;
    removed.push(e.name);
  }
  return removed;
}

/** A cache temporary untouched for this long is abandoned (a build writes and renames it within seconds). */
const STALE_TEMPORARY_MS = 60 * 60 * 1000;

/**
 * Remove what interrupted cache builds left behind: `*.tmp` entries of the cache directory
 * (a build's `<entry>.<pid>.tmp`) whose newest modification time, of the entry or of a file
 * in it, is over an hour old. A build writes its temporary in seconds and then renames it, so
 * one untouched for an hour is abandoned. The pid in the name is not trusted to tell: pids
 * are reused, and a $ALEXNET_HOME shared between machines holds builds whose pids mean
 * nothing here. Failures are ignored: another process may be removing the same entry.
 */
export async function removeStaleTemporaries(cacheDir: string, now = Date.now()): Promise<void> {
  const names = await readdir(cacheDir).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((n) => n.endsWith('.tmp'))
      .map(async (n) => {
        const p = join(cacheDir, n);
        try {
          const st = await stat(p);
          let newest = st.mtimeMs;
          if (st.isDirectory()) for (const f of await readdir(p)) newest = Math.max(newest, (await stat(join(p, f))).mtimeMs);
          if (now - newest > STALE_TEMPORARY_MS) await rm(p, { recursive: true, force: true });
        } catch {
          // gone meanwhile, or not ours to remove
        }
      }),
  );
}

/** Remove every entry of the classify cache (they are rebuilt when next needed). */
export async function clearOptimizedModels(cacheDir = join(alexnetHome(), 'cache')): Promise<{ count: number; bytes: number }> {
  const list = await cacheEntries(cacheDir);
  for (const e of list) await rm(join(cacheDir, e.name), { recursive: true, force: true });
  return { count: list.length, bytes: list.reduce((n, e) => n + e.bytes, 0) };
}
