// loadWeights: any supported weights for a model, as the model's parameters plus what the
// weights were trained for (classes, labels, preprocessing, input size).
import { imagenetLabels } from '../models/imagenet_classes.js';
import { getModel } from '../models/registry.js';
import type { PreprocessName } from '../models/types.js';
import type { Tensor } from '../tensor.js';
import { weightsFileOf } from '../train/checkpoint.js';
import type { WeightFormat } from '../weights/formats.js';
import { resolveWeights } from '../weights/resolve.js';
import { modelWeights } from './convert.js';

/** What a set of weights was trained for. */
export interface WeightsConfig {
  model: string;
  numClasses: number;
  /** One name per class: ImageNet-1k's (torchvision's names), the file's own, or class_<i>. */
  labels: readonly string[];
  /** The classes are ImageNet-1k's 1000, in the order torchvision, Caffe and Keras use. */
  imagenet1k: boolean;
  /** The preprocessing preset the weights expect (see presetInfo in alexnet-ts/data). */
  preprocess: PreprocessName;
  /** Input [height, width] the weights were trained at (the model's default unless a bundle says). */
  inputSize: [number, number];
  /** alexnet_v2 trained with slim's global_pool. */
  globalPool: boolean;
}

export interface LoadedWeights {
  /** The file read: the path given, or the weights file of a checkpoint or run directory. */
  file: string;
  format: WeightFormat;
  /** Every parameter of the model under its own names (float32), ready for compileModel or Trainer. */
  weights: Map<string, Tensor>;
  config: WeightsConfig;
}

/**
 * Load weights for `model` from `path`: a .pth/.pt (zip or legacy torch.save), .npy/.npz,
 * .onnx, .safetensors or Keras .h5 file, a bundle (safetensors + JSON config), a training checkpoint
 * directory, or a run directory (its best checkpoint by validation top-1, else its newest).
 * Without `path`, the model's downloaded weights in $ALEXNET_HOME (see downloadWeights).
 * Pickles are parsed, never executed. Throws naming the file when a parameter is missing
 * or has the wrong shape.
 */
export async function loadWeights(model: string, path?: string): Promise<LoadedWeights> {
  const spec = getModel(model);
  const file = path === undefined ? undefined : weightsFileOf(path);
  const r = await resolveWeights(spec, file);
  const { weights } = modelWeights(spec, await r.tensors(), r.file, r.numClasses);
  const imagenet1k = r.labels === 'imagenet1k' && r.numClasses === 1000;
  const labels = imagenet1k ? imagenetLabels() : Array.from({ length: r.numClasses }, (_, i) => (Array.isArray(r.labels) ? r.labels[i] : undefined) ?? `class_${i}`);
  return {
    file: r.file,
    format: r.format,
    weights,
    config: {
      model: spec.name,
      numClasses: r.numClasses,
      labels,
      imagenet1k,
      preprocess: r.preprocess,
      inputSize: r.inputSize ?? spec.defaultImageSize,
      globalPool: r.globalPool ?? false,
    },
  };
}
