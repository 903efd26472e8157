// Parameters of a built model: specs, counts and seeded random weights.
import { type InitSpec, isTrainable, type Value } from '../graph/graph.js';
import type { Tensor } from '../tensor.js';
import { numel } from '../tensor.js';
import { initParams, type ParamLike } from '../nn/init.js';
import type { BuiltModel } from './types.js';

/**
 * How a training run initialises the parameters it does not load:
 *   model    the model's own initialisers (torchvision's alexnet: PyTorch's layer defaults,
 *            U(+-1/sqrt(fan_in)) for weights and biases; slim's; Caffe's)
 *   kaiming  torchvision's VGG/ResNet scheme (vgg.py _initialize_weights): conv weights
 *            kaiming_normal_(mode='fan_out', nonlinearity='relu'), i.e. N(0, 2/fan_out);
 *            fully connected weights N(0, 0.01); biases 0
 */
export const INIT_SCHEMES = ['model', 'kaiming'] as const;
export type InitScheme = (typeof INIT_SCHEMES)[number];

function schemeInit(p: Value, scheme: InitScheme): InitSpec {
  const info = p.param!;
  // batch norm keeps gamma 1, beta 0 and its statistics 0 and 1 (resnet.py: constant_(m.weight, 1), constant_(m.bias, 0))
  if (scheme === 'model' || info.normalization) return info.init;
  if (!info.fans) return { kind: 'constant', value: 0 };
  if (p.shape.length === 4) return { kind: 'normal', mean: 0, stddev: Math.sqrt(2 / info.fans.out) };
  return { kind: 'normal', mean: 0, stddev: 0.01 };
}

export function paramSpecs(m: BuiltModel, scheme: InitScheme = 'model'): ParamLike[] {
  return m.graph.params.map((p) => ({ name: p.name, shape: p.shape, init: schemeInit(p, scheme) }));
}

/** Every parameter's values, the non-trainable ones (batch norms' running statistics) included: Keras's total. */
export function countParams(m: BuiltModel): number {
  return m.graph.params.reduce((n, p) => n + numel(p.shape as number[]), 0);
}

export interface ParamCounts {
  /** What an optimizer updates; torchvision's count (its running statistics are buffers). */
  trainableParams: number;
  /** Batch norms' moving mean and variance (Keras's non-trainable weights). */
  nonTrainableParams: number;
  /** Their sum, as Keras's model.summary() reports it. */
  totalParams: number;
}

export function paramCounts(m: BuiltModel): ParamCounts {
  let trainable = 0;
  let other = 0;
  for (const p of m.graph.params) {
    const n = numel(p.shape as number[]);
    if (isTrainable(p)) trainable += n;
    else other += n;
  }
  return { trainableParams: trainable, nonTrainableParams: other, totalParams: trainable + other };
}

/** Weights drawn from the model's own initialisers (slim's, torchvision's...), or another scheme, with a seed. */
export function randomWeights(m: BuiltModel, seed: number, scheme: InitScheme = 'model'): Map<string, Tensor> {
  return initParams(paramSpecs(m, scheme), seed);
}
