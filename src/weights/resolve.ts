// Which weights a command uses, and what they are: a file given by the user (any supported
// format), or the converted download in $ALEXNET_HOME. A bundle with a sidecar config
// is described without reading its 240 MB; other formats are read once, here.
import { stat } from 'node:fs/promises';
import type { ModelSpec, PreprocessName } from '../models/types.js';
import type { Tensor } from '../tensor.js';
import { classesInFile } from './mapping.js';
import { cachedWeightsPath, configFromMetadata, readSidecar, sidecarPath } from './bundle.js';
import { SUPPORTED, type WeightFormat } from './formats.js';

// The readers (and protobufjs behind the ONNX one) load only when a file must be read:
// a warm `classify` describes its weights from the sidecar and never opens them.
const readWeights = async (path: string) => (await import('./read.js')).readWeights(path);

export interface ResolvedWeights {
  file: string;
  format: WeightFormat;
  numClasses: number;
  preprocess: PreprocessName;
  labels: 'imagenet1k' | string[];
  /** The input [height, width] and slim's global_pool the weights were trained with, when their config says. */
  inputSize?: [number, number];
  globalPool?: boolean;
  /** Identity of the file for caches: size and modification time. */
  size: number;
  mtimeMs: number;
  /** The file's tensors (read on first call when only the sidecar was read). */
  tensors(): Promise<ReadonlyMap<string, Tensor>>;
}

/** Where `alexnet weights download` keeps a model's weights (its first entry), if it has any. */
export function downloadedWeightsPath(spec: ModelSpec): string | undefined {
  const entry = spec.weights[0];
  return entry ? cachedWeightsPath(entry.name) : undefined;
}

/** A message that says exactly how to get weights for a model. */
export function noWeightsMessage(spec: ModelSpec): string {
  const entry = spec.weights[0];
  if (!entry) {
    return `${spec.name} has no published pretrained weights; pass --weights FILE (${SUPPORTED}) with ${spec.name}'s variable names, e.g. from alexnet weights import`;
  }
  return (
    `no weights for ${spec.name} in ${cachedWeightsPath(entry.name)}: get them with ` +
    `\`alexnet weights download ${entry.name}\` (${entry.url}), or pass --weights FILE (.pth, .npy, .onnx, .safetensors or .h5)`
  );
}

/** What a file's weights are, without their tensors: what a cache needs to record about them. */
export type WeightsInfo = Omit<ResolvedWeights, 'tensors'>;

/** A weights file's identity for caches: path, size, modification time, and its bundle config's when there is one. */
export interface WeightsIdentity {
  file: string;
  size: number;
  mtimeMs: number;
  sidecar: { size: number; mtimeMs: number } | null;
}

/**
 * The file `resolveWeights` would read (the given one, or the model's download) and its
 * identity, from stat calls alone; the same errors when there is none.
 */
export async function locateWeights(spec: ModelSpec, file?: string): Promise<WeightsIdentity> {
  const path = file ?? downloadedWeightsPath(spec);
  if (!path) throw new Error(noWeightsMessage(spec));
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    if (!file && (e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(noWeightsMessage(spec));
    throw new Error(`${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  if (!st.isFile()) throw new Error(`${path}: not a file`);
  const side = path.endsWith('.safetensors') ? await stat(sidecarPath(path)).catch(() => null) : null;
  return { file: path, size: st.size, mtimeMs: st.mtimeMs, sidecar: side ? { size: side.size, mtimeMs: side.mtimeMs } : null };
}

/** A bundle of the features only (a _notop download) cannot classify. */
function checkHead(path: string, numClasses: number): void {
  if (numClasses === 0) throw new Error(`${path}: the features only, without a classifier (a _notop download); train a head on them with --weights ${path} --classes N`);
}

export async function resolveWeights(spec: ModelSpec, file?: string): Promise<ResolvedWeights> {
  const { file: path, size, mtimeMs } = await locateWeights(spec, file);
  const base = { file: path, size, mtimeMs };

  const sidecar = path.endsWith('.safetensors') ? await readSidecar(path) : null;
  if (sidecar) {
    if (sidecar.model !== spec.name) throw new Error(`${path}: holds ${sidecar.model} weights, not ${spec.name}; use --model ${sidecar.model}`);
    checkHead(path, sidecar.numClasses);
    let cached: Promise<ReadonlyMap<string, Tensor>> | null = null;
    return {
      ...base,
      format: 'safetensors',
      numClasses: sidecar.numClasses,
      preprocess: sidecar.preprocess,
      labels: sidecar.labels,
      ...trainedWith(sidecar),
      tensors: () => (cached ??= readWeights(path).then((w) => w.tensors)),
    };
  }
  const w = await readWeights(path);
  const config = w.format === 'safetensors' ? configFromMetadata(w.metadata, path) : null;
  if (config && config.model !== spec.name) throw new Error(`${path}: holds ${config.model} weights, not ${spec.name}; use --model ${config.model}`);
  const numClasses = config?.numClasses ?? classesInFile(spec, w.tensors) ?? spec.defaultNumClasses;
  checkHead(path, numClasses);
  return {
    ...base,
    format: w.format,
    numClasses,
    preprocess: config?.preprocess ?? spec.preprocess,
    labels: config?.labels ?? (numClasses === 1000 ? 'imagenet1k' : Array.from({ length: numClasses }, (_, i) => `class_${i}`)),
    ...(config ? trainedWith(config) : {}),
    tensors: async () => w.tensors,
  };
}

function trainedWith(c: Pick<ResolvedWeights, 'inputSize' | 'globalPool'>): Pick<ResolvedWeights, 'inputSize' | 'globalPool'> {
  return { ...(c.inputSize ? { inputSize: c.inputSize } : {}), ...(c.globalPool !== undefined ? { globalPool: c.globalPool } : {}) };
}
