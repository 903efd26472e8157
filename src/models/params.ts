// Parameters of a built model: specs, counts and seeded random weights.
import type { Tensor } from '../tensor.js';
import { numel } from '../tensor.js';
import { initParams, type ParamLike } from '../nn/init.js';
import type { BuiltModel } from './types.js';

export function paramSpecs(m: BuiltModel): ParamLike[] {
  return m.graph.params.map((p) => ({ name: p.name, shape: p.shape, init: p.param!.init }));
}

export function countParams(m: BuiltModel): number {
  return m.graph.params.reduce((n, p) => n + numel(p.shape as number[]), 0);
}

/** Weights drawn from the model's own initialisers (slim's, torchvision's...) with a seed. */
export function randomWeights(m: BuiltModel, seed: number): Map<string, Tensor> {
  return initParams(paramSpecs(m), seed);
}
