// Preprocessing presets that reproduce what each reference framework did to an image before
// its AlexNet saw it, so that published weights see the inputs they were trained on.
//
// torchvision (ImageNet eval, torchvision/references/classification/presets.py):
//   Resize(256) (shorter side, Pillow bilinear, antialiased) -> CenterCrop(224) ->
//   ToTensor() (/255) -> Normalize(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)); RGB, NCHW.
// caffe (BVLC reference models: examples/imagenet/create_imagenet.sh resizes to 256x256
//   ignoring aspect, and the deploy data layer takes the centre 227x227 crop):
//   resize to 256x256 -> crop 227 at offset (256 - 227) / 2 = 14 -> BGR -> subtract the
//   per-channel mean B 104, G 117, R 123 (the rounded means of ilsvrc_2012_mean.binaryproto);
//   values stay in 0..255 units; NCHW. Caffe's tools resized with OpenCV's non-antialiased
//   bilinear; we use Pillow's bilinear (as the Python oracle does), which differs slightly
//   when shrinking large photos.
// inception (TF-slim's inception_preprocessing.preprocess_for_eval, which slim's alexnet_v2 uses):
//   convert_image_dtype to float ([0, 1], v * float32(1/255)) -> central_crop(0.875) ->
//   tf.image.resize_bilinear to the network size (TF1 legacy sampling, no antialiasing) ->
//   (x - 0.5) * 2, i.e. x / 127.5 - 1 in [-1, 1] up to float rounding; RGB, NHWC.
//   We follow slim's op order and TF's resize (resize_tf.ts) rather than Pillow's, because
//   that is what slim evaluated with; the only difference from slim is its JPEG decoder.
// keras-caffe, keras-tf (Keras Applications): keras_preprocessing's image.load_img(path,
//   target_size=(h, w)), which resizes the whole image straight to h x w with Pillow's
//   NEAREST (its default interpolation; no crop, aspect ignored), then
//   keras_applications/imagenet_utils.py _preprocess_numpy_input on float32 pixels:
//   mode 'caffe' flips RGB to BGR and subtracts [103.939, 116.779, 123.68] (0..255 units),
//   mode 'tf' computes x / 127.5 - 1; NHWC (channels_last).
import { float32, shapeStr, type Tensor } from '../tensor.js';
import type { DecodeOptions } from './decode.js';
import { type RgbImage, rgbImage, sizeHW } from './image.js';
import { resizeBilinearRegion } from './resize.js';
import { resizeNearest } from './resize_nearest.js';
import { resizeBilinearTf } from './resize_tf.js';
import {
  type Box,
  caffeCenterCrop,
  crop,
  floatToTensor,
  type Layout,
  type Normalization,
  tfCentralCrop,
  toTensor,
  torchvisionCenterCrop,
  torchvisionResizeSize,
} from './transforms.js';

export type PresetName = 'torchvision' | 'caffe' | 'inception' | 'keras-caffe' | 'keras-tf';
export const PRESET_NAMES: readonly PresetName[] = ['torchvision', 'caffe', 'inception', 'keras-caffe', 'keras-tf'];

/** The Keras presets: the whole image resized with Pillow's NEAREST, no crop. */
export function isKerasPreset(name: PresetName): name is 'keras-caffe' | 'keras-tf' {
  return name === 'keras-caffe' || name === 'keras-tf';
}

export interface PreprocessOptions {
  /**
   * Network input [height, width] (a number for square): the crop for torchvision and caffe,
   * the resize target for inception and the Keras presets. Defaults 224, 227, 224, 224, 224.
   */
  size?: number | [number, number];
  /**
   * torchvision: the shorter side (a number) or an exact [height, width], default
   * round(size * 256 / 224) (256 for 224, 342 for 299 as torchvision's inception_v3 uses).
   * caffe: the warp size, default round(size * 256 / 227) square (256 for 227).
   * Not used by inception and the Keras presets.
   */
  resize?: number | [number, number];
  /** inception: fraction of each side kept by the central crop (default 0.875). */
  centralFraction?: number;
  /** Output layout; default NCHW for torchvision and caffe, NHWC for inception and the Keras presets. */
  layout?: Layout;
  /** Override the preset's per-channel mean / std (in output channel order). */
  mean?: readonly [number, number, number];
  std?: readonly [number, number, number];
}

