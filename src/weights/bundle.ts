// The bundle weights format: safetensors plus a JSON config (model, classes, preprocessing,
// labels, provenance). The config is stored twice: in the safetensors header's
// __metadata__ (so the file is self-describing) and as a sidecar <name>.json (so a reader
// can learn what a 240 MB file holds without opening it).
import { homedir } from 'node:os';
import { join } from 'node:path';
import { mkdir, readFile } from 'node:fs/promises';
import type { PreprocessName } from '../models/types.js';
import type { Tensor } from '../tensor.js';
import { atomicWriteFile } from '../util/fs.js';
import { writeSafetensors } from './safetensors.js';
import type { WeightFormat } from './read.js';

export const BUNDLE_FORMAT = 'alexnet-ts/1';
const META_KEY = 'alexnet-ts';

export interface BundleConfig {
  format: typeof BUNDLE_FORMAT;
  model: string;
  numClasses: number;
  preprocess: PreprocessName;
  /** 'imagenet1k' for the bundled ImageNet class list, or one label per class. */
  labels: 'imagenet1k' | string[];
  /** The input [height, width] the weights were trained at, when not the model's default. */
  inputSize?: [number, number];
  /** alexnet_v2 trained with slim's global_pool. */
  globalPool?: boolean;
  source?: { url?: string; file?: string; format: WeightFormat; sha256?: string };
}

/** $ALEXNET_HOME, or ~/.cache/alexnet-ts (XDG_CACHE_HOME respected). */
export function alexnetHome(): string {
  const env = process.env['ALEXNET_HOME'];
  if (env) return env;
  return join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'alexnet-ts');
}

/** Where `alexnet weights download NAME` keeps NAME's converted weights. */
export function cachedWeightsPath(name: string): string {
  return join(alexnetHome(), 'weights', `${name}.safetensors`);
}

export function sidecarPath(safetensorsPath: string): string {
  return safetensorsPath.replace(/\.safetensors$/, '') + '.json';
}

/** The safetensors __metadata__ that makes a file a bundle (for writers that stream it themselves). */
export function bundleMetadata(config: BundleConfig): Record<string, string> {
  return { [META_KEY]: JSON.stringify(config) };
}

export async function saveBundle(path: string, weights: ReadonlyMap<string, Tensor>, config: BundleConfig): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeSafetensors(path, weights, bundleMetadata(config));
  await atomicWriteFile(sidecarPath(path), new TextEncoder().encode(JSON.stringify(config, null, 2) + '\n'));
}

/** The config of a bundle from its safetensors metadata, or null if it has none. */
export function configFromMetadata(metadata: Record<string, string>, file: string): BundleConfig | null {
  const raw = metadata[META_KEY];
  if (!raw) return null;
  return parseConfig(raw, file);
}

/** The sidecar config beside a bundle, or null when there is none. */
export async function readSidecar(safetensorsPath: string): Promise<BundleConfig | null> {
  const p = sidecarPath(safetensorsPath);
  let text: string;
  try {
    text = await readFile(p, 'utf8');
  } catch {
    return null;
  }
  return parseConfig(text, p);
}

function parseConfig(text: string, file: string): BundleConfig {
  let c: Partial<BundleConfig>;
  try {
    c = JSON.parse(text) as Partial<BundleConfig>;
  } catch (e) {
    throw new Error(`${file}: bad alexnet-ts config: ${(e as Error).message}`);
  }
  if (c.format !== BUNDLE_FORMAT || typeof c.model !== 'string' || typeof c.numClasses !== 'number') {
    throw new Error(`${file}: not an ${BUNDLE_FORMAT} config (format ${JSON.stringify(c.format)})`);
  }
  return c as BundleConfig;
}
