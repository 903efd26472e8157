// explainUnits: the images of a folder that excite each channel of a layer most, as in
// Zeiler & Fergus 2013, fig. 2. Each image's score for a channel is the channel's largest
// value over the positions of its map; the position of that value tells which part of the
// image (its receptive field, ./receptive.ts) the unit answered to.
//
// The folder streams through in batches: the image pool decodes and preprocesses the next
// batch while ORT runs the current one, and only the top `top` hits of every channel are
// kept (value, file, position), so memory does not grow with the folder.
import { walkImageFiles } from '../data/files.js';
import { ImagePool } from '../data/pool.js';
import { loadImageTensor, stackBatch } from '../data/preprocess.js';
import { getModel } from '../models/registry.js';
import type { ModelSpec, PreprocessName } from '../models/types.js';
import { dims } from '../nn/net.js';
import { compileModel } from '../runtime/compile.js';
import type { Session } from '../runtime/session.js';
import type { Tensor } from '../tensor.js';
import { defaultLayer, resolveLayer } from './layers.js';
import { receptiveBox, type RfBox } from './receptive.js';
import type { ExplainWeights } from './types.js';
import { explainWeights, weightsFor } from './weights.js';

export interface UnitsOptions {
  /** The layer: an end point or its ReLU's name (default the last convolution's ReLU). */
  layer?: string;
  /** Images kept per channel (default 9). */
  top?: number;
  /** Pretrained weights; without them the model's seeded random weights. */
  weights?: ExplainWeights;
  seed?: number;
  /** Images per forward pass (default 16). */
  batchSize?: number;
  threads?: number;
  /** Decode in these worker threads; null decodes on this thread. Default a pool of its own, closed at the end. */
  pool?: ImagePool | null;
  /** Told after each batch: images done (decoded or failed) of the total. */
  onProgress?: (done: number, total: number) => void;
}

/** One of a channel's top images. */
export interface UnitHit {
  file: string;
  /** The channel's largest value on the image. */
  value: number;
  /** Where in the channel's map (first in row-major order on ties). */
  row: number;
  col: number;
  /** The input pixels that position sees, in the preprocessed input. */
  box: RfBox;
}

export interface UnitsResult {
  model: string;
  /** The layer as asked for, and the end point it reads. */
  layer: string;
  endPoint: string;
  randomWeights: boolean;
  /** [channels, height, width] of the layer's output. */
  shape: [number, number, number];
  rf: [number, number];
  jump: [number, number];
  /** The preprocessed input [height, width] and how it was made. */
  inputSize: [number, number];
  preprocess: PreprocessName;
  /** Images scored, and the ones that could not be decoded. */
  files: number;
  failed: { file: string; error: string }[];
  /** Per channel, its top images, highest value first (ties: folder order). */
  units: UnitHit[][];
}

interface Hit {
  value: number;
  file: number;
  pos: number;
}

/** Insert into a list kept sorted by value (descending), then file index; at most k long. */
export function keepTop(list: Hit[], hit: Hit, k: number): void {
  const before = (a: Hit, b: Hit) => a.value > b.value || (a.value === b.value && a.file < b.file);
  if (list.length === k && !before(hit, list[k - 1]!)) return;
  let i = list.length;
  while (i > 0 && before(hit, list[i - 1]!)) i--;
  list.splice(i, 0, hit);
  if (list.length > k) list.pop();
}

/** Each channel's largest value over positions of one image's [C, H, W] map, and where (first on ties). */
export function channelMax(map: Float32Array, c: number, hw: number): { value: Float32Array; pos: Int32Array } {
  const value = new Float32Array(c);
  const pos = new Int32Array(c);
  for (let k = 0; k < c; k++) {
    let best = 0;
    for (let p = 1; p < hw; p++) if (map[k * hw + p]! > map[k * hw + best]!) best = p;
    value[k] = map[k * hw + best]!;
    pos[k] = best;
  }
  return { value, pos };
}

type Decoded = { index: number; tensor: Tensor<'float32'> } | { index: number; error: string };

