// SqueezeNet's Fire module (Iandola et al. 2016, arXiv:1602.07360) as torchvision builds
// it (torchvision/models/squeezenet.py, Fire): a 1x1 squeeze conv, then 1x1 and 3x3
// (padding 1) expand convs side by side, each with a ReLU, concatenated along channels.
import type { Feature, Net } from '../net.js';
import { concat, conv2d, type ParamSpec } from '../layers.js';

export interface FireOptions {
  /** The module's state-dict prefix, e.g. 'features.3'. */
  scope: string;
  squeeze: number;
  expand1x1: number;
  expand3x3: number;
  /** The initialiser of each conv's weight, given its name and fan_in; biases are 0. */
  weights: (name: string) => (fanIn: number) => ParamSpec;
}

export function fire(net: Net, x: Feature, o: FireOptions): Feature {
  const conv = (x: Feature, part: string, filters: number, k: number): Feature =>
    conv2d(net, x, {
      scope: `${o.scope}.${part}`,
      filters,
      kernel: [k, k],
      stride: [1, 1],
      padding: (k - 1) / 2,
      activation: 'relu',
      weightLayout: 'OIHW',
      weights: o.weights(`${o.scope}.${part}.weight`),
      biases: { name: `${o.scope}.${part}.bias`, init: { kind: 'constant', value: 0 } },
    });
  const s = conv(x, 'squeeze', o.squeeze, 1);
  return concat(net, [conv(s, 'expand1x1', o.expand1x1, 1), conv(s, 'expand3x3', o.expand3x3, 3)], o.scope);
}
