// From a graph and its weights to ONNX bytes or a ready ORT session.
import type { Graph, Value } from '../graph/graph.js';
import { toOnnx } from '../graph/onnx_writer.js';
import type { Tensor } from '../tensor.js';
import { Session, type SessionOptions } from './session.js';

/** A graph and the values it outputs, by output name: a built model is one (its logits or features). */
export interface GraphOutputs {
  graph: Graph;
  outputs: Readonly<Record<string, Value>>;
}

/**
 * Declare the graph outputs (once per name) and return the ONNX bytes, with the graph's
 * name as the `model` metadata entry.
 */
export function modelBytes(m: GraphOutputs, weights: ReadonlyMap<string, Tensor>): Uint8Array {
  const g = m.graph;
  for (const [name, v] of Object.entries(m.outputs)) {
    const have = g.outputs.find((o) => o.name === name);
    if (have && have.value !== g.resolve(v)) throw new Error(`${g.name}: output ${name} is already bound to ${have.value.name}`);
    if (!have) g.output(v, name);
  }
  return toOnnx(g, { weights, metadata: { model: g.name } });
}

export async function compileModel(m: GraphOutputs, weights: ReadonlyMap<string, Tensor>, opts: SessionOptions = {}): Promise<Session> {
  return Session.create(modelBytes(m, weights), opts);
}
