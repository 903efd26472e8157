// Pieces shared by the layer builders (conv.ts, pool.ts, merge.ts, layers.ts): padding
// rules, parameter specs and the activations a layer may end with.
import * as b from '../graph/build.js';
import type { Graph, InitSpec, Value } from '../graph/graph.js';
import type { Feature } from './net.js';

export type Padding = 'SAME' | 'VALID' | number | [number, number, number, number];

/** 'relu6' is ONNX Clip(0, 6): Keras's ReLU(6.) and torchvision's nn.ReLU6. */
export type Activation = 'relu' | 'relu6' | null;

export interface ParamSpec {
  name: string;
  init: InitSpec;
  /** Counted by weight decay; default true for weights, false for biases. */
  regularized?: boolean;
}

/** A parameter spec, or a function of (fanIn, fanOut) that makes one (initialisers need the fans). */
export type WeightSpec = ParamSpec | ((fanIn: number, fanOut: number) => ParamSpec);

/** Explicit pads [top, left, bottom, right]; SAME follows TensorFlow (extra pixel at the end). */
export function resolvePads(padding: Padding, kernel: [number, number], stride: [number, number], size: [number, number]): number[] {
  if (padding === 'VALID') return [0, 0, 0, 0];
  if (typeof padding === 'number') return [padding, padding, padding, padding];
  if (Array.isArray(padding)) return [...padding];
  const begin: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < 2; i++) {
    const out = Math.ceil(size[i]! / stride[i]!);
    const total = Math.max((out - 1) * stride[i]! + kernel[i]! - size[i]!, 0);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  }
  return [...begin, ...end];
}

export function padStr(padding: Padding): string {
  return typeof padding === 'string' ? padding : Array.isArray(padding) ? padding.join(',') : String(padding);
}

export function strideStr(stride: [number, number]): string {
  return stride[0] === stride[1] ? String(stride[0]) : stride.join('x');
}

/** Receptive field and jump after a window of `kernel` with `stride` on x. */
export function windowRf(x: Feature, kernel: [number, number], stride: [number, number]): { rf: [number, number]; jump: [number, number] } {
  return {
    rf: [x.rf[0] + (kernel[0] - 1) * x.jump[0], x.rf[1] + (kernel[1] - 1) * x.jump[1]],
    jump: [x.jump[0] * stride[0], x.jump[1] * stride[1]],
  };
}

/** The activation on a value, its node named `<scope>/Relu` or `<scope>/Relu6`. */
export function applyActivation(y: Value, kind: Activation, scope: string): Value {
  if (kind === 'relu') return b.relu(y, `${scope}/Relu`);
  if (kind === 'relu6') return b.clip(y, 0, 6, `${scope}/Relu6`);
  return y;
}

/** Declare a weight with its PyTorch fans (graph metadata) and weight decay on by default. */
export function weightParam(g: Graph, spec: ParamSpec, shape: number[], layer: string, fans: { in: number; out: number }): Value {
  return g.param(spec.name, { dtype: 'float32', shape }, { init: spec.init, regularized: spec.regularized ?? true, layer, fans });
}

/** Declare a bias of `n` values, weight decay off by default. */
export function biasParam(g: Graph, spec: ParamSpec, n: number, layer: string): Value {
  return g.param(spec.name, { dtype: 'float32', shape: [n] }, { init: spec.init, regularized: spec.regularized ?? false, layer });
}
