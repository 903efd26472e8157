// MobileNet v1's units (Howard et al., arXiv:1704.04861) as keras_applications/mobilenet.py
// builds them: _conv_block (a full 3x3 conv) and _depthwise_conv_block (the
// depthwise-separable unit: 3x3 depthwise conv, BN, ReLU6, 1x1 pointwise conv, BN,
// ReLU6), convs without biases, Keras's BN defaults (epsilon 1e-3, momentum 0.99). A
// stride-2 unit is explicitly zero-padded ((0, 1), (0, 1)) and then VALID, which is how
// Keras pads TF's SAME for an even input without relying on the backend.
import { conv2d, depthwiseConv2d, relu6, zeroPad2d } from '../layers.js';
import type { Feature, Net } from '../net.js';
import { glorot, kerasBatchNorm } from './keras.js';

/** mobilenet.py _conv_block: conv1_pad, conv1 (3x3, no bias), conv1_bn, conv1_relu (ReLU6). */
export function mobilenetConvBlock(net: Net, x: Feature, o: { filters: number; stride: number; training: boolean }): Feature {
  x = zeroPad2d(net, x, [0, 0, 1, 1], 'conv1_pad');
  x = conv2d(net, x, {
    scope: 'conv1', filters: o.filters, kernel: [3, 3], stride: [o.stride, o.stride], padding: 'VALID', activation: null,
    weightLayout: 'HWIO', weights: glorot('conv1/kernel'), biases: null,
  });
  return relu6(net, kerasBatchNorm(net, x, 'conv1_bn', { training: o.training }), 'conv1_relu');
}

export interface DepthwiseBlockOptions {
  /** Keras's block_id: layers conv_pad_<id>, conv_dw_<id>, conv_dw_<id>_bn, conv_pw_<id> ... */
  id: number;
  /** Pointwise filters (already multiplied by alpha). */
  filters: number;
  stride: number;
  /** Keras's depth_multiplier: depthwise outputs per input channel. */
  multiplier?: number;
  training: boolean;
}

/** mobilenet.py _depthwise_conv_block. */
export function depthwiseSeparableBlock(net: Net, x: Feature, o: DepthwiseBlockOptions): Feature {
  const id = o.id;
  if (o.stride !== 1) x = zeroPad2d(net, x, [0, 0, 1, 1], `conv_pad_${id}`);
  x = depthwiseConv2d(net, x, {
    scope: `conv_dw_${id}`, kernel: [3, 3], stride: [o.stride, o.stride], padding: o.stride === 1 ? 'SAME' : 'VALID',
    multiplier: o.multiplier ?? 1, weightLayout: 'HWIM', weights: glorot(`conv_dw_${id}/depthwise_kernel`), biases: null, activation: null,
  });
  x = relu6(net, kerasBatchNorm(net, x, `conv_dw_${id}_bn`, { training: o.training }), `conv_dw_${id}_relu`);
  x = conv2d(net, x, {
    scope: `conv_pw_${id}`, filters: o.filters, kernel: [1, 1], stride: [1, 1], padding: 'SAME', activation: null,
    weightLayout: 'HWIO', weights: glorot(`conv_pw_${id}/kernel`), biases: null,
  });
  return relu6(net, kerasBatchNorm(net, x, `conv_pw_${id}_bn`, { training: o.training }), `conv_pw_${id}_relu`);
}
