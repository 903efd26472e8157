// alexnet-ts/models: the networks as builder functions over a Net (TF-slim's alexnet_v2 and
// its arg scope, torchvision's alexnet, Caffe's bvlc_alexnet), the model registry, and the
// parameters of a built model. The specs themselves are on the main entry.
export { alexnetV2, alexnetV2ArgScope, alexnetV2Spec, defaultImageSize } from '../models/alexnet_v2.js';
export type { AlexnetV2ArgScope, AlexnetV2Options } from '../models/alexnet_v2.js';
export { alexnet, alexnetSpec } from '../models/alexnet.js';
export { bvlcAlexnet, bvlcAlexnetSpec } from '../models/bvlc_alexnet.js';
export { getModel, listModels, registerModel } from '../models/registry.js';
export type { BuildOptions, BuiltModel, ModelSpec, PreprocessName, PublishedMetrics, WeightsEntry, WeightsMeta } from '../models/types.js';
export { countParams, INIT_SCHEMES, paramCounts, type ParamCounts, paramSpecs, randomWeights } from '../models/params.js';
export type { InitScheme } from '../models/params.js';
export { Net } from '../nn/net.js';
export type { Feature, LayerInfo, Layout } from '../nn/net.js';
export { initParams } from '../nn/init.js';
