// TensorFlow 1's tf.image.resize_bilinear(images, size, align_corners=False) with the
// legacy (half_pixel_centers=False) coordinate mapping, as TF-slim's
// inception_preprocessing.preprocess_for_eval calls it on a float image in [0, 1].
//
// Unlike Pillow's resize (resize.ts) this is a plain 2x2 interpolation with no antialiasing,
// and its sampling grid is anchored at the top-left corner rather than at pixel centres:
//   scale = inSize / outSize (float32);  in = out * scale (float32)
//   lower = floor(in), upper = min(ceil(in), inSize - 1), lerp = in - floor(in)
//   top    = tl + (tr - tl) * xlerp;  bottom = bl + (br - bl) * xlerp
//   result = top + (bottom - top) * ylerp
// (tensorflow/core/kernels/image/resize_bilinear_op.cc). Every step is rounded to float32
// with Math.fround, as TF computes in float, so results agree to float rounding (TF may
// fuse multiply-adds). No uint8 rounding happens: the output stays float.
import type { RgbImage } from './image.js';

interface Lerp {
  lower: Int32Array;
  upper: Int32Array;
  frac: Float32Array;
}

function legacyLerp(inSize: number, outSize: number): Lerp {
  const scale = Math.fround(inSize / outSize);
  const lower = new Int32Array(outSize);
  const upper = new Int32Array(outSize);
  const frac = new Float32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const x = Math.fround(i * scale);
    const f = Math.floor(x);
    lower[i] = Math.max(f, 0);
    upper[i] = Math.min(Math.ceil(x), inSize - 1);
    frac[i] = x - f;
  }
  return { lower, upper, frac };
}

/**
 * Resize an 8-bit RGB image to width x height with TF1's legacy bilinear interpolation,
 * after mapping each byte v to `values[v]` (e.g. TF's convert_image_dtype: v * float32(1/255)).
 * Returns float32 HWC.
 */
export function resizeBilinearTf(img: RgbImage, width: number, height: number, values: Float32Array): Float32Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`resizeBilinearTf: bad target size ${width}x${height} (from ${img.width}x${img.height})`);
  }
  if (values.length !== 256) throw new Error(`resizeBilinearTf: values needs 256 entries, got ${values.length}`);
  const f = Math.fround;
  const xs = legacyLerp(img.width, width);
  const ys = legacyLerp(img.height, height);
  const src = img.data;
  const stride = img.width * 3;
  const out = new Float32Array(width * height * 3);
  let d = 0;
  for (let y = 0; y < height; y++) {
    const top = ys.lower[y]! * stride;
    const bot = ys.upper[y]! * stride;
    const yl = ys.frac[y]!;
    for (let x = 0; x < width; x++) {
      const l = xs.lower[x]! * 3;
      const r = xs.upper[x]! * 3;
      const xl = xs.frac[x]!;
      for (let c = 0; c < 3; c++, d++) {
        const tl = values[src[top + l + c]!]!;
        const tr = values[src[top + r + c]!]!;
        const bl = values[src[bot + l + c]!]!;
        const br = values[src[bot + r + c]!]!;
        const t = f(tl + f(f(tr - tl) * xl));
        const b = f(bl + f(f(br - bl) * xl));
        out[d] = t + f(f(b - t) * yl);
      }
    }
  }
  return out;
}
