// inception_resnet_v2: Keras's InceptionResNetV2 (Szegedy et al., "Inception-v4,
// Inception-ResNet and the Impact of Residual Connections on Learning", arXiv:1602.07261)
// as keras_applications/inception_resnet_v2.py builds it, after TF-slim's layout:
// conv2d_bn units (no bias, BatchNormalization(scale=False)), 10 block35, 20 block17 and
// 10 block8 scaled-residual blocks, conv_7b, global average pool and a Dense head.
//
// Layout contract, as Keras's: input NHWC in [-1, 1], kernels HWIO, Dense [in, out];
// parameters and end points take Keras's layer names, the unnamed conv2d_bn layers its
// automatic ones (conv2d_1 .. conv2d_203), as the .h5 files do.
import { kerasAvgPoolHead, kerasConvBn } from '../nn/blocks/keras.js';
import { type Branch, inceptionModule, kerasInceptionUnits } from '../nn/blocks/inception.js';
import { inceptionResnetBlock } from '../nn/blocks/inception_resnet.js';
import type { Feature, Net } from '../nn/net.js';
import { assemble } from './assemble.js';
import { kerasWeights } from './keras_weights.js';
import type { BuildOptions, BuiltModel, ModelSpec } from './types.js';

// Branches in inception_resnet_v2.py's order: [filters, kh, kw(, stride, padding)].
const MIXED_5B: Branch[] = [[[96, 1, 1]], [[48, 1, 1], [64, 5, 5]], [[64, 1, 1], [96, 3, 3], [96, 3, 3]], ['avg', [64, 1, 1]]];
const BLOCK35: Branch[] = [[[32, 1, 1]], [[32, 1, 1], [32, 3, 3]], [[32, 1, 1], [48, 3, 3], [64, 3, 3]]];
const MIXED_6A: Branch[] = [[[384, 3, 3, 2, 'valid']], [[256, 1, 1], [256, 3, 3], [384, 3, 3, 2, 'valid']], ['max']];
const BLOCK17: Branch[] = [[[192, 1, 1]], [[128, 1, 1], [160, 1, 7], [192, 7, 1]]];
const MIXED_7A: Branch[] = [
  [[256, 1, 1], [384, 3, 3, 2, 'valid']],
  [[256, 1, 1], [288, 3, 3, 2, 'valid']],
  [[256, 1, 1], [288, 3, 3], [320, 3, 3, 2, 'valid']],
  ['max'],
];
const BLOCK8: Branch[] = [[[192, 1, 1]], [[192, 1, 1], [224, 1, 3], [256, 3, 1]]];

export function inceptionResnetV2(net: Net, x: Feature, numClasses: number | null, training: boolean): { net: Feature; endPoints: Record<string, Feature> } {
  const ep: Record<string, Feature> = {};
  const u = kerasInceptionUnits(net, ep, { scale: false, training });
  const repeat = (type: string, n: number, branches: Branch[], scale: number) => {
    for (let i = 1; i <= n; i++) {
      const name = `${type}_${i}`;
      const last = type === 'block8' && i === n; // the last block8: scale 1, linear
      x = ep[name] = inceptionResnetBlock(net, x, u, { name, branches, scale: last ? 1 : scale, activation: last ? null : 'relu' });
    }
  };
  x = u.conv(x, 32, [3, 3], 2, 'valid');
  x = u.conv(x, 32, [3, 3], 1, 'valid');
  x = u.conv(x, 64, [3, 3], 1, 'same');
  x = u.pool(x, 'max');
  x = u.conv(x, 80, [1, 1], 1, 'valid');
  x = u.conv(x, 192, [3, 3], 1, 'valid');
  x = u.pool(x, 'max');
  x = inceptionModule(x, MIXED_5B, 'mixed_5b', u);
  repeat('block35', 10, BLOCK35, 0.17);
  x = inceptionModule(x, MIXED_6A, 'mixed_6a', u);
  repeat('block17', 20, BLOCK17, 0.1);
  x = inceptionModule(x, MIXED_7A, 'mixed_7a', u);
  repeat('block8', 10, BLOCK8, 0.2);
  x = ep['conv_7b_ac'] = kerasConvBn(net, x, {
    filters: 1536, kernel: [1, 1], names: { conv: 'conv_7b', bn: 'conv_7b_bn', act: 'conv_7b_ac' }, scale: false, training,
  });
  if (!numClasses) return { net: x, endPoints: ep };
  x = kerasAvgPoolHead(net, x, numClasses, ep);
  return { net: x, endPoints: ep };
}

export const inceptionResnetV2Spec: ModelSpec = {
  name: 'inception_resnet_v2',
  description: "Keras's InceptionResNetV2 (arXiv:1602.07261): scaled residual inception blocks, ImageNet weights",
  source: 'keras_applications/inception_resnet_v2.py',
  inputLayout: 'NHWC',
  channels: 'RGB',
  defaultImageSize: [299, 299],
  minSize: [75, 75],
  minSizeReason: 'mixed_7a needs a 3x3 map (keras_applications min_size=75)',
  defaultNumClasses: 1000,
  classifier: { layer: 'predictions', weight: 'predictions/kernel', bias: 'predictions/bias', outAxis: 1 },
  preprocess: 'keras-tf',
  // file_hash values from keras_applications/inception_resnet_v2.py InceptionResNetV2 (its get_file calls)
  weights: kerasWeights({
    model: 'inception_resnet_v2',
    dir: 'inception_resnet_v2',
    file: 'inception_resnet_v2_weights_tf_dim_ordering_tf_kernels',
    md5: 'e693bd0210a403b3192acc6073ad2e96',
    md5NoTop: 'd19885ff4a710c122648d3b5c3b684e4',
    numParams: 55_873_736,
    numParamsNoTop: 54_336_736,
    minSize: [75, 75],
    top1: 80.3,
    top5: 95.3,
    preprocess: 'keras-tf',
  }),
  options: ['numClasses', 'inputSize', 'batch', 'isTraining'],
  build(o: BuildOptions = {}): BuiltModel {
    // keras_applications sets no weight decay
    return assemble(inceptionResnetV2Spec, o, 0, (net, x, classes) => inceptionResnetV2(net, x, classes, o.isTraining ?? false));
  },
};
