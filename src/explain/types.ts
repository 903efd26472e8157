// What `explain` takes and returns: the tensors behind every section of the report
// (src/explain/report), and of `alexnet explain --json`.
import type { RgbImage } from '../data/image.js';
import type { PreprocessName } from '../models/types.js';
import type { Tensor } from '../tensor.js';
import type { FilterLayout } from './filters.js';

/**
 * Weights for explain: the model's parameters under its own names (or a file's names that
 * src/weights/mapping.ts maps), bare or with what they were trained for. `loadWeights`
 * (alexnet-ts/weights) returns this shape.
 */
export type ExplainWeights =
  | ReadonlyMap<string, Tensor>
  | Readonly<Record<string, Tensor>>
  | {
      weights: ReadonlyMap<string, Tensor>;
      file?: string;
      config?: {
        numClasses?: number;
        /** One name per class. */
        labels?: readonly string[];
        /** The classes are ImageNet-1k's 1000: predictions carry wnids. */
        imagenet1k?: boolean;
        preprocess?: PreprocessName;
        inputSize?: [number, number];
      };
    };

export interface ExplainOptions {
  /** Pretrained weights; without them the model's seeded random weights (as `alexnet run`). */
  weights?: ExplainWeights;
  /** Seed of the random weights (default 0). */
  seed?: number;
  /** A second class for Grad-CAM, besides the top one. */
  classIndex?: number;
  /** Grad-CAM's layer: an end point name (default the last convolution's ReLU, see defaultLayer). */
  layer?: string;
  /** Occlusion square side in input pixels (default 32) and its step (default 16). */
  patch?: number;
  stride?: number;
  /** Input [height, width] of the fully convolutional class map (default the model's size + 160); null skips it. */
  fcnSize?: [number, number] | null;
  /** Channels per end point listed by highest mean activation (default 16). */
  topChannels?: number;
  /** Images per occlusion run (default 32). */
  batchSize?: number;
  /** ORT intra-op threads. */
  threads?: number;
  /** Told as each phase starts and ends: 'load', 'fcn' (the fully convolutional map), 'forward' (each batch). */
  onProgress?: (phase: string, done: number, total: number) => void;
}

export interface ExplainPrediction {
  index: number;
  wnid?: string;
  label: string;
  probability: number;
}

/** A Grad-CAM map: ReLU(Σ_k α_k A_k) / max over the layer's h×w positions, row-major. */
export interface ExplainMap {
  /** The layer as asked for (e.g. torchvision's `features.11`). */
  layer: string;
  /** The end point it reads (our name: `features.10`, whose output is post-ReLU). */
  endPoint: string;
  classIndex: number;
  shape: [number, number];
  map: Float32Array;
}

export interface OcclusionMap {
  patch: number;
  stride: number;
  classIndex: number;
  /** Positions [rows, cols]: 0, stride, … up to size − patch. */
  shape: [number, number];
  /** p(class | image) − p(class | image occluded at (i·stride, j·stride)), row-major. */
  map: Float32Array;
  /** p(class | image). */
  base: number;
}

export interface Activation {
  /** The end point's name, as the model names it. */
  name: string;
  /** [C, H, W] for feature maps, [C] for vectors. */
  shape: number[];
  /** Receptive field [h, w] in input pixels and the step [h, w] between neighbouring positions. */
  rf: [number, number];
  jump: [number, number];
  /** The values, channels first ([C, H, W] or [C]), batch dropped. */
  tensor: Tensor<'float32'>;
  /** Mean activation per channel. */
  channelMeans: Float32Array;
  /** The `topChannels` channels of highest mean activation, highest first. */
  topChannels: number[];
}

export interface FcnMap {
  /** The input [height, width] the image was preprocessed to. */
  size: [number, number];
  classIndex: number;
  /** Positions [rows, cols] of the class scores. */
  shape: [number, number];
  /** The class's logit at every position, row-major. */
  map: Float32Array;
  /** Input pixels between neighbouring positions, and each position's receptive field. */
  jump: [number, number];
  rf: [number, number];
}

/** How the logits vary across inputs compared with across classes (random weights, the `[39 39]` question). */
export interface LogitSpread {
  /** The image and seeded uniform-noise inputs as `alexnet run` makes them. */
  inputs: number;
  /** Mean over classes of the standard deviation of a logit across the inputs. */
  acrossInputs: number;
  /** Mean over inputs of the standard deviation across classes. */
  acrossClasses: number;
  /** Each input's top class (the image first). */
  argmax: number[];
}

export interface ExplainResult {
  /** The image's path, or `<buffer>` / `<rgb>`. */
  file: string;
  model: string;
  randomWeights: boolean;
  seed?: number;
  input: {
    /** The preprocessed input as the model takes it ([1,3,H,W] or [1,H,W,3]). */
    tensor: Tensor<'float32'>;
    /** The preprocessed input de-normalised back to 8-bit RGB. */
    display: RgbImage;
    /** The decoded image. */
    original: RgbImage;
    preprocess: PreprocessName;
  };
  /** The top 5 classes. */
  predictions: ExplainPrediction[];
  /** The explained class: the top one. */
  class: number;
  numClasses: number;
  /** The top class's map, then `classIndex`'s when given. */
  gradcam: ExplainMap[];
  occlusion: OcclusionMap;
  /** Every end point, in network order. */
  activations: Activation[];
  /** The first convolution's weights, for the filter grid. */
  filters: { name: string; tensor: Tensor<'float32'>; layout: FilterLayout; channelOrder: 'rgb' | 'bgr' };
  fcn: FcnMap | null;
  logitSpread?: LogitSpread;
}
