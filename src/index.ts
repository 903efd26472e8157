// alexnet-ts, the main entry: classify and explain images, the models, pretrained weights, training and
// evaluation in one call each, and tensors. The parts below these calls are subpath
// entries (src/entries/): alexnet-ts/models, /graph, /runtime, /train, /weights, /data, /logs.

// classify images
export { createClassifier } from './classify/classifier.js';
export type { Classifier, ClassifierOptions, ClassifyResult, Prediction } from './classify/classifier.js';
export type { ImageInput } from './data/preprocess.js';
export type { RgbImage } from './data/image.js';

// explain one image: Grad-CAM, occlusion, feature maps, filters; the report
export { explain } from './explain/explain.js';
export type { Activation, ExplainMap, ExplainOptions, ExplainPrediction, ExplainResult, ExplainWeights, FcnMap, LogitSpread, OcclusionMap } from './explain/types.js';
export { writeReport } from './explain/report/index.js';
export type { ReportOptions } from './explain/report/index.js';

// models
export { getModel, listModels } from './models/registry.js';
export { alexnetSpec } from './models/alexnet.js';
export { bvlcAlexnetSpec } from './models/bvlc_alexnet.js';
export { alexnetV2Spec } from './models/alexnet_v2.js';
export { randomWeights } from './models/params.js';
export type { BuildOptions, BuiltModel, ModelSpec, PreprocessName, PublishedMetrics, WeightsEntry, WeightsMeta } from './models/types.js';

// pretrained weights: load any file, download by name, the cache
export { loadWeights } from './hub/load.js';
export type { LoadedWeights, WeightsConfig } from './hub/load.js';
export { downloadWeights } from './hub/download.js';
export type { DownloadedWeights, DownloadWeightsOptions } from './hub/download.js';
export { getWeightsEntry, listWeightsEntries } from './hub/entries.js';
export { listCachedWeights } from './hub/cache.js';
export type { CachedWeights, WeightsCache } from './hub/cache.js';
export type { WeightFormat } from './weights/formats.js';

// training and evaluation
export { train } from './train/loop.js';
export type { TrainHooks, TrainResult } from './train/loop.js';
export type { TrainOptions } from './train/config.js';
export type { ResumeOptions } from './train/run_setup.js';
export { evaluateWeights } from './train/eval_run.js';
export type { EvalOptions, EvalReport } from './train/eval_run.js';
export type { EvalMetrics } from './train/evaluate.js';

// models side by side on this machine
export { compareModels } from './compare/compare.js';
export type { Agreement, CompareOptions, ComparePhase, CompareProgress, CompareResult, Machine, ModelRow, PublishedAccuracy } from './compare/types.js';

// tensors
export type { DType, Tensor, TypedArrayOf } from './tensor.js';
export { tensor, float32, argmaxRows } from './tensor.js';
