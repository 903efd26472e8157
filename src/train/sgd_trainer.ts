// The host side of a training step: holds the trainable weights and momentum buffers,
// runs the graph of ./train_graph.ts once per step, and applies the result only when
// the caller commits it, so a non-finite step can be refused with nothing changed.
//
//   const t = await SgdTrainer.create(model, weights, { momentum: 0.9 });
//   const r = await t.step(images, labels, lr);
//   if (r.finite) t.commit(); else { t.reject(); console.log(t.firstNonFinite(r)); }
//
// Output buffers: onnxruntime-node 1.30 accepts pre-allocated output tensors (fetches
// given as {name: Tensor}) and ORT writes into them, but its binding then still copies
// every output into a fresh ArrayBuffer for the result (js/node/src/tensor_helper.cc,
// OrtValueToNapiValue, before the zero-copy change). Double-buffering through them was
// measured on the alexnet_v2 step (batch 16): 619-634 ms against 621-645 ms without, and
// 120 MB more peak RSS, so the trainer adopts ORT's returned buffers as its new state
// without copying them again.
//
// That copy (400 MB of weights and momenta per alexnet_v2 step) costs mostly page faults
// on fresh memory: glibc mmaps every block over 32 MB anew. Measured per step (batch 16,
// 2 threads, medians of one sitting): default 1.5-2.4 s; GLIBC_TUNABLES=
// glibc.malloc.hugetlb=1 0.6-0.9 s; adding glibc.malloc.mmap_max=0:
// glibc.malloc.trim_threshold=4294967295 (freed blocks are reused, not unmapped) ~0.55-0.63 s.
// The tunables must be set before the process starts (bin/alexnet.js re-execs for them).
import * as ort from 'onnxruntime-node';
import type { BuiltModel } from '../models/types.js';
import { Session, type SessionOptions } from '../runtime/session.js';
import type { Tensor } from '../tensor.js';
import { shapeStr } from '../tensor.js';
import {
  buildTrainGraph,
  momentumName,
  newMomentumName,
  newWeightName,
  type TrainableParam,
  type TrainGraph,
  type TrainGraphOptions,
} from './train_graph.js';

export interface SgdTrainerOptions extends TrainGraphOptions {
  session?: SessionOptions;
}

export interface StepResult {
  /** Cross-entropy + L2 (slim's total loss), before the update. */
  loss: number;
  xent: number;
  /** Top-1 hits in the batch. */
  correct: number;
  /** Global L2 norm of the cross-entropy gradient (before clipping). */
  gradNorm: number;
  /** Per trainable parameter (SgdTrainer.params order): squared norm of its gradient. */
  paramGradSq: Float64Array;
  /** Per trainable parameter: squared norm of its updated value. */
  paramWeightSq: Float64Array;
  /** Loss, gradient and every updated weight are finite. */
  finite: boolean;
}

interface State {
  weights: Map<string, Float32Array>;
  momenta: Map<string, Float32Array>;
}

function copyOf(a: Float32Array): Float32Array {
  return new Float32Array(a);
}

export class SgdTrainer {
  private state: State;
  private pendingState: State | null = null;
  private disposed = false;

  private constructor(
    private readonly session: Session,
    readonly graph: TrainGraph,
    private readonly frozenWeights: ReadonlyMap<string, Tensor>,
    state: State,
  ) {
    this.state = state;
  }

  /**
   * Build the training graph for `model` (isTraining: true, numeric batch) and start a
   * session. `weights` holds every parameter; frozen ones are baked into the graph.
   * Momentum buffers start at zero.
   */
  static async create(model: BuiltModel, weights: ReadonlyMap<string, Tensor>, opts: SgdTrainerOptions): Promise<SgdTrainer> {
    const tg = buildTrainGraph(model, weights, opts);
    const state: State = { weights: new Map(), momenta: new Map() };
    for (const p of tg.params) {
      const w = weights.get(p.name);
      if (!w) throw new Error(`SgdTrainer: no weights for trainable parameter ${p.name} ${shapeStr(p.shape)}`);
      state.weights.set(p.name, copyOf(checked(p, w, 'weights')));
      if (tg.momentum > 0) state.momenta.set(p.name, new Float32Array(p.size));
    }
    const frozen = new Map(tg.frozen.map((n) => [n, weights.get(n)!]));
    const session = await Session.create(tg.model, opts.session ?? {});
    return new SgdTrainer(session, tg, frozen, state);
  }

