// resnet50: Keras's ResNet50 (He et al., "Deep Residual Learning for Image Recognition",
// arXiv:1512.03385) as keras_applications/resnet_common.py builds it (ResNet50 = ResNet
// with stack1 x [3, 4, 6, 3], preact=False, use_bias=True): v1 blocks with the stride in
// the first 1x1 conv, convs with biases, BatchNormalization epsilon 1.001e-5, global
// average pool and a Dense head named `probs`.
//
// Layout contract, as Keras's: input NHWC in BGR minus the ImageNet mean (caffe mode),
// kernels HWIO, Dense kernel [in, out]; parameters and end points take Keras's layer
// names (conv1_conv/kernel, conv2_block1_1_bn/moving_mean, probs/bias).
import { glorot, kerasAvgPoolHead, kerasBatchNorm, zeros } from '../nn/blocks/keras.js';
import { RESNET_BN_EPS, residualStack } from '../nn/blocks/residual.js';
import { conv2d, maxPool2d, relu, zeroPad2d } from '../nn/layers.js';
import type { Feature, Net } from '../nn/net.js';
import { assemble } from './assemble.js';
import { kerasWeights } from './keras_weights.js';
import type { BuildOptions, BuiltModel, ModelSpec } from './types.js';

/** resnet_common.py ResNet50's stack_fn: (name, filters, blocks, first stride). */
const STACKS: [string, number, number, number][] = [
  ['conv2', 64, 3, 1],
  ['conv3', 128, 4, 2],
  ['conv4', 256, 6, 2],
  ['conv5', 512, 3, 2],
];

export function resnet50(net: Net, x: Feature, numClasses: number | null, training: boolean): { net: Feature; endPoints: Record<string, Feature> } {
  const ep: Record<string, Feature> = {};
  x = zeroPad2d(net, x, [3, 3, 3, 3], 'conv1_pad');
  x = conv2d(net, x, {
    scope: 'conv1_conv', filters: 64, kernel: [7, 7], stride: [2, 2], padding: 'VALID', activation: null,
    weightLayout: 'HWIO', weights: glorot('conv1_conv/kernel'), biases: zeros('conv1_conv/bias'),
  });
  x = ep['conv1_relu'] = relu(net, kerasBatchNorm(net, x, 'conv1_bn', { eps: RESNET_BN_EPS, training }), 'conv1_relu');
  x = zeroPad2d(net, x, [1, 1, 1, 1], 'pool1_pad');
  x = ep['pool1_pool'] = maxPool2d(net, x, { scope: 'pool1_pool', kernel: [3, 3], stride: [2, 2], padding: 'VALID' });
  for (const [name, filters, blocks, stride] of STACKS) x = residualStack(net, x, { name, filters, blocks, stride, training }, ep);
  if (!numClasses) return { net: x, endPoints: ep };
  x = kerasAvgPoolHead(net, x, numClasses, ep, 'probs');
  return { net: x, endPoints: ep };
}

export const resnet50Spec: ModelSpec = {
  name: 'resnet50',
  description: "Keras's ResNet50 (arXiv:1512.03385; v1: stride in the first 1x1, conv biases), ImageNet weights",
  source: 'keras_applications/resnet_common.py',
  inputLayout: 'NHWC',
  channels: 'BGR',
  defaultImageSize: [224, 224],
  minSize: [32, 32],
  minSizeReason: 'keras_applications min_size=32 (five stride-2 stages)',
  defaultNumClasses: 1000,
  classifier: { layer: 'probs', weight: 'probs/kernel', bias: 'probs/bias', outAxis: 1 },
  preprocess: 'keras-caffe',
  // file_hash values from resnet_common.py WEIGHTS_HASHES['resnet50']
  weights: kerasWeights({
    model: 'resnet50',
    dir: 'resnet',
    file: 'resnet50_weights_tf_dim_ordering_tf_kernels',
    md5: '2cb95161c43110f7111970584f804107',
    md5NoTop: '4d473c1dd8becc155b73f8504c6f6626',
    source: 'resnet_common.py',
    numParams: 25_636_712,
    numParamsNoTop: 23_587_712,
    minSize: [32, 32],
    top1: 74.9,
    top5: 92.1,
    preprocess: 'keras-caffe',
  }),
  options: ['numClasses', 'inputSize', 'batch', 'isTraining', 'lowerToGemm'],
  build(o: BuildOptions = {}): BuiltModel {
    // keras_applications sets no weight decay
    return assemble(resnet50Spec, o, 0, (net, x, classes) => resnet50(net, x, classes, o.isTraining ?? false));
  },
};
