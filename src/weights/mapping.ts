// From the names and layouts a weight file uses to a model's parameters.
//
// Most files already use the model's own names: torchvision state dicts for `alexnet`
// (features.0.weight, OIHW), kratzert's bvlc_alexnet.npy for `bvlc_alexnet` (conv1/weights,
// HWIO), slim variable names for `alexnet_v2`, and our safetensors for all of them. The
// tables below cover the files that do not: the ONNX model zoo's bvlcalexnet-12.onnx,
// whose initializers are Caffe's blobs (conv1_w_0 OIHW, fc6_w_0 [4096, 9216] over (C,H,W)).
import type { Value } from '../graph/graph.js';
import { getModel, listModels } from '../models/registry.js';
import type { BuiltModel, ModelSpec } from '../models/types.js';
import type { Tensor } from '../tensor.js';
import { reshape, shapeStr, toFloat32, transpose } from '../tensor.js';
import { asH5 } from './h5.js';
import { h5ToParams, missingLayersMessage } from './h5_map.js';

type Convert = (raw: ReadonlyMap<string, Tensor>) => Map<string, Tensor> | null;

/** Caffe blob names as the ONNX zoo's bvlcalexnet-12.onnx carries them. */
const bvlcFromZoo: Convert = (raw) => {
  if (!raw.has('conv1_w_0')) return null;
  const out = new Map<string, Tensor>();
  const get = (k: string): Tensor => {
    const t = raw.get(k);
    if (!t) throw new Error(`ONNX zoo AlexNet: missing initializer ${k}`);
    return t;
  };
  for (const l of ['conv1', 'conv2', 'conv3', 'conv4', 'conv5']) {
    out.set(`${l}/weights`, transpose(get(`${l}_w_0`), [2, 3, 1, 0])); // OIHW -> HWIO
    out.set(`${l}/biases`, get(`${l}_b_0`));
  }
  // fc6 is [4096, 256*6*6] over Caffe's (C, H, W); ours is [(H, W, C), 4096].
  const fc6 = get('fc6_w_0');
  if (fc6.shape.length === 2 && fc6.shape[1] === 9216) {
    const units = fc6.shape[0]!;
    out.set('fc6/weights', reshape(transpose(reshape(fc6, [units, 256, 6, 6]), [2, 3, 1, 0]), [9216, units]));
  } else {
    out.set('fc6/weights', fc6); // let the shape check report it
  }
  out.set('fc6/biases', get('fc6_b_0'));
  for (const l of ['fc7', 'fc8']) {
    const w = get(`${l}_w_0`);
    out.set(`${l}/weights`, w.shape.length === 2 ? transpose(w, [1, 0]) : w);
    out.set(`${l}/biases`, get(`${l}_b_0`));
  }
  return out;
};

const CONVERTERS: Record<string, Convert[]> = {
  bvlc_alexnet: [bvlcFromZoo],
};

export interface Mismatch {
  name: string;
  expected: readonly (number | string)[];
  got: readonly number[];
}

export interface MatchedWeights {
  weights: Map<string, Tensor>;
  /** Model parameters the file lacks. */
  missing: string[];
  /** File tensors the model does not have. */
  unexpected: string[];
  /** Present in both with different shapes (e.g. fc8 of another number of classes). */
  mismatched: Mismatch[];
  /** The file's tensors as given, to name the model they fit when they do not fit this one. */
  source: ReadonlyMap<string, Tensor>;
}

/** 'features.3.weight' -> ['features.3', 'weight']; 'conv2/weights' -> ['conv2', 'weights']. */
export function splitParamName(name: string): [string, string] {
  const i = Math.max(name.lastIndexOf('.'), name.lastIndexOf('/'));
  return i < 0 ? [name, name] : [name.slice(0, i), name.slice(i + 1)];
}

export function mismatchMessage(m: Mismatch): string {
  const [layer, leaf] = splitParamName(m.name);
  return `${layer}: expected ${leaf} ${shapeStr(m.expected)}, file has ${shapeStr(m.got)}`;
}

// Parameter names by model, in declaration order (they do not depend on the number of classes).
const paramNameCache = new Map<string, readonly string[]>();
function paramNames(modelName: string): readonly string[] {
  let names = paramNameCache.get(modelName);
  if (!names) {
    const spec = getModel(modelName);
    paramNameCache.set(modelName, (names = spec.build({ numClasses: spec.defaultNumClasses }).graph.params.map((p) => p.name)));
  }
  return names;
}

/**
 * A file's tensors under the model's names (the layouts converted where needed; a Keras
 * .h5 file's by position within each layer, given the model's `params` in order or
 * building the registered model for them).
 */
