// The op table: one schema per ONNX op the IR knows, each with its shape inference.
// Op files register themselves through defineOp; ./index.ts imports them all.
import type { Tensor } from '../../tensor.js';
import type { Attrs, TensorType } from '../types.js';

export interface InferContext {
  inputs: (TensorType | null)[];
  /** Constant data of inputs that are constants (shape tensors, axes), else null. */
  consts: (Tensor | null)[];
  attrs: Attrs;
  /** How many outputs the caller asked for. */
  outputs: number;
}

export interface OpSchema {
  /** ONNX domain, '' for ai.onnx. */
  domain?: string;
  infer(ctx: InferContext): TensorType[];
}

const table = new Map<string, OpSchema>();

export function defineOp(op: string, schema: OpSchema): void {
  if (table.has(op)) throw new Error(`op ${op} is defined twice`);
  table.set(op, schema);
}

export function getOpSchema(op: string): OpSchema {
  const s = table.get(op);
  if (!s) throw new Error(`unknown op ${op}; known ops: ${[...table.keys()].sort().join(', ')}`);
  return s;
}

export function knownOps(): string[] {
  return [...table.keys()].sort();
}
