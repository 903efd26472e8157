// Keras's building units, as keras_applications writes them: automatic layer names, and
// the Conv2D (+ BatchNormalization) (+ Activation) unit of inception_v3.py and
// inception_resnet_v2.py (their conv2d_bn), with Keras's initialisers and BN defaults.
// Parameters are named `<layer>/<weight>` in the order Keras stores a layer's weights.
import { batchNorm } from '../norm.js';
import { conv2d, linear, relu } from '../layers.js';
import { globalAvgPool } from '../pool.js';
import type { Feature, Net } from '../net.js';
import type { ParamSpec } from '../common.js';

/**
 * Keras's names for layers built without one: the class name in snake case and a
 * counter per prefix from 1 (keras/engine/base_layer.py Layer.__init__ and
 * keras/backend get_uid), e.g. conv2d_1, batch_normalization_1, activation_1: the names
 * the published .h5 files give those layers.
 */
export class KerasNames {
  private readonly uids = new Map<string, number>();
  next(prefix: string): string {
    const n = (this.uids.get(prefix) ?? 0) + 1;
    this.uids.set(prefix, n);
    return `${prefix}_${n}`;
  }
}

/** keras.initializers: glorot_uniform kernels, zero biases. */
export const glorot = (name: string) => (fanIn: number, fanOut: number): ParamSpec => ({ name, init: { kind: 'glorot_uniform', fanIn, fanOut } });
export const zeros = (name: string): ParamSpec => ({ name, init: { kind: 'constant', value: 0 } });

/** Keras's BatchNormalization defaults (axis -1): momentum 0.99, epsilon 1e-3 (ResNet's 1.001e-5 by eps). */
export function kerasBatchNorm(net: Net, x: Feature, name: string, o: { scale?: boolean; eps?: number; training: boolean }): Feature {
  const scale = o.scale ?? true;
  return batchNorm(net, x, {
    scope: name,
    eps: o.eps ?? 1e-3,
    momentum: 0.99,
    scale,
    center: true,
    training: o.training,
    // Keras 2's BatchNormalization.call scales the batch variance by m/(m - (1 + eps))
    // before its moving-average update: the unbiased variance, to within eps
    unbiasedRunningVar: true,
    names: {
      ...(scale ? { gamma: `${name}/gamma` } : {}),
      beta: `${name}/beta`,
      mean: `${name}/moving_mean`,
      variance: `${name}/moving_variance`,
    },
  });
}

export interface KerasConvBnOptions {
  filters: number;
  kernel: [number, number];
  stride?: number;
  padding?: 'same' | 'valid';
  /** Layer names: the Conv2D, its BatchNormalization (null: none, the conv has a bias) and Activation (null: linear). */
  names: { conv: string; bn: string | null; act: string | null };
  /** BatchNormalization(scale=...): false drops gamma (inception_v3, inception_resnet_v2). */
  scale: boolean;
  /** BatchNormalization on batch statistics, updating the moving ones. */
  training: boolean;
}

/** Conv2D(use_bias = no BN) → BatchNormalization → Activation('relu'), each optional part by name. */
export function kerasConvBn(net: Net, x: Feature, o: KerasConvBnOptions): Feature {
  const s = o.stride ?? 1;
  const { conv, bn, act } = o.names;
  let y = conv2d(net, x, {
    scope: conv,
    filters: o.filters,
    kernel: o.kernel,
    stride: [s, s],
    padding: (o.padding ?? 'same') === 'same' ? 'SAME' : 'VALID',
    activation: null,
    weightLayout: 'HWIO',
    weights: glorot(`${conv}/kernel`),
    biases: bn ? null : zeros(`${conv}/bias`),
  });
  if (bn) y = kerasBatchNorm(net, y, bn, { scale: o.scale, training: o.training });
  return act ? relu(net, y, act) : y;
}

/**
 * The classification head keras_applications puts on its include_top models:
 * GlobalAveragePooling2D 'avg_pool', then Dense `name` (its softmax left out: logits).
 * Both become end points.
 */
export function kerasAvgPoolHead(net: Net, x: Feature, numClasses: number, ep: Record<string, Feature>, name = 'predictions'): Feature {
  x = ep['avg_pool'] = globalAvgPool(net, x, 'avg_pool');
  return (ep[name] = linear(net, x, {
    scope: name, units: numClasses, activation: null, weightLayout: 'IO',
    weights: glorot(`${name}/kernel`), biases: zeros(`${name}/bias`),
  }));
}
