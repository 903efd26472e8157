// Per-sample transforms for training and evaluation: the model's preprocessing preset,
// optionally with random-crop or random-resized-crop augmentation and a horizontal flip.
//
// Every random choice of a sample comes from its own counter-based generator,
// Rng(seed, 0, 'augment/<epoch>/<position>'): the result does not depend on which worker
// thread runs the sample or in what order, and a resumed run draws the same crops.
//
// Evaluation ('none', no flip) is exactly the preset (./preprocess.ts), or for 'stretch'
// datasets (Fashion-MNIST) the whole image resized to the input.
//
// Training crops pick a box in the decoded image, then resize the box to the network input
// with the preset's own resampler (Pillow bilinear for torchvision and caffe, TF bilinear for
// inception, Pillow nearest for the Keras presets) and normalise as the preset does:
//   crop           a box of the size evaluation would keep (torchvision: the 224/256 of the
//                  shorter side that Resize(256) + CenterCrop(224) keeps; caffe: 227/256 of
//                  each side; inception: the 0.875 central fraction; the Keras presets and
//                  stretch, whose evaluation keeps the whole image: the 0.875 central
//                  fraction too), at a uniformly random position. This is Caffe's training crop (random 227 of a
//                  256 image) and torchvision's RandomCrop after Resize, done as one resample.
//   resized-crop   torchvision's RandomResizedCrop(scale=(0.08, 1), ratio=(3/4, 4/3)): up to
//                  10 draws of an area fraction and a log-uniform aspect ratio, the first box
//                  that fits wins (w = round(sqrt(area * ratio)), h = round(sqrt(area / ratio)),
//                  Python's round), else the centre box clamped to the ratio range
//                  (torchvision.transforms.RandomResizedCrop.get_params).
//   flip           torchvision's RandomHorizontalFlip(p=0.5), as kratzert's finetune.py
//                  flips training images.
import { Rng } from '../util/rng.js';
import type { Tensor } from '../tensor.js';
import type { Fit } from './datasets.js';
import { type RgbImage, rgbImage } from './image.js';
import { isKerasPreset, presetInfo, preprocess, type PresetName, TF_UNIT } from './preprocess.js';
import { resizeBilinear } from './resize.js';
import { resizeNearest } from './resize_nearest.js';
import { resizeBilinearTf } from './resize_tf.js';
import { type Box, crop, floatToTensor, roundHalfEven, tfCentralCrop, toTensor } from './transforms.js';

export type AugmentMode = 'none' | 'crop' | 'resized-crop';
export const AUGMENT_MODES: readonly AugmentMode[] = ['none', 'crop', 'resized-crop'];

/** What to do to one sample; plain data, so it can be posted to a worker thread. */
export interface SampleTransform {
  preset: PresetName;
  /** Network input [height, width]. */
  size: [number, number];
  fit: Fit;
  augment?: {
    mode: AugmentMode;
    flip: boolean;
    seed: number;
    /** The sample's generator stream, e.g. 'augment/3/1207' (epoch 3, position 1207). */
    stream: string;
  };
}

/** The stream name of the sample at `position` of `epoch`'s order. */
export function augmentStream(epoch: number, position: number): string {
  return `augment/${epoch}/${position}`;
}

export function flipHorizontal(img: RgbImage): RgbImage {
  const out = rgbImage(img.width, img.height);
  const { width: w, height: h } = img;
  for (let y = 0; y < h; y++) {
    const row = y * w * 3;
    for (let x = 0; x < w; x++) {
      const s = row + x * 3;
      const d = row + (w - 1 - x) * 3;
      out.data[d] = img.data[s]!;
      out.data[d + 1] = img.data[s + 1]!;
      out.data[d + 2] = img.data[s + 2]!;
    }
  }
  return out;
}

