// alexnet-ts/graph: the typed graph IR, its op builders, the ONNX writer, and reverse-mode
// gradients over it.
export { Graph, Value } from '../graph/graph.js';
export type { InitSpec, Node, ParamInfo, ValueKind } from '../graph/graph.js';
export type { Dim } from '../graph/types.js';
export * as ops from '../graph/build.js';
export { toOnnx, OPSET } from '../graph/onnx_writer.js';
export type { WriteOptions } from '../graph/onnx_writer.js';
export { gradients } from '../grad/index.js';
