// The arithmetic of the maps, on plain arrays: Grad-CAM from a layer's activations and
// gradients, the occluded inputs and their map, channel statistics, the logit spread, and
// the preprocessed input back to colours.
import { rgbImage, type RgbImage } from '../data/image.js';
import { presetInfo, type PresetName } from '../data/preprocess.js';
import type { Layout } from '../nn/net.js';

/** One image's feature map [C, H, W] from NCHW or NHWC data (a copy). */
export function toChw(data: Float32Array, layout: Layout, c: number, h: number, w: number): Float32Array {
  if (layout === 'NCHW') return data.slice(0, c * h * w);
  const out = new Float32Array(c * h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[k * h * w + y * w + x] = data[(y * w + x) * c + k]!;
  return out;
}

/**
 * Grad-CAM (Selvaraju et al. 2017, eq. 1-2) from A and ∂y/∂A, both [C, H, W]:
 * α_k = mean over positions of ∂y/∂A_k; map = ReLU(Σ_k α_k A_k) / max; all zero stays zero.
 */
export function gradcam(a: Float32Array, da: Float32Array, c: number, h: number, w: number): Float32Array {
  const hw = h * w;
  const map = new Float64Array(hw);
  for (let k = 0; k < c; k++) {
    let alpha = 0;
    for (let i = 0; i < hw; i++) alpha += da[k * hw + i]!;
    alpha /= hw;
    if (alpha === 0) continue;
    for (let i = 0; i < hw; i++) map[i] += alpha * a[k * hw + i]!;
  }
  let max = 0;
  for (let i = 0; i < hw; i++) max = Math.max(max, map[i]!);
  const out = new Float32Array(hw);
  if (max > 0) for (let i = 0; i < hw; i++) out[i] = Math.max(0, map[i]!) / max;
  return out;
}

/** Occlusion positions along an axis: 0, stride, … up to size − patch. */
export function positions(size: number, patch: number, stride: number): number {
  if (!Number.isInteger(patch) || patch < 1 || patch > size) throw new Error(`occlusion: patch must be an integer in 1..${size}, got ${patch}`);
  if (!Number.isInteger(stride) || stride < 1) throw new Error(`occlusion: stride must be an integer >= 1, got ${stride}`);
  return Math.floor((size - patch) / stride) + 1;
}

/** Write into `out` the image `x` (one [3,H,W] or [H,W,3] input) with the square at (top, left) set to 0. */
export function occlude(x: Float32Array, out: Float32Array, layout: Layout, h: number, w: number, top: number, left: number, patch: number): void {
  out.set(x);
  for (let y = top; y < top + patch; y++) {
    if (layout === 'NCHW') for (let k = 0; k < 3; k++) out.fill(0, k * h * w + y * w + left, k * h * w + y * w + left + patch);
    else out.fill(0, (y * w + left) * 3, (y * w + left + patch) * 3);
  }
}

/** Mean of each channel of a [C, ...] array, and the `top` channels of highest mean. */
export function channelStats(t: Float32Array, c: number, top: number): { means: Float32Array; top: number[] } {
  const per = t.length / c;
  const means = new Float32Array(c);
  for (let k = 0; k < c; k++) {
    let s = 0;
    for (let i = 0; i < per; i++) s += t[k * per + i]!;
    means[k] = s / per;
  }
  const order = Array.from(means.keys()).sort((p, q) => means[q]! - means[p]! || p - q);
  return { means, top: order.slice(0, Math.min(top, c)) };
}

const std = (xs: number[]): number => {
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length);
};

/** The logits' spread (population standard deviation) across inputs and across classes, of rows [inputs, classes]. */
export function spread(logits: Float32Array, inputs: number, classes: number): { acrossInputs: number; acrossClasses: number; argmax: number[] } {
  const row = (n: number) => Array.from(logits.subarray(n * classes, (n + 1) * classes));
  let acrossInputs = 0;
  for (let c = 0; c < classes; c++) acrossInputs += std(Array.from({ length: inputs }, (_, n) => logits[n * classes + c]!));
  let acrossClasses = 0;
  const argmax: number[] = [];
  for (let n = 0; n < inputs; n++) {
    const r = row(n);
    acrossClasses += std(r);
    argmax.push(r.indexOf(Math.max(...r)));
  }
  return { acrossInputs: acrossInputs / classes, acrossClasses: acrossClasses / inputs, argmax };
}

/**
 * The preprocessed input back to 8-bit RGB: the inverse of the preset's normalisation
 * (x · std + mean, times the divisor, or 255 where the preset normalises [0, 1] floats),
 * BGR swapped back, clamped and rounded.
 */
export function denormalise(data: Float32Array, layout: Layout, h: number, w: number, preset: PresetName): RgbImage {
  const n = presetInfo(preset).normalization;
  const scale = n.divisor === 1 && Math.max(...n.mean) <= 1 ? 255 : n.divisor;
  const img = rgbImage(w, h);
  for (let k = 0; k < 3; k++) {
    const out = n.channels === 'BGR' ? 2 - k : k;
    for (let i = 0; i < h * w; i++) {
      const v = layout === 'NCHW' ? data[k * h * w + i]! : data[i * 3 + k]!;
      img.data[i * 3 + out] = Math.min(255, Math.max(0, Math.round((v * n.std[k]! + n.mean[k]!) * scale)));
    }
  }
  return img;
}

/** Pearson correlation of two arrays of one length. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]! / n;
    mb += b[i]! / n;
  }
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}
