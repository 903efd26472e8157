// alexnet-ts: the library entry point.
export type { DType, Tensor } from './tensor.js';
export { tensor, float32, argmaxRows } from './tensor.js';

// graph IR and ONNX
export { Graph, Value } from './graph/graph.js';
export type { InitSpec, Node, ParamInfo } from './graph/graph.js';
export * as ops from './graph/build.js';
export { toOnnx, OPSET } from './graph/onnx_writer.js';

// models
export { getModel, listModels, registerModel } from './models/registry.js';
export type { BuildOptions, BuiltModel, ModelSpec, WeightsEntry } from './models/types.js';
export { alexnetV2, alexnetV2ArgScope, alexnetV2Spec, defaultImageSize } from './models/alexnet_v2.js';
export type { AlexnetV2ArgScope, AlexnetV2Options } from './models/alexnet_v2.js';
export { countParams, paramSpecs, randomWeights } from './models/params.js';
export { Net } from './nn/net.js';
export type { Feature, LayerInfo } from './nn/net.js';
export { initParams, Rng } from './nn/init.js';

// runtime
export { Session } from './runtime/session.js';
export type { SessionOptions } from './runtime/session.js';
export { compileModel, modelBytes } from './runtime/compile.js';