  get params(): readonly TrainableParam[] {
    return this.graph.params;
  }

  /** The session's inputs: trainable weights, momenta, images, labels, lr (frozen weights are baked in). */
  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  /** A step has run and is waiting for commit() or reject(). */
  get pending(): boolean {
    return this.pendingState !== null;
  }

  /**
   * Run one step on a batch; the result is pending until commit() or reject(). `inputs`
   * carries the model's other inputs, if it has any (TrainGraph.extraInputs: the dropout
   * masks of a model built with dropoutMasks: 'input').
   */
  async step(images: Tensor, labels: Tensor<'int64'> | ArrayLike<number>, lr: number, inputs: Readonly<Record<string, Tensor>> = {}): Promise<StepResult> {
    if (this.disposed) throw new Error('SgdTrainer: step after dispose');
    if (this.pendingState) throw new Error('SgdTrainer: the previous step is neither committed nor rejected');
    const tg = this.graph;
    if (images.dtype !== 'float32' || shapeStr(images.shape) !== shapeStr(tg.imageShape)) {
      throw new Error(`SgdTrainer: images must be float32${shapeStr(tg.imageShape)}, got ${images.dtype}${shapeStr(images.shape)}`);
    }
    const lab = labelsOf(labels, tg.batch);
    if (!Number.isFinite(lr)) throw new Error(`SgdTrainer: learning rate ${lr} is not finite`);

    const feeds: Record<string, ort.Tensor> = {
      [tg.imagesInput]: new ort.Tensor('float32', images.data as Float32Array, [...images.shape]),
      labels: new ort.Tensor('int64', lab, [tg.batch]),
      lr: new ort.Tensor('float32', Float32Array.of(lr), []),
    };
    for (const e of tg.extraInputs) {
      const t = inputs[e.name];
      if (!t) throw new Error(`SgdTrainer: missing input ${e.name} ${e.dtype}${shapeStr(e.shape)}; the model's other inputs are ${tg.extraInputs.map((x) => x.name).join(', ')}`);
      if (t.dtype !== e.dtype || shapeStr(t.shape) !== shapeStr(e.shape)) throw new Error(`SgdTrainer: ${e.name} must be ${e.dtype}${shapeStr(e.shape)}, got ${t.dtype}${shapeStr(t.shape)}`);
      feeds[e.name] = new ort.Tensor(t.dtype as ort.Tensor.Type, t.data as ort.Tensor.DataType, [...t.shape]);
    }
    for (const name of Object.keys(inputs)) {
      if (!tg.extraInputs.some((e) => e.name === name)) throw new Error(`SgdTrainer: unknown input ${name}; the model's other inputs are ${tg.extraInputs.map((x) => x.name).join(', ') || 'none'}`);
    }
    for (const p of tg.params) {
      feeds[p.name] = new ort.Tensor('float32', this.state.weights.get(p.name)!, p.shape);
      if (tg.momentum > 0) feeds[momentumName(p.name)] = new ort.Tensor('float32', this.state.momenta.get(p.name)!, [p.size]);
    }
    const out = await this.session.ort.run(feeds);
    const f32 = (name: string) => out[name]!.data as Float32Array;
    const next: State = { weights: new Map(), momenta: new Map() };
    for (const p of tg.params) {
      next.weights.set(p.name, f32(newWeightName(p.name)));
      if (tg.momentum > 0) next.momenta.set(p.name, f32(newMomentumName(p.name)));
    }
    this.pendingState = next;
    const f64 = (name: string) => out[name]!.data as Float64Array;
    const r: StepResult = {
      loss: f64('loss')[0]!,
      xent: f32('xent')[0]!,
      correct: Number((out['correct']!.data as BigInt64Array)[0]!),
      gradNorm: f64('grad_norm')[0]!,
      paramGradSq: f64('param_grad_sq'),
      paramWeightSq: f64('param_weight_sq'),
      finite: false,
    };
    r.finite =
      Number.isFinite(r.loss) &&
      Number.isFinite(r.gradNorm) &&
      r.paramGradSq.every(Number.isFinite) &&
      r.paramWeightSq.every(Number.isFinite);
    return r;
  }

