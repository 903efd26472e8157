// vgg16.torchvision: torchvision's VGG16 (configuration "D", no BatchNorm) as
// torchvision/models/vgg.py builds it (make_layers(cfgs["D"]), VGG), with its pretrained
// ImageNet weights vgg16-397923af.pth.
//
// Layout contract, as in PyTorch: input NCHW RGB normalised with ImageNet's mean/std,
// conv weights OIHW and linear weights [out, in], named as the state dict names them
// (features.0.weight ... classifier.6.bias). The adaptive average pool to 7x7 flattens in
// NCHW order (C, H, W) into classifier.0, which is what tells it apart from Keras's VGG16.
import { imagenetLabels } from './imagenet_classes.js';
import { adaptiveAvgPool2d, conv2d, dropout, flatten, linear, maxPool2d } from '../nn/layers.js';
import type { Feature, Net } from '../nn/net.js';
import { constant, kaimingNormalFanOut, normal } from '../nn/torch_init.js';
import { assemble } from './assemble.js';
import type { BuildOptions, BuiltModel, ModelSpec } from './types.js';

/** vgg.py cfgs["D"]: output channels of each 3x3 conv, 'M' a 2x2 max pool. */
const CFG_D: ReadonlyArray<number | 'M'> = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'];

export function vgg16Torchvision(net: Net, x: Feature, numClasses: number | null, isTraining: boolean, keep = 0.5): { net: Feature; endPoints: Record<string, Feature> } {
  const ep: Record<string, Feature> = {};
  // make_layers: nn.Sequential indices count the ReLUs and pools, as the state dict does
  let i = 0;
  for (const v of CFG_D) {
    const scope = `features.${i}`;
    if (v === 'M') {
      x = ep[scope] = maxPool2d(net, x, { scope, kernel: [2, 2], stride: [2, 2], padding: 'VALID' });
      i += 1;
      continue;
    }
    // VGG.__init__: kaiming_normal_(fan_out, relu) weights, zero biases
    x = ep[scope] = conv2d(net, x, {
      scope,
      filters: v,
      kernel: [3, 3],
      stride: [1, 1],
      padding: 1,
      activation: 'relu',
      weightLayout: 'OIHW',
      weights: kaimingNormalFanOut(`${scope}.weight`),
      biases: constant(`${scope}.bias`, 0),
    });
    i += 2;
  }
  x = ep['avgpool'] = adaptiveAvgPool2d(net, x, [7, 7], 'avgpool');
  x = flatten(net, x, 'CHW', 'flatten');
  if (!numClasses) return { net: x, endPoints: ep };
  // VGG.__init__: Linear weights N(0, 0.01), zero biases
  const fc = (x: Feature, j: number, units: number, relu: boolean): Feature =>
    (ep[`classifier.${j}`] = linear(net, x, {
      scope: `classifier.${j}`,
      units,
      activation: relu ? 'relu' : null,
      weightLayout: 'OI',
      weights: normal(`classifier.${j}.weight`, 0.01),
      biases: constant(`classifier.${j}.bias`, 0),
    }));
  x = fc(x, 0, 4096, true);
  x = dropout(net, x, keep, isTraining, 'classifier.2');
  x = fc(x, 3, 4096, true);
  x = dropout(net, x, keep, isTraining, 'classifier.5');
  x = fc(x, 6, numClasses, false);
  return { net: x, endPoints: ep };
}

export const vgg16TorchvisionSpec: ModelSpec = {
  name: 'vgg16.torchvision',
  description: "torchvision's VGG16 (configuration D, no BatchNorm), adaptive 7x7 pool, ImageNet weights",
  source: 'torchvision/models/vgg.py',
  inputLayout: 'NCHW',
  channels: 'RGB',
  defaultImageSize: [224, 224],
  minSize: [32, 32],
  minSizeReason: 'five 2x2 max pools need at least 32x32',
  defaultNumClasses: 1000,
  classifier: { layer: 'classifier.6', weight: 'classifier.6.weight', bias: 'classifier.6.bias', outAxis: 0 },
  preprocess: 'torchvision',
  weights: [
    {
      name: 'vgg16.torchvision',
      model: 'vgg16.torchvision',
      url: 'https://download.pytorch.org/models/vgg16-397923af.pth',
      sha256: '397923af',
      format: 'pth',
      preprocess: 'torchvision',
      // torchvision/models/vgg.py, VGG16_Weights.IMAGENET1K_V1
      meta: {
        numParams: 138_357_544,
        minSize: [32, 32],
        get categories() {
          return imagenetLabels();
        },
        recipe: 'https://github.com/pytorch/vision/tree/main/references/classification#alexnet-and-vgg',
        metrics: {
          dataset: 'ImageNet-1k validation',
          top1: 71.592,
          top5: 90.382,
          protocol: 'resize 256, centre crop 224 (torchvision ImageClassification)',
          source: "torchvision VGG16_Weights.IMAGENET1K_V1, meta['_metrics']",
          url: 'https://github.com/pytorch/vision/blob/main/torchvision/models/vgg.py',
        },
      },
    },
  ],
  options: ['numClasses', 'inputSize', 'batch', 'isTraining', 'dropoutKeepProb', 'dropoutSeed', 'dropoutMasks'],
  build(o: BuildOptions = {}): BuiltModel {
    // references/classification/train.py: weight decay 1e-4
    return assemble(vgg16TorchvisionSpec, o, 0.0001, (net, x, classes) => vgg16Torchvision(net, x, classes, o.isTraining ?? false, o.dropoutKeepProb ?? 0.5));
  },
};
