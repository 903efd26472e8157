// mobilenet: Keras's MobileNet v1, alpha 1.0, depth multiplier 1, 224x224 (Howard et al.,
// "MobileNets: Efficient Convolutional Neural Networks for Mobile Vision Applications",
// arXiv:1704.04861) as keras_applications/mobilenet.py builds it: a 3x3 conv, thirteen
// depthwise-separable units with ReLU6 (explicit ZeroPadding2D before each stride-2 one),
// then the classifier as a 1x1 conv: GlobalAveragePooling2D → Reshape(1, 1, 1024) →
// Dropout(1e-3) → Conv2D 'conv_preds' → Reshape(classes).
//
// Layout contract, as Keras's: input NHWC in [-1, 1] (tf mode), kernels HWIO, depthwise
// kernels [kh, kw, in, 1]; parameters and end points take Keras's layer names
// (conv_dw_1/depthwise_kernel, conv_pw_1_bn/gamma, conv_preds/kernel).
import * as b from '../graph/build.js';
import { glorot, zeros } from '../nn/blocks/keras.js';
import { depthwiseSeparableBlock, mobilenetConvBlock } from '../nn/blocks/mobilenet.js';
import { conv2d, dropout, globalMean } from '../nn/layers.js';
import type { Feature, Net } from '../nn/net.js';
import { assemble } from './assemble.js';
import { kerasWeights } from './keras_weights.js';
import type { BuildOptions, BuiltModel, ModelSpec } from './types.js';

/** mobilenet.py's thirteen _depthwise_conv_block calls: (pointwise filters, stride). */
const BLOCKS: [number, number][] = [
  [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2],
  [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1],
];

export interface MobilenetOptions {
  training: boolean;
  /** Keeps 1 - Keras's dropout=1e-3 before conv_preds. */
  dropoutKeepProb: number;
}

export function mobilenet(net: Net, x: Feature, numClasses: number | null, o: MobilenetOptions): { net: Feature; endPoints: Record<string, Feature> } {
  const ep: Record<string, Feature> = {};
  x = ep['conv1_relu'] = mobilenetConvBlock(net, x, { filters: 32, stride: 2, training: o.training });
  BLOCKS.forEach(([filters, stride], i) => {
    x = ep[`conv_pw_${i + 1}_relu`] = depthwiseSeparableBlock(net, x, { id: i + 1, filters, stride, training: o.training });
  });
  if (!numClasses) return { net: x, endPoints: ep };
  // GlobalAveragePooling2D + Reshape((1, 1, 1024)) as one mean keeping the 1x1 axes
  x = ep['global_average_pooling2d_1'] = globalMean(net, x, 'global_average_pooling2d_1');
  x = dropout(net, x, o.dropoutKeepProb, o.training, 'dropout');
  x = conv2d(net, x, {
    scope: 'conv_preds', filters: numClasses, kernel: [1, 1], stride: [1, 1], padding: 'SAME', activation: null,
    weightLayout: 'HWIO', weights: glorot('conv_preds/kernel'), biases: zeros('conv_preds/bias'),
  });
  // Reshape((classes,)); Keras's act_softmax belongs to classify
  const logits = b.squeeze(net.as(x, 'NHWC'), [1, 2], 'reshape_2/squeezed');
  x = ep['conv_preds'] = net.feature(logits, 'NHWC', x.rf, x.jump);
  return { net: x, endPoints: ep };
}

export const mobilenetSpec: ModelSpec = {
  name: 'mobilenet',
  description: "Keras's MobileNet v1 1.0 224 (arXiv:1704.04861): depthwise-separable convs with ReLU6, ImageNet weights",
  source: 'keras_applications/mobilenet.py',
  inputLayout: 'NHWC',
  channels: 'RGB',
  defaultImageSize: [224, 224],
  minSize: [32, 32],
  minSizeReason: 'keras_applications min_size=32 (five stride-2 units)',
  defaultNumClasses: 1000,
  classifier: { layer: 'conv_preds', weight: 'conv_preds/kernel', bias: 'conv_preds/bias', outAxis: 3 },
  preprocess: 'keras-tf',
  // mobilenet.py loads its files without a file_hash, so none is published
  weights: kerasWeights({
    model: 'mobilenet',
    dir: 'mobilenet',
    file: 'mobilenet_1_0_224_tf',
    fileNoTop: 'mobilenet_1_0_224_tf_no_top',
    numParams: 4_253_864,
    numParamsNoTop: 3_228_864,
    minSize: [32, 32],
    top1: 70.4,
    top5: 89.5,
    preprocess: 'keras-tf',
  }),
  options: ['numClasses', 'inputSize', 'batch', 'isTraining', 'dropoutKeepProb', 'dropoutSeed', 'dropoutMasks', 'lowerToGemm'],
  build(o: BuildOptions = {}): BuiltModel {
    // keras_applications sets no weight decay
    return assemble(mobilenetSpec, o, 0, (net, x, classes) =>
      mobilenet(net, x, classes, { training: o.isTraining ?? false, dropoutKeepProb: o.dropoutKeepProb ?? 1 - 1e-3 }),
    );
  },
};
