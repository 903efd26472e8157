// xception: Keras's Xception (Chollet, "Xception: Deep Learning with Depthwise Separable
// Convolutions", arXiv:1610.02357) as keras_applications/xception.py builds it: an entry
// flow of strided separable blocks, eight identity blocks, an exit flow, global average
// pool and a Dense head.
//
// Layout contract, as Keras's: input NHWC in [-1, 1], kernels HWIO, depthwise kernels
// [kh, kw, in, 1], Dense [in, out]; parameters and end points take Keras's layer names,
// the four unnamed shortcut convs its automatic ones (conv2d_1 .. conv2d_4), as the .h5
// files do.
import { kerasAvgPoolHead, KerasNames, kerasConvBn } from '../nn/blocks/keras.js';
import { kerasSepConvBn, xceptionBlock } from '../nn/blocks/xception.js';
import { relu } from '../nn/layers.js';
import type { Feature, Net } from '../nn/net.js';
import { assemble } from './assemble.js';
import { kerasWeights } from './keras_weights.js';
import type { BuildOptions, BuiltModel, ModelSpec } from './types.js';

export function xception(net: Net, x: Feature, numClasses: number | null, training: boolean): { net: Feature; endPoints: Record<string, Feature> } {
  const ep: Record<string, Feature> = {};
  const names = new KerasNames();
  const conv = (x: Feature, name: string, filters: number, stride: number): Feature =>
    (ep[`${name}_act`] = kerasConvBn(net, x, {
      filters, kernel: [3, 3], stride, padding: 'valid', names: { conv: name, bn: `${name}_bn`, act: `${name}_act` }, scale: true, training,
    }));
  const block = (i: number, filters: number[], shortcut: 'conv' | 'identity') =>
    (x = ep[`block${i}`] = xceptionBlock(net, x, names, { prefix: `block${i}`, filters, firstAct: i > 2, shortcut, training }));

  x = conv(x, 'block1_conv1', 32, 2);
  x = conv(x, 'block1_conv2', 64, 1);
  block(2, [128, 128], 'conv'); // entry flow
  block(3, [256, 256], 'conv');
  block(4, [728, 728], 'conv');
  for (let i = 5; i <= 12; i++) block(i, [728, 728, 728], 'identity'); // middle flow
  block(13, [728, 1024], 'conv'); // exit flow
  x = ep['block14_sepconv1_act'] = relu(net, kerasSepConvBn(net, x, 'block14_sepconv1', 1536, training), 'block14_sepconv1_act');
  x = ep['block14_sepconv2_act'] = relu(net, kerasSepConvBn(net, x, 'block14_sepconv2', 2048, training), 'block14_sepconv2_act');
  if (!numClasses) return { net: x, endPoints: ep };
  x = kerasAvgPoolHead(net, x, numClasses, ep);
  return { net: x, endPoints: ep };
}

export const xceptionSpec: ModelSpec = {
  name: 'xception',
  description: "Keras's Xception (arXiv:1610.02357): depthwise separable convs with residuals, ImageNet weights",
  source: 'keras_applications/xception.py',
  inputLayout: 'NHWC',
  channels: 'RGB',
  defaultImageSize: [299, 299],
  minSize: [71, 71],
  minSizeReason: 'keras_applications min_size=71 (the exit flow needs a 3x3 map)',
  defaultNumClasses: 1000,
  classifier: { layer: 'predictions', weight: 'predictions/kernel', bias: 'predictions/bias', outAxis: 1 },
  preprocess: 'keras-tf',
  // file_hash values from keras_applications/xception.py Xception (its get_file calls)
  weights: kerasWeights({
    model: 'xception',
    dir: 'xception',
    file: 'xception_weights_tf_dim_ordering_tf_kernels',
    md5: '0a58e3b7378bc2990ea3b43d5981f1f6',
    md5NoTop: 'b0042744bf5b25fce3cb969f33bebb97',
    numParams: 22_910_480,
    numParamsNoTop: 20_861_480,
    minSize: [71, 71],
    top1: 79.0,
    top5: 94.5,
    preprocess: 'keras-tf',
  }),
  options: ['numClasses', 'inputSize', 'batch', 'isTraining'],
  build(o: BuildOptions = {}): BuiltModel {
    // keras_applications sets no weight decay
    return assemble(xceptionSpec, o, 0, (net, x, classes) => xception(net, x, classes, o.isTraining ?? false));
  },
};
