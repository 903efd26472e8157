// The fully convolutional class map: the network run on the image at a larger size, with its
// fully connected layers as convolutions, so the classifier's scores come out at every
// position of a grid instead of once.
//
// alexnet_v2 is built that way by slim (fc6 is a 5x5 VALID conv): spatial_squeeze=False
// keeps fc8's spatial output, and it runs as its own session.
//
// torchvision's alexnet and Caffe's bvlc_alexnet run their convolutions to pool5 at the
// larger size; fc6 as a convolution whose kernel is pool5's size at the trained input (6x6)
// is then fc6 applied to every 6x6 window of pool5, flattened as the model flattens pool5
// ((C, H, W) for torchvision's torch.flatten, (H, W, C) for the kratzert .npy layout), and
// fc7, fc8 as 1x1 convolutions are fc7, fc8 on each window's row. So the trunk runs in a
// small session of the convolution weights, and the windows go through the classifier of
// explain's main graph (the same parameters, an input `fcn_rows` [M, 9216]), in its last
// run: the 240 MB of fc weights are serialised and loaded once. torchvision's adaptive 6x6
// average pool, the identity at 224, is left out, so at the trained size the map is one
// position equal to the plain logits.
import * as b from '../graph/build.js';
import type { Value } from '../graph/graph.js';
import type { RgbImage } from '../data/image.js';
import { preprocess } from '../data/preprocess.js';
import type { ModelSpec } from '../models/types.js';
import { dims } from '../nn/net.js';
import { compileModel } from '../runtime/compile.js';
import type { Tensor } from '../tensor.js';
import type { ExplainGraph } from './graph.js';
import type { ExplainOptions } from './types.js';
import { sessionOptions, type Weights, weightsFor } from './weights.js';

interface ConvForm {
  /** The end point fc6 reads. */
  pool: string;
  /** Order of fc6's input rows. */
  rows: 'CHW' | 'HWC';
  /** weight and bias of fc6, fc7, fc8. */
  fcs: { weight: string; bias: string }[];
  /** The fc weights are [out, in] (OI) or [in, out] (IO). */
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

export const FCN_ROWS = 'fcn_rows';

/** Whether the model has a fully convolutional form. */
export function hasFcn(spec: ModelSpec): boolean {
  return spec.options.includes('spatialSqueeze') || spec.name in CONV_FORMS;
}

/** The default size of the fully convolutional input: the trained size + 160 (6x6 positions for the AlexNets). */
export function fcnSize(w: Weights, o: ExplainOptions): [number, number] {
  return o.fcnSize ?? [w.inputSize[0] + 160, w.inputSize[1] + 160];
}

/** For the conv-form models: the classifier on window rows (input `fcn_rows`), as the output `fcn_logits`. */
export function addClassifierHead(spec: ModelSpec, eg: ExplainGraph): boolean {
  const form = CONV_FORMS[spec.name];
  if (!form) return false;
  const g = eg.model.graph;
  const param = (name: string): Value => {
    const p = g.params.find((q) => q.name === name);
    if (!p) throw new Error(`${spec.name}: no parameter ${name} for the fully convolutional form`);
    return p;
  };
  const rowLen = param(form.fcs[0]!.weight).shape[form.layout === 'OI' ? 1 : 0] as number;
  let x = g.input(FCN_ROWS, { dtype: 'float32', shape: ['M', rowLen] });
  form.fcs.forEach((fc, i) => {
    x = b.gemm(x, param(fc.weight), param(fc.bias), { transB: form.layout === 'OI', name: `fcn/fc${6 + i}/Gemm` });
    if (i < form.fcs.length - 1) x = b.relu(x, `fcn/fc${6 + i}/Relu`);
  });
  eg.outputs['fcn_logits'] = x;
  return true;
}

export interface FcnWindows {
  size: [number, number];
  /** Window positions [rows, cols] and their rows [rows·cols, k·k·C] for `fcn_rows`. */
  shape: [number, number];
  rows: Float32Array;
  rowLen: number;
  rf: [number, number];
  jump: [number, number];
}

/** Run the trunk at the larger size and cut pool5 into fc6's windows, in the model's flatten order. */
export async function fcnWindows(spec: ModelSpec, eg: ExplainGraph, weights: ReadonlyMap<string, Tensor>, img: RgbImage, w: Weights, o: ExplainOptions): Promise<FcnWindows> {
  const form = CONV_FORMS[spec.name]!;
  const size = fcnSize(w, o);
  const k = dims(eg.model.endPoints[form.pool]!);
  const m = spec.build({ numClasses: null, inputSize: size, batch: 1 });
  const pool = m.endPoints[form.pool]!;
  const p = dims(pool);
  if (p.h < k.h || p.w < k.w) throw new Error(`fcnSize ${size.join('x')}: pool5 is ${p.h}x${p.w}, smaller than fc6's ${k.h}x${k.w} window`);
  const session = await compileModel({ graph: m.graph, outputs: { pool5: m.net.as(pool, 'NCHW') } }, weights, sessionOptions(o));
  let data: Float32Array;
  try {
    const x = preprocess(img, w.preprocess, { size, layout: spec.inputLayout });
    data = (await session.run({ input: x }, ['pool5']))['pool5']!.data as Float32Array;
  } finally {
    await session.dispose();
  }
  const [gh, gw] = [p.h - k.h + 1, p.w - k.w + 1];
  const rowLen = k.c * k.h * k.w;
  const rows = new Float32Array(gh * gw * rowLen);
  for (let i = 0; i < gh; i++) {
    for (let j = 0; j < gw; j++) {
      const row = rows.subarray((i * gw + j) * rowLen, (i * gw + j + 1) * rowLen);
      for (let c = 0; c < k.c; c++) {
        for (let y = 0; y < k.h; y++) {
          for (let x = 0; x < k.w; x++) {
            const at = form.rows === 'CHW' ? (c * k.h + y) * k.w + x : (y * k.w + x) * k.c + c;
            row[at] = data[(c * p.h + i + y) * p.w + j + x]!;
          }
        }
      }
    }
  }
  // fc6's window of pool5 positions widens the receptive field by (k − 1) pool5 steps
  const rf: [number, number] = [pool.rf[0] + (k.h - 1) * pool.jump[0], pool.rf[1] + (k.w - 1) * pool.jump[1]];
  return { size, shape: [gh, gw], rows, rowLen, rf, jump: pool.jump };
}

/** alexnet_v2: slim's own fully convolutional build (spatial_squeeze=False) as a session; logits NCHW [1, C, gh, gw]. */
export async function fcnSession(spec: ModelSpec, w: Weights, img: RgbImage, o: ExplainOptions): Promise<{ size: [number, number]; shape: [number, number]; logits: Float32Array; rf: [number, number]; jump: [number, number] }> {
  const size = fcnSize(w, o);
  const m = spec.build({ numClasses: w.numClasses, inputSize: size, batch: 1, spatialSqueeze: false });
  const fc8 = Object.values(m.endPoints).at(-1)!;
  const { h, w: wd } = dims(fc8);
  const session = await compileModel({ graph: m.graph, outputs: { fcn_logits: m.net.as(fc8, 'NCHW') } }, weightsFor(m, w), sessionOptions(o));
  try {
    const x = preprocess(img, w.preprocess, { size, layout: spec.inputLayout });
    const logits = (await session.run({ input: x }, ['fcn_logits']))['fcn_logits']!.data as Float32Array;
    return { size, shape: [h, wd], logits, rf: fc8.rf, jump: fc8.jump };
  } finally {
    await session.dispose();
  }
}
