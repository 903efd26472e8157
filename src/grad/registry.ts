// The gradient table: one rule per op, registered by the files under ./rules, the way
// src/graph/ops registers shape inference. A rule receives the forward node and the
// gradients of its outputs and returns the gradients of its inputs, emitted as
// ordinary ONNX nodes into the same graph.
import type { Graph, Node, Value } from '../graph/graph.js';

/** How the weight gradient of a Conv is computed (see ./conv_weight_grad.ts). */
export type ConvWeightGradMethod = 'reference' | 'im2col' | 'batchconv' | 'spacetodepth';

/** How the input gradient of a Conv is computed (see ./rules/conv.ts). */
export type ConvInputGradMethod = 'convtranspose' | 'conv' | 'stacked';

export interface GradOptions {
  /** dW formulation per Conv node; default: ./conv_weight_grad.ts defaultConvWeightGrad. */
  convWeightGrad?: (node: Node) => ConvWeightGradMethod;
  /** dX formulation per Conv node; default: ./rules/conv.ts defaultConvInputGrad. */
  convInputGrad?: (node: Node) => ConvInputGradMethod;
}

export interface GradContext {
  readonly g: Graph;
  readonly node: Node;
  /** Gradient of each output of the node; null where nothing downstream needs it. */
  readonly dy: readonly (Value | null)[];
  /** Whether each input needs a gradient (it depends on a `wrt` value). */
  readonly needs: readonly boolean[];
  readonly options: GradOptions;
  /** A node name under the forward node's: grad/<node>/<suffix> (Graph.add makes it unique). */
  name(suffix: string): string;
  /** Throw an error that names the node, its op and its input shapes. */
  fail(message: string): never;
}

/**
 * A rule's answer for an input whose gradient through this node is identically zero:
 * nothing is added to it (e.g. BatchNormalization's batch statistics, whose contribution
 * its rule already puts into dX).
 */
export const ZERO_GRAD = Symbol('zero gradient');

/** Gradients of the node's inputs, index for index; null (or missing) where none is needed. */
export type GradRule = (ctx: GradContext) => (Value | null | undefined | typeof ZERO_GRAD)[];

const rules = new Map<string, GradRule>();

export function defineGrad(op: string, rule: GradRule): void {
  if (rules.has(op)) throw new Error(`gradient rule for ${op} is defined twice`);
  rules.set(op, rule);
}

export function getGradRule(op: string): GradRule | undefined {
  return rules.get(op);
}

export function gradOps(): string[] {
  return [...rules.keys()].sort();
}
