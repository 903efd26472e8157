// alexnet-ts/runtime: ONNX Runtime sessions, a built model with weights to a session, and
// the native update kernels' status.
export { Session } from '../runtime/session.js';
export type { SessionOptions } from '../runtime/session.js';
export { compileModel, modelBytes } from '../runtime/compile.js';
export { nativeKernels, nativeUnavailable } from '../runtime/native.js';
export type { NativeKernels } from '../runtime/native.js';
