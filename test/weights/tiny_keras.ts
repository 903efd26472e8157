// A tiny Keras-style model for the .h5 tests, registered as tiny_keras: a conv, two
// BatchNormalization layers (one without gamma, as scale=False), two dense layers, with
// Keras's parameter names (<layer>/<weight>) in Keras's order. The BatchNormalization
// weights are declared only: loading maps them, nothing computes with them.
import { assemble } from '../../src/models/assemble.js';
import { registerModel } from '../../src/models/registry.js';
import type { BuildOptions, BuiltModel, ModelSpec, WeightsEntry } from '../../src/models/types.js';
import { conv2d, flatten, linear } from '../../src/nn/layers.js';

const glorot = (name: string) => (fanIn: number, fanOut: number) => ({ name, init: { kind: 'glorot_uniform' as const, fanIn, fanOut } });
const zeros = (name: string) => ({ name, init: { kind: 'constant' as const, value: 0 } });

/** 8x8x3 NHWC -> block1_conv1 (3x3, 4) -> [BN params] -> flatten -> fc1 (6) -> predictions. */
/** A weights entry for the download tests; they set `md5` (the generated file's) where they need it. */
function entry(name: string): WeightsEntry {
  return {
    name,
    model: 'tiny_keras',
    url: `http://127.0.0.1:9/${name}.h5`,
    sha256: '',
    format: 'h5',
    preprocess: 'keras-tf',
    meta: {
      numParams: 1695,
      minSize: [8, 8],
      categories: ['a', 'b', 'c', 'd', 'e'],
      recipe: 'seeded by tools/gen_h5_fixtures.py',
      metrics: { dataset: 'none', top1: 0, top5: 0, protocol: 'none', source: 'none', url: 'none' },
    },
  };
}

export const tinySpec: ModelSpec = {
  name: 'tiny_keras',
  description: 'a Keras-style test model',
  source: 'test/weights/h5.test.ts',
  inputLayout: 'NHWC',
  channels: 'RGB',
  defaultImageSize: [8, 8],
  minSize: [8, 8],
  minSizeReason: 'fc1 takes 8x8x4',
  defaultNumClasses: 5,
  classifier: { layer: 'predictions', weight: 'predictions/kernel', bias: 'predictions/bias', outAxis: 1 },
  preprocess: 'keras-tf',
  weights: [entry('tiny_keras_md5'), entry('tiny_keras_unhashed'), entry('tiny_keras_notop')],
  options: ['numClasses', 'inputSize', 'batch'],
  build(o: BuildOptions = {}): BuiltModel {
    return assemble(tinySpec, o, 0, (net, input, numClasses) => {
      let x = conv2d(net, input, { scope: 'block1_conv1', filters: 4, kernel: [3, 3], stride: [1, 1], padding: 'SAME', activation: 'relu', weightLayout: 'HWIO', weights: glorot('block1_conv1/kernel'), biases: zeros('block1_conv1/bias') });
      // BatchNormalization's weights in Keras's order (declared only: loading maps them)
      const bn = (layer: string, leaves: string[]) => leaves.forEach((l) => net.g.param(`${layer}/${l}`, { dtype: 'float32', shape: [4] }, { init: { kind: 'constant', value: 1 }, regularized: false, layer }));
      bn('block1_bn', ['gamma', 'beta', 'moving_mean', 'moving_variance']);
      bn('block1_bn2', ['beta', 'moving_mean', 'moving_variance']);
      if (!numClasses) return { net: x, endPoints: {} }; // include_top=False: no fc1 either, as VGG's
      x = flatten(net, x, 'HWC', 'flatten');
      x = linear(net, x, { scope: 'fc1', units: 6, activation: 'relu', weightLayout: 'IO', weights: glorot('fc1/kernel'), biases: zeros('fc1/bias') });
      x = linear(net, x, { scope: 'predictions', units: numClasses, activation: null, weightLayout: 'IO', weights: glorot('predictions/kernel'), biases: zeros('predictions/bias') });
      return { net: x, endPoints: {} };
    });
  },
};
registerModel(tinySpec);
