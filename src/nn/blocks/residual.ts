// The bottleneck residual block of ResNet v1 (He et al., arXiv:1512.03385) as Keras builds
// it (keras_applications/resnet_common.py block1 and stack1): the stride in the first 1x1
// conv, convs with biases, BatchNormalization with epsilon 1.001e-5, and a 1x1 conv +
// BN shortcut in each stack's first block. Layer names are Keras's: <name>_0_conv,
// <name>_1_conv ... <name>_3_bn, <name>_add, <name>_out.
import { add, conv2d, relu } from '../layers.js';
import type { Feature, Net } from '../net.js';
import { glorot, kerasBatchNorm, zeros } from './keras.js';

/** resnet_common.py's BatchNormalization(epsilon=1.001e-5). */
export const RESNET_BN_EPS = 1.001e-5;

export interface ResidualBlockOptions {
  /** Keras's block name, e.g. conv2_block1. */
  name: string;
  /** Bottleneck width; the block outputs 4 * filters channels. */
  filters: number;
  /** Stride of the first 1x1 conv (and of the shortcut conv). */
  stride: number;
  /** A 1x1 conv + BN shortcut (a stack's first block) or the identity. */
  convShortcut: boolean;
  /** BatchNormalization on batch statistics, updating the moving ones. */
  training: boolean;
}

/** Keras's Conv2D(filters, k, strides) with bias, then BatchNormalization (eps 1.001e-5). */
function convBn(net: Net, x: Feature, scope: string, filters: number, k: number, stride: number, training: boolean): Feature {
  const y = conv2d(net, x, {
    scope: `${scope}_conv`, filters, kernel: [k, k], stride: [stride, stride], padding: k === 1 ? 'VALID' : 'SAME', activation: null,
    weightLayout: 'HWIO', weights: glorot(`${scope}_conv/kernel`), biases: zeros(`${scope}_conv/bias`),
  });
  return kerasBatchNorm(net, y, `${scope}_bn`, { eps: RESNET_BN_EPS, training });
}

/** resnet_common.py block1: relu(shortcut + bn(conv1x1(relu(bn(conv3x3(relu(bn(conv1x1(x))))))))). */
export function residualBlock(net: Net, x: Feature, o: ResidualBlockOptions): Feature {
  const { name: n, filters: f, training } = o;
  // declared in Keras's order of creation: the shortcut first
  const shortcut = o.convShortcut ? convBn(net, x, `${n}_0`, 4 * f, 1, o.stride, training) : x;
  let y = relu(net, convBn(net, x, `${n}_1`, f, 1, o.stride, training), `${n}_1_relu`);
  y = relu(net, convBn(net, y, `${n}_2`, f, 3, 1, training), `${n}_2_relu`);
  y = convBn(net, y, `${n}_3`, 4 * f, 1, 1, training);
  return add(net, [shortcut, y], `${n}_add`, { activation: 'relu' }); // <n>_add, then Activation <n>_out
}

/** resnet_common.py stack1: `blocks` blocks named <name>_block1.., the first strided with a conv shortcut. */
export function residualStack(net: Net, x: Feature, o: { name: string; filters: number; blocks: number; stride: number; training: boolean }, ep?: Record<string, Feature>): Feature {
  for (let i = 1; i <= o.blocks; i++) {
    const name = `${o.name}_block${i}`;
    x = residualBlock(net, x, { name, filters: o.filters, stride: i === 1 ? o.stride : 1, convShortcut: i === 1, training: o.training });
    if (ep) ep[`${name}_out`] = x;
  }
  return x;
}
