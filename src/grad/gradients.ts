// Reverse-mode differentiation over the graph IR.
//
// gradients(g, loss, wrt) appends the backward pass to `g` as ordinary ONNX nodes and
// returns d(sum of loss)/d(w) for each w in wrt. Only nodes that lie on a path from
// some `wrt` value to the loss get a gradient rule applied: a frozen layer, the image
// input and label arithmetic get no backward nodes at all. Contributions from several
// consumers of one value are summed with one Add (two) or Sum (more) node.
//
// Forward nodes are visited in reverse insertion order, which is a reverse topological
// order because Graph.add only accepts values that already exist.
import type { Graph, Node, Value } from '../graph/graph.js';
import { typeStr } from '../graph/types.js';
import { shapeStr } from '../tensor.js';
import type { GradContext, GradOptions } from './registry.js';
import { getGradRule, ZERO_GRAD } from './registry.js';
import './rules/index.js';
import { FLOAT_DTYPES, filled, scalar, sumAll } from './util.js';

/** Values that depend on any of `from`, following nodes forwards. */
export function dependents(g: Graph, from: readonly Value[], nodes: readonly Node[] = g.nodes): Set<Value> {
  const dep = new Set<Value>(from);
  for (const n of nodes) {
    if (n.inputs.some((v) => v && dep.has(v))) for (const o of n.outputs) dep.add(o);
  }
  return dep;
}

function sameShape(a: Value, b: Value): boolean {
  return a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}

export function gradients(g: Graph, loss: Value, wrt: readonly Value[], options: GradOptions = {}): Map<Value, Value> {
  if (loss.graph !== g) throw new Error(`gradients: loss ${loss.name} belongs to another graph`);
  if (!FLOAT_DTYPES.has(loss.dtype)) throw new Error(`gradients: loss ${loss.name} must be a float tensor, got ${typeStr(loss.type)}`);
  for (const w of wrt) {
    if (w.graph !== g) throw new Error(`gradients: ${w.name} belongs to another graph`);
    if (!FLOAT_DTYPES.has(w.dtype)) throw new Error(`gradients: cannot differentiate with respect to ${w}, not a float tensor`);
  }
  const forward = g.nodes.slice();
  const dep = dependents(g, wrt, forward);
  const needed = g.reachable([loss]);
  const parts = new Map<Value, Value[]>();
  const summed = new Map<Value, Value>();

  const push = (v: Value, d: Value) => {
    const list = parts.get(v);
    if (list) list.push(d);
    else parts.set(v, [d]);
  };
  const gradOf = (v: Value): Value | null => {
    const done = summed.get(v);
    if (done) return done;
    const list = parts.get(v);
    if (!list) return null;
    const s = sumAll(g, list, `grad/${v.name}/sum`);
    summed.set(v, s);
    return s;
  };

  const shape = loss.shape;
  if (!shape.every((d): d is number => typeof d === 'number')) {
    throw new Error(`gradients: loss ${loss} must have a static shape`);
  }
  push(loss, shape.length === 0 ? scalar(g, loss.dtype, 1, 'grad/seed') : filled(g, loss.dtype, shape, () => 1, 'grad/seed'));

  for (let k = forward.length - 1; k >= 0; k--) {
    const node = forward[k]!;
    if (!node.outputs.some((o) => dep.has(o) && needed.has(o) && parts.has(o))) continue;
    const needs = node.inputs.map((v) => v !== null && dep.has(v) && needed.has(v) && FLOAT_DTYPES.has(v.dtype));
    if (!needs.some(Boolean)) continue;
    const rule = getGradRule(node.op);
    const fail = (message: string): never => {
      const ins = node.inputs.map((v) => (v ? `${v.name} ${typeStr(v.type)}` : '<none>')).join(', ');
      throw new Error(`gradient of ${node.name} (${node.op}): ${message}; inputs: ${ins}`);
    };
    if (!rule) fail(`no gradient rule for ${node.op}; it lies between the loss and ${wrt.map((w) => w.name).join(', ')}`);
    const ctx: GradContext = {
      g,
      node,
      dy: node.outputs.map((o) => gradOf(o)),
      needs,
      options,
      name: (suffix) => `grad/${node.name}/${suffix}`,
      fail,
    };
    const dx = rule!(ctx);
    needs.forEach((need, i) => {
      if (!need) return;
      const x = node.inputs[i]!;
      const d = dx[i];
      if (d === ZERO_GRAD) return;
      if (!d) fail(`the rule gives no gradient for input ${i} (${x.name})`);
      if (d!.dtype !== x.dtype || !sameShape(d!, x)) {
        fail(`the rule's gradient for ${x.name} is ${typeStr(d!.type)}, expected ${typeStr(x.type)}`);
      }
      push(x, d!);
    });
  }

  const out = new Map<Value, Value>();
  for (const w of wrt) {
    const d = gradOf(w);
    if (!d) throw new Error(`gradients: ${w.name} ${shapeStr(w.shape)} does not affect the loss ${loss.name}`);
    out.set(w, d);
  }
  return out;
}
