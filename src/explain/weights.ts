// The weights explain runs with: given ones (bare tensors or loadWeights' result), or the
// model's seeded random weights as `alexnet run` draws them; and how classes are named.
import type { PreprocessName } from '../models/types.js';
import { imagenetClasses } from '../models/imagenet_classes.js';
import { randomWeights } from '../models/params.js';
import type { BuiltModel, ModelSpec } from '../models/types.js';
import type { SessionOptions } from '../runtime/session.js';
import type { Tensor } from '../tensor.js';
import { classesInFile, matchWeights, requireAllWeights } from '../weights/mapping.js';
import type { ExplainWeights } from './types.js';

export interface Weights {
  /** The tensors as given (any names src/weights/mapping.ts maps); empty for random weights. */
  tensors: ReadonlyMap<string, Tensor>;
  /** Seeded random weights, drawn once from the model's initialisers for the first build asked. */
  random: { seed: number; draw: (m: BuiltModel) => ReadonlyMap<string, Tensor> } | null;
  file: string;
  numClasses: number;
  preprocess: PreprocessName;
  inputSize: [number, number];
  label: (i: number) => { wnid?: string; label: string };
}

function imagenetLabeler(numClasses: number, labels?: readonly string[]): Weights['label'] {
  if (labels) return (i) => ({ label: labels[i] ?? `class_${i}` });
  if (numClasses !== 1000) return (i) => ({ label: `class_${i}` });
  const classes = imagenetClasses();
  return (i) => ({ wnid: classes[i]!.wnid, label: classes[i]!.label });
}

export function explainWeights(spec: ModelSpec, given: ExplainWeights | undefined, seed: number): Weights {
  const base = { preprocess: spec.preprocess, inputSize: spec.defaultImageSize };
  if (!given) {
    // drawn on first use (weightsFor), after the cheap checks of the call
    const numClasses = spec.defaultNumClasses;
    let drawn: Map<string, Tensor> | null = null;
    const random = { seed, draw: (m: BuiltModel) => (drawn ??= randomWeights(m, seed)) };
    return { ...base, tensors: new Map(), random, file: `random (seed ${seed})`, numClasses, label: imagenetLabeler(numClasses) };
  }
  if (given instanceof Map || !('weights' in given && given.weights instanceof Map)) {
    const tensors = given instanceof Map ? (given as ReadonlyMap<string, Tensor>) : new Map(Object.entries(given as Record<string, Tensor>));
    const numClasses = classesInFile(spec, tensors) ?? spec.defaultNumClasses;
    return { ...base, tensors, random: null, file: '<weights>', numClasses, label: imagenetLabeler(numClasses) };
  }
  const { weights, file, config: c = {} } = given as Extract<ExplainWeights, { weights: unknown }>;
  const numClasses = c.numClasses ?? classesInFile(spec, weights) ?? spec.defaultNumClasses;
  return {
    tensors: weights,
    random: null,
    file: file ?? '<weights>',
    numClasses,
    preprocess: c.preprocess ?? base.preprocess,
    inputSize: c.inputSize ?? base.inputSize,
    label: imagenetLabeler(numClasses, c.imagenet1k ? undefined : c.labels),
  };
}

/** The weights under the names of a build of the model, all present, or an error naming what is wrong. */
export function weightsFor(m: BuiltModel, w: Weights): Map<string, Tensor> {
  return requireAllWeights(m, matchWeights(m, w.random ? w.random.draw(m) : w.tensors), w.file);
}

/**
 * ORT options of explain's one-shot sessions: no pre-packing of Gemm weights, which is most
 * of a session's start for alexnet and gains nothing over a few runs (docs/design/runtime.md).
 */
export function sessionOptions(o: { threads?: number }): SessionOptions {
  return { prepack: false, ...(o.threads ? { threads: o.threads } : {}) };
}
