// Grey (single-channel) images through the sample transforms, for in-memory datasets such as
// Fashion-MNIST's IDX files.
//
// Every reference pipeline first turns a grey image into RGB (PIL's convert('RGB') copies the
// value into R, G and B), then crops, flips and resizes each channel on its own, and
// normalises per channel. The three channels therefore differ only in the normalisation:
// cropping, flipping and resizing the one grey channel, then writing it through each
// channel's table, gives the same float32 values bit for bit (test/data/grey.test.ts
// compares with ./augment.ts's transformSample on the RGB image), for a third of the work.
//
// The resize is ./resize.ts's Pillow bilinear on one channel: the same taps, the same
// fixed-point sums, the horizontal pass first and the result rounded to 8 bits between the
// passes, an axis that keeps its size skipped.
//
// The Keras presets resample with Pillow's NEAREST (./resize_nearest.ts), which picks one
// source pixel per output pixel, so the grey pixel picked goes through the tables the same way.
//
// Only 'stretch' datasets with the Pillow-resampled presets (torchvision, caffe, keras-caffe,
// keras-tf) take this path (greyPath); inception's TF resize and the 'preset' fit keep the
// RGB path.
import type { Tensor } from '../tensor.js';
import { float32 } from '../tensor.js';
import { drawSample, type SampleTransform } from './augment.js';
import type { GreyImage } from './image.js';
import type { Box } from './transforms.js';
import { channelTables, tensorBuffer } from './transforms.js';
import { bilinearTaps, type Taps } from './resize.js';
import { isKerasPreset, presetInfo } from './preprocess.js';
import { resizeNearestGrey } from './resize_nearest.js';

/** Whether samples under transform `t` can go through the grey path. */
export function greyPath(t: Pick<SampleTransform, 'preset' | 'fit'>): boolean {
  return t.fit === 'stretch' && t.preset !== 'inception';
}

/** The box of a grey image, zero outside it (as ./transforms.ts's crop). */
export function cropGrey(img: GreyImage, box: Box): GreyImage {
  const { top, left, height, width } = box;
  const out = new Uint8Array(width * height);
  const x0 = Math.max(0, left);
  const x1 = Math.min(img.width, left + width);
  if (x1 > x0) {
    for (let y = Math.max(0, top); y < Math.min(img.height, top + height); y++) {
      const s = y * img.width + x0;
      out.set(img.data.subarray(s, s + (x1 - x0)), (y - top) * width + (x0 - left));
    }
  }
  return { data: out, width, height };
}

export function flipGrey(img: GreyImage): GreyImage {
  const { width: w, height: h } = img;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0, row = y * w; x < w; x++) out[row + w - 1 - x] = img.data[row + x]!;
  return { data: out, width: w, height: h };
}

const PRECISION_BITS = 22; // ./resize.ts
const HALF = 1 << (PRECISION_BITS - 1);

function clamp8(acc: number): number {
  const v = acc >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * One resampling pass along lines of `src`: `lines` lines of `inLen` samples, sample k of
 * line l at l * lineStep + k * step; output sample i of line l at l * outLineStep + i * outStep.
 */
function pass(src: Uint8Array, lines: number, lineStep: number, step: number, taps: Taps, dst: Uint8Array, outLineStep: number, outStep: number): void {
  const { ksize, start, count, weights } = taps;
  const outLen = start.length;
  for (let l = 0; l < lines; l++) {
    for (let i = 0; i < outLen; i++) {
      let acc = HALF;
      const kb = i * ksize;
      const n = count[i]!;
      for (let k = 0, s = l * lineStep + start[i]! * step; k < n; k++, s += step) acc = (acc + Math.imul(src[s]!, weights[kb + k]!)) | 0;
      dst[l * outLineStep + i * outStep] = clamp8(acc);
    }
  }
}

// Taps by 'in,out': a batch resizes many images of one size to one size.
const tapCache = new Map<string, Taps>();
function taps(inSize: number, outSize: number): Taps {
  const key = `${inSize},${outSize}`;
  let t = tapCache.get(key);
  if (!t) {
    if (tapCache.size >= 64) tapCache.clear();
    tapCache.set(key, (t = bilinearTaps(inSize, outSize)));
  }
  return t;
}

/** Pillow's Image.resize((width, height), BILINEAR) of a grey image (see the header). */
export function resizeGrey(img: GreyImage, width: number, height: number): GreyImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`resizeGrey: bad target size ${width}x${height} (from ${img.width}x${img.height})`);
  }
  if (img.data.length !== img.width * img.height) throw new Error(`resizeGrey: ${img.width}x${img.height} grey needs ${img.width * img.height} bytes, got ${img.data.length}`);
  let { data, width: w } = img;
  const h = img.height;
  if (width !== w) {
    const mid = new Uint8Array(width * h);
    pass(data, h, w, 1, taps(w, width), mid, width, 1);
    [data, w] = [mid, width];
  }
  if (height !== h) {
    const out = new Uint8Array(w * height);
    pass(data, w, 1, w, taps(h, height), out, 1, w);
    data = out;
  }
  return { data, width: w, height };
}

