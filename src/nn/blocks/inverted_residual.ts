// MobileNetV2's inverted residual (Sandler et al. 2018, arXiv:1801.04381) as torchvision
// builds it (torchvision/models/mobilenetv2.py, InvertedResidual): a 1x1 expansion to
// `expand` x the input channels (left out when expand is 1), a 3x3 depthwise conv (the
// stride), each with BatchNorm and ReLU6, then a linear 1x1 projection with BatchNorm;
// the input is added back when the stride is 1 and the channels are unchanged.
import { add } from '../layers.js';
import { dims, type Feature, type Net } from '../net.js';
import { kaimingNormalFanOut } from '../torch_init.js';
import { convBn } from './conv_bn.js';

export interface InvertedResidualOptions {
  /** The block's state-dict prefix, e.g. 'features.2'; its layers are `<scope>.conv.<i>`. */
  scope: string;
  filters: number;
  stride: number;
  expand: number;
  training: boolean;
}

export function invertedResidual(net: Net, x: Feature, o: InvertedResidualOptions): Feature {
  const inp = dims(x).c;
  const hidden = Math.round(inp * o.expand);
  const p = `${o.scope}.conv`;
  let i = 0;
  // Conv2dNormActivation (torchvision/ops/misc.py): conv `.0`, BatchNorm `.1`, padding (k-1)/2;
  // MobileNetV2.__init__: kaiming_normal_(fan_out) conv weights (fan_out = out_channels * kh * kw)
  const unit = (x: Feature, filters: number, k: number, stride: number, groups: number): Feature => {
    const s = `${p}.${i++}`;
    return convBn(net, x, {
      conv: `${s}.0`,
      bn: `${s}.1`,
      filters,
      kernel: [k, k],
      stride: [stride, stride],
      padding: (k - 1) / 2,
      groups,
      weights: kaimingNormalFanOut(`${s}.0.weight`, groups),
      activation: 'relu6',
      eps: 1e-5,
      training: o.training,
    });
  };
  let y = x;
  if (o.expand !== 1) y = unit(y, hidden, 1, 1, 1);
  y = unit(y, hidden, 3, o.stride, hidden);
  // pw-linear: a bare Conv2d and BatchNorm2d as the next two entries of the Sequential
  y = convBn(net, y, {
    conv: `${p}.${i}`,
    bn: `${p}.${i + 1}`,
    filters: o.filters,
    kernel: [1, 1],
    stride: [1, 1],
    padding: 0,
    weights: kaimingNormalFanOut(`${p}.${i}.weight`),
    activation: null,
    eps: 1e-5,
    training: o.training,
  });
  return o.stride === 1 && inp === o.filters ? add(net, [x, y], o.scope) : y;
}
