// torchvision's ResNet Bottleneck (torchvision/models/resnet.py, Bottleneck with
// expansion 4): 1x1 → 3x3 (the stride, "ResNet V1.5") → 1x1 convs, each followed by
// BatchNorm, the identity (or a 1x1 strided conv + BN `downsample` when the shape changes)
// added before the last ReLU. Convs have no bias. Keras's ResNet50 block differs (stride
// in the first 1x1, conv biases, its own names), so it is not this builder.
import { add, relu } from '../layers.js';
import type { Feature, Net } from '../net.js';
import { dims } from '../net.js';
import { kaimingNormalFanOut } from '../torch_init.js';
import { convBn } from './conv_bn.js';

export interface BottleneckOptions {
  /** The block's state-dict prefix, e.g. 'layer2.0'. */
  scope: string;
  /** Bottleneck width (torchvision's `planes`); the output has 4x as many channels. */
  planes: number;
  stride: number;
  training: boolean;
}

export function bottleneck(net: Net, x: Feature, o: BottleneckOptions): Feature {
  const out = o.planes * 4;
  const s = o.stride;
  // ResNet.__init__: kaiming_normal_(fan_out, relu) conv weights; BN weight 1, bias 0
  const unit = (x: Feature, i: number, filters: number, k: number, stride: number, relu: boolean): Feature =>
    convBn(net, x, {
      conv: `${o.scope}.conv${i}`,
      bn: `${o.scope}.bn${i}`,
      filters,
      kernel: [k, k],
      stride: [stride, stride],
      padding: (k - 1) / 2,
      weights: kaimingNormalFanOut(`${o.scope}.conv${i}.weight`),
      activation: relu ? 'relu' : null,
      eps: 1e-5,
      training: o.training,
    });
  let y = unit(x, 1, o.planes, 1, 1, true);
  y = unit(y, 2, o.planes, 3, s, true);
  y = unit(y, 3, out, 1, 1, false);
  let identity = x;
  if (s !== 1 || dims(x).c !== out) {
    identity = convBn(net, x, {
      conv: `${o.scope}.downsample.0`,
      bn: `${o.scope}.downsample.1`,
      filters: out,
      kernel: [1, 1],
      stride: [s, s],
      padding: 0,
      weights: kaimingNormalFanOut(`${o.scope}.downsample.0.weight`),
      activation: null,
      eps: 1e-5,
      training: o.training,
    });
  }
  return relu(net, add(net, [y, identity], o.scope), o.scope);
}