/** What a preset does by default, for documentation and CLIs. */
export interface PresetInfo {
  size: [number, number];
  layout: Layout;
  normalization: Omit<Normalization, 'layout'>;
  description: string;
}

const PRESETS: Record<PresetName, PresetInfo> = {
  torchvision: {
    size: [224, 224],
    layout: 'NCHW',
    normalization: { divisor: 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], channels: 'RGB' },
    description: 'Resize(256) shorter side, CenterCrop(224), /255, ImageNet mean/std; RGB',
  },
  caffe: {
    size: [227, 227],
    layout: 'NCHW',
    normalization: { divisor: 1, mean: [104, 117, 123], std: [1, 1, 1], channels: 'BGR' },
    description: 'resize 256x256, centre crop 227 (offset 14), BGR, minus mean (104, 117, 123); 0..255 units',
  },
  inception: {
    size: [224, 224],
    layout: 'NHWC',
    normalization: { divisor: 1, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], channels: 'RGB' },
    description: 'central crop 87.5%, TF bilinear resize to 224x224, scaled to [-1, 1]; RGB',
  },
  'keras-caffe': {
    size: [224, 224],
    layout: 'NHWC',
    normalization: { divisor: 1, mean: [103.939, 116.779, 123.68], std: [1, 1, 1], channels: 'BGR' },
    description: 'Keras load_img: whole image resized (nearest) to 224x224, BGR, minus mean (103.939, 116.779, 123.68); 0..255 units',
  },
  'keras-tf': {
    size: [224, 224],
    layout: 'NHWC',
    normalization: { divisor: 127.5, mean: [1, 1, 1], std: [1, 1, 1], channels: 'RGB' },
    description: 'Keras load_img: whole image resized (nearest) to 224x224, x / 127.5 - 1 in [-1, 1]; RGB',
  },
};

export function presetInfo(name: PresetName): PresetInfo {
  const p = PRESETS[name];
  if (!p) throw new Error(`unknown preprocessing preset ${JSON.stringify(name)}; valid presets: ${PRESET_NAMES.join(', ')}`);
  return p;
}

function normalization(p: PresetInfo, opts: PreprocessOptions): Normalization {
  return { ...p.normalization, mean: opts.mean ?? p.normalization.mean, std: opts.std ?? p.normalization.std, layout: opts.layout ?? p.layout };
}

// slim's convert_image_dtype(uint8 -> float32) multiplies by float32(1 / 255).
export const TF_UNIT = (() => {
  const s = Math.fround(1 / 255);
  return Float32Array.from({ length: 256 }, (_, v) => Math.fround(v * s));
})();

/** crop(resizeBilinear(img, rw, rh), box), resizing only the pixels the crop keeps. */
function resizeCrop(img: RgbImage, rw: number, rh: number, box: Box): RgbImage {
  const x0 = Math.max(0, box.left);
  const y0 = Math.max(0, box.top);
  const x1 = Math.min(rw, box.left + box.width);
  const y1 = Math.min(rh, box.top + box.height);
  if (x1 <= x0 || y1 <= y0) return crop(rgbImage(1, 1), { top: -box.height, left: -box.width, height: box.height, width: box.width });
  const part = resizeBilinearRegion(img, rw, rh, { top: y0, left: x0, height: y1 - y0, width: x1 - x0 });
  const inside = x0 === box.left && y0 === box.top && x1 - x0 === box.width && y1 - y0 === box.height;
  // a crop larger than the image is padded with zeros, as torchvision's CenterCrop does
  return inside ? part : crop(part, { top: box.top - y0, left: box.left - x0, height: box.height, width: box.width });
}

/**
 * Preprocess a decoded image with a preset: a float32 tensor [1,3,H,W] (NCHW) or [1,H,W,3]
 * (NHWC). With `into` (exactly 3*H*W values), the values go there and the tensor views it.
 */
