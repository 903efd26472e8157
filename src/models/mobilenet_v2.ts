// mobilenet_v2: MobileNetV2 (Sandler et al. 2018, arXiv:1801.04381), width 1.0, as
// torchvision/models/mobilenetv2.py builds it (MobileNetV2()), with its pretrained
// ImageNet weights mobilenet_v2-b0353104.pth: inverted residuals with depthwise convs,
// ReLU6, linear bottlenecks.
//
// Layout contract, as in PyTorch: input NCHW RGB normalised with ImageNet's mean/std,
// conv weights OIHW (depthwise [C, 1, 3, 3]) and classifier.1.weight [out, in], named as
// the state dict names them (features.0.0.weight, features.0.1.running_var,
// features.2.conv.1.0.weight ... classifier.1.bias).
import { imagenetLabels } from './imagenet_classes.js';
import { convBn } from '../nn/blocks/conv_bn.js';
import { invertedResidual } from '../nn/blocks/inverted_residual.js';
import { dropout, globalAvgPool, linear } from '../nn/layers.js';
import type { Feature, Net } from '../nn/net.js';
import { constant, kaimingNormalFanOut, normal } from '../nn/torch_init.js';
import { assemble } from './assemble.js';
import type { BuildOptions, BuiltModel, ModelSpec } from './types.js';

/** mobilenetv2.py inverted_residual_setting: expansion t, channels c, repeats n, first stride s. */
const SETTING: ReadonlyArray<[t: number, c: number, n: number, s: number]> = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

export function mobilenetV2(net: Net, x: Feature, numClasses: number | null, training: boolean, keep = 0.8): { net: Feature; endPoints: Record<string, Feature> } {
  const ep: Record<string, Feature> = {};
  const head = (x: Feature, i: number, filters: number, k: number, stride: number): Feature =>
    (ep[`features.${i}`] = convBn(net, x, {
      conv: `features.${i}.0`,
      bn: `features.${i}.1`,
      filters,
      kernel: [k, k],
      stride: [stride, stride],
      padding: (k - 1) / 2,
      weights: kaimingNormalFanOut(`features.${i}.0.weight`),
      activation: 'relu6',
      eps: 1e-5,
      training,
    }));
  x = head(x, 0, 32, 3, 2);
  let i = 1;
  for (const [t, c, n, s] of SETTING) {
    for (let j = 0; j < n; j++, i++) {
      x = ep[`features.${i}`] = invertedResidual(net, x, { scope: `features.${i}`, filters: c, stride: j === 0 ? s : 1, expand: t, training });
    }
  }
  x = head(x, i, 1280, 1, 1);
  // adaptive_avg_pool2d(x, (1, 1)) and torch.flatten(x, 1)
  x = ep['avgpool'] = globalAvgPool(net, x, 'avgpool');
  if (!numClasses) return { net: x, endPoints: ep };
  x = dropout(net, x, keep, training, 'classifier.0');
  // MobileNetV2.__init__: Linear weights N(0, 0.01), zero biases
  x = ep['classifier.1'] = linear(net, x, {
    scope: 'classifier.1',
    units: numClasses,
    activation: null,
    weightLayout: 'OI',
    weights: normal('classifier.1.weight', 0.01),
    biases: constant('classifier.1.bias', 0),
  });
  return { net: x, endPoints: ep };
}

export const mobilenetV2Spec: ModelSpec = {
  name: 'mobilenet_v2',
  description: "torchvision's MobileNetV2 (inverted residuals, depthwise convs, ReLU6), width 1.0, ImageNet weights",
  source: 'torchvision/models/mobilenetv2.py',
  inputLayout: 'NCHW',
  channels: 'RGB',
  defaultImageSize: [224, 224],
  minSize: [1, 1],
  minSizeReason: 'padded convs keep every map at least 1x1',
  defaultNumClasses: 1000,
  classifier: { layer: 'classifier.1', weight: 'classifier.1.weight', bias: 'classifier.1.bias', outAxis: 0 },
  preprocess: 'torchvision',
  weights: [
    {
      name: 'mobilenet_v2',
      model: 'mobilenet_v2',
      url: 'https://download.pytorch.org/models/mobilenet_v2-b0353104.pth',
      sha256: 'b0353104',
      format: 'pth',
      preprocess: 'torchvision',
      // torchvision/models/mobilenetv2.py, MobileNet_V2_Weights.IMAGENET1K_V1
      meta: {
        numParams: 3_504_872,
        minSize: [1, 1],
        get categories() {
          return imagenetLabels();
        },
        recipe: 'https://github.com/pytorch/vision/tree/main/references/classification#mobilenetv2',
        metrics: {
          dataset: 'ImageNet-1k validation',
          top1: 71.878,
          top5: 90.286,
          protocol: 'resize 256, centre crop 224 (torchvision ImageClassification)',
          source: "torchvision MobileNet_V2_Weights.IMAGENET1K_V1, meta['_metrics']",
          url: 'https://github.com/pytorch/vision/blob/main/torchvision/models/mobilenetv2.py',
        },
      },
    },
  ],
  options: ['numClasses', 'inputSize', 'batch', 'isTraining', 'dropoutKeepProb', 'dropoutSeed', 'dropoutMasks'],
  build(o: BuildOptions = {}): BuiltModel {
    // references/classification README, MobileNetV2: --wd 0.00004
    return assemble(mobilenetV2Spec, o, 0.00004, (net, x, classes) => mobilenetV2(net, x, classes, o.isTraining ?? false, o.dropoutKeepProb ?? 0.8));
  },
};
