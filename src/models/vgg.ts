// vgg16, vgg19: Keras's VGG16 and VGG19 (Simonyan & Zisserman, "Very Deep Convolutional
// Networks for Large-Scale Image Recognition", arXiv:1409.1556) as
// keras_applications/vgg16.py and vgg19.py build them: five blocks of 3x3 SAME convs with
// ReLU, each ending in a 2x2 max pool, then Flatten (NHWC order) and three Dense layers.
// One config table for both, as torchvision's vgg.py has.
//
// Layout contract, as Keras's: input NHWC in BGR minus the ImageNet mean (caffe mode),
// kernels HWIO, Dense kernels [in, out]; parameters and end points take Keras's layer
// names (block1_conv1/kernel, fc1/bias, predictions/kernel).
import { glorot, zeros } from '../nn/blocks/keras.js';
import { conv2d, flatten, linear, maxPool2d } from '../nn/layers.js';
import type { Feature, Net } from '../nn/net.js';
import { assemble } from './assemble.js';
import { kerasWeights } from './keras_weights.js';
import type { BuildOptions, BuiltModel, ModelSpec } from './types.js';

/** Convolutions per block (filters 64, 128, 256, 512, 512). */
const BLOCKS = { vgg16: [2, 2, 3, 3, 3], vgg19: [2, 2, 4, 4, 4] } as const;
const FILTERS = [64, 128, 256, 512, 512];
type VggName = keyof typeof BLOCKS;

export function vgg(name: VggName, net: Net, x: Feature, numClasses: number | null): { net: Feature; endPoints: Record<string, Feature> } {
  const ep: Record<string, Feature> = {};
  BLOCKS[name].forEach((convs, b) => {
    for (let i = 1; i <= convs; i++) {
      const scope = `block${b + 1}_conv${i}`;
      x = ep[scope] = conv2d(net, x, {
        scope, filters: FILTERS[b]!, kernel: [3, 3], stride: [1, 1], padding: 'SAME', activation: 'relu',
        weightLayout: 'HWIO', weights: glorot(`${scope}/kernel`), biases: zeros(`${scope}/bias`),
      });
    }
    const pool = `block${b + 1}_pool`;
    x = ep[pool] = maxPool2d(net, x, { scope: pool, kernel: [2, 2], stride: [2, 2], padding: 'VALID' });
  });
  if (!numClasses) return { net: x, endPoints: ep };
  x = ep['flatten'] = flatten(net, x, 'HWC', 'flatten');
  const dense = (x: Feature, scope: string, units: number, last: boolean): Feature =>
    (ep[scope] = linear(net, x, {
      scope, units, activation: last ? null : 'relu', weightLayout: 'IO', weights: glorot(`${scope}/kernel`), biases: zeros(`${scope}/bias`),
    }));
  x = dense(x, 'fc1', 4096, false);
  x = dense(x, 'fc2', 4096, false);
  x = dense(x, 'predictions', numClasses, true); // Keras's softmax belongs to classify
  return { net: x, endPoints: ep };
}

function vggSpec(name: VggName, md5: string, md5NoTop: string, numParams: number, numParamsNoTop: number, top1: number, top5: number): ModelSpec {
  const spec: ModelSpec = {
    name,
    description: `Keras's ${name.toUpperCase()} (arXiv:1409.1556): 3x3 conv blocks and three Dense layers, ImageNet weights`,
    source: `keras_applications/${name}.py`,
    inputLayout: 'NHWC',
    channels: 'BGR',
    defaultImageSize: [224, 224],
    minSize: [32, 32],
    minSizeReason: 'five 2x2 pools (keras_applications min_size=32); the Dense head wants 224x224',
    defaultNumClasses: 1000,
    classifier: { layer: 'predictions', weight: 'predictions/kernel', bias: 'predictions/bias', outAxis: 1 },
    preprocess: 'keras-caffe',
    weights: kerasWeights({
      model: name,
      dir: name,
      file: `${name}_weights_tf_dim_ordering_tf_kernels`,
      md5,
      md5NoTop,
      numParams,
      numParamsNoTop,
      minSize: [32, 32],
      top1,
      top5,
      preprocess: 'keras-caffe',
    }),
    options: ['numClasses', 'inputSize', 'batch', 'isTraining', 'lowerToGemm'],
    build(o: BuildOptions = {}): BuiltModel {
      // keras_applications sets no weight decay
      return assemble(spec, o, 0, (net, x, classes) => vgg(name, net, x, classes));
    },
  };
  return spec;
}

// file_hash values from keras_applications/vgg16.py and vgg19.py; accuracy from the
// Keras Applications table
export const vgg16Spec = vggSpec('vgg16', '64373286793e3c8b2b4e3219cbf3544b', '6d6bbae143d832006294945121d1f1fc', 138_357_544, 14_714_688, 71.3, 90.1);
export const vgg19Spec = vggSpec('vgg19', 'cbe5617147190e668d6c5d5026f83318', '253f8cb515780f3b799900260a226db6', 143_667_240, 20_024_384, 71.3, 90.0);
