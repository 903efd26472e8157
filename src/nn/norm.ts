// Batch normalisation: the builder models call for Keras's BatchNormalization layer and
// torchvision's nn.BatchNorm2d.
//
// Inference (and frozen layers) normalise with the running statistics: one ONNX
// BatchNormalization node, which src/passes/bn_fold.ts folds into the preceding Conv or
// Gemm when a model is compiled for inference. Training normalises with the batch's
// statistics: ReduceMeans feed them to the same node, whose gradient rule
// (src/grad/rules/norm.ts) gives dX, dGamma and dBeta (docs/design/training-graph.md
// says why this form), and the running statistics' next values go to Net.stateUpdates.
import * as b from '../graph/build.js';
import type { Graph, Value } from '../graph/graph.js';
import { batchOne, type Feature, type Net, nhwcShape, rfStr } from './net.js';

export interface BatchNormOptions {
  /** Layer name: the row in the layer table and the params' layer. */
  scope: string;
  /** Added to the variance: Keras 1e-3 (ResNet50 1.001e-5), torchvision 1e-5. */
  eps: number;
  /**
   * Keras's convention: running = momentum * running + (1 - momentum) * batch. Keras's
   * default is 0.99; torchvision's momentum=0.1 is passed as 0.9.
   */
  momentum: number;
  /** Multiply by gamma (Keras scale=True; InceptionV3 uses scale=False). */
  scale: boolean;
  /** Add beta (Keras center=True). */
  center: boolean;
  /** Normalise with the batch's statistics and update the running ones. */
  training: boolean;
  /**
   * Update the running variance with the unbiased batch variance (x M/(M-1), M = N*H*W),
   * as PyTorch does (torch.nn.BatchNorm2d: "the running estimates ... unbiased").
   * Keras 2's BatchNormalization.call (keras/layers/normalization.py) corrects too, by
   * M/(M - (1 + epsilon)) ("sample variance - unbiased estimator of population
   * variance"), which differs from M/(M-1) by about epsilon/M; pass true for both. false
   * updates with the biased variance (ONNX BatchNormalization's training mode).
   * Normalisation always uses the biased one.
   */
  unbiasedRunningVar: boolean;
  /** Parameter names, e.g. `conv1_bn/gamma` or `bn1.weight`; gamma/beta only with scale/center. */
  names: { gamma?: string; beta?: string; mean: string; variance: string };
}

interface BnParams {
  gamma: Value | null;
  beta: Value | null;
  mean: Value;
  variance: Value;
}

/** Declares the params in Keras's order: gamma, beta, moving_mean, moving_variance. */
function declare(net: Net, c: number, o: BatchNormOptions): BnParams {
  const g = net.g;
  const shape = { dtype: 'float32' as const, shape: [c] };
  const named = (key: 'gamma' | 'beta'): string => {
    const n = o.names[key];
    if (!n) throw new Error(`${o.scope}: batchNorm with ${key === 'gamma' ? 'scale' : 'center'}=true needs names.${key}`);
    return n;
  };
  const info = (value: number) => ({ init: { kind: 'constant' as const, value }, regularized: false, layer: o.scope, normalization: true });
  const gamma = o.scale ? g.param(named('gamma'), shape, info(1)) : null;
  const beta = o.center ? g.param(named('beta'), shape, info(0)) : null;
  const mean = g.param(o.names.mean, shape, { ...info(0), trainable: false });
  const variance = g.param(o.names.variance, shape, { ...info(1), trainable: false });
  return { gamma, beta, mean, variance };
}

/**
 * Batch normalisation over the channels of a feature map (NCHW or NHWC) or of rows
 * [N, C]. An NHWC map is normalised as rows [N*H*W, C], so a Gemm-lowered 1x1 conv is
 * followed by no Transpose.
 */
