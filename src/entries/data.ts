// alexnet-ts/data: datasets (image folders, list files, IDX), the batch loader and its
// worker pool, image decoding, the preprocessing presets, and the ImageNet class list.
export { openDataset, imageFolder, listFile, idxDataset, splitValidation, subset, randomSubset } from '../data/datasets.js';
export type { Dataset, OpenOptions } from '../data/datasets.js';
export { Loader } from '../data/loader.js';
export type { Batch, LoaderOptions } from '../data/loader.js';
export { ImagePool } from '../data/pool.js';
export { readIdx, parseIdx } from '../data/idx.js';
export type { IdxArray } from '../data/idx.js';
export { decodeImage } from '../data/decode.js';
export type { DecodedImage, DecodeOptions } from '../data/decode.js';
export { loadImageBatch, loadImageTensor, preprocess, presetInfo, PRESET_NAMES } from '../data/preprocess.js';
export type { ImageInput, PresetInfo, PresetName, PreprocessOptions } from '../data/preprocess.js';
export type { RgbImage } from '../data/image.js';
export { imagenetClasses, imagenetLabels } from '../models/imagenet_classes.js';
export type { ImagenetClass } from '../models/imagenet_classes.js';
