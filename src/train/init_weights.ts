// The weights a run starts from, as kratzert's finetune.py users know it:
//
//   no --weights     the model's own initialisers (slim's, torchvision's, Caffe's), seeded
//   --weights FILE   any supported format (.pth, .npy, .onnx, .safetensors, .h5), names and
//                    layouts mapped per model (src/weights/mapping.ts); or a checkpoint or
//                    run directory of an earlier training run
//   --classes N      differing from the file's: every parameter whose shape differs (the
//                    last layer) is re-initialised, with a message naming it and the shapes
//   --reinit fc8     named layers re-initialised after loading, whatever the file holds
//   features only    a file without the model's last layers (Keras's *_notop.h5): the
//                    features load, the head is initialised, with a message naming it
//
// Re-initialised parameters draw from the model's initialisers (or --init kaiming, see
// src/models/params.ts) with the run's seed, so they are the same as in a from-scratch
// run with that seed.
import { paramSpecs, type InitScheme } from '../models/params.js';
import type { BuiltModel } from '../models/types.js';
import { initParams } from '../nn/init.js';
import { shapeStr, type Tensor } from '../tensor.js';
import { featuresOnly, matchWeights, otherModelHint, splitParamName } from '../weights/mapping.js';
import { configFromMetadata } from '../weights/bundle.js';
import { readWeights } from '../weights/read.js';
import { weightsFileOf } from './checkpoint.js';
import { layerParams, shortLayer } from './config.js';

export interface InitialWeights {
  weights: Map<string, Tensor>;
  /** What was done, one line each, for the log. */
  messages: string[];
}

/** Random weights from the model's initialisers for some parameters only. */
function fresh(m: BuiltModel, names: ReadonlySet<string>, seed: number, scheme: InitScheme): Map<string, Tensor> {
  return initParams(paramSpecs(m, scheme).filter((p) => names.has(p.name)), seed);
}

export async function initialWeights(m: BuiltModel, opts: { weights: string | null; reinit: readonly string[]; seed: number; init: InitScheme }): Promise<InitialWeights> {
  const messages: string[] = [];
  const all = new Set(m.graph.params.map((p) => p.name));
  const scheme = opts.init;
  const fromScheme = scheme === 'model' ? `${m.name}'s initialisers` : `${scheme} initialisation`;
  if (!opts.weights) {
    messages.push(`weights: ${fromScheme}, seed ${opts.seed}`);
    return { weights: fresh(m, all, opts.seed, scheme), messages };
  }
  const path = weightsFileOf(opts.weights);
  const file = await readWeights(path);
  const bundle = file.format === 'safetensors' ? configFromMetadata(file.metadata, path) : null;
  if (bundle && bundle.model !== m.name) throw new Error(`${opts.weights}: holds ${bundle.model} weights, not ${m.name}`);
  const matched = matchWeights(m, file.tensors);
  const reinitParams = new Set(layerParams(m, opts.reinit));
  const weights = matched.weights;

  // shape changes (a new number of classes): re-initialise, say so
  const changed = new Set<string>();
  const byLayer = new Map<string, string[]>();
  for (const mm of matched.mismatched) {
    changed.add(mm.name);
    const p = m.graph.params.find((x) => x.name === mm.name)!;
    const [, leaf] = splitParamName(mm.name);
    const list = byLayer.get(p.param!.layer) ?? [];
    list.push(`${leaf} ${shapeStr(mm.got)} -> ${shapeStr(mm.expected)}`);
    byLayer.set(p.param!.layer, list);
  }
  for (const [layer, what] of byLayer) {
    messages.push(`${shortLayer(layer)}: shape differs from ${opts.weights} (${what.join(', ')}); re-initialised`);
  }
  const missing = matched.missing.filter((n) => !reinitParams.has(n));
  if (missing.length && featuresOnly(m, matched)) {
    const layers = new Set(missing.map((n) => m.graph.params.find((p) => p.name === n)!.param!.layer));
    messages.push(`${[...layers].map(shortLayer).join(', ')}: not in ${opts.weights} (features only); initialised`);
  } else if (missing.length) {
    throw new Error(`${opts.weights}: no ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` (and ${missing.length - 3} more)` : ''} for ${m.name}; ${matched.unexpected.length ? `the file has ${matched.unexpected.slice(0, 3).join(', ')}` : 'pass --reinit LAYER to initialise them'}${otherModelHint(m.name, file.tensors)}`);
  }
  if (matched.unexpected.length) messages.push(`ignored ${matched.unexpected.length} tensors ${m.name} does not have (${matched.unexpected.slice(0, 3).join(', ')}${matched.unexpected.length > 3 ? ', ...' : ''})`);
  if (opts.reinit.length) messages.push(`re-initialised ${opts.reinit.map(shortLayer).join(', ')} (--reinit)`);
  const redo = new Set([...changed, ...reinitParams, ...matched.missing]);
  for (const [n, t] of fresh(m, redo, opts.seed, scheme)) weights.set(n, t);
  messages.unshift(`weights: ${path} (${file.format}, ${weights.size - redo.size} of ${all.size} parameters loaded)`);
  return { weights, messages };
}
