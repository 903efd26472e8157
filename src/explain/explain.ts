// explain(model, image, options): what a model does with one image, as tensors. Grad-CAM
// for the top class (and a chosen one), occlusion sensitivity, every end point's feature
// maps, the first convolution's filters, the fully convolutional class map, and with random
// weights how little the logits vary across inputs. The report (src/explain/report) and
// `alexnet explain --json` are consumers of the result.
//
// One ORT session (src/explain/graph.ts) runs fixed-size batches whose rows are the image,
// the noise inputs of the logit spread, the Grad-CAM rows (the image again, with a class's
// one-hot) and the occluded images, in that order.
import { decodeImage } from '../data/decode.js';
import type { RgbImage } from '../data/image.js';
import { preprocess } from '../data/preprocess.js';
import { getModel } from '../models/registry.js';
import type { ModelSpec } from '../models/types.js';
import { generate } from '../nn/init.js';
import { dims } from '../nn/net.js';
import { compileModel } from '../runtime/compile.js';
import type { Session } from '../runtime/session.js';
import { float32, numel, type Tensor, toFloat32 } from '../tensor.js';
import { addClassifierHead, FCN_ROWS, fcnSession, type FcnWindows, fcnWindows, hasFcn } from './fcn.js';
import { explainGraph, type ExplainGraph, ONEHOT } from './graph.js';
import { channelStats, denormalise, gradcam, occlude, positions, spread, toChw } from './maps.js';
import type { Activation, ExplainMap, ExplainOptions, ExplainResult, ExplainPrediction, FcnMap, OcclusionMap } from './types.js';
import { explainWeights, sessionOptions, type Weights, weightsFor } from './weights.js';

/** Seeded uniform-noise inputs beside the image in the logit spread (as `alexnet run` makes them). */
const NOISE_INPUTS = 8;

type Row = { kind: 'image' } | { kind: 'noise'; i: number } | { kind: 'gradcam'; cls: number; k: number } | { kind: 'occlusion'; top: number; left: number };

async function loadImage(image: string | Buffer | RgbImage): Promise<{ file: string; img: RgbImage }> {
  if (typeof image === 'string') return { file: image, img: await decodeImage(image) };
  if (Buffer.isBuffer(image)) return { file: '<buffer>', img: await decodeImage(image) };
  return { file: '<rgb>', img: image };
}

export async function explain(model: ModelSpec | string, image: string | Buffer | RgbImage, options: ExplainOptions = {}): Promise<ExplainResult> {
  const spec = typeof model === 'string' ? getModel(model) : model;
  const progress = options.onProgress ?? (() => undefined);
  const seed = options.seed ?? 0;
  progress('load', 0, 1);
  const w = explainWeights(spec, options.weights, seed);
  const { file, img } = await loadImage(image);
  const [h, wd] = w.inputSize;
  const x = preprocess(img, w.preprocess, { size: w.inputSize, layout: spec.inputLayout });
  if (options.classIndex !== undefined && !(Number.isInteger(options.classIndex) && options.classIndex >= 0 && options.classIndex < w.numClasses)) {
    throw new Error(`class ${options.classIndex} is not a class of ${spec.name}: valid classes are 0..${w.numClasses - 1}`);
  }
  const patch = options.patch ?? 32;
  const stride = options.stride ?? 16;
  const grid: [number, number] = [positions(h, patch, stride), positions(wd, patch, stride)];
  const gradcamRows = options.classIndex === undefined ? 1 : 2;
  const noise = w.random ? NOISE_INPUTS : 0;
  const total = 1 + noise + gradcamRows + grid[0] * grid[1];
  const batch = Math.ceil(total / Math.ceil(total / (options.batchSize ?? 32)));
  // the Grad-CAM rows wait for the first run's top class
  const runs = 1 + Math.ceil((total - Math.min(batch, total - gradcamRows)) / batch);
  const eg = explainGraph(spec, { numClasses: w.numClasses, inputSize: w.inputSize, batch, ...(options.layer !== undefined ? { layer: options.layer } : {}) });
  const head = options.fcnSize !== null && addClassifierHead(spec, eg);
  const matched = weightsFor(eg.model, w);
  const session = await compileModel({ graph: eg.model.graph, outputs: eg.outputs }, matched, sessionOptions(options));
  progress('load', 1, 1);
  try {
    if (head) progress('fcn', 0, 1);
    const windows = head ? await fcnWindows(spec, eg, matched, img, w, options) : null;
    if (head) progress('fcn', 1, 1);
    const rows: Row[] = [{ kind: 'image' }, ...Array.from({ length: noise }, (_, i) => ({ kind: 'noise' as const, i }))];
    for (let i = 0; i < grid[0]; i++) for (let j = 0; j < grid[1]; j++) rows.push({ kind: 'occlusion', top: i * stride, left: j * stride });
    const out = await runRows({ session, eg, x, runs, w, seed, o: options, windows, done: (n) => progress('forward', n, runs) }, rows);
    const fcn = await fcnResult(spec, w, img, out, windows, options, progress);
    return result(spec, w, eg, { file, img, x, patch, stride, grid, seed, options, matched }, out, fcn);
  } finally {
    await session.dispose();
  }
}