  /** Adopt the pending step's weights and momenta. */
  commit(): void {
    if (!this.pendingState) throw new Error('SgdTrainer: commit without a pending step');
    this.state = this.pendingState;
    this.pendingState = null;
  }

  /** Drop the pending step: weights and momenta stay as they were before it. */
  reject(): void {
    if (!this.pendingState) throw new Error('SgdTrainer: reject without a pending step');
    this.pendingState = null;
  }

  /** The first parameter whose gradient or updated value is not finite, in params order. */
  firstNonFinite(r: StepResult): { param: string; layer: string; what: 'gradient' | 'weight' } | null {
    for (const [i, p] of this.graph.params.entries()) {
      if (!Number.isFinite(r.paramGradSq[i]!)) return { param: p.name, layer: p.layer, what: 'gradient' };
    }
    for (const [i, p] of this.graph.params.entries()) {
      if (!Number.isFinite(r.paramWeightSq[i]!)) return { param: p.name, layer: p.layer, what: 'weight' };
    }
    return null;
  }

  /** Copies of every parameter (trainable ones as of the last commit, and the frozen ones), in their own shapes. */
  weights(): Map<string, Tensor<'float32'>> {
    const out = new Map<string, Tensor<'float32'>>();
    for (const p of this.graph.params) out.set(p.name, { dtype: 'float32', shape: [...p.shape], data: copyOf(this.state.weights.get(p.name)!) });
    for (const [n, t] of this.frozenWeights) out.set(n, { dtype: 'float32', shape: [...t.shape], data: copyOf(t.data as Float32Array) });
    return out;
  }

  /** Copies of the momentum buffers of the trainable parameters, in the parameters' shapes (empty without momentum). */
  momenta(): Map<string, Tensor<'float32'>> {
    const out = new Map<string, Tensor<'float32'>>();
    for (const p of this.graph.params) {
      const m = this.state.momenta.get(p.name);
      if (m) out.set(p.name, { dtype: 'float32', shape: [...p.shape], data: copyOf(m) });
    }
    return out;
  }

  /**
   * Replace the trainable weights and momenta (from a checkpoint). Missing momenta start
   * at zero, as a fresh optimizer's would. Frozen parameters are part of the session and
   * are not restored: entries for them are ignored.
   */
  restore(weights: ReadonlyMap<string, Tensor>, momenta?: ReadonlyMap<string, Tensor>): void {
    if (this.pendingState) throw new Error('SgdTrainer: restore while a step is pending; commit or reject it first');
    const next: State = { weights: new Map(), momenta: new Map() };
    for (const p of this.graph.params) {
      const w = weights.get(p.name);
      if (!w) throw new Error(`SgdTrainer.restore: no weights for ${p.name} ${shapeStr(p.shape)}`);
      next.weights.set(p.name, copyOf(checked(p, w, 'weights')));
      if (this.graph.momentum > 0) {
        const m = momenta?.get(p.name);
        next.momenta.set(p.name, m ? copyOf(checked(p, m, 'momentum')) : new Float32Array(p.size));
      }
    }
    this.state = next;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.pendingState = null;
    await this.session.dispose();
  }
}

function checked(p: TrainableParam, t: Tensor, what: string): Float32Array {
  const n = t.shape.reduce((a, d) => a * d, 1);
  // a flat view of the right size is accepted too (momenta are flat inside the graph)
  if (t.dtype !== 'float32' || n !== p.size || (t.shape.length !== 1 && shapeStr(t.shape) !== shapeStr(p.shape))) {
    throw new Error(`SgdTrainer: ${what} for ${p.name} must be float32${shapeStr(p.shape)}, got ${t.dtype}${shapeStr(t.shape)}`);
  }
  return t.data as Float32Array;
}

function labelsOf(labels: Tensor<'int64'> | ArrayLike<number>, batch: number): BigInt64Array {
  let out: BigInt64Array;
  if ('dtype' in labels && 'data' in labels) {
    if (labels.dtype !== 'int64') throw new Error(`SgdTrainer: labels must be int64, got ${(labels as Tensor).dtype}`);
    out = labels.data;
  } else {
    out = BigInt64Array.from(Array.from(labels as ArrayLike<number>, (v) => BigInt(v)));
  }
  if (out.length !== batch) throw new Error(`SgdTrainer: ${out.length} labels for a batch of ${batch}`);
  return out;
}
