// alexnet models: what the registry holds.
import { paramCounts } from '../../models/params.js';
import { getModel, listModels } from '../../models/registry.js';
import { modelSource, sourceParams } from '../../models/source.js';
import type { ModelSpec, WeightsEntry } from '../../models/types.js';
import { parse } from '../args.js';
import type { Command } from '../command.js';
import { table, thousands } from '../format.js';
import { modelsSpec } from '../specs/models.js';

// A weights entry with its class list as a count: the 1000 names would drown the listing.
const entryJson = (w: WeightsEntry) => ({ ...w, meta: { ...w.meta, categories: w.meta.categories.length } });

/** One model as `--json` lists it: params as its source counts them (see sourceParams). */
function modelJson(s: ModelSpec) {
  const built = s.build();
  const c = paramCounts(built);
  return {
    name: s.name,
    source: modelSource(s),
    inputSize: s.defaultImageSize,
    params: sourceParams(s, built),
    weights: s.weights.map(entryJson),
    description: s.description,
    definedIn: s.source,
    channels: s.channels,
    minSize: s.minSize,
    preprocess: s.preprocess,
    trainableParams: c.trainableParams,
    nonTrainableParams: c.nonTrainableParams,
    totalParams: c.totalParams,
  };
}

export const modelsCommand: Command = {
  name: 'models',
  async main(argv, io) {
    const a = parse('models', argv, modelsSpec);
    const models = listModels().map((n) => modelJson(getModel(n)));
    if (a.flag('json')) {
      io.out(JSON.stringify(models) + '\n');
      return 0;
    }
    const rows = models.map((m) => [
      m.name,
      m.source,
      `${m.inputSize.join('x')} ${m.channels}`,
      thousands(m.params),
      m.weights.map((w) => w.name).join(', ') || '-',
    ]);
    io.out(table(['model', 'source', 'input', 'params', 'weights'], rows) + '\n');
    return 0;
  },
};
