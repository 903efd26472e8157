// The part of every model's build() that is not the network: the graph, the Net, the
// input in the model's layout, the class count, and the BuiltModel record.
import { Graph, type Value } from '../graph/graph.js';
import { type Feature, Net, type NetOptions } from '../nn/net.js';
import { foldBatchNorms, foldedValue } from '../passes/bn_fold.js';
import type { BuildOptions, BuiltModel, ModelSpec } from './types.js';

/** The per-build options every model passes to its Net. */
export function netOptions(o: BuildOptions): NetOptions {
  return {
    lowerToGemm: o.lowerToGemm ?? true,
    ...(o.dropoutSeed !== undefined ? { dropoutSeed: o.dropoutSeed } : {}),
    ...(o.dropoutMasks !== undefined ? { dropoutMasks: o.dropoutMasks } : {}),
    ...(o.frozen !== undefined ? { frozen: o.frozen } : {}),
  };
}

export type Body = (net: Net, input: Feature, numClasses: number | null) => { net: Feature; endPoints: Record<string, Feature> };

export function assemble(spec: ModelSpec, o: BuildOptions, weightDecay: number, body: Body): BuiltModel {
  const [h, w] = o.inputSize ?? spec.defaultImageSize;
  const g = new Graph(spec.name);
  const net = new Net(g, netOptions(o));
  const batch = o.batch ?? 'N';
  const input = g.input('input', { dtype: 'float32', shape: spec.inputLayout === 'NHWC' ? [batch, h, w, 3] : [batch, 3, h, w] });
  const numClasses = o.numClasses === undefined ? spec.defaultNumClasses : o.numClasses;
  const { net: out, endPoints } = body(net, net.feature(input, spec.inputLayout), numClasses);
  // spatial outputs (slim's spatialSqueeze=false, or its features) are NHWC, as slim's are
  const output = out.value.shape.length === 4 ? net.as(out, 'NHWC') : out.value;
  const outputName = numClasses ? 'logits' : 'features';
  return {
    name: spec.name,
    graph: g,
    net,
    input,
    inputLayout: spec.inputLayout,
    output,
    outputName,
    outputs: { [outputName]: output },
    endPoints,
    layers: net.layers,
    weightDecay,
  };
}

/**
 * The model's graph and what it outputs, for src/runtime/compile.ts: its logits (or
 * features) under their usual name, or the given outputs instead. For inference, batch
 * norms are folded into the convs before them (src/passes/bn_fold.ts, in place; the
 * outputs given are looked up past the fold); foldBatchNorm: false keeps the reference
 * graph.
 */
export function modelGraph(m: BuiltModel, outputs?: Record<string, Value>, opts: { foldBatchNorm?: boolean } = {}): { graph: Graph; outputs: Record<string, Value> } {
  if (opts.foldBatchNorm !== false) foldBatchNorms(m.graph);
  const chosen = outputs ?? m.outputs;
  return { graph: m.graph, outputs: Object.fromEntries(Object.entries(chosen).map(([k, v]) => [k, foldedValue(v)])) };
}