export function preprocess(img: RgbImage, preset: PresetName, opts: PreprocessOptions = {}, into?: Float32Array): Tensor<'float32'> {
  const p = presetInfo(preset);
  const [h, w] = opts.size === undefined ? p.size : sizeHW(opts.size, `${preset} size`);
  const norm = normalization(p, opts);
  switch (preset) {
    case 'torchvision': {
      const r = opts.resize ?? Math.round((Math.min(h, w) * 256) / 224);
      const [rh, rw] = typeof r === 'number' ? torchvisionResizeSize(img.width, img.height, sizeHW(r, 'torchvision resize')[0]) : sizeHW(r, 'torchvision resize');
      return toTensor(resizeCrop(img, rw, rh, torchvisionCenterCrop(rw, rh, h, w)), norm, into);
    }
    case 'caffe': {
      const [rh, rw] = sizeHW(opts.resize ?? Math.round((Math.max(h, w) * 256) / 227), 'caffe resize');
      return toTensor(resizeCrop(img, rw, rh, caffeCenterCrop(rw, rh, h, w)), norm, into);
    }
    case 'inception': {
      const cropped = crop(img, tfCentralCrop(img.width, img.height, opts.centralFraction ?? 0.875));
      return floatToTensor(resizeBilinearTf(cropped, w, h, TF_UNIT), w, h, norm, into);
    }
    case 'keras-caffe':
    case 'keras-tf':
      return toTensor(resizeNearest(img, w, h), norm, into);
  }
}

/**
 * Stack [1, ...] tensors of one shape into [n, ...]: a new array, or the first n slices of
 * `into` (a batch buffer reused from run to run).
 */
export function stackBatch(items: readonly Tensor<'float32'>[], into?: Float32Array): Tensor<'float32'> {
  if (items.length === 0) throw new Error('stackBatch: no tensors to stack');
  const first = items[0]!;
  if (first.shape[0] !== 1) throw new Error(`stackBatch: expected [1, ...] tensors, got ${shapeStr(first.shape)}`);
  const each = first.data.length;
  if (into && into.length < each * items.length) throw new Error(`stackBatch: ${items.length} tensors of ${each} values do not fit a buffer of ${into.length}`);
  const out = into ? into.subarray(0, each * items.length) : new Float32Array(each * items.length);
  items.forEach((t, i) => {
    if (t.shape.length !== first.shape.length || t.shape.some((d, j) => d !== first.shape[j])) {
      throw new Error(`stackBatch: tensor ${i} has shape ${shapeStr(t.shape)}, tensor 0 has ${shapeStr(first.shape)}`);
    }
    out.set(t.data, i * each);
  });
  return float32([items.length, ...first.shape.slice(1)], out);
}

export type ImageInput = string | Buffer | RgbImage;

async function toImage(input: ImageInput, decode: DecodeOptions): Promise<RgbImage> {
  if (typeof input !== 'string' && !Buffer.isBuffer(input)) return input;
  // sharp loads on first use only: importing the presets must stay cheap for a process
  // that decodes in worker threads (classify's cold start).
  const { decodeImage } = await import('./decode.js');
  return decodeImage(input, decode);
}

/** Decode (when given a path or bytes) and preprocess one image: a [1, ...] tensor. */
export async function loadImageTensor(input: ImageInput, preset: PresetName, opts: PreprocessOptions = {}, decode: DecodeOptions = {}): Promise<Tensor<'float32'>> {
  return preprocess(await toImage(input, decode), preset, opts);
}

/** Decode and preprocess several images into one [n, ...] batch, in input order. */
export async function loadImageBatch(inputs: readonly ImageInput[], preset: PresetName, opts: PreprocessOptions = {}, decode: DecodeOptions = {}): Promise<Tensor<'float32'>> {
  // Decoding runs on sharp's thread pool, so start every decode before preprocessing any.
  const images = await Promise.all(inputs.map((i) => toImage(i, decode)));
  return stackBatch(images.map((img) => preprocess(img, preset, opts)));
}
