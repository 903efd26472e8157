// Loads every op schema into the registry.
import './nn.js';
import './math.js';
import './shape.js';

export { getOpSchema, knownOps, defineOp } from './registry.js';
export type { OpSchema, InferContext } from './registry.js';
export { DTYPE_TO_ONNX, ONNX_TO_DTYPE } from './math.js';
export { windowOut } from './nn.js';
export { reshapeShape } from './shape.js';
