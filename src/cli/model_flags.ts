// The model a command builds from the flags of BUILD_OPTIONS (src/cli/specs/shared.ts):
// --model, --input, --classes, --global-pool, --no-squeeze.
import type { BuildOptions, ModelSpec } from '../models/types.js';
import { type Args, checkMinSize, model, UsageError } from './args.js';

export function modelFromFlags(a: Args): { spec: ModelSpec; opts: BuildOptions; inputSize: [number, number] } {
  const spec = model(a.str('model')!);
  const inputSize = a.size('input') ?? spec.defaultImageSize;
  checkMinSize(spec, inputSize);
  const opts: BuildOptions = { inputSize, numClasses: a.int('classes') ?? spec.defaultNumClasses };
  const want = (flag: string, key: keyof BuildOptions, value: unknown) => {
    if (!a.flag(flag)) return;
    if (!spec.options.includes(key)) throw new UsageError(`--${flag} is not an option of ${spec.name}`);
    (opts as Record<string, unknown>)[key] = value;
  };
  want('global-pool', 'globalPool', true);
  want('no-squeeze', 'spatialSqueeze', false);
  return { spec, opts, inputSize };
}

/**
 * The bundle `alexnet weights download NAME` wrote for a model, in $ALEXNET_HOME/weights;
 * the library's error saying how to get it when it is not there (a wrong call for a model
 * with no published weights).
 */
export async function downloadedWeights(spec: ModelSpec): Promise<string> {
  const { locateWeights, noWeightsMessage } = await import('../weights/resolve.js');
  if (!spec.weights[0]) throw new UsageError(noWeightsMessage(spec));
  return (await locateWeights(spec)).file;
}
