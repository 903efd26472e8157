// Batch norms folded into the Conv or Gemm before them, for inference.
//
// In inference mode a BatchNormalization is an affine map per channel,
//   y = s * (x - mean) + beta,  s = gamma / sqrt(var + eps),
// so after a Conv (or Gemm) x = W * a + B it is the same layer with
//   W' = W * s (per output channel),  B' = (B - mean) * s + beta.
// The pass writes W' and B' as nodes over the parameters (Sqrt, Div, Mul, Add), and the
// Conv or Gemm that reads them takes the BatchNormalization's place. In an inference graph
// the parameters are initializers, so ORT's constant folding computes W' and B' once when
// the session is created; the parameters keep their names, and the same weights load
// into the folded and the unfolded graph. The unfolded graph is the reference that tests
// compare with (test/passes/bn_fold.test.ts).
//
// A Gemm's output may reach the batch norm through Reshapes that keep its last axis (a 1x1
// conv lowered to Gemm on NHWC rows, src/nn/layers.ts conv2d, normalised as rows by
// src/nn/norm.ts); the folded Gemm is reshaped the same way. Only values read by nothing
// else are folded through, and training-mode batch norms (whose statistics are computed
// from x) are left alone: their statistics are not parameters or constants. The Conv or
// Gemm folded from stays in the graph, read by nothing (the ONNX writer leaves it out),
// so an end point on its output can still be asked for.
import type { Graph, Node, Value } from '../graph/graph.js';
import * as b from '../graph/build.js';
import { getFloat, getInt } from '../graph/types.js';

export interface FoldResult {
  /** The BatchNormalization nodes folded away. */
  names: string[];
  /** Old outputs (of the batch norms) to the values that replace them. */
  replaced: Map<Value, Value>;
}

/** The value that now stands for `v`: a folded batch norm's output is the folded layer's (Graph.resolve). */
export function foldedValue(v: Value): Value {
  return v.graph.resolve(v);
}

const isFixed = (v: Value | null) => v !== null && (v.kind === 'param' || v.kind === 'const');

/** Consumers of each value among the graph's nodes and outputs. */
function useCounts(g: Graph): Map<Value, number> {
  const uses = new Map<Value, number>();
  const use = (v: Value | null) => v && uses.set(v, (uses.get(v) ?? 0) + 1);
  for (const n of g.nodes) n.inputs.forEach(use);
  for (const o of g.outputs) use(o.value);
  return uses;
}

/** The Conv or Gemm whose output the batch norm normalises, and the Reshapes between them. */
function source(bn: Node, uses: Map<Value, number>): { node: Node; reshapes: Node[] } | null {
  const c = bn.outputs[0]!.shape[1];
  const reshapes: Node[] = [];
  let v = bn.inputs[0]!;
  for (;;) {
    const p = v.producer;
    if (!p || (uses.get(v) ?? 0) !== 1) return null;
    if (p.op === 'Conv') return reshapes.length === 0 && p.outputs[0]!.shape[1] === c ? { node: p, reshapes } : null;
    if (p.op === 'Gemm') {
      const plain = getFloat(p.attrs, 'alpha', 1) === 1 && getFloat(p.attrs, 'beta', 1) === 1 && getInt(p.attrs, 'transA', 0) === 0;
      const bias = p.inputs[2];
      const ok = plain && p.outputs[0]!.shape[1] === c && bn.inputs[0]!.shape.length === 2 && (!bias || (bias.shape.length === 1 && bias.shape[0] === c));
      return ok ? { node: p, reshapes: reshapes.reverse() } : null;
    }
    if (p.op !== 'Reshape' || p.outputs[0]!.shape.at(-1) !== c || p.inputs[0]!.shape.at(-1) !== c) return null;
    reshapes.push(p);
    v = p.inputs[0]!;
  }
}

/** W' and B' of the folded layer, as nodes over the parameters. */
function foldedParams(bn: Node, src: Node): { w: Value; bias: Value } {
  const [, scale, beta, mean, variance] = bn.inputs as Value[];
  const name = (s: string) => `${bn.name}/fold/${s}`;
  const eps = b.f32(bn.outputs[0]!.graph, getFloat(bn.attrs, 'epsilon', 1e-5), name('epsilon'));
  const s = b.div(scale!, b.unary('Sqrt', b.add(variance!, eps, name('var_eps')), name('std')), name('scale'));
  const w = src.inputs[1]!;
  const c = s.shape[0] as number;
  // a Conv's W is [M, C/group, kh, kw]; a Gemm's [K, M], or [M, K] with transB
  const perOut = src.op === 'Conv' ? [c, ...new Array<number>(w.shape.length - 1).fill(1)] : getInt(src.attrs, 'transB', 0) === 1 ? [c, 1] : [c];
  const w2 = b.mul(w, perOut.length === 1 ? s : b.reshape(s, perOut, name('scale_w')), name('weights'));
  const old = src.inputs[2];
  const bias = old
    ? b.add(b.mul(b.sub(old, mean!, name('bias_centred')), s, name('bias_scaled')), beta!, name('bias'))
    : b.sub(beta!, b.mul(mean!, s, name('mean_scaled')), name('bias'));
  return { w: w2, bias };
}

/** Fold every inference-mode batch norm that follows a Conv or Gemm; see the header. */
export function foldBatchNorms(g: Graph): FoldResult {
  const names: string[] = [];
  const replaced = new Map<Value, Value>();
  for (const bn of g.nodes.filter((n) => n.op === 'BatchNormalization')) {
    if (getInt(bn.attrs, 'training_mode', 0) === 1 || !bn.inputs.slice(1).every(isFixed)) continue;
    const src = source(bn, useCounts(g));
    if (!src) continue;
    const [out] = g.replace(bn, () => {
      const { w, bias } = foldedParams(bn, src.node);
      const x = src.node.inputs[0]!;
      let y = g.add1(src.node.op, [x, w, bias], { ...src.node.attrs }, `${src.node.name}/folded`);
      for (const r of src.reshapes) y = g.add1('Reshape', [y, r.inputs[1]!], { ...r.attrs }, `${r.name}/folded`);
      return [y];
    });
    replaced.set(bn.outputs[0]!, out!);
    names.push(bn.name);
  }
  return { names, replaced };
}
