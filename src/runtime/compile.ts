// From a built model and its weights to a ready ORT session.
import type { Value } from '../graph/graph.js';
import { toOnnx } from '../graph/onnx_writer.js';
import type { BuiltModel } from '../models/types.js';
import type { Tensor } from '../tensor.js';
import { Session, type SessionOptions } from './session.js';

/** Declare graph outputs (once per name) and return the ONNX bytes. */
export function modelBytes(m: BuiltModel, weights: ReadonlyMap<string, Tensor>, outputs?: Record<string, Value>): Uint8Array {
  const outs = outputs ?? { [m.outputName]: m.output };
  for (const [name, v] of Object.entries(outs)) {
    const have = m.graph.outputs.find((o) => o.name === name);
    if (have && have.value !== v) throw new Error(`${m.name}: output ${name} is already bound to ${have.value.name}`);
    if (!have) m.graph.output(v, name);
  }
  return toOnnx(m.graph, { weights, metadata: { model: m.name } });
}

export async function compileModel(
  m: BuiltModel,
  weights: ReadonlyMap<string, Tensor>,
  opts: SessionOptions & { outputs?: Record<string, Value> } = {},
): Promise<Session> {
  return Session.create(modelBytes(m, weights, opts.outputs), opts);
}
