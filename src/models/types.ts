// What a model file exports: a spec the registry holds, which builds graphs on demand.
import type { Graph, Value } from '../graph/graph.js';
import type { Dim } from '../graph/types.js';
import type { Feature, LayerInfo, Layout, Net } from '../nn/net.js';

export interface BuildOptions {
  /** Classes of the last layer; null or 0 ends at the features (slim's num_classes=None). */
  numClasses?: number | null;
  /** Input [height, width]; default the model's default image size. */
  inputSize?: [number, number];
  /** Batch dimension: a number, or a symbol for any batch (default 'N'). */
  batch?: Dim;
  isTraining?: boolean;
  dropoutKeepProb?: number;
  /** slim: mean over the spatial axes after fc7, so any input size gives one vector. */
  globalPool?: boolean;
  /** slim: squeeze the 1x1 spatial axes of the logits. */
  spatialSqueeze?: boolean;
  /** Use Gemm for fc layers (default) or the reference Conv path. */
  lowerToGemm?: boolean;
  dropoutSeed?: number;
  /** How training-mode dropout draws its masks (see NetOptions.dropoutMasks). */
  dropoutMasks?: 'onnx' | 'input';
  /** Layers a training build keeps frozen: their batch norm runs in inference mode (NetOptions.frozen). */
  frozen?: ReadonlySet<string>;
}

export interface BuiltModel {
  name: string;
  graph: Graph;
  net: Net;
  /** The graph input, in the model's input layout. */
  input: Value;
  inputLayout: Layout;
  /** Logits, or features when built without classes. */
  output: Value;
  outputName: 'logits' | 'features';
  /** `{ [outputName]: output }`: what compileModel(model, weights) makes the ONNX outputs. */
  outputs: Readonly<Record<string, Value>>;
  endPoints: Record<string, Feature>;
  layers: LayerInfo[];
  /** L2 weight decay from the model's arg scope (slim: 0.0005). */
  weightDecay: number;
}

export type PreprocessName = 'torchvision' | 'caffe' | 'inception' | 'keras-caffe' | 'keras-tf';

/**
 * Accuracy published with a set of weights, and where: figures are copied from the source
 * named here, never measured by this package.
 */
export interface PublishedMetrics {
  /** e.g. 'ImageNet-1k validation (50,000 images)'. */
  dataset: string;
  /** Top-1 and top-5 accuracy in percent. */
  top1: number;
  top5: number;
  /** How the source evaluated, e.g. 'resize 256, centre crop 224'. */
  protocol: string;
  /** The publication the figures come from. */
  source: string;
  url: string;
}

export interface WeightsMeta {
  /**
   * Parameters in the weights as their source counts them: torchvision's num_params
   * (without batch norms' running statistics, ParamCounts.trainableParams); Keras's
   * model.summary() total for .h5 files (with them, ParamCounts.totalParams); otherwise
   * counted from the architecture.
   */
  numParams: number;
  /** Smallest input [height, width] the weights run on. */
  minSize: [number, number];
  /** Class names in output order: ImageNet-1k's 1000, with torchvision's names (read on first use). */
  readonly categories: readonly string[];
  /** How the weights were trained, or where they come from. */
  recipe: string;
  metrics: PublishedMetrics;
}

/**
 * A named set of pretrained weights, as torchvision's `Weights` describes one
 * (torchvision/models/_api.py): where the file is, its hash, the preprocessing it expects
 * and its metadata. `downloadWeights(name)` fetches it.
 */
export interface WeightsEntry {
  /** Short name used by `downloadWeights` and `alexnet weights download`, e.g. 'alexnet'. */
  name: string;
  /** The model the weights are for. */
  model: string;
  url: string;
  /** Hex prefix of the file's SHA-256, as torchvision puts in its file names; '' when none is published. */
  sha256: string;
  /** The file's MD5 in 32 hex digits, where the source publishes MD5 (Keras's `file_hash`). */
  md5?: string;
  /** Format of the file at url. */
  format: 'pth' | 'npy' | 'onnx' | 'safetensors' | 'h5';
  /** The preprocessing preset the weights were trained with. */
  preprocess: PreprocessName;
  meta: WeightsMeta;
}

export interface ModelSpec {
  name: string;
  description: string;
  /** Where the architecture is defined. */
  source: string;
  inputLayout: Layout;
  channels: 'RGB' | 'BGR';
  defaultImageSize: [number, number];
  /** Smallest input the network accepts, and why. */
  minSize: [number, number];
  minSizeReason: string;
  defaultNumClasses: number;
  /** The last layer's parameters: re-initialised when the number of classes changes. */
  classifier: { layer: string; weight: string; bias: string; /** axis of the weight that counts classes */ outAxis: number };
  preprocess: PreprocessName;
  weights: WeightsEntry[];
  /**
   * Prefixes of parameters a weight file may lack: the model declares them but no output
   * uses them (torchvision's Inception3 AuxLogits, which a state dict saved with
   * aux_logits=False, or a training run's checkpoint, does not hold).
   */
  optionalParams?: readonly string[];
  /** Which BuildOptions the model understands (others are refused). */
  options: ReadonlyArray<keyof BuildOptions>;
  build(opts?: BuildOptions): BuiltModel;
}