/** torchvision's RandomResizedCrop.get_params, drawing from `rng`. */
export function randomResizedCropBox(width: number, height: number, rng: Rng, scale: [number, number] = [0.08, 1], ratio: [number, number] = [3 / 4, 4 / 3]): Box {
  const area = width * height;
  const logRatio = [Math.log(ratio[0]), Math.log(ratio[1])] as const;
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * (scale[0] + (scale[1] - scale[0]) * rng.next());
    const aspect = Math.exp(logRatio[0] + (logRatio[1] - logRatio[0]) * rng.next());
    const w = roundHalfEven(Math.sqrt(target * aspect));
    const h = roundHalfEven(Math.sqrt(target / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      return { top: rng.int(height - h + 1), left: rng.int(width - w + 1), height: h, width: w };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < ratio[0]) h = roundHalfEven(w / ratio[0]);
  else if (inRatio > ratio[1]) w = roundHalfEven(h * ratio[1]);
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}

/** The size of the region evaluation keeps, in source pixels (see the header). */
export function evalBoxSize(width: number, height: number, t: Pick<SampleTransform, 'preset' | 'size' | 'fit'>): { height: number; width: number } {
  const [h, w] = t.size;
  const clamp = (b: { height: number; width: number }) => ({ height: Math.max(1, Math.min(height, b.height)), width: Math.max(1, Math.min(width, b.width)) });
  if (t.fit === 'stretch' || t.preset === 'inception' || isKerasPreset(t.preset)) {
    const c = tfCentralCrop(width, height, 0.875);
    return clamp({ height: c.height, width: c.width });
  }
  if (t.preset === 'torchvision') {
    const resized = Math.round((Math.min(h, w) * 256) / 224); // preprocess()'s default resize
    const s = Math.min(width, height) / resized;
    return clamp({ height: Math.round(h * s), width: Math.round(w * s) });
  }
  const r = Math.round((Math.max(h, w) * 256) / 227); // caffe: warp to r x r, crop
  return clamp({ height: Math.round((h * height) / r), width: Math.round((w * width) / r) });
}

/** A box of the evaluation size at a uniformly random position. */
export function randomCropBox(width: number, height: number, t: Pick<SampleTransform, 'preset' | 'size' | 'fit'>, rng: Rng): Box {
  const b = evalBoxSize(width, height, t);
  return { top: rng.int(height - b.height + 1), left: rng.int(width - b.width + 1), height: b.height, width: b.width };
}

/** Crop `box`, resize it to the input with the preset's resampler, normalise: a [1, ...] tensor. */
export function boxToTensor(img: RgbImage, box: Box, preset: PresetName, size: [number, number], flip = false): Tensor<'float32'> {
  const p = presetInfo(preset);
  const [h, w] = size;
  let c = crop(img, box);
  if (flip) c = flipHorizontal(c);
  const norm = { ...p.normalization, layout: p.layout };
  if (preset === 'inception') return floatToTensor(resizeBilinearTf(c, w, h, TF_UNIT), w, h, norm);
  return toTensor(isKerasPreset(preset) ? resizeNearest(c, w, h) : resizeBilinear(c, w, h), norm);
}

/** The evaluation transform: the preset, or the whole image resized for 'stretch' (what the Keras presets always do). */
export function evalTensor(img: RgbImage, t: Pick<SampleTransform, 'preset' | 'size' | 'fit'>): Tensor<'float32'> {
  if (t.fit === 'preset' || isKerasPreset(t.preset)) return preprocess(img, t.preset, { size: t.size });
  if (t.preset === 'inception') return preprocess(img, t.preset, { size: t.size, centralFraction: 1 });
  return preprocess(img, t.preset, { size: t.size, resize: t.size });
}

/** The random choices for a sample of width x height: a crop box (null: the whole image, as evaluation takes it) and a flip. */
export function drawSample(width: number, height: number, t: SampleTransform): { box: Box | null; flip: boolean } {
  const a = t.augment;
  if (!a || (a.mode === 'none' && !a.flip)) return { box: null, flip: false };
  const rng = new Rng(a.seed, 0, a.stream);
  let box: Box | null = null;
  if (a.mode === 'crop') box = randomCropBox(width, height, t, rng);
  else if (a.mode === 'resized-crop') box = randomResizedCropBox(width, height, rng);
  return { box, flip: a.flip && rng.next() < 0.5 };
}

/** One decoded sample through its transform. */
export function transformSample(img: RgbImage, t: SampleTransform): Tensor<'float32'> {
  const { box, flip } = drawSample(img.width, img.height, t);
  if (!box) return evalTensor(flip ? flipHorizontal(img) : img, t);
  return boxToTensor(img, box, t.preset, t.size, flip);
}
