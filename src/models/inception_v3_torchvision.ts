// inception_v3.torchvision: Inception v3 (Szegedy et al. 2015, arXiv:1512.00567) as
// torchvision/models/inception.py builds it for its pretrained ImageNet weights
// inception_v3_google-0cc3c7bd.pth (ported from TensorFlow): Inception3 with
// transform_input=True and its AuxLogits branch.
//
// Layout contract, as in PyTorch: input NCHW RGB normalised with ImageNet's mean/std
// (torchvision's preprocessing with resize 342, centre crop 299); the graph starts with
// Inception3._transform_input, which turns that into the [-1, 1] scaling the TensorFlow
// weights expect. Conv weights OIHW, fc.weight [out, in], named as the state dict names
// them (Conv2d_1a_3x3.conv.weight, Mixed_5b.branch1x1.bn.running_var ... fc.bias).
// AuxLogits is declared (torchvision counts its parameters and the .pth holds them) and
// built as the `AuxLogits` end point of inference builds, but it is not an output:
// torchvision returns the main logits in eval mode. Training builds leave it out: the
// loss here is the main logits' alone (the reference recipe adds no auxiliary loss), and
// its batch norms' running statistics would otherwise pull it into the training step. A
// weight file may lack it (optionalParams: a state dict saved with aux_logits=False, a
// training run's checkpoint). Below 299x299 input it cannot run and is left out.
import { imagenetLabels } from './imagenet_classes.js';
import * as b from '../graph/build.js';
import { basicConv2d, inceptionA, inceptionAux, inceptionB, inceptionC, inceptionD, inceptionE } from '../nn/blocks/inception_torchvision.js';
import { dropout, globalAvgPool, linear, maxPool2d } from '../nn/layers.js';
import { dims, type Feature, type Net } from '../nn/net.js';
import { normal, torchDefault } from '../nn/torch_init.js';
import { assemble } from './assemble.js';
import type { BuildOptions, BuiltModel, ModelSpec } from './types.js';

/** Inception3._transform_input: channel c becomes x * (std_c / 0.5) + (mean_c - 0.5) / 0.5. */
function transformInput(net: Net, x: Feature): Feature {
  const std = [0.229, 0.224, 0.225];
  const mean = [0.485, 0.456, 0.406];
  const c = (values: number[], name: string) => net.g.constant({ dtype: 'float32', shape: [1, 3, 1, 1], data: Float32Array.from(values) }, name);
  const scaled = b.mul(net.as(x, 'NCHW'), c(std.map((s) => s / 0.5), 'transform_input/scale'), 'transform_input/Mul');
  const y = b.add(scaled, c(mean.map((m) => (m - 0.5) / 0.5), 'transform_input/shift'), 'transform_input/Add');
  return net.feature(y, 'NCHW', x.rf, x.jump);
}