export function batchNorm(net: Net, x: Feature, o: BatchNormOptions): Feature {
  const rank = x.value.shape.length;
  if (rank !== 2 && rank !== 4) throw new Error(`${o.scope}: batchNorm expects a feature map or rows, got [${x.value.shape.join(',')}]`);
  const shape = nhwcShape(x);
  const c = shape[shape.length - 1];
  if (typeof c !== 'number') throw new Error(`${o.scope}: channels must be known, got [${shape.join(',')}]`);
  const p = declare(net, c, o);
  const rows = rank === 4 && x.layout === 'NHWC';
  const input = rank === 4 && !rows ? net.as(x, 'NCHW') : rows ? b.reshape(x.value, [-1, c], `${o.scope}/rows`) : x.value;
  const training = o.training && !net.opts.frozen?.has(o.scope);
  let y = training ? trainingBn(net, input, p, o) : inferenceBn(input, p, c, o);
  if (rows) y = b.reshape(y, [-1, ...(shape.slice(1) as number[])], `${o.scope}/map`);
  const out = net.feature(y, rank === 4 && !rows ? 'NCHW' : x.layout, x.rf, x.jump);
  net.record({
    name: o.scope,
    op: 'BatchNorm',
    kernel: '',
    stride: '',
    padding: '',
    outputShape: batchOne(nhwcShape(out)),
    params: c * (2 + (p.gamma ? 1 : 0) + (p.beta ? 1 : 0)),
    macs: 0,
    receptiveField: rank === 4 ? rfStr(out) : 'global',
  });
  return out;
}

function inferenceBn(x: Value, p: BnParams, c: number, o: BatchNormOptions, mean = p.mean, variance = p.variance): Value {
  const g = x.graph;
  const scale = p.gamma ?? ones(g, c, o);
  const bias = p.beta ?? b.f32(g, new Array<number>(c).fill(0), `${o.scope}/zeros`);
  return b.batchNorm(x, scale, bias, mean, variance, { epsilon: o.eps, name: `${o.scope}/BatchNorm` });
}

/**
 * Normalises with the batch's mean and biased variance over every axis but the channels
 * (1), computed by ReduceMean and fed to the same inference-mode node. Its gradient rule
 * (src/grad/rules/norm.ts) recognises them as x's batch statistics and gives the closed
 * form of dX. Records the running statistics' update with the layer's momentum.
 */
function trainingBn(net: Net, x: Value, p: BnParams, o: BatchNormOptions): Value {
  const g = x.graph;
  const c = x.shape[1] as number;
  const axes = x.shape.length === 4 ? [0, 2, 3] : [0];
  const s = (n: string) => `${o.scope}/${n}`;
  const count = axes.reduce((n, a) => n * (x.shape[a] as number), 1);
  if (!Number.isFinite(count)) throw new Error(`${o.scope}: training batch norm needs a static shape, got [${x.shape.join(',')}]; build with batch: <n>`);
  if (count < 2) throw new Error(`${o.scope}: training batch norm needs more than 1 value per channel, got [${x.shape.join(',')}]`);
  const mean = b.reduce('ReduceMean', x, axes, true, s('batch_mean'));
  const centred = b.sub(x, mean, s('centred'));
  const variance = b.reduce('ReduceMean', b.mul(centred, centred, s('square')), axes, true, s('batch_variance'));
  const meanC = b.reshape(mean, [c], s('mean'));
  const varC = b.reshape(variance, [c], s('variance'));
  const y = inferenceBn(x, p, c, o, meanC, varC);
  const m = o.momentum;
  const blend = (running: Value, batch: Value, k: number, name: string) =>
    b.add(b.mul(running, b.f32(g, m, s(`${name}_momentum`))), b.mul(batch, b.f32(g, (1 - m) * k, s(`${name}_rate`))), s(`next_${name}`));
  net.stateUpdates.push({ param: p.mean, next: blend(p.mean, meanC, 1, 'mean') });
  net.stateUpdates.push({ param: p.variance, next: blend(p.variance, varC, o.unbiasedRunningVar ? count / (count - 1) : 1, 'variance') });
  return y;
}

const ones = (g: Graph, c: number, o: BatchNormOptions) => b.f32(g, new Array<number>(c).fill(1), `${o.scope}/ones`);