interface RunOutput {
  /** Row 0's fetched outputs: logits, probabilities and every end point. */
  first: Record<string, Tensor>;
  top: number;
  classes: number[];
  /** ∂y/∂A of each Grad-CAM class, one image each. */
  grads: Float32Array[];
  /** p(top class) of each occlusion row, in row order. */
  occluded: Float32Array;
  /** Logits of the image and the noise rows. */
  spreadLogits: Float32Array;
  /** The classifier's logits on the fully convolutional windows [M, classes], when fed. */
  fcnLogits: Float32Array | null;
}

interface Runner {
  session: Session;
  eg: ExplainGraph;
  x: Tensor<'float32'>;
  runs: number;
  w: Weights;
  seed: number;
  o: ExplainOptions;
  windows: FcnWindows | null;
  done: (n: number) => void;
}

/**
 * Run the rows in batches of eg.batch. The first batch tells the top class; the Grad-CAM rows
 * go at the head of the second part of the queue, so they ride with occlusion rows.
 */
async function runRows({ session, eg, x, runs, w, seed, o, windows, done }: Runner, rows: Row[]): Promise<RunOutput> {
  const B = eg.batch;
  const C = w.numClasses;
  const each = x.data.length;
  const xs = x.data as Float32Array;
  const [, h, wd] = eg.model.inputLayout === 'NCHW' ? [0, x.shape[2]!, x.shape[3]!] : [0, x.shape[1]!, x.shape[2]!];
  const patch = o.patch ?? 32;
  const noise = rows.filter((r) => r.kind === 'noise').length;
  const noiseData = noise ? generate({ kind: 'uniform', low: 0, high: 1 }, noise * each, seed, 'input') : null;
  const queue = rows.slice();
  const occludedAll: number[] = [];
  const grads: Float32Array[] = [];
  const spreadLogits = new Float32Array((1 + noise) * C);
  let first: Record<string, Tensor> = {};
  let top = -1;
  let classes: number[] = [];
  let fcnLogits: Float32Array | null = null;
  const data = new Float32Array(B * each);
  const onehot = new Float32Array(B * C);
  for (let r = 0; r < runs; r++) {
    const batch = queue.splice(0, B);
    onehot.fill(0);
    batch.forEach((row, i) => {
      const slot = data.subarray(i * each, (i + 1) * each);
      if (row.kind === 'occlusion') occlude(xs, slot, eg.model.inputLayout, h, wd, row.top, row.left, patch);
      else if (row.kind === 'noise') slot.set(noiseData!.subarray(row.i * each, (row.i + 1) * each));
      else slot.set(xs);
      if (row.kind === 'gradcam') onehot[i * C + row.cls] = 1;
    });
    data.fill(0, batch.length * each);
    const last = r === runs - 1;
    const fetches = ['probabilities', 'logits', ...(r === 0 ? eg.endPoints.map((e) => e.output) : []), ...(batch.some((q) => q.kind === 'gradcam') ? ['grad'] : [])];
    const feeds: Record<string, Tensor> = { input: float32([B, ...x.shape.slice(1)], data), [ONEHOT]: float32([B, C], onehot) };
    // the fully convolutional windows ride with the last run; the others carry none
    if (windows) {
      feeds[FCN_ROWS] = last ? float32([windows.shape[0] * windows.shape[1], windows.rowLen], windows.rows) : float32([0, windows.rowLen], new Float32Array(0));
      if (last) fetches.push('fcn_logits');
    }
    const res = await session.run(feeds, [...new Set(fetches)]);
    if (last && windows) fcnLogits = res['fcn_logits']!.data as Float32Array;
    const probs = res['probabilities']!.data as Float32Array;
    const logits = res['logits']!.data as Float32Array;
    if (r === 0) {
      first = res;
      top = argmax(probs.subarray(0, C));
      classes = [top, ...(o.classIndex !== undefined ? [o.classIndex] : [])];
      queue.unshift(...classes.map((cls, k) => ({ kind: 'gradcam' as const, cls, k })));
    }
    const grad = res['grad']?.data as Float32Array | undefined;
    const per = grad ? grad.length / B : 0;
    batch.forEach((row, i) => {
      if (row.kind === 'occlusion') occludedAll.push(probs[i * C + top]!);
      else if (row.kind === 'gradcam') grads[row.k] = grad!.slice(i * per, (i + 1) * per);
      else if (row.kind === 'image') spreadLogits.set(logits.subarray(0, C), 0);
      else spreadLogits.set(logits.subarray(i * C, (i + 1) * C), (1 + row.i) * C);
    });
    done(r + 1);
  }
  if (queue.length) throw new Error(`explain: ${queue.length} rows left after ${runs} runs of ${B}`);
  return { first, top, classes, grads, occluded: Float32Array.from(occludedAll), spreadLogits, fcnLogits };
}

