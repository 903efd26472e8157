// The named pretrained weights of the registered models (torchvision's get_weight and
// get_model_weights): each model file lists its entries in its spec.
import { getModel, listModels } from '../models/registry.js';
import type { WeightsEntry } from '../models/types.js';

/** Every named weights entry, or those of one model. */
export function listWeightsEntries(model?: string): WeightsEntry[] {
  const models = model === undefined ? listModels() : [getModel(model).name];
  return models.flatMap((m) => getModel(m).weights);
}

/** The weights entry called `name` (e.g. 'alexnet', 'bvlc_alexnet'); unknown names list the known ones. */
export function getWeightsEntry(name: string): WeightsEntry {
  const all = listWeightsEntries();
  const entry = all.find((w) => w.name === name);
  if (!entry) throw new Error(`unknown weights ${JSON.stringify(name)}; known: ${all.map((w) => w.name).join(', ')}`);
  return entry;
}
