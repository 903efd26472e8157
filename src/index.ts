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
export { initParams } from './nn/init.js';
export { Rng } from './util/rng.js';

// runtime
export { Session } from './runtime/session.js';
export type { SessionOptions } from './runtime/session.js';
export { compileModel, modelBytes } from './runtime/compile.js';
export type { GraphOutputs } from './runtime/compile.js';
export { modelGraph } from './models/assemble.js';
export { nativeKernels, nativeUnavailable } from './runtime/native.js';
export type { NativeKernels } from './runtime/native.js';

// training and evaluation
export { train } from './train/loop.js';
export type { TrainHooks, TrainResult } from './train/loop.js';
export type { TrainOptions, TrainConfig } from './train/config.js';
export type { ResumeOptions } from './train/run_setup.js';
export { evaluateWeights } from './train/eval_run.js';
export type { EvalOptions, EvalReport } from './train/eval_run.js';
export { Evaluator, MetricAccumulator } from './train/evaluate.js';
export type { EvalMetrics } from './train/evaluate.js';
export { Trainer } from './train/trainer.js';
export type { TrainerOptions, StepResult } from './train/trainer.js';
export { learningRate } from './optim/schedule.js';
export type { ScheduleSpec } from './optim/schedule.js';
export { NanGuard, NonFiniteError } from './train/guard.js';
export type { NanPolicy } from './train/guard.js';
export { listCheckpoints, readCheckpoint, writeCheckpoint } from './train/checkpoint.js';
export { openDataset, imageFolder, listFile, idxDataset, splitValidation } from './data/datasets.js';
export type { Dataset } from './data/datasets.js';
export { Loader } from './data/loader.js';
export type { Batch, LoaderOptions } from './data/loader.js';
export { readIdx, parseIdx } from './data/idx.js';
