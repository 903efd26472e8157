// Weights entries for a Keras Applications model: the full and the _notop .h5 file at
// their published address, each with the MD5 `file_hash` keras_applications checks, and
// the accuracy of the Keras Applications table.
import { imagenetLabels } from './imagenet_classes.js';
import type { WeightsEntry } from './types.js';

const BASE = 'https://storage.googleapis.com/tensorflow/keras-applications';

export interface KerasWeightsInfo {
  model: string;
  /** Folder under keras-applications/ and file name without `.h5` / `_notop.h5`. */
  dir: string;
  file: string;
  /** The _notop file's name when it is not `<file>_notop` (MobileNet's `..._tf_no_top`). */
  fileNoTop?: string;
  /** keras_applications' file_hash values; absent where it loads the file unchecked (MobileNet). */
  md5?: string;
  md5NoTop?: string;
  /** The keras_applications module that builds the model, when not `<model>.py`. */
  source?: string;
  numParams: number;
  numParamsNoTop: number;
  minSize: [number, number];
  /** Top-1 and top-5 accuracy in percent, from the Keras Applications table. */
  top1: number;
  top5: number;
  /** keras_applications mode: 'tf' ([-1, 1]) or 'caffe' (BGR minus the mean). */
  preprocess: 'keras-tf' | 'keras-caffe';
}

/** `<model>` (include_top=True) and `<model>_notop` (the features). */
export function kerasWeights(k: KerasWeightsInfo): WeightsEntry[] {
  const entry = (notop: boolean): WeightsEntry => ({
    name: notop ? `${k.model}_notop` : k.model,
    model: k.model,
    url: `${BASE}/${k.dir}/${notop ? (k.fileNoTop ?? `${k.file}_notop`) : k.file}.h5`,
    sha256: '',
    ...((notop ? k.md5NoTop : k.md5) ? { md5: (notop ? k.md5NoTop : k.md5)! } : {}),
    format: 'h5',
    preprocess: k.preprocess,
    meta: {
      numParams: notop ? k.numParamsNoTop : k.numParams,
      minSize: k.minSize,
      get categories() {
        return imagenetLabels();
      },
      recipe: `keras_applications/${k.source ?? `${k.model}.py`}, weights trained by the Keras authors${notop ? ' (without the classifier)' : ''}`,
      metrics: {
        dataset: 'ImageNet-1k validation',
        top1: k.top1,
        top5: k.top5,
        protocol: "Keras Applications' table (single crop at the model's input size)",
        source: 'Keras Applications, "Available models" table',
        url: 'https://keras.io/api/applications/',
      },
    },
  });
  return [entry(false), entry(true)];
}
