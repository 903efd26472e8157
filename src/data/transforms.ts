// The building blocks of the preprocessing presets: the size and crop-offset rules of each
// reference framework, cropping, and writing a normalised float32 tensor in NCHW or NHWC.
// Each rule is kept separate because the frameworks round differently and a one-pixel shift
// of the crop is enough to move logits visibly.
import { float32, type Tensor } from '../tensor.js';
import { type RgbImage, rgbImage } from './image.js';

export type Layout = 'NCHW' | 'NHWC';

/** A rectangle in image coordinates; may extend past the image (then it is zero-padded). */
export interface Box {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** Python's round(): halves go to the even neighbour (round(80.5) == 80, round(81.5) == 82). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * torchvision's Resize(size) with one int: the shorter side becomes `size`, the longer
 * `int(size * long / short)` (truncated, not rounded; torchvision.transforms.functional.
 * _compute_resized_output_size, max_size unset). Returns [height, width].
 */
export function torchvisionResizeSize(width: number, height: number, size: number): [number, number] {
  const [short, long] = width <= height ? [width, height] : [height, width];
  const newLong = Math.trunc((size * long) / short);
  return width <= height ? [newLong, size] : [size, newLong];
}

/**
 * torchvision's CenterCrop box: offsets int(round((image - crop) / 2.0)) with Python's
 * half-to-even round; when the crop is larger than the image, torchvision first pads by
 * (crop - image) // 2 on the top/left (and the rest on the bottom/right) with zeros, which
 * is a negative offset here.
 */
export function torchvisionCenterCrop(width: number, height: number, cropH: number, cropW: number): Box {
  const axis = (size: number, crop: number) => (crop > size ? -Math.floor((crop - size) / 2) : roundHalfEven((size - crop) / 2));
  return { top: axis(height, cropH), left: axis(width, cropW), height: cropH, width: cropW };
}

/**
 * Caffe's test-phase crop (DataTransformer::Transform): h_off = (height - crop) / 2 in
 * integer division, so 256 -> 227 starts at 14. Caffe refuses crops larger than the image.
 */
export function caffeCenterCrop(width: number, height: number, cropH: number, cropW: number): Box {
  if (cropH > height || cropW > width) {
    throw new Error(`caffe crop ${cropH}x${cropW} is larger than the ${height}x${width} image`);
  }
  return { top: Math.floor((height - cropH) / 2), left: Math.floor((width - cropW) / 2), height: cropH, width: cropW };
}

/**
 * TF's tf.image.central_crop(image, fraction): start = int((size - size * fraction) / 2)
 * computed in float64 and truncated, extent = size - 2 * start (so the crop stays centred
 * and can be a pixel larger than size * fraction).
 */
export function tfCentralCrop(width: number, height: number, fraction: number): Box {
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`central_crop fraction must be in (0, 1], got ${fraction}`);
  const start = (size: number) => Math.trunc((size - size * fraction) / 2);
  const top = start(height);
  const left = start(width);
  return { top, left, height: height - 2 * top, width: width - 2 * left };
}

/** Copy a box out of an image; pixels outside the image are 0 (black), as torchvision's pad(fill=0). */
export function crop(img: RgbImage, box: Box): RgbImage {
  const { top, left, height, width } = box;
  const out = rgbImage(width, height);
  const x0 = Math.max(0, left);
  const x1 = Math.min(img.width, left + width);
  if (x1 <= x0) return out;
  for (let y = Math.max(0, top); y < Math.min(img.height, top + height); y++) {
    const s = (y * img.width + x0) * 3;
    out.data.set(img.data.subarray(s, s + (x1 - x0) * 3), ((y - top) * width + (x0 - left)) * 3);
  }
  return out;
}

/** How pixel values become network inputs: out = (v / divisor - mean) / std, per output channel. */
export interface Normalization {
  /** 255 for torchvision's ToTensor, 1 to keep 0..255. */
  divisor: number;
  /** Per output channel (so in BGR order when channels is 'BGR'). */
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  /** Channel order of the output; 'BGR' swaps R and B (Caffe, OpenCV). */
  channels: 'RGB' | 'BGR';
  layout: Layout;
}

