// squeezenet1_1: SqueezeNet 1.1 (Iandola et al. 2016, arXiv:1602.07360; v1.1 from the
// authors' repository: 2.4x less computation than 1.0) as torchvision/models/squeezenet.py
// builds it (SqueezeNet(version="1_1")), with its pretrained ImageNet weights
// squeezenet1_1-b8a52dc0.pth: AlexNet-level accuracy with 50x fewer parameters.
//
// Layout contract, as in PyTorch: input NCHW RGB normalised with ImageNet's mean/std,
// conv weights OIHW named as the state dict names them (features.0.weight,
// features.3.squeeze.weight, features.3.expand1x1.weight ... classifier.1.bias). The
// classifier is a 1x1 conv to the classes, a ReLU and a global average pool.
import { imagenetLabels } from './imagenet_classes.js';
import { fire } from '../nn/blocks/fire.js';
import { conv2d, dropout, globalAvgPool, maxPool2d } from '../nn/layers.js';
import type { Feature, Net } from '../nn/net.js';
import { constant, kaimingUniform, normal } from '../nn/torch_init.js';
import { assemble } from './assemble.js';
import type { BuildOptions, BuiltModel, ModelSpec } from './types.js';

/** squeezenet.py, version "1_1": Fire(squeeze, expand1x1, expand3x3) at its Sequential index. */
const FIRES: ReadonlyArray<[index: number, squeeze: number, expand: number]> = [
  [3, 16, 64],
  [4, 16, 64],
  [6, 32, 128],
  [7, 32, 128],
  [9, 48, 192],
  [10, 48, 192],
  [11, 64, 256],
  [12, 64, 256],
];

export function squeezenet11(net: Net, x: Feature, numClasses: number | null, isTraining: boolean, keep = 0.5): { net: Feature; endPoints: Record<string, Feature> } {
  const ep: Record<string, Feature> = {};
  // SqueezeNet.__init__: kaiming_uniform_ weights except the final conv's, zero biases
  x = ep['features.0'] = conv2d(net, x, {
    scope: 'features.0',
    filters: 64,
    kernel: [3, 3],
    stride: [2, 2],
    padding: 'VALID',
    activation: 'relu',
    weightLayout: 'OIHW',
    weights: kaimingUniform('features.0.weight'),
    biases: constant('features.0.bias', 0),
  });
  const pool = (x: Feature, i: number): Feature =>
    (ep[`features.${i}`] = maxPool2d(net, x, { scope: `features.${i}`, kernel: [3, 3], stride: [2, 2], padding: 'VALID', ceil: true }));
  x = pool(x, 2);
  for (const [i, squeeze, expand] of FIRES) {
    if (i === 6 || i === 9) x = pool(x, i - 1);
    x = ep[`features.${i}`] = fire(net, x, { scope: `features.${i}`, squeeze, expand1x1: expand, expand3x3: expand, weights: kaimingUniform });
  }
  if (!numClasses) return { net: x, endPoints: ep };
  x = dropout(net, x, keep, isTraining, 'classifier.0');
  // the final conv: weights N(0, 0.01)
  x = ep['classifier.1'] = conv2d(net, x, {
    scope: 'classifier.1',
    filters: numClasses,
    kernel: [1, 1],
    stride: [1, 1],
    padding: 'VALID',
    activation: 'relu',
    weightLayout: 'OIHW',
    weights: normal('classifier.1.weight', 0.01),
    biases: constant('classifier.1.bias', 0),
  });
  // AdaptiveAvgPool2d((1, 1)) and torch.flatten(x, 1)
  x = ep['classifier.3'] = globalAvgPool(net, x, 'classifier.3');
  return { net: x, endPoints: ep };
}

export const squeezenet11Spec: ModelSpec = {
  name: 'squeezenet1_1',
  description: "torchvision's SqueezeNet 1.1 (Fire modules), AlexNet-level accuracy with 50x fewer parameters, ImageNet weights",
  source: 'torchvision/models/squeezenet.py',
  inputLayout: 'NCHW',
  channels: 'RGB',
  defaultImageSize: [224, 224],
  minSize: [17, 17],
  minSizeReason: 'the stride-2 conv and three 3x3 max pools need at least 17x17',
  defaultNumClasses: 1000,
  classifier: { layer: 'classifier.1', weight: 'classifier.1.weight', bias: 'classifier.1.bias', outAxis: 0 },
  preprocess: 'torchvision',
  weights: [
    {
      name: 'squeezenet1_1',
      model: 'squeezenet1_1',
      url: 'https://download.pytorch.org/models/squeezenet1_1-b8a52dc0.pth',
      sha256: 'b8a52dc0',
      format: 'pth',
      preprocess: 'torchvision',
      // torchvision/models/squeezenet.py, SqueezeNet1_1_Weights.IMAGENET1K_V1
      meta: {
        numParams: 1_235_496,
        minSize: [17, 17],
        get categories() {
          return imagenetLabels();
        },
        recipe: 'https://github.com/pytorch/vision/pull/49#issuecomment-277560717',
        metrics: {
          dataset: 'ImageNet-1k validation',
          top1: 58.178,
          top5: 80.624,
          protocol: 'resize 256, centre crop 224 (torchvision ImageClassification)',
          source: "torchvision SqueezeNet1_1_Weights.IMAGENET1K_V1, meta['_metrics']",
          url: 'https://github.com/pytorch/vision/blob/main/torchvision/models/squeezenet.py',
        },
      },
    },
  ],
  options: ['numClasses', 'inputSize', 'batch', 'isTraining', 'dropoutKeepProb', 'dropoutSeed', 'dropoutMasks'],
  build(o: BuildOptions = {}): BuiltModel {
    // references/classification/train.py: weight decay 1e-4
    return assemble(squeezenet11Spec, o, 0.0001, (net, x, classes) => squeezenet11(net, x, classes, o.isTraining ?? false, o.dropoutKeepProb ?? 0.5));
  },
};
