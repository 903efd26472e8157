// bvlc_alexnet: the 2012 AlexNet of Krizhevsky, Sutskever and Hinton (NIPS 2012) as
// Caffe's models/bvlc_alexnet/deploy.prototxt trains it: two-tower convolutions kept as
// group=2, LRN after conv1 and conv2, 227x227 BGR input with the ImageNet mean subtracted.
//
// Weight layout follows kratzert's (and guerzhoy's) bvlc_alexnet.npy, converted from
// Caffe by caffe-tensorflow: conv weights HWIO, fc weights [in, out] with fc6's rows in
// (H, W, C) order, named conv1/weights, conv1/biases ... fc8/biases. Pooling uses Caffe's
// ceil rounding (the same as floor at 227).
import { imagenetLabels } from './imagenet_classes.js';
import { conv2d, dropout, flatten, linear, lrn, maxPool2d, type ParamSpec } from '../nn/layers.js';
import type { Feature, Net } from '../nn/net.js';
import { assemble } from './assemble.js';
import type { BuildOptions, BuiltModel, ModelSpec } from './types.js';

// Caffe's deploy files carry no fillers; its train_val.prototxt uses gaussian std 0.01
// (0.005 for fc6/fc7), bias 0 for conv1/conv3 and 0.1 elsewhere (1 in the paper; 0.1 in Caffe).
const gauss = (name: string, stddev: number): ParamSpec => ({ name, init: { kind: 'normal', mean: 0, stddev } });
const bias = (name: string, value: number): ParamSpec => ({ name, init: { kind: 'constant', value } });

export function bvlcAlexnet(net: Net, x: Feature, numClasses: number | null, isTraining: boolean, keep = 0.5): { net: Feature; endPoints: Record<string, Feature> } {
  const ep: Record<string, Feature> = {};
  const conv = (x: Feature, name: string, filters: number, k: number, s: number, p: number, groups: number, b: number): Feature =>
    (ep[name] = conv2d(net, x, {
      scope: name,
      filters,
      kernel: [k, k],
      stride: [s, s],
      padding: p,
      groups,
      activation: 'relu',
      weightLayout: 'HWIO',
      weights: gauss(`${name}/weights`, 0.01),
      biases: bias(`${name}/biases`, b),
    }));
  // Caffe's LRN: x / (k + alpha/n * sum over n channels of x^2)^beta, as ONNX LRN defines it.
  const norm = (x: Feature, name: string): Feature => (ep[name] = lrn(net, x, { scope: name, size: 5, alpha: 1e-4, beta: 0.75, bias: 1 }));
  const pool = (x: Feature, name: string): Feature =>
    (ep[name] = maxPool2d(net, x, { scope: name, kernel: [3, 3], stride: [2, 2], padding: 'VALID', ceil: true }));
  const fc = (x: Feature, name: string, units: number, std: number, relu: boolean): Feature =>
    (ep[name] = linear(net, x, {
      scope: name,
      units,
      activation: relu ? 'relu' : null,
      weightLayout: 'IO',
      weights: gauss(`${name}/weights`, std),
      biases: bias(`${name}/biases`, relu ? 0.1 : 0),
    }));

  x = conv(x, 'conv1', 96, 11, 4, 0, 1, 0);
  x = norm(x, 'norm1');
  x = pool(x, 'pool1');
  x = conv(x, 'conv2', 256, 5, 1, 2, 2, 0.1);
  x = norm(x, 'norm2');
  x = pool(x, 'pool2');
  x = conv(x, 'conv3', 384, 3, 1, 1, 1, 0);
  x = conv(x, 'conv4', 384, 3, 1, 1, 2, 0.1);
  x = conv(x, 'conv5', 256, 3, 1, 1, 2, 0.1);
  x = pool(x, 'pool5');
  x = flatten(net, x, 'HWC', 'flatten');
  x = fc(x, 'fc6', 4096, 0.005, true);
  x = dropout(net, x, keep, isTraining, 'drop6');
  x = fc(x, 'fc7', 4096, 0.005, true);
  if (!numClasses) return { net: x, endPoints: ep };
  x = dropout(net, x, keep, isTraining, 'drop7');
  x = fc(x, 'fc8', numClasses, 0.01, false);
  return { net: x, endPoints: ep };
}

export const bvlcAlexnetSpec: ModelSpec = {
  name: 'bvlc_alexnet',
  description: 'Caffe BVLC AlexNet (NIPS 2012 layout: groups 2, LRN), 227x227 BGR',
  source: 'Caffe models/bvlc_alexnet/deploy.prototxt; weights as kratzert/guerzhoy bvlc_alexnet.npy',
  inputLayout: 'NCHW',
  channels: 'BGR',
  defaultImageSize: [227, 227],
  minSize: [227, 227],
  minSizeReason: 'fc6 takes exactly pool5 6x6x256',
  defaultNumClasses: 1000,
  classifier: { layer: 'fc8', weight: 'fc8/weights', bias: 'fc8/biases', outAxis: 1 },
  preprocess: 'caffe',
  weights: [
    {
      name: 'bvlc_alexnet',
      model: 'bvlc_alexnet',
      // Caffe's bvlc_alexnet.caffemodel converted to .npy by caffe-tensorflow (guerzhoy's copy)
      url: 'http://www.cs.toronto.edu/~guerzhoy/tf_alexnet/bvlc_alexnet.npy',
      sha256: '',
      format: 'npy',
      preprocess: 'caffe',
      meta: {
        numParams: 60_965_224,
        minSize: [227, 227],
        get categories() {
          return imagenetLabels();
        },
        recipe: 'https://github.com/BVLC/caffe/tree/master/models/bvlc_alexnet (solver.prototxt, train_val.prototxt)',
        metrics: {
          dataset: 'ImageNet-1k (ILSVRC 2012) validation',
          top1: 57.1,
          top5: 80.2,
          protocol: 'centre crop only',
          source: 'BVLC Caffe model zoo, models/bvlc_alexnet/readme.md (for the Caffe model this file is converted from)',
          url: 'https://github.com/BVLC/caffe/tree/master/models/bvlc_alexnet',
        },
      },
    },
  ],
  options: ['numClasses', 'inputSize', 'batch', 'isTraining', 'dropoutKeepProb', 'dropoutSeed', 'dropoutMasks'],
  build(o: BuildOptions = {}): BuiltModel {
    // Caffe's solver.prototxt: weight_decay 0.0005
    return assemble(bvlcAlexnetSpec, o, 0.0005, (net, x, classes) => bvlcAlexnet(net, x, classes, o.isTraining ?? false, o.dropoutKeepProb ?? 0.5));
  },
};
