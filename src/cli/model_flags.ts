// Flags shared by commands that build a model: --model, --input, --classes,
// --global-pool, --no-squeeze.
import type { BuildOptions, ModelSpec } from '../models/types.js';
import { checkMinSize, classes, model, type Options, size, UsageError, type Values } from './args.js';

export const MODEL_FLAGS: Options = {
  model: { type: 'string', short: 'm' },
  input: { type: 'string' },
  classes: { type: 'string' },
  'global-pool': { type: 'boolean' },
  'no-squeeze': { type: 'boolean' },
};

export const MODEL_USAGE = `  --model NAME      model to build (default alexnet_v2; see alexnet models)
  --input HxW       input size (default: the model's, 224x224 for alexnet_v2)
  --classes N       classes of the last layer (default 1000; 0 for features only)
  --global-pool     average fc7 over space, so any input size gives one vector (alexnet_v2)
  --no-squeeze      keep the spatial axes of the logits (slim's spatial_squeeze=False)`;

export function modelFromFlags(v: Values): { spec: ModelSpec; opts: BuildOptions; inputSize: [number, number] } {
  const spec = model(v['model']);
  const inputSize = size(v['input'], 'input') ?? spec.defaultImageSize;
  checkMinSize(spec, inputSize);
  const opts: BuildOptions = { inputSize, numClasses: classes(v['classes'], spec) };
  const want = (flag: string, key: keyof BuildOptions, value: unknown) => {
    if (!v[flag]) return;
    if (!spec.options.includes(key)) throw new UsageError(`--${flag} is not an option of ${spec.name}`);
    (opts as Record<string, unknown>)[key] = value;
  };
  want('global-pool', 'globalPool', true);
  want('no-squeeze', 'spatialSqueeze', false);
  return { spec, opts, inputSize };
}
