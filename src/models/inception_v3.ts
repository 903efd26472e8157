// inception_v3: Keras's InceptionV3 (Szegedy et al., "Rethinking the Inception
// Architecture", arXiv:1512.00567) as keras_applications/inception_v3.py builds it:
// conv2d_bn units (Conv2D without bias, BatchNormalization(scale=False), ReLU), 'same'
// average pools that exclude padding, global average pool and a Dense head.
//
// Layout contract, as Keras's: input NHWC in [-1, 1], kernels HWIO, Dense [in, out];
// parameters and end points take Keras's layer names, the unnamed conv2d_bn layers its
// automatic ones (conv2d_1 .. conv2d_94, batch_normalization_1 ..), as the .h5 files do.
import { kerasAvgPoolHead } from '../nn/blocks/keras.js';
import { type Branch, inceptionModule, kerasInceptionUnits } from '../nn/blocks/inception.js';
import type { Feature, Net } from '../nn/net.js';
import { assemble } from './assemble.js';
import { kerasWeights } from './keras_weights.js';
import type { BuildOptions, BuiltModel, ModelSpec } from './types.js';

// The modules' branches, in inception_v3.py's order: [filters, kh, kw(, stride, padding)].
const A = (pool: number): Branch[] => [[[64, 1, 1]], [[48, 1, 1], [64, 5, 5]], [[64, 1, 1], [96, 3, 3], [96, 3, 3]], ['avg', [pool, 1, 1]]];
const B: Branch[] = [[[384, 3, 3, 2, 'valid']], [[64, 1, 1], [96, 3, 3], [96, 3, 3, 2, 'valid']], ['max']];
const C = (c: number): Branch[] => [
  [[192, 1, 1]],
  [[c, 1, 1], [c, 1, 7], [192, 7, 1]],
  [[c, 1, 1], [c, 7, 1], [c, 1, 7], [c, 7, 1], [192, 1, 7]],
  ['avg', [192, 1, 1]],
];
const D: Branch[] = [[[192, 1, 1], [320, 3, 3, 2, 'valid']], [[192, 1, 1], [192, 1, 7], [192, 7, 1], [192, 3, 3, 2, 'valid']], ['max']];
const E = (i: number): Branch[] => [
  [[320, 1, 1]],
  [[384, 1, 1], { split: [[[384, 1, 3]], [[384, 3, 1]]], name: `mixed9_${i}` }],
  [[448, 1, 1], [384, 3, 3], { split: [[[384, 1, 3]], [[384, 3, 1]]] }],
  ['avg', [192, 1, 1]],
];
const MODULES: [string, Branch[]][] = [
  ['mixed0', A(32)], ['mixed1', A(64)], ['mixed2', A(64)], ['mixed3', B], ['mixed4', C(128)],
  ['mixed5', C(160)], ['mixed6', C(160)], ['mixed7', C(192)], ['mixed8', D], ['mixed9', E(0)], ['mixed10', E(1)],
];

export function inceptionV3(net: Net, x: Feature, numClasses: number | null, training: boolean): { net: Feature; endPoints: Record<string, Feature> } {
  const ep: Record<string, Feature> = {};
  const u = kerasInceptionUnits(net, ep, { scale: false, training });
  x = u.conv(x, 32, [3, 3], 2, 'valid');
  x = u.conv(x, 32, [3, 3], 1, 'valid');
  x = u.conv(x, 64, [3, 3], 1, 'same');
  x = u.pool(x, 'max');
  x = u.conv(x, 80, [1, 1], 1, 'valid');
  x = u.conv(x, 192, [3, 3], 1, 'valid');
  x = u.pool(x, 'max');
  for (const [name, branches] of MODULES) x = inceptionModule(x, branches, name, u);
  if (!numClasses) return { net: x, endPoints: ep };
  x = kerasAvgPoolHead(net, x, numClasses, ep);
  return { net: x, endPoints: ep };
}

export const inceptionV3Spec: ModelSpec = {
  name: 'inception_v3',
  description: "Keras's InceptionV3 (arXiv:1512.00567): BN without scale, convs without bias, ImageNet weights",
  source: 'keras_applications/inception_v3.py',
  inputLayout: 'NHWC',
  channels: 'RGB',
  defaultImageSize: [299, 299],
  minSize: [75, 75],
  minSizeReason: 'mixed8 needs a 3x3 map (keras_applications min_size=75)',
  defaultNumClasses: 1000,
  classifier: { layer: 'predictions', weight: 'predictions/kernel', bias: 'predictions/bias', outAxis: 1 },
  preprocess: 'keras-tf',
  // file_hash values from keras_applications/inception_v3.py InceptionV3 (its get_file calls)
  weights: kerasWeights({
    model: 'inception_v3',
    dir: 'inception_v3',
    file: 'inception_v3_weights_tf_dim_ordering_tf_kernels',
    md5: '9a0d58056eeedaa3f26cb7ebd46da564',
    md5NoTop: 'bcbd6486424b2319ff4ef7d526e38f63',
    numParams: 23_851_784,
    numParamsNoTop: 21_802_784,
    minSize: [75, 75],
    top1: 77.9,
    top5: 93.7,
    preprocess: 'keras-tf',
  }),
  options: ['numClasses', 'inputSize', 'batch', 'isTraining'],
  build(o: BuildOptions = {}): BuiltModel {
    // keras_applications sets no weight decay
    return assemble(inceptionV3Spec, o, 0, (net, x, classes) => inceptionV3(net, x, classes, o.isTraining ?? false));
  },
};
