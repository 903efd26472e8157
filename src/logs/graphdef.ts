// The model graph as TensorBoard's Graphs tab reads it: a TensorFlow GraphDef whose node
// names are scoped by layer (`conv1/Conv2D`, `conv1/weights`, `pool1/MaxPool`), so the
// tab collapses each layer into one box (it groups nodes by the `/` in their names).
//
// Naming, from the IR (src/graph) to the GraphDef:
// - a node whose name lies under a layer scope keeps its name;
// - a parameter goes under its layer (ParamInfo.layer): `features.0.weight` becomes
//   `features.0/weight`;
// - a constant goes under the scope of the node that reads it;
// - any other forward node (a layout Transpose, a Flatten) goes under the layer that
//   produces its input, else under the layer that reads its output;
// - the backward part keeps the `grad/` scope src/grad gives it, and the training step's
//   other nodes (loss, accuracy, optimizer update) go under `train/`, so the forward
//   network reads on its own;
// - graph inputs are Placeholder nodes, parameters VariableV2, constants Const.
// Every node carries `_output_shapes` (symbolic dimensions as -1), which TensorBoard draws
// on the edges, and its ONNX attributes.
import type { Graph, Node, Value } from '../graph/graph.js';
import type { Attrs, Shape } from '../graph/types.js';
import type { AttrValue, GraphDef, NodeDef, ShapeProto } from './graphdef_proto.js';

export interface GraphDefOptions {
  /** The model's layer names (BuiltModel.layers), the scopes of the forward network. */
  layers: readonly string[];
  /**
   * The forward network's outputs (the logits). When given, nodes that are neither
   * upstream of them nor gradients are the training step's and go under `train/`.
   */
  forwardOutputs?: readonly Value[];
}

const enc = new TextEncoder();

function shapeProto(s: Shape): ShapeProto {
  return { dim: s.map((d) => ({ size: typeof d === 'number' ? d : -1, ...(typeof d === 'string' ? { name: d } : {}) })) };
}

function attrValues(attrs: Attrs): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const [k, a] of Object.entries(attrs)) {
    if (a.type === 'int') out[k] = { i: a.value };
    else if (a.type === 'float') out[k] = { f: a.value };
    else if (a.type === 'string') out[k] = { s: enc.encode(a.value) };
    else if (a.type === 'ints') out[k] = { list: { i: [...a.value] } };
    else if (a.type === 'floats') out[k] = { list: { f: [...a.value] } };
  }
  return out;
}

class Scopes {
  private readonly sorted: string[];
  constructor(layers: readonly string[]) {
    this.sorted = [...layers].sort((a, b) => b.length - a.length);
  }
  /** The longest layer scope a name lies under, or null. */
  of(name: string): string | null {
    return this.sorted.find((l) => name === l || name.startsWith(`${l}/`)) ?? null;
  }
}

function lastPart(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

/** The GraphDef of a graph, with layer-scoped names (see the comment at the top). */
export function toGraphDef(g: Graph, opts: GraphDefOptions): GraphDef {
  const scopes = new Scopes(opts.layers);
  const forward = opts.forwardOutputs ? g.reachable([...opts.forwardOutputs]) : null;
  const consumers = new Map<Value, Node[]>();
  for (const n of g.nodes) for (const v of n.inputs) if (v) consumers.set(v, [...(consumers.get(v) ?? []), n]);
  const scopeOf = new Map<Node, string | null>();
  const taken = new Set<string>();
  const unique = (name: string) => {
    let n = name;
    for (let i = 1; taken.has(n); i++) n = `${name}_${i}`;
    taken.add(n);
    return n;
  };

  // scope of every node: its own, its producer's, or (second pass) its first consumer's
  for (const n of g.nodes) {
    if (n.name.startsWith('grad/')) scopeOf.set(n, 'grad');
    else if (forward && !n.outputs.some((o) => forward.has(o))) scopeOf.set(n, 'train');
    else scopeOf.set(n, scopes.of(n.name) ?? n.inputs.map((v) => (v?.producer ? scopeOf.get(v.producer) : null)).find((s) => s && s !== 'grad' && s !== 'train') ?? null);
  }
  for (const n of [...g.nodes].reverse()) {
    if (scopeOf.get(n)) continue;
    const s = n.outputs.flatMap((o) => consumers.get(o) ?? []).map((c) => scopeOf.get(c)).find((x) => x);
    scopeOf.set(n, s ?? null);
  }

  const names = new Map<Value, string>();
  const nodeName = new Map<Node, string>();
  for (const n of g.nodes) {
    const s = scopeOf.get(n);
    const own = n.name.startsWith('grad/') || (s && s !== 'train' && n.name.startsWith(`${s}/`));
    nodeName.set(n, unique(own || !s ? n.name : `${s}/${s === 'train' ? n.name : lastPart(n.name)}`));
  }
  const defs: NodeDef[] = [];
  const leaf = (v: Value, op: string, name: string, attr: Record<string, AttrValue> = {}) => {
    names.set(v, unique(name));
    defs.push({ name: names.get(v)!, op, input: [], attr: { ...attr, dtype: { s: enc.encode(v.dtype) }, _output_shapes: { list: { shape: [shapeProto(v.shape)] } } } });
  };
  for (const v of g.inputs) leaf(v, 'Placeholder', v.name);
  for (const p of g.params) {
    const layer = p.param!.layer;
    const rest = p.name.startsWith(`${layer}/`) || p.name.startsWith(`${layer}.`) ? p.name.slice(layer.length + 1) : p.name;
    leaf(p, 'VariableV2', `${layer}/${rest}`);
  }
  for (const c of g.consts) {
    const reader = consumers.get(c)?.[0];
    const s = reader ? nodeName.get(reader)!.slice(0, nodeName.get(reader)!.lastIndexOf('/')) : '';
    leaf(c, 'Const', s ? `${s}/${c.name}` : c.name);
  }
  for (const n of g.nodes) n.outputs.forEach((o, i) => names.set(o, i === 0 ? nodeName.get(n)! : `${nodeName.get(n)!}:${i}`));
  for (const n of g.nodes) {
    defs.push({
      name: nodeName.get(n)!,
      op: n.op,
      input: n.inputs.filter((v): v is Value => v !== null).map((v) => names.get(v)!),
      attr: { ...attrValues(n.attrs), _output_shapes: { list: { shape: n.outputs.map((o) => shapeProto(o.shape)) } } },
    });
  }
  return { node: defs, versions: { producer: 1 } };
}