export function convertNames(modelName: string, raw: ReadonlyMap<string, Tensor>, params?: readonly string[]): ReadonlyMap<string, Tensor> {
  const h5 = asH5(raw);
  if (h5) return h5ToParams(h5, params ?? paramNames(modelName));
  for (const c of CONVERTERS[modelName] ?? []) {
    const converted = c(raw);
    if (converted) return converted;
  }
  return raw;
}

/** The file's tensors under the model's names (float32), with what did not fit. */
export function matchWeights(model: BuiltModel, raw: ReadonlyMap<string, Tensor>): MatchedWeights {
  const named = convertNames(model.name, raw, model.graph.params.map((p) => p.name));
  const params = new Map<string, Value>(model.graph.params.map((p) => [p.name, p]));
  const res: MatchedWeights = { weights: new Map(), missing: [], unexpected: [], mismatched: [], source: raw };
  for (const [name, p] of params) {
    const t = named.get(name);
    if (!t) {
      res.missing.push(name);
      continue;
    }
    const same = t.shape.length === p.shape.length && t.shape.every((d, i) => d === p.shape[i]);
    if (!same) res.mismatched.push({ name, expected: p.shape, got: [...t.shape] });
    else res.weights.set(name, toFloat32(t));
  }
  for (const name of named.keys()) if (!params.has(name)) res.unexpected.push(name);
  return res;
}

/** All parameters or an error naming what is wrong, with the shapes, and the model the file fits if another does. */
export function requireAllWeights(model: BuiltModel, m: MatchedWeights, file: string): Map<string, Tensor> {
  if (m.mismatched.length) {
    const more = m.mismatched.length > 1 ? ` (and ${m.mismatched.length - 1} more)` : '';
    throw new Error(`${file}: ${mismatchMessage(m.mismatched[0]!)}${more}${otherModelHint(model.name, m.source)}`);
  }
  // parameters no output uses may be absent (ModelSpec.optionalParams); compiling prunes them
  const optional = getModel(model.name).optionalParams ?? [];
  m = { ...m, missing: m.missing.filter((n) => !optional.some((o) => n.startsWith(o))) };
  const h5 = asH5(m.source);
  if (m.missing.length && h5) throw new Error(missingLayersMessage(h5, model.name, m.missing, featuresOnly(model, m)));
  if (m.missing.length) {
    const sample = m.missing.slice(0, 3).join(', ');
    const hint = m.unexpected.length ? `; the file has ${m.unexpected.slice(0, 3).join(', ')}${m.unexpected.length > 3 ? ', ...' : ''}` : '';
    throw new Error(`${file}: not ${model.name} weights: missing ${m.missing.length} of ${model.graph.params.length} parameters (${sample}${m.missing.length > 3 ? ', ...' : ''})${hint}${otherModelHint(model.name, m.source)}`);
  }
  return m.weights;
}

/**
 * Whether the parameters a file lacks are the model's last ones and it gives the others:
 * a features-only file, such as Keras's *_notop.h5, whose head a run initialises afresh.
 */
export function featuresOnly(model: BuiltModel, m: Pick<MatchedWeights, 'missing' | 'weights' | 'mismatched'>): boolean {
  const params = model.graph.params;
  const n = m.missing.length;
  if (n === 0 || n === params.length || m.weights.size + m.mismatched.length !== params.length - n) return false;
  const tail = new Set(params.slice(params.length - n).map((p) => p.name));
  return m.missing.every((p) => tail.has(p));
}

/** Whether a file's tensors give every parameter of the model, in its shapes, with the file's number of classes. */
function fitsModel(spec: ModelSpec, raw: ReadonlyMap<string, Tensor>): boolean {
  try {
    const named = convertNames(spec.name, raw);
    const classes = named.get(spec.classifier.weight)?.shape[spec.classifier.outAxis];
    if (!classes) return false;
    const m = spec.build({ numClasses: classes });
    return m.graph.params.every((p) => {
      const t = named.get(p.name);
      return t !== undefined && t.shape.length === p.shape.length && t.shape.every((d, i) => d === p.shape[i]);
    });
  } catch {
    return false; // e.g. a converter that recognised the file and found it incomplete
  }
}

/**
 * '; looks like X weights; try --model X' when exactly one registered model other than
 * `requested` takes every tensor it needs from the file (by names and shapes, any number of
 * classes), else ''. For messages about weights that do not fit `requested`.
 */
export function otherModelHint(requested: string, raw: ReadonlyMap<string, Tensor>): string {
  const fitting = listModels().filter((name) => name !== requested && fitsModel(getModel(name), raw));
  return fitting.length === 1 ? `; looks like ${fitting[0]} weights; try --model ${fitting[0]}` : '';
}

/** Classes of a weight file's last layer (null when the file has no such layer). */
export function classesInFile(spec: ModelSpec, raw: ReadonlyMap<string, Tensor>): number | null {
  const t = convertNames(spec.name, raw).get(spec.classifier.weight);
  return t ? (t.shape[spec.classifier.outAxis] ?? null) : null;
}
