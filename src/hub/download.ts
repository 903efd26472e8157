// downloadWeights: a named weights entry fetched into $ALEXNET_HOME, its hash checked, and
// converted once to a bundle ($ALEXNET_HOME/weights/NAME.safetensors + NAME.json) that
// classify, eval, train and loadWeights read without converting again. A features-only
// entry (Keras's *_notop) becomes a bundle of 0 classes, which train takes with --classes. The command
// `alexnet weights download` is this function with a progress bar.
import { existsSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { getModel } from '../models/registry.js';
import type { WeightsEntry } from '../models/types.js';
import { download } from '../weights/download.js';
import { alexnetHome, cachedWeightsPath, BUNDLE_FORMAT, readSidecar, saveBundle } from '../weights/bundle.js';
import { classesInFile } from '../weights/mapping.js';
import { readWeights } from '../weights/read.js';
import { modelWeights } from './convert.js';
import { getWeightsEntry } from './entries.js';

export interface DownloadWeightsOptions {
  /** Fetch from this URL instead of the entry's (a mirror of the same file: the entry's hash is checked). */
  url?: string;
  /** Expected hex prefix of the file's SHA-256, checked instead of the entry's hash. */
  sha256?: string;
  /**
   * Accept a file that nothing verifies: an entry whose source publishes no hash (bvlc_alexnet),
   * with no `sha256` given. Without it such a download is refused.
   */
  allowUnverified?: boolean;
  /** Fetch again even when the converted weights are already cached. */
  force?: boolean;
  /** Keep the downloaded file in $ALEXNET_HOME/downloads (default: removed once converted). */
  keepOriginal?: boolean;
  /** Called as bytes arrive; total is null when the server sends no Content-Length. */
  onProgress?: (done: number, total: number | null) => void;
  /** Give up after this many milliseconds without data (default 60 s). */
  idleTimeoutMs?: number;
}

export interface DownloadedWeights {
  name: string;
  model: string;
  /** The converted weights, $ALEXNET_HOME/weights/NAME.safetensors. */
  file: string;
  numClasses: number;
  /** They were already in the cache: nothing was fetched. */
  cached: boolean;
  /** Bytes fetched and their full SHA-256 (0 and null when cached). */
  bytes: number;
  sha256: string | null;
  /** The downloaded file, when kept (keepOriginal). */
  original: string | null;
}

/**
 * What the download is checked against: `sha256` when given, else the entry's MD5 (Keras)
 * or SHA-256 prefix (torchvision). An entry with neither is refused unless allowUnverified:
 * a file fetched unchecked, over plain HTTP for bvlc_alexnet, could be anything.
 */
function expectedHash(entry: WeightsEntry, opts: DownloadWeightsOptions, url: string): { sha256Prefix?: string; md5?: string } {
  if (opts.sha256) return { sha256Prefix: opts.sha256 };
  if (entry.md5) return { md5: entry.md5 };
  if (entry.sha256) return { sha256Prefix: entry.sha256 };
  if (opts.allowUnverified) return {};
  throw new Error(
    `${entry.name}: its source publishes no hash for ${url}${url.startsWith('http:') ? ' (plain HTTP)' : ''}, so nothing would verify the file; ` +
      'give --sha256 HEX of a copy you trust, or --allow-unverified to take it unchecked',
  );
}

/** Download the weights entry `name` (see listWeightsEntries) into $ALEXNET_HOME, unless already there. */
export async function downloadWeights(name: string, opts: DownloadWeightsOptions = {}): Promise<DownloadedWeights> {
  const entry = getWeightsEntry(name);
  const spec = getModel(entry.model);
  const dest = cachedWeightsPath(entry.name);
  const have = opts.force || !existsSync(dest) ? null : await readSidecar(dest).catch(() => null);
  if (have) return { name: entry.name, model: spec.name, file: dest, numClasses: have.numClasses, cached: true, bytes: 0, sha256: null, original: null };

  const url = opts.url ?? entry.url;
  const check = expectedHash(entry, opts, url);
  let fileName: string;
  try {
    fileName = basename(new URL(url).pathname) || `${entry.name}.${entry.format}`;
  } catch {
    throw new Error(`downloadWeights ${entry.name}: not a URL: ${JSON.stringify(url)}`);
  }
  const original = join(alexnetHome(), 'downloads', fileName);
  const got = await download(url, original, {
    ...check,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
  });
  const file = await readWeights(original);
  // a features-only file (Keras's *_notop.h5) converts as the model without its head: 0 classes
  const features = classesInFile(spec, file.tensors) === null;
  const { weights, numClasses } = modelWeights(spec, file.tensors, original, features ? 0 : undefined);
  await saveBundle(dest, weights, {
    format: BUNDLE_FORMAT,
    model: spec.name,
    numClasses,
    preprocess: entry.preprocess,
    labels: features ? [] : 'imagenet1k',
    source: { url, format: file.format, sha256: got.sha256 },
  });
  if (!opts.keepOriginal) await unlink(original);
  return { name: entry.name, model: spec.name, file: dest, numClasses, cached: false, bytes: got.bytes, sha256: got.sha256, original: opts.keepOriginal ? original : null };
}