/**
 * The tensor of a grey image whose width is already the output's: each output pixel's value
 * v (the vertical pass's, or the pixel itself when vt is null) written as tables[c][v] to
 * channel c, NCHW (planar) or NHWC (interleaved).
 */
function writeRows(g: GreyImage, vt: Taps | null, tables: Float32Array[], planar: boolean, dst: Float32Array): void {
  const w = g.width;
  const h = vt ? vt.start.length : g.height;
  const plane = h * w;
  const [t0, t1, t2] = tables as [Float32Array, Float32Array, Float32Array];
  const src = g.data;
  for (let y = 0; y < h; y++) {
    const kb = vt ? y * vt.ksize : 0;
    const n = vt ? vt.count[y]! : 0;
    const first = vt ? vt.start[y]! * w : y * w;
    for (let x = 0; x < w; x++) {
      let v: number;
      if (vt) {
        let acc = HALF;
        for (let k = 0, s = first + x; k < n; k++, s += w) acc = (acc + Math.imul(src[s]!, vt.weights[kb + k]!)) | 0;
        v = clamp8(acc);
      } else v = src[first + x]!;
      const p = y * w + x;
      if (planar) {
        dst[p] = t0[v]!;
        dst[plane + p] = t1[v]!;
        dst[2 * plane + p] = t2[v]!;
      } else {
        dst[3 * p] = t0[v]!;
        dst[3 * p + 1] = t1[v]!;
        dst[3 * p + 2] = t2[v]!;
      }
    }
  }
}

/** Each sample's [1, ...] tensor, written into `out` (n * 3 * H * W values) in order. */
export function greyBatch(images: readonly GreyImage[], transforms: readonly SampleTransform[], out?: Float32Array): Tensor<'float32'>[] {
  if (images.length !== transforms.length) throw new Error(`greyBatch: ${images.length} images but ${transforms.length} transforms`);
  if (images.length === 0) return [];
  const t0 = transforms[0]!;
  const [h, w] = t0.size;
  const each = 3 * h * w;
  const all = out ?? new Float32Array(each * images.length);
  if (all.length !== each * images.length) throw new Error(`greyBatch: ${images.length} samples of ${h}x${w}x3 need ${each * images.length} values, the buffer has ${all.length}`);
  const p = presetInfo(t0.preset);
  const tables = channelTables({ ...p.normalization, layout: p.layout });
  return images.map((img, k) => {
    const t = transforms[k]!;
    if (!greyPath(t)) throw new Error(`greyBatch: sample ${k}: the grey path takes 'stretch' samples with the torchvision, caffe, keras-caffe or keras-tf preset, got ${t.fit} / ${t.preset}`);
    if (t.preset !== t0.preset || t.size[0] !== h || t.size[1] !== w) throw new Error(`greyBatch: sample ${k} is ${t.preset} ${t.size.join('x')}, sample 0 ${t0.preset} ${h}x${w}`);
    const { box, flip } = drawSample(img.width, img.height, t);
    let g = box ? cropGrey(img, box) : img;
    if (flip) g = flipGrey(g);
    if (isKerasPreset(t.preset)) g = resizeNearestGrey(g, w, h);
    // resizeGrey(g, w, h) with its vertical pass writing the tensor (no 8-bit image between)
    if (g.width !== w) g = resizeGrey(g, w, g.height);
    const dst = tensorBuffer(h, w, all.subarray(k * each, (k + 1) * each));
    writeRows(g, g.height === h ? null : taps(g.height, h), tables, p.layout === 'NCHW', dst);
    return float32(p.layout === 'NCHW' ? [1, 3, h, w] : [1, h, w, 3], dst);
  });
}
