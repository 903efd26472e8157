// Options several commands share. Plain data, like every table in this folder.
import { availableParallelism } from 'node:os';
import type { OptionSpec } from '../spec.js';

/** The registry's models (test/cli/help_docs.test.ts checks this against src/models/registry.ts). */
export const MODEL_NAMES = ['alexnet', 'bvlc_alexnet', 'alexnet_v2', 'vgg16', 'vgg19', 'resnet50', 'inception_v3', 'xception', 'inception_resnet_v2', 'mobilenet', 'vgg16.torchvision', 'squeezenet1_1', 'resnet50.torchvision', 'mobilenet_v2', 'inception_v3.torchvision'] as const;

/** Every command builds torchvision's alexnet unless told otherwise. */
export const DEFAULT_MODEL = 'alexnet';

/**
 * The largest --batch. At 4096 images of 224x224 the float32 input alone is 2.5 GB and
 * alexnet's first conv output 3.2 GB; larger batches fail to allocate (a V8 "Array buffer
 * allocation failed" after a long wait) instead of running.
 */
export const MAX_BATCH = 4096;

/**
 * The largest --threads and --workers: 4 per core (os.availableParallelism()). A little
 * oversubscription can be worth trying; hundreds of threads on a few cores only contend
 * (one image then takes tens of seconds), so such a number is refused, not obeyed.
 */
export const PER_CORE_MAX = { value: () => 4 * availableParallelism(), text: '4 per core' };

export function modelOption(help = 'the model (see alexnet models)'): OptionSpec {
  return { name: 'model', short: 'm', type: 'model', value: 'NAME', default: DEFAULT_MODEL, choices: MODEL_NAMES, help };
}

export function batchOption(dflt: number, help: string): OptionSpec {
  return { name: 'batch', type: 'int', value: 'N', default: dflt, min: 1, max: MAX_BATCH, help };
}

export const THREADS: OptionSpec = {
  name: 'threads',
  type: 'int',
  value: 'N',
  defaultText: 'one per core',
  min: 1,
  max: PER_CORE_MAX,
  help: 'ONNX Runtime intra-op threads',
};

/** The options of commands that build a model from its table: run, summary, export. */
export const BUILD_OPTIONS: readonly OptionSpec[] = [
  modelOption(),
  { name: 'input', type: 'size', value: 'HxW', defaultText: "the model's (224x224; bvlc_alexnet 227x227)", help: 'input size' },
  { name: 'classes', type: 'int', value: 'N', min: 0, defaultText: "the model's (1000)", help: 'classes of the last layer; 0 builds the network without its classifier (features)' },
  { name: 'global-pool', type: 'boolean', help: 'alexnet_v2: average fc7 over space, so any input size gives one vector' },
  { name: 'no-squeeze', type: 'boolean', help: "alexnet_v2: keep the spatial axes of the logits (slim's spatial_squeeze=False)" },
];

/** --max-pixels: Pillow's decompression-bomb limit (Image.MAX_IMAGE_PIXELS) unless raised. */
export function maxPixelsOption(what: string): OptionSpec {
  return { name: 'max-pixels', type: 'int', value: 'N', default: 178956970, min: 1, help: `${what} larger images, a possible decompression bomb (the default is Pillow's limit)` };
}