export async function explainUnits(model: ModelSpec | string, dir: string, options: UnitsOptions = {}): Promise<UnitsResult> {
  const spec = typeof model === 'string' ? getModel(model) : model;
  const top = options.top ?? 9;
  const batch = options.batchSize ?? 16;
  if (!(Number.isInteger(top) && top >= 1)) throw new Error(`explain units: top must be a positive integer, got ${top}`);
  if (!(Number.isInteger(batch) && batch >= 1)) throw new Error(`explain units: batchSize must be a positive integer, got ${batch}`);
  const { files } = await walkImageFiles(dir);
  if (files.length === 0) throw new Error(`${dir}: no image files`);
  const w = explainWeights(spec, options.weights, options.seed ?? 0);
  const m = spec.build({ numClasses: w.numClasses, inputSize: w.inputSize });
  const layer = resolveLayer(m, options.layer ?? defaultLayer(m));
  const d = dims(layer.feature);
  const session = await compileModel({ graph: m.graph, outputs: { units: m.net.as(layer.feature, 'NCHW') } }, weightsFor(m, w), options.threads ? { threads: options.threads } : {});
  const pool = options.pool === undefined ? new ImagePool() : options.pool;
  const decode = decoder(pool, w.preprocess, w.inputSize, spec.inputLayout);
  const best: Hit[][] = Array.from({ length: d.c }, () => []);
  const failed: UnitsResult['failed'] = [];
  try {
    let next = Promise.all(files.slice(0, batch).map((f, i) => decode(f, i)));
    for (let start = 0; start < files.length; start += batch) {
      const decoded = await next;
      next = Promise.all(files.slice(start + batch, start + 2 * batch).map((f, i) => decode(f, start + batch + i)));
      await scoreBatch(session, decoded, d.c, d.h * d.w, top, best, (i, error) => failed.push({ file: files[i]!, error }));
      options.onProgress?.(Math.min(files.length, start + batch), files.length);
    }
  } finally {
    await session.dispose();
    if (options.pool === undefined) await pool?.close();
  }
  const [h, wd] = w.inputSize;
  const hit = (x: Hit): UnitHit => {
    const row = Math.floor(x.pos / d.w);
    const col = x.pos % d.w;
    return { file: files[x.file]!, value: x.value, row, col, box: receptiveBox(row, col, [d.h, d.w], layer.feature.rf, layer.feature.jump, [h, wd]) };
  };
  return {
    model: spec.name,
    layer: layer.name,
    endPoint: layer.endPoint,
    randomWeights: w.random !== null,
    shape: [d.c, d.h, d.w],
    rf: layer.feature.rf,
    jump: layer.feature.jump,
    inputSize: w.inputSize,
    preprocess: w.preprocess,
    files: files.length - failed.length,
    failed,
    units: best.map((list) => list.map(hit)),
  };
}

function decoder(pool: ImagePool | null, preset: PreprocessName, size: [number, number], layout: 'NCHW' | 'NHWC') {
  return async (file: string, index: number): Promise<Decoded> => {
    try {
      const tensor = pool ? await pool.run({ input: file, name: file, preset, opts: { size, layout } }) : await loadImageTensor(file, preset, { size, layout });
      return { index, tensor };
    } catch (e) {
      return { index, error: (e as Error).message };
    }
  };
}

async function scoreBatch(session: Session, decoded: Decoded[], c: number, hw: number, top: number, best: Hit[][], fail: (index: number, error: string) => void): Promise<void> {
  const ok: { index: number; tensor: Tensor<'float32'> }[] = [];
  for (const x of decoded) {
    if ('error' in x) fail(x.index, x.error);
    else ok.push(x);
  }
  if (ok.length === 0) return;
  const out = await session.run({ input: stackBatch(ok.map((x) => x.tensor)) }, ['units']);
  const data = out['units']!.data as Float32Array;
  ok.forEach((x, n) => {
    const { value, pos } = channelMax(data.subarray(n * c * hw, (n + 1) * c * hw), c, hw);
    for (let k = 0; k < c; k++) keepTop(best[k]!, { value: value[k]!, file: x.index, pos: pos[k]! }, top);
  });
}
