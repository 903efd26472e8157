// alexnet: torchvision's AlexNet, the single-tower "one weird trick" variant
// (Krizhevsky 2014, arXiv:1404.5997), as torchvision/models/alexnet.py defines it,
// with its pretrained ImageNet weights alexnet-owt-7be5be79.pth.
//
// Layout contract, as in PyTorch: input NCHW RGB normalised with ImageNet's mean/std,
// conv weights OIHW and linear weights [out, in], named as the state dict names them
// (features.0.weight ... classifier.6.bias). The adaptive average pool to 6x6 lets any
// input of at least 63x63 through, as torchvision's does.
import { imagenetLabels } from './imagenet_classes.js';
import { adaptiveAvgPool2d, conv2d, dropout, flatten, linear, maxPool2d, type ParamSpec } from '../nn/layers.js';
import type { Feature, Net } from '../nn/net.js';
import { assemble } from './assemble.js';
import type { BuildOptions, BuiltModel, ModelSpec } from './types.js';

// PyTorch's default init for Conv2d and Linear (kaiming_uniform_ with a=sqrt(5)):
// weights and biases both U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
const torchDefault = (name: string) => (fanIn: number): ParamSpec => ({
  name,
  init: { kind: 'uniform', low: -1 / Math.sqrt(fanIn), high: 1 / Math.sqrt(fanIn) },
});

export function alexnet(net: Net, x: Feature, numClasses: number | null, isTraining: boolean, keep = 0.5): { net: Feature; endPoints: Record<string, Feature> } {
  const ep: Record<string, Feature> = {};
  const conv = (x: Feature, i: number, cin: number, cout: number, k: number, s: number, p: number): Feature => {
    const fanIn = cin * k * k;
    return (ep[`features.${i}`] = conv2d(net, x, {
      scope: `features.${i}`,
      filters: cout,
      kernel: [k, k],
      stride: [s, s],
      padding: p,
      activation: 'relu',
      weightLayout: 'OIHW',
      weights: torchDefault(`features.${i}.weight`)(fanIn),
      biases: torchDefault(`features.${i}.bias`)(fanIn),
    }));
  };
  const pool = (x: Feature, i: number): Feature =>
    (ep[`features.${i}`] = maxPool2d(net, x, { scope: `features.${i}`, kernel: [3, 3], stride: [2, 2], padding: 'VALID' }));
  const fc = (x: Feature, i: number, fanIn: number, units: number, relu: boolean): Feature =>
    (ep[`classifier.${i}`] = linear(net, x, {
      scope: `classifier.${i}`,
      units,
      activation: relu ? 'relu' : null,
      weightLayout: 'OI',
      weights: torchDefault(`classifier.${i}.weight`)(fanIn),
      biases: torchDefault(`classifier.${i}.bias`)(fanIn),
    }));

  x = conv(x, 0, 3, 64, 11, 4, 2);
  x = pool(x, 2);
  x = conv(x, 3, 64, 192, 5, 1, 2);
  x = pool(x, 5);
  x = conv(x, 6, 192, 384, 3, 1, 1);
  x = conv(x, 8, 384, 256, 3, 1, 1);
  x = conv(x, 10, 256, 256, 3, 1, 1);
  x = pool(x, 12);
  x = ep['avgpool'] = adaptiveAvgPool2d(net, x, [6, 6], 'avgpool');
  x = flatten(net, x, 'CHW', 'flatten');
  if (!numClasses) return { net: x, endPoints: ep };
  x = dropout(net, x, keep, isTraining, 'classifier.0');
  x = fc(x, 1, 256 * 6 * 6, 4096, true);
  x = dropout(net, x, keep, isTraining, 'classifier.3');
  x = fc(x, 4, 4096, 4096, true);
  x = fc(x, 6, 4096, numClasses, false);
  return { net: x, endPoints: ep };
}

export const alexnetSpec: ModelSpec = {
  name: 'alexnet',
  description: "torchvision's AlexNet (one-tower, arXiv:1404.5997), adaptive 6x6 pool, ImageNet weights",
  source: 'torchvision/models/alexnet.py',
  inputLayout: 'NCHW',
  channels: 'RGB',
  defaultImageSize: [224, 224],
  minSize: [63, 63],
  minSizeReason: 'the last max pool needs a 3x3 map',
  defaultNumClasses: 1000,
  classifier: { layer: 'classifier.6', weight: 'classifier.6.weight', bias: 'classifier.6.bias', outAxis: 0 },
  preprocess: 'torchvision',
  weights: [
    {
      name: 'alexnet',
      model: 'alexnet',
      url: 'https://download.pytorch.org/models/alexnet-owt-7be5be79.pth',
      sha256: '7be5be79',
      format: 'pth',
      preprocess: 'torchvision',
      // torchvision/models/alexnet.py, AlexNet_Weights.IMAGENET1K_V1
      meta: {
        numParams: 61_100_840,
        minSize: [63, 63],
        get categories() {
          return imagenetLabels();
        },
        recipe: 'https://github.com/pytorch/vision/tree/main/references/classification#alexnet-and-vgg',
        metrics: {
          dataset: 'ImageNet-1k validation',
          top1: 56.522,
          top5: 79.066,
          protocol: 'resize 256, centre crop 224 (torchvision ImageClassification)',
          source: "torchvision AlexNet_Weights.IMAGENET1K_V1, meta['_metrics']",
          url: 'https://github.com/pytorch/vision/blob/main/torchvision/models/alexnet.py',
        },
      },
    },
  ],
  options: ['numClasses', 'inputSize', 'batch', 'isTraining', 'dropoutKeepProb', 'dropoutSeed', 'dropoutMasks'],
  build(o: BuildOptions = {}): BuiltModel {
    // torchvision trained it with SGD weight decay 1e-4 (references/classification)
    return assemble(alexnetSpec, o, 0.0001, (net, x, classes) => alexnet(net, x, classes, o.isTraining ?? false, o.dropoutKeepProb ?? 0.5));
  },
};
