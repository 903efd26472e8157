// alexnet_v2: TF-slim's AlexNet, the single-tower "one weird trick" variant
// (Krizhevsky 2014, arXiv:1404.5997), as tensorflow/models research/slim/nets/alexnet.py
// defines it. Fully connected layers are convolutions (fc6 is 5x5 VALID), so the
// network runs fully convolutionally on inputs larger than 224; global_pool averages
// fc7 over space so any input of at least 195x195 gives one vector.
//
// Layout contract, as in slim: input NHWC, weights HWIO named alexnet_v2/<layer>/weights
// and alexnet_v2/<layer>/biases, end points keyed alexnet_v2/<layer>.
import type { InitSpec } from '../graph/graph.js';
import * as b from '../graph/build.js';
import { conv2d, dropout, globalMean, maxPool2d, type ParamSpec } from '../nn/layers.js';
import { dims, type Feature, type Net } from '../nn/net.js';
import { assemble } from './assemble.js';
import type { BuildOptions, BuiltModel, ModelSpec } from './types.js';

/** slim's alexnet_v2_arg_scope, as an explicit object. */
export interface AlexnetV2ArgScope {
  /** L2 regulariser on every conv weight (not biases). */
  weightDecay: number;
}

export function alexnetV2ArgScope(weightDecay = 0.0005): AlexnetV2ArgScope {
  return { weightDecay };
}

export interface AlexnetV2Options {
  numClasses?: number | null; // 1000; null or 0 returns fc7
  isTraining?: boolean; // true, as in slim
  dropoutKeepProb?: number; // 0.5
  spatialSqueeze?: boolean; // true
  scope?: string; // 'alexnet_v2'
  globalPool?: boolean; // false
}

export const defaultImageSize = 224;

const xavier = (name: string) => (fanIn: number, fanOut: number): ParamSpec => ({ name, init: { kind: 'glorot_uniform', fanIn, fanOut } });
const truncNormal = (name: string): ParamSpec => ({ name, init: { kind: 'truncated_normal', mean: 0, stddev: 0.005 } });
const bias = (name: string, value: number): ParamSpec => ({ name, init: { kind: 'constant', value } satisfies InitSpec });

/** The network itself: slim's alexnet_v2(inputs, ...) -> (net, end_points). */
export function alexnetV2(net: Net, inputs: Feature, opts: AlexnetV2Options = {}): { net: Feature; endPoints: Record<string, Feature> } {
  const numClasses = opts.numClasses === undefined ? 1000 : opts.numClasses;
  const isTraining = opts.isTraining ?? true;
  const keep = opts.dropoutKeepProb ?? 0.5;
  const sc = opts.scope ?? 'alexnet_v2';
  const ep: Record<string, Feature> = {};
  const conv = (x: Feature, name: string, filters: number, k: number, s: number, padding: 'SAME' | 'VALID', fc = false): Feature =>
    (ep[`${sc}/${name}`] = conv2d(net, x, {
      scope: `${sc}/${name}`,
      filters,
      kernel: [k, k],
      stride: [s, s],
      padding,
      activation: 'relu',
      weightLayout: 'HWIO',
      weights: fc ? truncNormal(`${sc}/${name}/weights`) : xavier(`${sc}/${name}/weights`),
      biases: bias(`${sc}/${name}/biases`, 0.1),
    }));
  const pool = (x: Feature, name: string): Feature =>
    (ep[`${sc}/${name}`] = maxPool2d(net, x, { scope: `${sc}/${name}`, kernel: [3, 3], stride: [2, 2], padding: 'VALID' }));

  let x = conv(inputs, 'conv1', 64, 11, 4, 'VALID');
  x = pool(x, 'pool1');
  x = conv(x, 'conv2', 192, 5, 1, 'SAME');
  x = pool(x, 'pool2');
  x = conv(x, 'conv3', 384, 3, 1, 'SAME');
  x = conv(x, 'conv4', 384, 3, 1, 'SAME');
  x = conv(x, 'conv5', 256, 3, 1, 'SAME');
  x = pool(x, 'pool5');
  // "Use conv2d instead of fully_connected layers."
  x = conv(x, 'fc6', 4096, 5, 1, 'VALID', true);
  x = dropout(net, x, keep, isTraining, `${sc}/dropout6`);
  x = conv(x, 'fc7', 4096, 1, 1, 'SAME', true);
  if (opts.globalPool) x = ep['global_pool'] = globalMean(net, x, `${sc}/global_pool`);
  if (numClasses) {
    x = dropout(net, x, keep, isTraining, `${sc}/dropout7`);
    x = conv2d(net, x, {
      scope: `${sc}/fc8`,
      filters: numClasses,
      kernel: [1, 1],
      stride: [1, 1],
      padding: 'SAME',
      activation: null,
      weightLayout: 'HWIO',
      weights: truncNormal(`${sc}/fc8/weights`),
      biases: bias(`${sc}/fc8/biases`, 0),
    });
    if (opts.spatialSqueeze ?? true) {
      const { h, w } = dims(x);
      if (h !== 1 || w !== 1) {
        throw new Error(`spatial_squeeze: logits are ${h}x${w}, not 1x1; use globalPool or spatialSqueeze=false`);
      }
      x = net.feature(b.squeeze(net.as(x, 'NHWC'), [1, 2], `${sc}/fc8/squeezed`), 'NHWC', x.rf, x.jump);
    }
    ep[`${sc}/fc8`] = x;
  }
  return { net: x, endPoints: ep };
}

export const alexnetV2Spec: ModelSpec = {
  name: 'alexnet_v2',
  description: "TF-slim's alexnet_v2 (one-tower AlexNet, arXiv:1404.5997), fc layers as convolutions",
  source: 'tensorflow/models research/slim/nets/alexnet.py',
  inputLayout: 'NHWC',
  channels: 'RGB',
  defaultImageSize: [defaultImageSize, defaultImageSize],
  minSize: [195, 195],
  minSizeReason: 'fc6 needs a 5x5 pool5',
  defaultNumClasses: 1000,
  classifier: { layer: 'alexnet_v2/fc8', weight: 'alexnet_v2/fc8/weights', bias: 'alexnet_v2/fc8/biases', outAxis: 3 },
  preprocess: 'inception',
  // slim's table of pretrained checkpoints (research/slim/README.md) has none for alexnet_v2
  weights: [],
  options: ['numClasses', 'inputSize', 'batch', 'isTraining', 'dropoutKeepProb', 'globalPool', 'spatialSqueeze', 'lowerToGemm', 'dropoutSeed', 'dropoutMasks'],
  build(o: BuildOptions = {}): BuiltModel {
    return assemble(alexnetV2Spec, o, alexnetV2ArgScope().weightDecay, (net, x, numClasses) =>
      alexnetV2(net, x, {
        numClasses,
        isTraining: o.isTraining ?? false,
        dropoutKeepProb: o.dropoutKeepProb ?? 0.5,
        spatialSqueeze: o.spatialSqueeze ?? true,
        globalPool: o.globalPool ?? false,
      }),
    );
  },
};