/** The class's score at every position: from the windows run with the batches, or alexnet_v2's own session. */
async function fcnResult(spec: ModelSpec, w: Weights, img: RgbImage, out: RunOutput, windows: FcnWindows | null, o: ExplainOptions, progress: (phase: string, done: number, total: number) => void): Promise<FcnMap | null> {
  const C = w.numClasses;
  const cls = out.top;
  if (windows) {
    const map = Float32Array.from({ length: windows.shape[0] * windows.shape[1] }, (_, i) => out.fcnLogits![i * C + cls]!);
    return { size: windows.size, classIndex: cls, shape: windows.shape, map, rf: windows.rf, jump: windows.jump };
  }
  if (o.fcnSize === null || !hasFcn(spec)) return null;
  progress('fcn', 0, 1);
  const f = await fcnSession(spec, w, img, o);
  const [gh, gw] = f.shape;
  progress('fcn', 1, 1);
  return { size: f.size, classIndex: cls, shape: f.shape, map: f.logits.slice(cls * gh * gw, (cls + 1) * gh * gw), rf: f.rf, jump: f.jump };
}

function argmax(p: Float32Array): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i]! > p[best]!) best = i;
  return best;
}

interface Context {
  file: string;
  img: RgbImage;
  x: Tensor<'float32'>;
  patch: number;
  stride: number;
  grid: [number, number];
  seed: number;
  options: ExplainOptions;
  matched: ReadonlyMap<string, Tensor>;
}

function result(spec: ModelSpec, w: Weights, eg: ExplainGraph, c: Context, out: RunOutput, fcn: ExplainResult['fcn']): ExplainResult {
  const C = w.numClasses;
  const probs = (out.first['probabilities']!.data as Float32Array).subarray(0, C);
  const order = Array.from(probs.keys()).sort((a, b) => probs[b]! - probs[a]! || a - b);
  const predictions: ExplainPrediction[] = order.slice(0, Math.min(5, C)).map((i) => ({ index: i, ...w.label(i), probability: probs[i]! }));
  const activations = eg.endPoints.map(({ name, output, feature }): Activation => {
    const t = out.first[output]!;
    const per = numel(t.shape) / eg.batch;
    const row = (t.data as Float32Array).subarray(0, per);
    const spatial = feature.value.shape.length === 4;
    const d = spatial ? dims(feature) : null;
    const chw = d ? toChw(row, feature.layout, d.c, d.h, d.w) : row.slice();
    const shape = d ? [d.c, d.h, d.w] : [per];
    const stats = channelStats(chw, shape[0]!, c.options.topChannels ?? 16);
    return { name, shape, rf: feature.rf, jump: feature.jump, tensor: float32(shape, chw), channelMeans: stats.means, topChannels: stats.top };
  });
  const la = eg.layer.feature;
  const ld = dims(la);
  const a = activations.find((x) => x.name === eg.layer.endPoint)!.tensor.data;
  const gradcams: ExplainMap[] = out.classes.map((cls, k) => ({
    layer: eg.layer.name,
    endPoint: eg.layer.endPoint,
    classIndex: cls,
    shape: [ld.h, ld.w],
    map: gradcam(a, toChw(out.grads[k]!, la.layout, ld.c, ld.h, ld.w), ld.c, ld.h, ld.w),
  }));
  const base = probs[out.top]!;
  const occlusion: OcclusionMap = { patch: c.patch, stride: c.stride, classIndex: out.top, shape: c.grid, map: out.occluded.map((p) => base - p), base };
  const first = eg.model.graph.params.find((p) => p.shape.length === 4)!;
  const layout = spec.inputLayout === 'NHWC' ? 'HWIO' : (first.shape[1] === 3 ? 'OIHW' : 'HWIO');
  const [h, wd] = w.inputSize;
  return {
    file: c.file,
    model: spec.name,
    randomWeights: w.random !== null,
    ...(w.random ? { seed: w.random.seed } : {}),
    input: { tensor: c.x, display: denormalise(c.x.data as Float32Array, spec.inputLayout, h, wd, w.preprocess), original: c.img, preprocess: w.preprocess },
    predictions,
    class: out.top,
    numClasses: C,
    gradcam: gradcams,
    occlusion,
    activations,
    filters: { name: first.name, tensor: toFloat32(c.matched.get(first.name)!), layout, channelOrder: spec.channels === 'BGR' ? 'bgr' : 'rgb' },
    fcn,
    ...(w.random ? { logitSpread: { inputs: out.spreadLogits.length / C, ...spread(out.spreadLogits, out.spreadLogits.length / C, C) } } : {}),
  };
}
