// torchvision's conv → BatchNorm2d → activation unit, each part under its own state-dict
// name: ResNet's conv1/bn1/relu, MobileNetV2's Conv2dNormActivation (features.0.0 and
// features.0.1, torchvision/ops/misc.py), Inception3's BasicConv2d (Conv2d_1a_3x3.conv and
// .bn, torchvision/models/inception.py). The conv has no bias (BN's beta replaces it).
import { activation, conv2d, type Padding, type WeightSpec } from '../layers.js';
import type { Feature, Net } from '../net.js';
import { batchNorm } from '../norm.js';

export interface ConvBnOptions {
  /** State-dict prefixes of the conv and the BatchNorm, e.g. 'layer1.0.conv1', 'layer1.0.bn1'. */
  conv: string;
  bn: string;
  filters: number;
  kernel: [number, number];
  stride: [number, number];
  padding: Padding;
  groups?: number;
  weights: WeightSpec;
  activation: 'relu' | 'relu6' | null;
  /** BatchNorm2d's eps: 1e-5 by default in torch, 0.001 in Inception3's BasicConv2d. */
  eps: number;
  /** Normalise with the batch's statistics and update the running ones (model.train()). */
  training: boolean;
}

export function convBn(net: Net, x: Feature, o: ConvBnOptions): Feature {
  const y = conv2d(net, x, {
    scope: o.conv,
    filters: o.filters,
    kernel: o.kernel,
    stride: o.stride,
    padding: o.padding,
    ...(o.groups ? { groups: o.groups } : {}),
    activation: null,
    weightLayout: 'OIHW',
    weights: o.weights,
    biases: null,
  });
  // BatchNorm2d: momentum 0.1 in torch's convention is 0.9 in Keras's; torch updates the
  // running variance with the unbiased batch variance
  const z = batchNorm(net, y, {
    scope: o.bn,
    eps: o.eps,
    momentum: 0.9,
    scale: true,
    center: true,
    training: o.training,
    unbiasedRunningVar: true,
    names: { gamma: `${o.bn}.weight`, beta: `${o.bn}.bias`, mean: `${o.bn}.running_mean`, variance: `${o.bn}.running_var` },
  });
  return o.activation ? activation(net, z, o.activation, o.bn) : z;
}