export function inceptionV3Torchvision(net: Net, x: Feature, numClasses: number | null, training: boolean, keep = 0.5): { net: Feature; endPoints: Record<string, Feature> } {
  const ep: Record<string, Feature> = {};
  const conv = (x: Feature, name: string, filters: number, k: number, stride = 1, pad = 0): Feature =>
    (ep[name] = basicConv2d(net, x, name, filters, k, { training, stride, pad: [pad, pad] }));
  const pool = (x: Feature, name: string): Feature => (ep[name] = maxPool2d(net, x, { scope: name, kernel: [3, 3], stride: [2, 2], padding: 'VALID' }));
  const o = (scope: string) => ({ scope, training });
  x = transformInput(net, x);
  x = conv(x, 'Conv2d_1a_3x3', 32, 3, 2);
  x = conv(x, 'Conv2d_2a_3x3', 32, 3);
  x = conv(x, 'Conv2d_2b_3x3', 64, 3, 1, 1);
  x = pool(x, 'maxpool1');
  x = conv(x, 'Conv2d_3b_1x1', 80, 1);
  x = conv(x, 'Conv2d_4a_3x3', 192, 3);
  x = pool(x, 'maxpool2');
  x = ep['Mixed_5b'] = inceptionA(net, x, { ...o('Mixed_5b'), poolFeatures: 32 });
  x = ep['Mixed_5c'] = inceptionA(net, x, { ...o('Mixed_5c'), poolFeatures: 64 });
  x = ep['Mixed_5d'] = inceptionA(net, x, { ...o('Mixed_5d'), poolFeatures: 64 });
  x = ep['Mixed_6a'] = inceptionB(net, x, o('Mixed_6a'));
  x = ep['Mixed_6b'] = inceptionC(net, x, { ...o('Mixed_6b'), channels7x7: 128 });
  x = ep['Mixed_6c'] = inceptionC(net, x, { ...o('Mixed_6c'), channels7x7: 160 });
  x = ep['Mixed_6d'] = inceptionC(net, x, { ...o('Mixed_6d'), channels7x7: 160 });
  x = ep['Mixed_6e'] = inceptionC(net, x, { ...o('Mixed_6e'), channels7x7: 192 });
  // its 5x5/3 pool and 5x5 conv need Mixed_6e at 17x17 or more: inputs of 299 and up
  if (numClasses && !training && dims(x).h >= 17 && dims(x).w >= 17) ep['AuxLogits'] = inceptionAux(net, x, { ...o('AuxLogits'), numClasses });
  x = ep['Mixed_7a'] = inceptionD(net, x, o('Mixed_7a'));
  x = ep['Mixed_7b'] = inceptionE(net, x, o('Mixed_7b'));
  x = ep['Mixed_7c'] = inceptionE(net, x, o('Mixed_7c'));
  // AdaptiveAvgPool2d((1, 1)), dropout, torch.flatten(x, 1)
  x = ep['avgpool'] = globalAvgPool(net, x, 'avgpool');
  if (!numClasses) return { net: x, endPoints: ep };
  x = dropout(net, x, keep, training, 'dropout');
  // fc: weight trunc_normal_(std=0.1) (N(0, 0.1): the ±2 bounds are 20 std out), bias nn.Linear's default
  x = ep['fc'] = linear(net, x, { scope: 'fc', units: numClasses, activation: null, weightLayout: 'OI', weights: normal('fc.weight', 0.1), biases: torchDefault('fc.bias')(2048) });
  return { net: x, endPoints: ep };
}

export const inceptionV3TorchvisionSpec: ModelSpec = {
  name: 'inception_v3.torchvision',
  description: "torchvision's Inception v3 (transform_input, AuxLogits counted), ImageNet weights ported from TensorFlow",
  source: 'torchvision/models/inception.py',
  inputLayout: 'NCHW',
  channels: 'RGB',
  defaultImageSize: [299, 299],
  minSize: [75, 75],
  minSizeReason: 'the stride-2 convs and pools need at least 75x75 (torchvision min_size)',
  defaultNumClasses: 1000,
  classifier: { layer: 'fc', weight: 'fc.weight', bias: 'fc.bias', outAxis: 0 },
  preprocess: 'torchvision',
  weights: [
    {
      name: 'inception_v3.torchvision',
      model: 'inception_v3.torchvision',
      url: 'https://download.pytorch.org/models/inception_v3_google-0cc3c7bd.pth',
      sha256: '0cc3c7bd',
      format: 'pth',
      preprocess: 'torchvision',
      // torchvision/models/inception.py, Inception_V3_Weights.IMAGENET1K_V1
      meta: {
        numParams: 27_161_264,
        minSize: [75, 75],
        get categories() {
          return imagenetLabels();
        },
        recipe: 'https://github.com/pytorch/vision/tree/main/references/classification#inception-v3',
        metrics: {
          dataset: 'ImageNet-1k validation',
          top1: 77.294,
          top5: 93.45,
          protocol: 'resize 342, centre crop 299 (torchvision ImageClassification)',
          source: "torchvision Inception_V3_Weights.IMAGENET1K_V1, meta['_metrics']",
          url: 'https://github.com/pytorch/vision/blob/main/torchvision/models/inception.py',
        },
      },
    },
  ],
  optionalParams: ['AuxLogits.'],
  options: ['numClasses', 'inputSize', 'batch', 'isTraining', 'dropoutKeepProb', 'dropoutSeed', 'dropoutMasks'],
  build(o: BuildOptions = {}): BuiltModel {
    // references/classification/train.py: weight decay 1e-4
    return assemble(inceptionV3TorchvisionSpec, o, 0.0001, (net, x, classes) => inceptionV3Torchvision(net, x, classes, o.isTraining ?? false, o.dropoutKeepProb ?? 0.5));
  },
};
