// What `compareModels` takes and returns: the object `alexnet compare --json` prints.

/** The machine the measurements were taken on, so a table from elsewhere is never mistaken for this one's. */
export interface Machine {
  /** The CPU model as the OS names it. */
  cpu: string;
  /** Logical CPUs this process may use (os.availableParallelism()). */
  cores: number;
  /** ORT intra-op threads each model ran with. */
  threads: number;
  node: string;
  onnxruntime: string;
}

export interface PublishedAccuracy {
  top1: number;
  top5: number;
  source: string;
}

/** One model's row; cells that do not apply are null. */
export interface ModelRow {
  name: string;
  /** Every parameter, trainable and not (BN moving statistics included, as Keras counts). */
  params: number;
  /** Multiply-accumulates per image at the model's input size (the layer table's sum). */
  macs: number;
  /** The float32 weights: params x 4 bytes, in MB of 2^20 bytes (as Keras's table). */
  fileMB: number;
  /** Layers with weights. */
  depth: number;
  inputSize: [number, number];
  /** The ImageNet accuracy published with the model's weights, null when it has none. */
  published: PublishedAccuracy | null;
  /** Median milliseconds per image at each batch size, by batch size. */
  msPerImage: Record<string, number>;
  imagesPerSec: Record<string, number>;
  /** Peak resident memory of a fresh process that loads the model and runs every batch size; null when not measured in a child process. */
  peakRssMB: number | null;
  /** Seconds from the start of loading the model to its first result on one image. */
  coldStartS: number;
  /** Which weights ran: a file, or null for seeded random weights ("no weights"). */
  weights: string | null;
  /** Measured ImageNet top-1/top-5 in percent on --data (ImageNet-labelled data and ImageNet weights only). */
  top1: number | null;
  top5: number | null;
  /** Linear-probe validation top-1 in percent (other labelled data). */
  probeTop1: number | null;
  /** Seconds of the probe: feature extraction and training the head. */
  probeSeconds: number | null;
}

/** For a pair of models, the fraction of images on which their top-1 is the same. */
export interface Agreement {
  a: string;
  b: string;
  agreement: number;
  images: number;
}

export interface CompareResult {
  machine: Machine;
  models: ModelRow[];
  agreement: Agreement[];
}

export type ComparePhase = 'load' | 'time' | 'features' | 'probe' | 'done';

/** Progress: model, phase, and within the phase, units done of total (batches, runs, steps). */
export type CompareProgress = (model: string, phase: ComparePhase, done: number, total: number) => void;

export interface CompareOptions {
  /** Registry names; default every registered model. */
  models?: readonly string[];
  /** Batch sizes to time (default [1, 16]). */
  batch?: readonly number[];
  /** A labelled image folder or `path label` list (see docs/compare.md). */
  data?: string;
  /** One weights file per model, named `<model>.<ext>`; otherwise the cached downloads. */
  weightsDir?: string;
  /** ORT intra-op threads (default one per core). */
  threads?: number;
  /** Timed runs per batch size after the warm-up (default 5); the median is reported. */
  runs?: number;
  /** Untimed warm-up runs per batch size (default 2). */
  warmup?: number;
  /** Input size for every model instead of its own, raised to a model's smallest (tests use small inputs). */
  inputSize?: [number, number];
  /** Seed of the random weights of models without weights, the timing input and the probe's split. */
  seed?: number;
  /** Measure each model in a fresh child process (default true): peak RSS is then that process's. */
  isolate?: boolean;
  /** Linear probe: epochs over the training split (default 40) and the held-out fraction (default 0.25). */
  probeEpochs?: number;
  probeValFraction?: number;
  onProgress?: CompareProgress;
  /** Told what opening --data skipped and how many images failed to decode (left out of every score). */
  onWarning?: (message: string) => void;
}
