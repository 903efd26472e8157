// resnet50.torchvision: torchvision's ResNet-50 (He et al. 2015, arXiv:1512.03385) as
// torchvision/models/resnet.py builds it (ResNet(Bottleneck, [3, 4, 6, 3])): "ResNet V1.5",
// the stride in each first block's 3x3 conv, convs without biases; with its pretrained
// ImageNet weights resnet50-0676ba61.pth.
//
// Layout contract, as in PyTorch: input NCHW RGB normalised with ImageNet's mean/std,
// conv weights OIHW and fc.weight [out, in], named as the state dict names them (conv1.weight,
// bn1.running_mean, layer1.0.conv1.weight, layer1.0.downsample.0.weight ... fc.bias);
// BatchNorm running statistics are non-trainable parameters, num_batches_tracked is ignored.
import { imagenetLabels } from './imagenet_classes.js';
import { bottleneck } from '../nn/blocks/bottleneck.js';
import { convBn } from '../nn/blocks/conv_bn.js';
import { globalAvgPool, linear, maxPool2d } from '../nn/layers.js';
import type { Feature, Net } from '../nn/net.js';
import { kaimingNormalFanOut, torchDefault } from '../nn/torch_init.js';
import { assemble } from './assemble.js';
import type { BuildOptions, BuiltModel, ModelSpec } from './types.js';

/** resnet50: blocks per stage and their bottleneck widths; stages 2-4 start with stride 2. */
const STAGES: ReadonlyArray<[blocks: number, planes: number]> = [
  [3, 64],
  [4, 128],
  [6, 256],
  [3, 512],
];

export function resnet50Torchvision(net: Net, x: Feature, numClasses: number | null, training: boolean): { net: Feature; endPoints: Record<string, Feature> } {
  const ep: Record<string, Feature> = {};
  x = ep['conv1'] = convBn(net, x, {
    conv: 'conv1',
    bn: 'bn1',
    filters: 64,
    kernel: [7, 7],
    stride: [2, 2],
    padding: 3,
    weights: kaimingNormalFanOut('conv1.weight'),
    activation: 'relu',
    eps: 1e-5,
    training,
  });
  x = ep['maxpool'] = maxPool2d(net, x, { scope: 'maxpool', kernel: [3, 3], stride: [2, 2], padding: 1 });
  STAGES.forEach(([blocks, planes], i) => {
    for (let j = 0; j < blocks; j++) {
      const scope = `layer${i + 1}.${j}`;
      x = ep[scope] = bottleneck(net, x, { scope, planes, stride: i > 0 && j === 0 ? 2 : 1, training });
    }
  });
  // AdaptiveAvgPool2d((1, 1)) and torch.flatten(x, 1)
  x = ep['avgpool'] = globalAvgPool(net, x, 'avgpool');
  if (!numClasses) return { net: x, endPoints: ep };
  // fc keeps nn.Linear's default init (ResNet.__init__ re-initialises convs and BNs only)
  x = ep['fc'] = linear(net, x, { scope: 'fc', units: numClasses, activation: null, weightLayout: 'OI', weights: torchDefault('fc.weight'), biases: torchDefault('fc.bias')(2048) });
  return { net: x, endPoints: ep };
}

export const resnet50TorchvisionSpec: ModelSpec = {
  name: 'resnet50.torchvision',
  description: "torchvision's ResNet-50 (v1.5: stride in the 3x3, no conv biases), ImageNet weights",
  source: 'torchvision/models/resnet.py',
  inputLayout: 'NCHW',
  channels: 'RGB',
  defaultImageSize: [224, 224],
  minSize: [1, 1],
  minSizeReason: 'padded convs and pools keep every map at least 1x1',
  defaultNumClasses: 1000,
  classifier: { layer: 'fc', weight: 'fc.weight', bias: 'fc.bias', outAxis: 0 },
  preprocess: 'torchvision',
  weights: [
    {
      name: 'resnet50.torchvision',
      model: 'resnet50.torchvision',
      url: 'https://download.pytorch.org/models/resnet50-0676ba61.pth',
      sha256: '0676ba61',
      format: 'pth',
      preprocess: 'torchvision',
      // torchvision/models/resnet.py, ResNet50_Weights.IMAGENET1K_V1
      meta: {
        numParams: 25_557_032,
        minSize: [1, 1],
        get categories() {
          return imagenetLabels();
        },
        recipe: 'https://github.com/pytorch/vision/tree/main/references/classification#resnet',
        metrics: {
          dataset: 'ImageNet-1k validation',
          top1: 76.13,
          top5: 92.862,
          protocol: 'resize 256, centre crop 224 (torchvision ImageClassification)',
          source: "torchvision ResNet50_Weights.IMAGENET1K_V1, meta['_metrics']",
          url: 'https://github.com/pytorch/vision/blob/main/torchvision/models/resnet.py',
        },
      },
    },
  ],
  options: ['numClasses', 'inputSize', 'batch', 'isTraining'],
  build(o: BuildOptions = {}): BuiltModel {
    // references/classification/train.py: weight decay 1e-4
    return assemble(resnet50TorchvisionSpec, o, 0.0001, (net, x, classes) => resnet50Torchvision(net, x, classes, o.isTraining ?? false));
  },
};
