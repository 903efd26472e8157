// alexnet models: what the registry holds.
import { getModel, listModels } from '../../models/registry.js';
import type { WeightsEntry } from '../../models/types.js';
import { parse } from '../args.js';
import type { Command } from '../command.js';
import { table } from '../format.js';
import { modelsSpec } from '../specs/models.js';

// A weights entry with its class list as a count: the 1000 names would drown the listing.
const entryJson = (w: WeightsEntry) => ({ ...w, meta: { ...w.meta, categories: w.meta.categories.length } });

export const modelsCommand: Command = {
  name: 'models',
  async main(argv, io) {
    const a = parse('models', argv, modelsSpec);
    const specs = listModels().map(getModel);
    if (a.flag('json')) {
      io.out(
        JSON.stringify(
          specs.map((s) => ({ name: s.name, description: s.description, source: s.source, input: s.defaultImageSize, minSize: s.minSize, weights: s.weights.map(entryJson) })),
        ) + '\n',
      );
      return 0;
    }
    const rows = specs.map((s) => [s.name, `${s.defaultImageSize.join('x')} ${s.channels}`, s.weights.map((w) => w.name).join(', ') || '-', s.description]);
    io.out(table(['model', 'input', 'weights', 'description'], rows) + '\n');
    return 0;
  },
};
