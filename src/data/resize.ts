// Antialiased bilinear resize of 8-bit RGB, reproducing Pillow's
// `Image.resize(size, Image.BILINEAR)` (libImaging/Resample.c, Pillow >= 4.3) exactly, because
// torchvision's Resize on PIL images is that call and the published AlexNet accuracies were
// measured through it.
//
// The algorithm, for one axis (input length `inSize`, output length `outSize`):
//   scale  = inSize / outSize                  (input pixels per output pixel)
//   fscale = max(scale, 1)                      (the filter widens only when shrinking:
//                                                that is the antialiasing)
//   support = 1 * fscale                        (the triangle filter's radius, in input pixels)
//   Output pixel i is centred on input coordinate c = (i + 0.5) * scale (pixel centres
//   aligned, not corners). It reads input pixels j in [trunc(c - support + 0.5),
//   trunc(c + support + 0.5)) clipped to the image, each weighted by
//   triangle((j - c + 0.5) / fscale), triangle(x) = max(0, 1 - |x|); the weights are divided
//   by their sum (so edges are renormalised, not darkened), then stored as fixed-point
//   integers with 22 fractional bits, rounded half away from zero.
// The image is resized horizontally first, then vertically. Each pass accumulates
// integer products starting from 2^21 (one half, so the shift rounds to nearest), shifts
// right by 22 and clamps to 0..255, so the intermediate image is rounded to uint8 between the
// passes, as Pillow's is. A pass is skipped when its axis keeps its size (it would be the
// identity anyway). The horizontal pass only visits the rows the vertical pass will read.
//
// Coefficients are computed once per call (outSize * ksize integers) into typed arrays;
// the pixel loops handle the three channels together.
import { type RgbImage, rgbImage } from './image.js';

const PRECISION_BITS = 22; // Pillow: 32 - 8 - 2, so 255 * sum(weights) cannot overflow int32
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

/** Per-output-pixel filter taps along one axis. */
export interface Taps {
  /** Largest number of taps of any output pixel; row stride of `weights`. */
  readonly ksize: number;
  /** First input index read by output pixel i. */
  readonly start: Int32Array;
  /** Number of input pixels read by output pixel i. */
  readonly count: Int32Array;
  /** Fixed-point weights (2^22 = 1.0), ksize per output pixel, zero past count. */
  readonly weights: Int32Array;
}

function triangle(x: number): number {
  const a = x < 0 ? -x : x;
  return a < 1 ? 1 - a : 0;
}

/** Pillow's bilinear taps for resampling an axis of length inSize to outSize. */
export function bilinearTaps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const fscale = scale < 1 ? 1 : scale;
  const support = fscale; // bilinear's support is 1 input pixel at scale 1
  const inv = 1 / fscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const w = new Float64Array(ksize);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    // C's (int) cast truncates towards zero; negative starts are clamped to 0 anyway.
    const lo = Math.max(0, Math.trunc(center - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(center + support + 0.5));
    const n = hi - lo;
    let sum = 0;
    for (let k = 0; k < n; k++) {
      // Same operation order as Resample.c so the doubles round identically.
      const v = triangle((k + lo - center + 0.5) * inv);
      w[k] = v;
      sum += v;
    }
    for (let k = 0; k < n; k++) {
      const v = sum !== 0 ? w[k]! / sum : w[k]!;
      // Round half away from zero to 22 fractional bits (weights are never negative here).
      weights[i * ksize + k] = Math.trunc(v < 0 ? v * ONE - 0.5 : v * ONE + 0.5);
    }
    start[i] = lo;
    count[i] = n;
  }
  return { ksize, start, count, weights };
}