/** A new array for an h x w x 3 tensor, or `into` (which must have exactly that length). */
export function tensorBuffer(h: number, w: number, into: Float32Array | undefined): Float32Array {
  if (!into) return new Float32Array(h * w * 3);
  if (into.length !== h * w * 3) throw new Error(`tensor output: ${h}x${w}x3 needs ${h * w * 3} values, the buffer given has ${into.length}`);
  return into;
}

function writeTensor(h: number, w: number, layout: Layout, value: (pixel: number, c: number) => number, into?: Float32Array): Tensor<'float32'> {
  const out = tensorBuffer(h, w, into);
  const plane = h * w;
  if (layout === 'NCHW') {
    for (let c = 0; c < 3; c++) for (let p = 0; p < plane; p++) out[c * plane + p] = value(p, c);
  } else {
    for (let p = 0, d = 0; p < plane; p++) for (let c = 0; c < 3; c++, d++) out[d] = value(p, c);
  }
  return float32(layout === 'NCHW' ? [1, 3, h, w] : [1, h, w, 3], out);
}

function checkNorm(n: Normalization): void {
  if (!(n.divisor > 0) || n.std.some((s) => !(s !== 0 && Number.isFinite(s))) || n.mean.some((m) => !Number.isFinite(m))) {
    throw new Error(`bad normalisation: divisor ${n.divisor}, mean [${n.mean.join(', ')}], std [${n.std.join(', ')}]`);
  }
}

/**
 * The float32 value of each 8-bit pixel value in each output channel (0, 1, 2), in
 * torchvision's order: f(f(v / divisor) - mean) / std. Shared by toTensor and the grey path
 * (./grey.ts), so both write the same bits.
 */
export function channelTables(n: Normalization): Float32Array[] {
  checkNorm(n);
  const f = Math.fround;
  return [0, 1, 2].map((c) => {
    const m = f(n.mean[c]!);
    const s = f(n.std[c]!);
    const lut = new Float32Array(256);
    for (let v = 0; v < 256; v++) lut[v] = f(f(v / n.divisor) - m) / s;
    return lut;
  });
}

/**
 * An 8-bit RGB image as a [1,3,H,W] or [1,H,W,3] float32 tensor. Values are computed in
 * float32 in torchvision's order: ToTensor's img.float().div(255), then Normalize's
 * sub_(mean).div_(std) with float32 mean and std, so the result is bit-identical to torch.
 * Done through a 256-entry table per channel. With `into`, the values are written there (a
 * batch slot, say) and the tensor returned views it.
 */
export function toTensor(img: RgbImage, n: Normalization, into?: Float32Array): Tensor<'float32'> {
  const luts = channelTables(n);
  const src = img.data;
  const srcC = n.channels === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  // writeTensor(h, w, layout, (p, c) => luts[c][src[p * 3 + srcC[c]]]) written out: a
  // closure call per value is several times slower than these loops (docs/design/data-path.md).
  const plane = img.width * img.height;
  const out = tensorBuffer(img.height, img.width, into);
  for (let c = 0; c < 3; c++) {
    const lut = luts[c]!;
    const s0 = srcC[c]!;
    if (n.layout === 'NCHW') for (let p = 0, s = s0, d = c * plane; p < plane; p++, s += 3, d++) out[d] = lut[src[s]!]!;
    else for (let p = 0, s = s0, d = c; p < plane; p++, s += 3, d += 3) out[d] = lut[src[s]!]!;
  }
  return float32(n.layout === 'NCHW' ? [1, 3, img.height, img.width] : [1, img.height, img.width, 3], out);
}

/** Like toTensor for float HWC RGB pixels (divisor applies too, usually 1). */
export function floatToTensor(data: Float32Array, width: number, height: number, n: Normalization, into?: Float32Array): Tensor<'float32'> {
  checkNorm(n);
  if (data.length !== width * height * 3) throw new Error(`floatToTensor: ${width}x${height}x3 needs ${width * height * 3} values, got ${data.length}`);
  const f = Math.fround;
  const m = n.mean.map(f);
  const s = n.std.map(f);
  const srcC = n.channels === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  return writeTensor(height, width, n.layout, (p, c) => f(f(data[p * 3 + srcC[c]!]! / n.divisor) - m[c]!) / s[c]!, into);
}
