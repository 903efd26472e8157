// Nearest-neighbour resize reproducing Pillow's `Image.resize(size, Image.NEAREST)`, the
// resampling of Keras's `image.load_img(path, target_size=...)` (keras_preprocessing
// image/utils.py load_img, interpolation='nearest' by default).
//
// Pillow (_imaging.c _resize) turns a NEAREST resize into an affine scale with
// a = in / out per axis, and libImaging/Geometry.c ImagingScaleAffine tabulates the source
// index of each output pixel by accumulating in double precision: x = a * 0.5, then
// x += a per pixel, index = (int)x. The accumulation (not i * a + a / 2) is kept because the
// two round differently at exact pixel boundaries.
import { type GreyImage, type RgbImage, rgbImage } from './image.js';

/** The source index of each of `outSize` output pixels along an axis of `inSize` pixels. */
export function nearestIndex(inSize: number, outSize: number): Int32Array {
  if (!Number.isInteger(inSize) || !Number.isInteger(outSize) || inSize < 1 || outSize < 1) {
    throw new Error(`nearest resize: bad sizes ${inSize} -> ${outSize}`);
  }
  const a = inSize / outSize;
  const idx = new Int32Array(outSize);
  let x = a * 0.5;
  for (let i = 0; i < outSize; i++, x += a) idx[i] = Math.min(inSize - 1, Math.trunc(x));
  return idx;
}

/** Pillow's Image.resize((width, height), NEAREST) of an RGB image. */
export function resizeNearest(img: RgbImage, width: number, height: number): RgbImage {
  if (width === img.width && height === img.height) return img;
  const xs = nearestIndex(img.width, width);
  const ys = nearestIndex(img.height, height);
  const out = rgbImage(width, height);
  const src = img.data;
  for (let y = 0, d = 0; y < height; y++) {
    const row = ys[y]! * img.width;
    for (let x = 0; x < width; x++, d += 3) {
      const s = (row + xs[x]!) * 3;
      out.data[d] = src[s]!;
      out.data[d + 1] = src[s + 1]!;
      out.data[d + 2] = src[s + 2]!;
    }
  }
  return out;
}

/** Pillow's Image.resize((width, height), NEAREST) of a grey image. */
export function resizeNearestGrey(img: GreyImage, width: number, height: number): GreyImage {
  if (width === img.width && height === img.height) return img;
  const xs = nearestIndex(img.width, width);
  const ys = nearestIndex(img.height, height);
  const out = new Uint8Array(width * height);
  for (let y = 0, d = 0; y < height; y++) {
    const row = ys[y]! * img.width;
    for (let x = 0; x < width; x++, d++) out[d] = img.data[row + xs[x]!]!;
  }
  return { data: out, width, height };
}
