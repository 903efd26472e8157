// The fully convolutional class map: the network run on the image at a larger size, with its
// fully connected layers as convolutions, so the classifier's scores come out at every
// position of a grid instead of once.
//
// alexnet_v2 is built that way by slim (fc6 is a 5x5 VALID conv): spatial_squeeze=False
// keeps fc8's spatial output. torchvision's alexnet and Caffe's bvlc_alexnet run their
// convolutions to pool5 at the larger size, then fc6 as a conv whose kernel is pool5's
// size at the trained input (6x6; fc6's [4096, 9216] rows reshaped, from (C, H, W) for
// torchvision's torch.flatten, from (H, W, C) for the kratzert .npy layout) and fc7, fc8
// as 1x1 convs. torchvision's adaptive 6x6 average pool is the identity at 224 and is left
// out, so at the trained size the map is one position equal to the plain logits.
import * as b from '../graph/build.js';
import type { Value } from '../graph/graph.js';
import type { RgbImage } from '../data/image.js';
import { preprocess } from '../data/preprocess.js';
import type { ModelSpec } from '../models/types.js';
import { dims, type Feature } from '../nn/net.js';
import { compileModel } from '../runtime/compile.js';
import { float32, type Tensor, toFloat32, transpose } from '../tensor.js';
import type { ExplainOptions, FcnMap } from './types.js';
import { sessionOptions, type Weights, weightsFor } from './weights.js';

interface ConvForm {
  /** The end point fc6 reads. */
  pool: string;
  /** Order of fc6's input rows. */
  rows: 'CHW' | 'HWC';
  /** weight and bias of fc6, fc7, fc8, and whether the weight is [out, in] (OI) or [in, out] (IO). */
  fcs: { weight: string; bias: string }[];
  layout: 'OI' | 'IO';
}

const CONV_FORMS: Record<string, ConvForm> = {
  alexnet: {
    pool: 'features.12',
    rows: 'CHW',
    fcs: [1, 4, 6].map((i) => ({ weight: `classifier.${i}.weight`, bias: `classifier.${i}.bias` })),
    layout: 'OI',
  },
  bvlc_alexnet: {
    pool: 'pool5',
    rows: 'HWC',
    fcs: ['fc6', 'fc7', 'fc8'].map((l) => ({ weight: `${l}/weights`, bias: `${l}/biases` })),
    layout: 'IO',
  },
};

/** Whether the model has a fully convolutional form. */
export function hasFcn(spec: ModelSpec): boolean {
  return spec.options.includes('spatialSqueeze') || spec.name in CONV_FORMS;
}

/** fc weight [out, in] or [in, out] → OIHW conv weight over a kh×kw×c input in `rows` order. */
function fcAsConv(t: Tensor, layout: 'OI' | 'IO', c: number, kh: number, kw: number, rows: 'CHW' | 'HWC'): Tensor<'float32'> {
  const oi = layout === 'OI' ? toFloat32(t) : transpose(toFloat32(t), [1, 0]);
  const out = oi.shape[0]!;
  if (rows === 'CHW') return float32([out, c, kh, kw], oi.data);
  return transpose(float32([out, kh, kw, c], oi.data), [0, 3, 1, 2]);
}

/** The conv form's graph at `size`: logits NCHW [1, classes, gh, gw], and the weights it reads. */
function convForm(spec: ModelSpec, form: ConvForm, size: [number, number], w: Weights): { logits: Value; pool: Feature; weights: Map<string, Tensor>; m: ReturnType<ModelSpec['build']> } {
  const trained = spec.build({ numClasses: w.numClasses, inputSize: w.inputSize, batch: 1 });
  const given = weightsFor(trained, w);
  const k = dims(trained.endPoints[form.pool]!);
  const m = spec.build({ numClasses: null, inputSize: size, batch: 1 });
  const pool = m.endPoints[form.pool]!;
  const g = m.graph;
  let x = m.net.as(pool, 'NCHW');
  const weights = new Map(given);
  const param = (name: string, t: Tensor): Value => {
    weights.set(name, t);
    return g.param(name, { dtype: 'float32', shape: [...t.shape] }, { init: { kind: 'constant', value: 0 }, regularized: false, layer: 'fcn' });
  };
  form.fcs.forEach((fc, i) => {
    const [c, kh, kw] = i === 0 ? [k.c, k.h, k.w] : [x.shape[1] as number, 1, 1];
    const wt = param(`fcn/${fc.weight}`, fcAsConv(given.get(fc.weight)!, form.layout, c, kh, kw, form.rows));
    const bias = param(`fcn/${fc.bias}`, toFloat32(given.get(fc.bias)!));
    x = b.conv(x, wt, bias, { name: `fcn/fc${6 + i}/Conv` });
    if (i < form.fcs.length - 1) x = b.relu(x, `fcn/fc${6 + i}/Relu`);
  });
  return { logits: x, pool, weights, m };
}

/** The class's score at every position of the fully convolutional form, on the image preprocessed at options.fcnSize. */
export async function fcnMap(spec: ModelSpec, w: Weights, img: RgbImage, cls: number, o: ExplainOptions, progress: (phase: string, done: number, total: number) => void): Promise<FcnMap | null> {
  if (!hasFcn(spec)) return null;
  progress('fcn', 0, 1);
  const size: [number, number] = o.fcnSize ?? [w.inputSize[0] + 160, w.inputSize[1] + 160];
  const form = CONV_FORMS[spec.name];
  let logits: Value;
  let weights: Map<string, Tensor>;
  let graph;
  let rf: [number, number];
  let jump: [number, number];
  let nchw: boolean;
  if (form) {
    const c = convForm(spec, form, size, w);
    ({ logits, weights } = c);
    graph = c.m.graph;
    // fc6's window of pool5 positions widens the receptive field by (k − 1) pool5 steps
    const k = dims(spec.build({ numClasses: null, inputSize: w.inputSize, batch: 1 }).endPoints[form.pool]!);
    jump = c.pool.jump;
    rf = [c.pool.rf[0] + (k.h - 1) * jump[0], c.pool.rf[1] + (k.w - 1) * jump[1]];
    nchw = true;
  } else {
    const m = spec.build({ numClasses: w.numClasses, inputSize: size, batch: 1, spatialSqueeze: false });
    weights = weightsFor(m, w);
    const fc8 = Object.values(m.endPoints).at(-1)!;
    graph = m.graph;
    logits = m.net.as(fc8, 'NCHW');
    rf = fc8.rf;
    jump = fc8.jump;
    nchw = true;
  }
  const [, C, gh, gw] = logits.shape as number[];
  if (!nchw || C === undefined || gh === undefined || gw === undefined) throw new Error(`${spec.name}: fcn logits have shape [${logits.shape.join(',')}]`);
  const session = await compileModel({ graph, outputs: { fcn_logits: logits } }, weights, sessionOptions(o));
  try {
    const x = preprocess(img, w.preprocess, { size, layout: spec.inputLayout });
    const out = (await session.run({ input: x }, ['fcn_logits']))['fcn_logits']!.data as Float32Array;
    progress('fcn', 1, 1);
    return { size, classIndex: cls, shape: [gh, gw], map: out.slice(cls * gh * gw, (cls + 1) * gh * gw), jump, rf };
  } finally {
    await session.dispose();
  }
}
