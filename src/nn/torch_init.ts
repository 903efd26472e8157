// PyTorch's initialisers as parameter specs, for models built as torchvision builds them
// (torch/nn/init.py; each model file says which one torchvision applies where).
import type { ParamSpec } from './layers.js';

/**
 * kaiming_normal_(mode='fan_out', nonlinearity='relu'): N(0, 2/fan_out), PyTorch's fan_out
 * = out_channels * kh * kw (torchvision's VGG, ResNet, MobileNetV2 convs). conv2d hands the
 * callback its fan_out per group, so a grouped conv passes its `groups` to undo that.
 */
export const kaimingNormalFanOut = (name: string, groups = 1) => (_fanIn: number, fanOut: number): ParamSpec => ({
  name,
  init: { kind: 'normal', mean: 0, stddev: Math.sqrt(2 / (fanOut * groups)) },
});

/** PyTorch's default Conv2d/Linear init (kaiming_uniform_(a=sqrt(5))): U(±1/sqrt(fan_in)), weights and biases alike. */
export const torchDefault = (name: string) => (fanIn: number): ParamSpec => ({
  name,
  init: { kind: 'uniform', low: -1 / Math.sqrt(fanIn), high: 1 / Math.sqrt(fanIn) },
});

/** kaiming_uniform_() with its defaults (a=0, fan_in): U(±sqrt(6/fan_in)) (torchvision's SqueezeNet). */
export const kaimingUniform = (name: string) => (fanIn: number): ParamSpec => ({
  name,
  init: { kind: 'uniform', low: -Math.sqrt(6 / fanIn), high: Math.sqrt(6 / fanIn) },
});

/** normal_(mean=0, std). */
export const normal = (name: string, stddev: number): ParamSpec => ({ name, init: { kind: 'normal', mean: 0, stddev } });

/** constant_(value): biases (0), BatchNorm weights (1) and biases (0). */
export const constant = (name: string, value: number): ParamSpec => ({ name, init: { kind: 'constant', value } });
