// A Keras .h5 file's weights under a model's parameter names. Keras assigns a layer's
// weights by position (keras/engine/saving.py load_weights_from_hdf5_group zips the file's
// weight_names with layer.weights), so the names in the file do not matter: VGG-era files
// say `block1_conv1_W_1:0`, later ones `block1_conv1/kernel:0`. Keras models declare their
// parameters as `<layer>/<weight>` in the layer's own order, so layer L's i-th weight in
// the file is the i-th declared parameter whose name starts with `L/`. Shapes are checked
// afterwards, by name, as for every format (./mapping.ts matchWeights).
import { shapeStr, type Tensor } from '../tensor.js';
import type { H5Tensors } from './h5.js';

const leaf = (name: string) => name.slice(name.lastIndexOf('/') + 1);

/**
 * The file's tensors under the parameter names of a model that declares `params` (in
 * order). A file layer the model has no parameters for keeps its file keys (reported as
 * tensors the model does not have); a layer with another number of weights is an error.
 */
export function h5ToParams(h5: H5Tensors, params: readonly string[]): Map<string, Tensor> {
  const byLayer = new Map<string, string[]>();
  for (const p of params) {
    const i = p.lastIndexOf('/');
    if (i < 0) continue;
    const list = byLayer.get(p.slice(0, i)) ?? [];
    list.push(p);
    byLayer.set(p.slice(0, i), list);
  }
  const out = new Map<string, Tensor>();
  for (const layer of h5.layers) {
    if (layer.weights.length === 0) continue;
    const declared = byLayer.get(layer.name);
    if (!declared) {
      for (const w of layer.weights) out.set(w.key, h5.get(w.key)!);
      continue;
    }
    if (declared.length !== layer.weights.length) {
      const file = layer.weights.map((w) => `${w.name} ${shapeStr(h5.get(w.key)!.shape)}`).join(', ');
      throw new Error(`${h5.file}: ${layer.name}: the model has ${declared.length} weights (${declared.map(leaf).join(', ')}), the file ${layer.weights.length} (${file})`);
    }
    layer.weights.forEach((w, i) => out.set(declared[i]!, h5.get(w.key)!));
  }
  return out;
}

/** The layers of `missing` parameters, in order, once each. */
export function layersOf(missing: readonly string[]): string[] {
  return [...new Set(missing.map((p) => (p.lastIndexOf('/') < 0 ? p : p.slice(0, p.lastIndexOf('/')))))];
}

/** One line for a model's layers that an .h5 file lacks; `featuresOnly` when they are the model's last ones (a _notop file). */
export function missingLayersMessage(h5: H5Tensors, model: string, missing: readonly string[], featuresOnly: boolean): string {
  const layers = layersOf(missing);
  const list = layers.length > 6 ? `${layers.slice(0, 6).join(', ')} (and ${layers.length - 6} more)` : layers.join(', ');
  const withWeights = h5.layers.filter((l) => l.weights.length > 0).length;
  const head = featuresOnly ? '; the file holds the features only (a Keras _notop file): train a new head on them with --classes N' : '';
  return `${h5.file}: no layer ${list} in the file, which ${model} has (the file has ${withWeights} layers with weights)${head}`;
}
