// How a training graph with the update on the host (TrainGraphOptions.update 'host') hands
// out its gradients: each trainable parameter's gradient as a tensor output, or, for an fc
// weight, the two factors of its outer product over the batch.
//
// Gemm weights (gemmWeightGrad 'host', the default with the host update): the gradient of
// an fc layer's weight is the outer product of its input X [n, in] and the gradient of its
// output dY [n, out], summed over the n rows, so the graph outputs those two factors
// (GradOutput 'outer') and no dW Gemm; the caller forms G = dY^T X (or X^T dY for
// [in, out] weights) inside its update (native/outer.c). That saves ORT's dW Gemm, the
// copy of the whole gradient out of ORT and the update's read of it
// (see docs/design/host-update.md).
import type { Graph, Value } from '../graph/graph.js';
import { getFloat, getInt, isStatic } from '../graph/types.js';

/**
 * How a step returns a trainable parameter's gradient: as a tensor (`name`, flat in the
 * parameter's order), or as two factors whose product A^T B is the gradient, A [n, rows]
 * and B [n, cols] with the parameter's elements in [rows, cols] order.
 */
export type GradOutput = { kind: 'tensor'; name: string } | { kind: 'outer'; a: string; b: string; n: number; rows: number; cols: number };

export const gradName = (param: string) => `grad/${param}`;

/** A Gemm that uses a trainable weight as its B input (directly or through a Reshape). */
export interface GemmUse {
  /** The Gemm's input A [n, K] and output Y. */
  x: Value;
  y: Value;
  /** B is the weight as [out, in] (G = dY^T X) rather than [in, out] (G = X^T dY). */
  transB: boolean;
}

/**
 * Trainable weights whose gradient is one outer product over the batch: each used once,
 * as B of a Gemm with alpha 1 and A = X not transposed (or through one Reshape that only
 * that Gemm reads), so G = dY^T X or X^T dY in the weight's own element order. Gemms in
 * `skip` (convs lowered to a Gemm) are left out.
 */
export function gemmWeights(g: Graph, trainable: readonly Value[], skip: ReadonlySet<string>): Map<Value, GemmUse> {
  const users = (v: Value) => g.nodes.filter((n) => n.inputs.includes(v));
  const out = new Map<Value, GemmUse>();
  for (const p of trainable) {
    let u = users(p);
    let bv = p;
    if (u.length === 1 && u[0]!.op === 'Reshape' && u[0]!.inputs[0] === p) {
      bv = u[0]!.outputs[0]!;
      u = users(bv);
    }
    const gemm = u[0];
    if (u.length !== 1 || gemm!.op !== 'Gemm' || skip.has(gemm!.name) || gemm!.inputs[1] !== bv || gemm!.inputs[0] === bv) continue;
    const x = gemm!.inputs[0]!;
    if (getInt(gemm!.attrs, 'transA', 0) !== 0 || getFloat(gemm!.attrs, 'alpha', 1) !== 1 || !isStatic(x.shape)) continue;
    out.set(p, { x, y: gemm!.outputs[0]!, transB: getInt(gemm!.attrs, 'transB', 0) === 1 });
  }
  return out;
}

/** Output v under its own name (no copy), or under the name it is already output as; a graph input or constant as a copy named `name`. */
function outputAs(g: Graph, v: Value, name: string): string {
  const known = g.outputs.find((o) => o.value === v);
  if (known) return known.name;
  if (v.producer === null) {
    g.output(v, name);
    return name;
  }
  g.output(v);
  return v.name;
}

/**
 * Output every trainable parameter's gradient, in `trainable` order: the factors for the
 * weights in `outer`, the gradient tensor (from `grads`, the backward pass) for the others.
 * Each is output under its own node's name and in its own shape: an output named unlike
 * its node gets an Identity, and a flat Reshape as an output is copied too; either would
 * copy fc6's 151 MB gradient every step (docs/design/host-update.md).
 */
export function hostGradOutputs(g: Graph, trainable: readonly Value[], outer: ReadonlyMap<Value, GemmUse>, grads: ReadonlyMap<Value, Value>): GradOutput[] {
  return trainable.map((p): GradOutput => {
    const u = outer.get(p);
    if (u) {
      const dy = grads.get(u.y)!;
      const [a, bb] = u.transB ? [dy, u.x] : [u.x, dy];
      const [n, rows, cols] = [a.shape[0], a.shape[1], bb.shape[1]] as number[];
      return { kind: 'outer', a: outputAs(g, a, `grad_factor/${p.name}/a`), b: outputAs(g, bb, `grad_factor/${p.name}/b`), n: n!, rows: rows!, cols: cols! };
    }
    const v = grads.get(p)!;
    if (v.producer === null || g.outputs.some((o) => o.value === v)) {
      g.output(v, gradName(p.name)); // a constant gradient, or one already output: a copy under its own name
      return { kind: 'tensor', name: gradName(p.name) };
    }
    g.output(v);
    return { kind: 'tensor', name: v.name };
  });
}
