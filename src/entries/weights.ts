// alexnet-ts/weights: the file readers (pickles parsed, never executed), the mapping of a
// file's names and layouts onto a model's parameters, the bundle format (safetensors + JSON
// config) and the downloader; plus the high-level calls of the main entry.
export { loadWeights } from '../hub/load.js';
export type { LoadedWeights, WeightsConfig } from '../hub/load.js';
export { downloadWeights } from '../hub/download.js';
export type { DownloadedWeights, DownloadWeightsOptions } from '../hub/download.js';
export { getWeightsEntry, listWeightsEntries } from '../hub/entries.js';
export { listCachedWeights } from '../hub/cache.js';
export type { CachedWeights, WeightsCache } from '../hub/cache.js';
export { importWeights } from '../hub/convert.js';
export type { ImportedWeights, ImportOptions } from '../hub/convert.js';

export { parseWeights, readWeights, SUPPORTED } from '../weights/read.js';
export type { WeightFile, WeightFormat } from '../weights/read.js';
export { readPth } from '../weights/pth.js';
export type { PthResult } from '../weights/pth.js';
export { readNpy, readNpyDict } from '../weights/npy.js';
export { readOnnx } from '../weights/onnx.js';
export type { OnnxWeights } from '../weights/onnx.js';
export { encodeSafetensors, readSafetensors, writeSafetensors } from '../weights/safetensors.js';
export type { SafetensorsContent } from '../weights/safetensors.js';
export { classesInFile, matchWeights, requireAllWeights } from '../weights/mapping.js';
export type { MatchedWeights, Mismatch } from '../weights/mapping.js';
export { download } from '../weights/download.js';
export type { DownloadOptions, DownloadResult } from '../weights/download.js';
// The bundle format, under the names it takes in src/weights/bundle.ts.
export {
  alexnetHome,
  cachedWeightsPath,
  configFromMetadata as bundleConfigFromMetadata,
  BUNDLE_FORMAT,
  readSidecar,
  saveBundle,
  sidecarPath,
} from '../weights/bundle.js';
export type { BundleConfig } from '../weights/bundle.js';
