// Serialise a Graph to an ONNX ModelProto (opset 18, IR version 8) with protobufjs.
//
// Parameters become initializers when their data is given (inference, export) or graph
// inputs otherwise (training graphs feed weights and optimizer state each step).
// Only what the outputs need is written.
import protobuf from 'protobufjs';
import type { Tensor } from '../tensor.js';
import { shapeStr, tensorBytes } from '../tensor.js';
import type { Graph, Node, Value } from './graph.js';
import { ATTR_TYPE, onnxType } from './onnx_proto.js';
import { DTYPE_TO_ONNX } from './ops/index.js';
import type { Attr, TensorType } from './types.js';

export const OPSET = 18;
export const IR_VERSION = 8;

export interface WriteOptions {
  /** Data for parameters, by name. A parameter without data becomes a graph input. */
  weights?: ReadonlyMap<string, Tensor>;
  /** Parameters to expose as inputs even when data is given (for training). */
  paramsAsInputs?: boolean;
  docString?: string;
  metadata?: Record<string, string>;
}

function valueInfo(name: string, t: TensorType) {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: DTYPE_TO_ONNX[t.dtype],
        shape: { dim: t.shape.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

export function tensorProto(name: string, t: Tensor) {
  return { name, dims: [...t.shape], data_type: DTYPE_TO_ONNX[t.dtype], raw_data: tensorBytes(t) };
}

function attrProto(name: string, a: Attr) {
  switch (a.type) {
    case 'int':
      return { name, type: ATTR_TYPE.INT, i: a.value };
    case 'float':
      return { name, type: ATTR_TYPE.FLOAT, f: a.value };
    case 'string':
      return { name, type: ATTR_TYPE.STRING, s: Buffer.from(a.value, 'utf8') };
    case 'ints':
      return { name, type: ATTR_TYPE.INTS, ints: a.value };
    case 'floats':
      return { name, type: ATTR_TYPE.FLOATS, floats: a.value };
    case 'tensor':
      return { name, type: ATTR_TYPE.TENSOR, t: tensorProto('', a.value) };
  }
}

function nodeProto(n: Node, nameOf: (v: Value) => string) {
  return {
    name: n.name,
    op_type: n.op,
    domain: n.domain,
    input: n.inputs.map((v) => (v ? nameOf(v) : '')),
    output: n.outputs.map(nameOf),
    attribute: Object.entries(n.attrs).map(([k, a]) => attrProto(k, a)),
  };
}

/**
 * Graph outputs under their public names. A node's value that is an output takes the
 * public name itself, so the file has no Identity between them: ORT's basic optimizations
 * (1.x) remove such an Identity by renaming the value, and when another rewrite (Pad
 * fused into the MaxPool after it) moves a reader of that value in the same pass, the
 * reader keeps the old name and the model no longer loads. An Identity remains where a
 * value is output under a second name, is not a node's (an input or a weight), or where
 * the public name is another value's.
 */
function publicNames(g: Graph, nodes: readonly Node[]): { nameOf: (v: Value) => string; identities: { name: string; from: Value }[] } {
  const taken = new Set<string>([...g.inputs, ...g.params, ...g.consts].map((v) => v.name));
  for (const n of nodes) for (const o of n.outputs) taken.add(o.name);
  const renamed = new Map<Value, string>();
  const identities: { name: string; from: Value }[] = [];
  for (const { name, value } of g.outputs) {
    if (name === value.name) continue;
    if (value.producer && !renamed.has(value) && !taken.has(name)) renamed.set(value, name);
    else identities.push({ name, from: value });
  }
  return { nameOf: (v) => renamed.get(v) ?? v.name, identities };
}

/** The ModelProto as a plain object (before encoding). */
export function modelObject(g: Graph, opts: WriteOptions = {}) {
  if (g.outputs.length === 0) throw new Error(`graph ${g.name}: no outputs declared`);
  const live = g.reachable(g.outputs.map((o) => o.value));
  const nodes = g.nodes.filter((n) => n.outputs.some((o) => live.has(o)));
  const initializer: ReturnType<typeof tensorProto>[] = [];
  const inputs = g.inputs.filter((v) => live.has(v)).map((v) => valueInfo(v.name, v.type));

  for (const p of g.params) {
    if (!live.has(p)) continue;
    const data = opts.weights?.get(p.name);
    if (data) checkParam(p, data);
    if (data && !opts.paramsAsInputs) initializer.push(tensorProto(p.name, data));
    else inputs.push(valueInfo(p.name, p.type));
  }
  for (const c of g.consts) if (live.has(c)) initializer.push(tensorProto(c.name, c.constData!));

  const { nameOf, identities } = publicNames(g, nodes);
  const nodeProtos = nodes.map((n) => nodeProto(n, nameOf));
  for (const { name, from } of identities) {
    nodeProtos.push({ name: `${name}/output`, op_type: 'Identity', domain: '', input: [nameOf(from)], output: [name], attribute: [] });
  }
  const outputs = g.outputs.map(({ name, value }) => valueInfo(name, value.type));

  return {
    ir_version: IR_VERSION,
    opset_import: [{ domain: '', version: OPSET }],
    producer_name: 'alexnet-ts',
    producer_version: '0.1.0',
    doc_string: opts.docString ?? '',
    graph: { name: g.name, node: nodeProtos, initializer, input: inputs, output: outputs },
    metadata_props: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
}

function checkParam(p: Value, t: Tensor): void {
  const want = p.type.shape;
  if (t.dtype !== p.type.dtype || want.length !== t.shape.length || want.some((d, i) => d !== t.shape[i])) {
    throw new Error(`${p.name}: expected ${p.type.dtype}${shapeStr(want)}, weights have ${t.dtype}${shapeStr(t.shape)}`);
  }
}

/** Encode a graph as ONNX model bytes. */
export function toOnnx(g: Graph, opts: WriteOptions = {}): Uint8Array {
  const Model = onnxType('ModelProto');
  const model = modelObject(g, opts);
  // Size protobufjs's buffer for the weights up front: growing a 200 MB buffer by
  // doubling, then copying it out in finish(), tripled the encoding time.
  const weightBytes = model.graph.initializer.reduce((n, t) => n + t.raw_data.byteLength, 0);
  const initial = protobuf.Writer.initialBufferSize;
  protobuf.Writer.initialBufferSize = weightBytes + (1 << 20);
  try {
    return Model.encode(model as unknown as protobuf.Message).finish(true);
  } finally {
    protobuf.Writer.initialBufferSize = initial;
  }
}
