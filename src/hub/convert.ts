// A weight file's tensors as a model's complete parameter set, and `importWeights`: any
// supported file written once as a bundle (safetensors + JSON config) that classify, eval
// and train read without converting again.
import type { ModelSpec } from '../models/types.js';
import { getModel } from '../models/registry.js';
import type { Tensor } from '../tensor.js';
import { weightsFileOf } from '../train/checkpoint.js';
import { classesInFile, matchWeights, requireAllWeights } from '../weights/mapping.js';
import { BUNDLE_FORMAT, type BundleConfig, saveBundle } from '../weights/bundle.js';
import { readWeights, type WeightFormat } from '../weights/read.js';

/**
 * The model's parameters from a file's tensors (names and layouts mapped per model), all
 * present with the right shapes, for the number of classes the file's last layer has (or
 * `numClasses`). Param shapes do not depend on the input size, so the default size builds them.
 */
export function modelWeights(spec: ModelSpec, raw: ReadonlyMap<string, Tensor>, file: string, numClasses?: number): { weights: Map<string, Tensor>; numClasses: number } {
  const classes = numClasses ?? classesInFile(spec, raw) ?? spec.defaultNumClasses;
  const m = spec.build({ numClasses: classes });
  return { weights: requireAllWeights(m, matchWeights(m, raw), file), numClasses: classes };
}

export interface ImportOptions {
  /** One label per class, for weights whose classes are not ImageNet-1k's. */
  labels?: readonly string[];
  /** A phase starts: reading the file, writing the bundle. */
  onStatus?: (message: string) => void;
}

export interface ImportedWeights {
  file: string;
  model: string;
  numClasses: number;
  /** Parameters written. */
  params: number;
  /** Format of the file read. */
  from: WeightFormat;
}

/**
 * Convert a weight file for `model` (.pth, .npy/.npz, .onnx, .safetensors, Keras .h5, or a checkpoint or
 * run directory) to a bundle at `out` (FILE.safetensors, with FILE.json beside it).
 */
export async function importWeights(model: string, path: string, out: string, opts: ImportOptions = {}): Promise<ImportedWeights> {
  if (!out.endsWith('.safetensors')) throw new Error(`importWeights: out must end in .safetensors, got ${out}`);
  const spec = getModel(model);
  const source = weightsFileOf(path);
  opts.onStatus?.(`reading ${source}`);
  const file = await readWeights(source);
  const { weights, numClasses } = modelWeights(spec, file.tensors, source);
  let labels: BundleConfig['labels'] = numClasses === 1000 ? 'imagenet1k' : Array.from({ length: numClasses }, (_, i) => `class_${i}`);
  if (opts.labels) {
    if (opts.labels.length !== numClasses) throw new Error(`${path}: ${opts.labels.length} labels for ${numClasses} classes`);
    labels = [...opts.labels];
  }
  opts.onStatus?.(`writing ${out}`);
  await saveBundle(out, weights, { format: BUNDLE_FORMAT, model: spec.name, numClasses, preprocess: spec.preprocess, labels, source: { file: path, format: file.format } });
  const params = [...weights.values()].reduce((a, t) => a + t.data.length, 0);
  return { file: out, model: spec.name, numClasses, params, from: file.format };
}
