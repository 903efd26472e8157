// The linear probe: a softmax-regression head on a frozen backbone's penultimate
// features, trained with the toolkit's own Trainer (the training graph and its SGD
// update, src/train) on a seeded, stratified split, scored on the held-out part.
// Features are standardised with the training split's mean and deviation and scaled by
// 1/sqrt(dim), so one learning rate suits a 4096-wide and a 64-wide feature alike.
import { Graph } from '../graph/graph.js';
import { linear } from '../nn/layers.js';
import { Net } from '../nn/net.js';
import type { BuiltModel } from '../models/types.js';
import type { Tensor } from '../tensor.js';
import { Trainer } from '../train/trainer.js';
import { Rng } from '../util/rng.js';

export interface ProbeOptions {
  seed: number;
  /** Held-out fraction of each class (default 0.25; a class of one image is all training). */
  valFraction?: number;
  /** Passes over the training split (default 40). */
  epochs?: number;
  /** Images per step (default 32, at most the training split). */
  batch?: number;
  /** SGD learning rate (default 0.5) and momentum (0.9). */
  lr?: number;
  onStep?: (done: number, total: number) => void;
}

export interface ProbeResult {
  /** Validation top-1 in percent. */
  top1: number;
  /** Indices of the validation images, and the head's top-1 class for each. */
  valIndex: Int32Array;
  valPred: Int32Array;
  seconds: number;
}

/** Seeded stratified split: per class, a shuffled round(fraction x count) images are held out. */
export function probeSplit(labels: Int32Array, fraction: number, seed: number): { train: number[]; val: number[] } {
  const byClass = new Map<number, number[]>();
  labels.forEach((l, i) => byClass.set(l, [...(byClass.get(l) ?? []), i]));
  const rng = new Rng(seed, 0, 'probe-split');
  const train: number[] = [];
  const val: number[] = [];
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const idx = rng.shuffle([...byClass.get(c)!]);
    const nVal = idx.length < 2 ? 0 : Math.max(1, Math.round(fraction * idx.length));
    val.push(...idx.slice(0, nVal));
    train.push(...idx.slice(nVal));
  }
  return { train: train.sort((a, b) => a - b), val: val.sort((a, b) => a - b) };
}

/** A one-layer model: [batch, dim] features to `classes` logits. */
function headModel(batch: number, dim: number, classes: number): BuiltModel {
  const g = new Graph('probe');
  const net = new Net(g, { lowerToGemm: true });
  const input = g.input('input', { dtype: 'float32', shape: [batch, dim] });
  const zero = { kind: 'constant', value: 0 } as const;
  const out = linear(net, net.feature(input, 'NHWC'), { scope: 'head', units: classes, activation: null, weightLayout: 'IO', weights: { name: 'head/kernel', init: zero }, biases: { name: 'head/bias', init: zero } });
  return { name: 'probe', graph: g, net, input, inputLayout: 'NHWC', output: out.value, outputName: 'logits', outputs: { logits: out.value }, endPoints: {}, layers: net.layers, weightDecay: 0 };
}

/** Rows of `features` (n x dim) at `idx`, standardised by (mean, scale) per column. */
function rows(features: Float32Array, dim: number, idx: readonly number[], mean: Float64Array, scale: Float64Array): Float32Array {
  const out = new Float32Array(idx.length * dim);
  idx.forEach((i, r) => {
    for (let j = 0; j < dim; j++) out[r * dim + j] = (features[i * dim + j]! - mean[j]!) * scale[j]!;
  });
  return out;
}

function standardiser(features: Float32Array, dim: number, train: readonly number[]): { mean: Float64Array; scale: Float64Array } {
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (const i of train) for (let j = 0; j < dim; j++) mean[j] += features[i * dim + j]!;
  for (let j = 0; j < dim; j++) mean[j] /= train.length;
  for (const i of train) for (let j = 0; j < dim; j++) sq[j] += (features[i * dim + j]! - mean[j]!) ** 2;
  const scale = sq.map((s) => 1 / (Math.sqrt(s / train.length + 1e-6) * Math.sqrt(dim)));
  return { mean, scale };
}

/** Train the head on the training split of `features` (n x dim) and score it on the rest. */
export async function linearProbe(features: Float32Array, dim: number, labels: Int32Array, classes: number, o: ProbeOptions): Promise<ProbeResult> {
  const t0 = performance.now();
  const { train, val } = probeSplit(labels, o.valFraction ?? 0.25, o.seed);
  if (train.length < 2 || val.length < 1) throw new Error(`linear probe: ${labels.length} images leave ${train.length} for training and ${val.length} for validation; it needs at least 2 and 1`);
  const { mean, scale } = standardiser(features, dim, train);
  const batch = Math.min(o.batch ?? 32, train.length);
  const model = headModel(batch, dim, classes);
  const init = new Map<string, Tensor>([
    ['head/kernel', { dtype: 'float32', shape: [dim, classes], data: new Float32Array(dim * classes) }],
    ['head/bias', { dtype: 'float32', shape: [classes], data: new Float32Array(classes) }],
  ]);
  const trainer = await Trainer.create(model, init, { momentum: 0.9, weightDecay: 0, update: 'graph', session: { threads: 1 } });
  const rng = new Rng(o.seed, 0, 'probe-batches');
  const epochs = o.epochs ?? 40;
  const steps = Math.floor(train.length / batch);
  try {
    for (let e = 0; e < epochs; e++) {
      const order = rng.shuffle([...train]);
      for (let s = 0; s < steps; s++) {
        const idx = order.slice(s * batch, (s + 1) * batch);
        const x: Tensor<'float32'> = { dtype: 'float32', shape: [batch, dim], data: rows(features, dim, idx, mean, scale) };
        const r = await trainer.step(x, idx.map((i) => labels[i]!), o.lr ?? 0.5);
        if (r.finite) trainer.commit();
        else trainer.reject();
        o.onStep?.(e * steps + s + 1, epochs * steps);
      }
    }
    const w = trainer.weights();
    const pred = predict(rows(features, dim, val, mean, scale), w.get('head/kernel')!.data, w.get('head/bias')!.data, dim, classes);
    const hits = val.filter((i, r) => pred[r] === labels[i]).length;
    return { top1: (100 * hits) / val.length, valIndex: Int32Array.from(val), valPred: pred, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await trainer.dispose();
  }
}

/** Top-1 of x (n x dim) W (dim x classes) + b. */
function predict(x: Float32Array, w: Float32Array, b: Float32Array, dim: number, classes: number): Int32Array {
  const n = x.length / dim;
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = -Infinity;
    for (let c = 0; c < classes; c++) {
      let z = b[c]!;
      for (let j = 0; j < dim; j++) z += x[r * dim + j]! * w[j * classes + c]!;
      if (z > best) (best = z), (out[r] = c);
    }
  }
  return out;
}
