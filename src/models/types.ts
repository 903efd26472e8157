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
  endPoints: Record<string, Feature>;
  layers: LayerInfo[];
  /** L2 weight decay from the model's arg scope (slim: 0.0005). */
  weightDecay: number;
}

export type PreprocessName = 'torchvision' | 'caffe' | 'inception';

export interface WeightsEntry {
  /** Short name used on the command line, e.g. 'alexnet'. */
  name: string;
  url: string;
  /** Hex prefix of the file's SHA-256, as torchvision puts in its file names. */
  sha256: string;
  /** Format of the file at url. */
  format: 'pth' | 'npy' | 'onnx' | 'safetensors';
  preprocess: PreprocessName;
  meta: {
    numParams: number;
    minSize: [number, number];
    categories: 'imagenet1k';
    /** ImageNet-1k validation accuracy, as published by the weights' source. */
    metrics: { top1: number; top5: number };
    source: string;
  };
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
  /** Which BuildOptions the model understands (others are refused). */
  options: ReadonlyArray<keyof BuildOptions>;
  build(opts?: BuildOptions): BuiltModel;
}

