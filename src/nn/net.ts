// The build context shared by layer builders: the graph, the layer table that
// `summary` prints, and feature maps that know their memory layout and receptive field.
//
// Convolutions run NCHW (ORT's native layout); fully connected layers run as Gemm on
// NHWC rows. A feature converts between the two lazily and at most once per layout.
import type { Graph, Value } from '../graph/graph.js';
import * as b from '../graph/build.js';
import type { Dim } from '../graph/types.js';

export type Layout = 'NCHW' | 'NHWC';

export interface Feature {
  readonly value: Value;
  readonly layout: Layout;
  /** Receptive field [h, w] in input pixels, and the distance [h, w] between neighbouring outputs. */
  readonly rf: [number, number];
  readonly jump: [number, number];
  /** Cached views of the same data in the other layout. */
  readonly views: Partial<Record<Layout, Value>>;
}

export interface LayerInfo {
  name: string;
  op: string;
  kernel: string;
  stride: string;
  padding: string;
  /** NHWC, batch 1. */
  outputShape: Dim[];
  params: number;
  /** Multiply-accumulates per image. */
  macs: number;
  /** Receptive field in input pixels, 'HxW' or 'global'. */
  receptiveField: string;
}

/** Options that apply to every layer of a build. */
export interface NetOptions {
  /**
   * Lower whole-input convolutions (fc6, fc7, fc8), and 1x1 convolutions whose input is
   * already NHWC, to Gemm on NHWC rows: several times faster in ORT than Conv
   * (docs/design/graph-and-onnx.md), and the same arithmetic. false keeps the readable
   * reference path (plain Conv), which tests compare against.
   */
  lowerToGemm: boolean;
  /** Seed for dropout masks in training graphs. */
  dropoutSeed?: number;
  /**
   * 'onnx' (default): training-mode dropout is ONNX Dropout, whose masks come from ORT's
   * generator. 'input': each dropout layer multiplies by a graph input
   * `dropout_mask/<scope>` (0 or 1/keep), so the caller draws the masks from a seeded,
   * checkpointable generator and a resumed run repeats the masks exactly.
   */
  dropoutMasks?: 'onnx' | 'input';
  /**
   * Layers (scopes) that a training build keeps frozen: their BatchNormalization runs in
   * inference mode with its running statistics unchanged, as Keras does for a layer with
   * trainable=False.
   */
  frozen?: ReadonlySet<string>;
}

/**
 * A non-trainable parameter's value after one training step (BatchNormalization's
 * running mean and variance): the training graph outputs `next`, and the trainer
 * stores it as the parameter's new value.
 */
export interface StateUpdate {
  param: Value;
  next: Value;
}

export interface DropoutMask {
  /** The graph input that carries the mask. */
  input: Value;
  keepProb: number;
  scope: string;
}

export class Net {
  readonly layers: LayerInfo[] = [];
  /** Mask inputs of training-mode dropout layers (with dropoutMasks: 'input'). */
  readonly dropoutMasks: DropoutMask[] = [];
  /** Running statistics that training-mode layers update each step. */
  readonly stateUpdates: StateUpdate[] = [];
  constructor(
    readonly g: Graph,
    readonly opts: NetOptions,
  ) {}

  feature(value: Value, layout: Layout, rf: [number, number] = [1, 1], jump: [number, number] = [1, 1]): Feature {
    return { value, layout, rf, jump, views: { [layout]: value } };
  }

  /** The feature's data in the requested layout (a Transpose, made once). */
  as(f: Feature, layout: Layout): Value {
    const cached = f.views[layout];
    if (cached) return cached;
    const perm = layout === 'NHWC' ? [0, 2, 3, 1] : [0, 3, 1, 2];
    const v = b.transpose(f.value, perm, `${f.value.name}/${layout}`);
    (f.views as Record<Layout, Value>)[layout] = v;
    return v;
  }

  record(info: LayerInfo): void {
    this.layers.push(info);
  }
}

export function nhwcShape(f: Feature): Dim[] {
  const s = f.value.shape;
  if (s.length !== 4) return [...s];
  return f.layout === 'NHWC' ? [...s] : [s[0]!, s[2]!, s[3]!, s[1]!];
}

/** [N, H, W, C] of a feature, whatever its layout. */
export function dims(f: Feature): { n: Dim; h: number; w: number; c: number } {
  const [n, h, w, c] = nhwcShape(f);
  if (typeof h !== 'number' || typeof w !== 'number' || typeof c !== 'number') {
    throw new Error(`${f.value.name}: spatial size and channels must be known, got [${nhwcShape(f).join(',')}]`);
  }
  return { n: n!, h, w, c };
}

export function batchOne(shape: Dim[]): Dim[] {
  return [1, ...shape.slice(1)];
}

export function rfStr(f: Feature): string {
  return `${f.rf[0]}x${f.rf[1]}`;
}
