// Xception's blocks (Chollet, arXiv:1610.02357) as keras_applications/xception.py writes
// them: SeparableConv2D (depthwise 3x3, pointwise 1x1, no bias) + BatchNormalization,
// ReLUs before each separable conv, and a residual add: a strided 1x1 Conv2D + BN beside a
// 'same' max pool in the entry and exit flows, the identity in the middle flow.
import { add, maxPool2d, relu, separableConv2d } from '../layers.js';
import type { Feature, Net } from '../net.js';
import { glorot, type KerasNames, kerasBatchNorm, kerasConvBn } from './keras.js';

/** SeparableConv2D(filters, 3x3, 'same', use_bias=False) named `name`, then BatchNormalization `name_bn`. */
export function kerasSepConvBn(net: Net, x: Feature, name: string, filters: number, training: boolean): Feature {
  const y = separableConv2d(net, x, {
    scope: name,
    filters,
    kernel: [3, 3],
    stride: [1, 1],
    padding: 'SAME',
    // keras.initializers glorot_uniform with Keras's fans of (3, 3, in, 1) and (1, 1, in, filters)
    depthwise: glorot(`${name}/depthwise_kernel`),
    pointwise: glorot(`${name}/pointwise_kernel`),
    biases: null,
    activation: null,
  });
  return kerasBatchNorm(net, y, `${name}_bn`, { training });
}

export interface XceptionBlockOptions {
  /** Layer-name prefix, e.g. 'block4': blockN_sepconvI(_act, _bn), blockN_pool. */
  prefix: string;
  /** Filters of each separable conv. */
  filters: readonly number[];
  /** A ReLU before the first separable conv (every block but block2). */
  firstAct: boolean;
  /**
   * 'conv': a 1x1 stride-2 Conv2D + BN shortcut with Keras's automatic names (made first,
   * as xception.py does) and a 3x3 stride-2 'same' max pool after the convs;
   * 'identity': the input itself.
   */
  shortcut: 'conv' | 'identity';
  training: boolean;
}

/** One Xception block: x → [ReLU → SeparableConv2D → BN] × n (→ max pool) + shortcut. */
export function xceptionBlock(net: Net, x: Feature, names: KerasNames, o: XceptionBlockOptions): Feature {
  const f = o.filters;
  const residual =
    o.shortcut === 'conv'
      ? kerasConvBn(net, x, {
          filters: f[f.length - 1]!,
          kernel: [1, 1],
          stride: 2,
          padding: 'same',
          names: { conv: names.next('conv2d'), bn: names.next('batch_normalization'), act: null },
          scale: true,
          training: o.training,
        })
      : x;
  let y = x;
  f.forEach((filters, i) => {
    const name = `${o.prefix}_sepconv${i + 1}`;
    if (i > 0 || o.firstAct) y = relu(net, y, `${name}_act`);
    y = kerasSepConvBn(net, y, name, filters, o.training);
  });
  if (o.shortcut === 'conv') {
    y = maxPool2d(net, y, { scope: `${o.prefix}_pool`, kernel: [3, 3], stride: [2, 2], padding: 'SAME' });
  }
  return add(net, [y, residual], names.next('add'));
}