function clamp8(acc: number): number {
  const v = acc >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Horizontal pass over rows [y0, y0 + rows) of src (width srcW), into a buffer of width taps.count.length. */
function horizontal(src: Uint8Array, srcW: number, y0: number, rows: number, taps: Taps): Uint8Array {
  const outW = taps.start.length;
  const { ksize, start, count, weights } = taps;
  const dst = new Uint8Array(outW * rows * 3);
  for (let y = 0; y < rows; y++) {
    const rowBase = (y0 + y) * srcW * 3;
    let d = y * outW * 3;
    for (let x = 0; x < outW; x++, d += 3) {
      let r = HALF;
      let g = HALF;
      let b = HALF;
      const kb = x * ksize;
      let s = rowBase + start[x]! * 3;
      const n = count[x]!;
      for (let k = 0; k < n; k++, s += 3) {
        const wk = weights[kb + k]!;
        r = (r + Math.imul(src[s]!, wk)) | 0;
        g = (g + Math.imul(src[s + 1]!, wk)) | 0;
        b = (b + Math.imul(src[s + 2]!, wk)) | 0;
      }
      dst[d] = clamp8(r);
      dst[d + 1] = clamp8(g);
      dst[d + 2] = clamp8(b);
    }
  }
  return dst;
}

/** Vertical pass: src has width w; taps.start indexes rows relative to row `y0` of the full image. */
function vertical(src: Uint8Array, w: number, y0: number, taps: Taps): Uint8Array {
  const outH = taps.start.length;
  const { ksize, start, count, weights } = taps;
  const stride = w * 3;
  const dst = new Uint8Array(outH * stride);
  for (let y = 0; y < outH; y++) {
    const kb = y * ksize;
    const n = count[y]!;
    const first = (start[y]! - y0) * stride;
    let d = y * stride;
    for (let c = 0; c < stride; c += 3, d += 3) {
      let r = HALF;
      let g = HALF;
      let b = HALF;
      let s = first + c;
      for (let k = 0; k < n; k++, s += stride) {
        const wk = weights[kb + k]!;
        r = (r + Math.imul(src[s]!, wk)) | 0;
        g = (g + Math.imul(src[s + 1]!, wk)) | 0;
        b = (b + Math.imul(src[s + 2]!, wk)) | 0;
      }
      dst[d] = clamp8(r);
      dst[d + 1] = clamp8(g);
      dst[d + 2] = clamp8(b);
    }
  }
  return dst;
}

/** The taps of output pixels [from, to) only (views, no copy). */
function sliceTaps(t: Taps, from: number, to: number): Taps {
  return {
    ksize: t.ksize,
    start: t.start.subarray(from, to),
    count: t.count.subarray(from, to),
    weights: t.weights.subarray(from * t.ksize, to * t.ksize),
  };
}

/** Columns [x0, x1) of rows [y0, y1) of an RGB image, as a packed image. */
function cutColumns(src: Uint8Array, srcW: number, x0: number, x1: number, y0: number, y1: number): Uint8Array {
  const w = x1 - x0;
  const out = new Uint8Array(w * (y1 - y0) * 3);
  for (let y = y0; y < y1; y++) out.set(src.subarray((y * srcW + x0) * 3, (y * srcW + x1) * 3), (y - y0) * w * 3);
  return out;
}

export interface Region {
  top: number;
  left: number;
  height: number;
  width: number;
}

/**
 * The region of Pillow's resize to width x height, computed alone: every output pixel
 * depends only on its own taps, so this equals cropping the full resize, byte for byte, at a
 * fraction of the work (torchvision's 224 centre crop keeps half of a 384x256 resize).
 */
export function resizeBilinearRegion(img: RgbImage, width: number, height: number, r: Region): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`resizeBilinear: bad target size ${width}x${height} (from ${img.width}x${img.height})`);
  }
  if (img.data.length !== img.width * img.height * 3) {
    throw new Error(`resizeBilinear: ${img.width}x${img.height} RGB needs ${img.width * img.height * 3} bytes, got ${img.data.length}`);
  }
  if (r.left < 0 || r.top < 0 || r.width < 1 || r.height < 1 || r.left + r.width > width || r.top + r.height > height) {
    throw new Error(`resizeBilinear: region ${r.width}x${r.height} at (${r.left},${r.top}) is outside ${width}x${height}`);
  }
  const [x0, x1, y0, y1] = [r.left, r.left + r.width, r.top, r.top + r.height];
  const needH = width !== img.width;
  const needV = height !== img.height;
  // Input rows the vertical pass reads (taps move monotonically down the image).
  const vt = needV ? sliceTaps(bilinearTaps(img.height, height), y0, y1) : null;
  const rows0 = vt ? vt.start[0]! : y0;
  const rows1 = vt ? vt.start[vt.start.length - 1]! + vt.count[vt.count.length - 1]! : y1;
  const mid = needH
    ? horizontal(img.data, img.width, rows0, rows1 - rows0, sliceTaps(bilinearTaps(img.width, width), x0, x1))
    : cutColumns(img.data, img.width, x0, x1, rows0, rows1);
  return rgbImage(r.width, r.height, vt ? vertical(mid, r.width, rows0, vt) : mid);
}

/** Resize to width x height exactly as Pillow's Image.resize((width, height), Image.BILINEAR) does. */
export function resizeBilinear(img: RgbImage, width: number, height: number): RgbImage {
  return resizeBilinearRegion(img, width, height, { top: 0, left: 0, height, width });
}
