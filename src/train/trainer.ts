// The host side of a training step: holds the trainable weights and momentum buffers,
// runs the graph of ./train_graph.ts once per step, and applies the result only when
// the caller commits it, so a non-finite step can be refused with nothing changed.
//
//   const t = await Trainer.create(model, weights, { momentum: 0.9 });
//   const r = await t.step(images, labels, lr);
//   if (r.finite) t.commit(); else { t.reject(); console.log(t.firstNonFinite(r)); }
//
// Output buffers: onnxruntime-node 1.30 accepts pre-allocated output tensors (fetches
// given as {name: Tensor}) and ORT writes into them, but its binding then still copies
// every output into a fresh ArrayBuffer for the result (js/node/src/tensor_helper.cc,
// OrtValueToNapiValue). Double-buffering through them gains no time and costs peak
// memory (docs/design/runtime.md), so the trainer adopts ORT's returned buffers as its
// new state without copying them again.
//
// That copy (400 MB of weights and momenta per alexnet_v2 step with the update in the
// graph) costs mostly page faults on fresh memory: glibc mmaps every block over 32 MB
// anew. The glibc malloc settings of src/runtime/malloc.ts (huge pages, freed blocks
// reused rather than unmapped) make it several times cheaper; they must be set before the
// process starts (bin/alexnet.js re-execs for them). See docs/design/runtime.md.
//
// Running statistics (BatchNormalization's, TrainGraph.state) are held here too: fed
// each step, their next values adopted with the step's commit and dropped with its
// reject, returned by weights() and set by restore(), so checkpoints carry them.
//
// Host update (the default when the native kernels are built): the graph ends at the
// gradients and the native kernels apply the update in place (./host_update.ts). ORT's
// threads are told not to spin after a run (SessionOptions.spinning), since the native
// pass needs both cores right after it.
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import type { BuiltModel } from '../models/types.js';
import { nativeKernels, nativeUnavailable } from '../runtime/native.js';
import { Session, type SessionOptions } from '../runtime/session.js';
import type { Tensor } from '../tensor.js';
import { shapeStr } from '../tensor.js';
import { adamwScalars } from '../optim/adamw.js';
import {
  ADAMW_SCALARS,
  expAvgName,
  expAvgSqName,
  momentumName,
  newExpAvgName,
  newExpAvgSqName,
  newMomentumName,
  newWeightName,
  secondMomentKey,
} from '../optim/optimizers.js';
import { hasMomenta, HostUpdate, type StepNorms, type OptimizerState } from './host_update.js';
import { buildTrainGraph, runningName, type TrainableParam, type TrainGraph, type TrainGraphOptions } from './train_graph.js';

export interface TrainerOptions extends TrainGraphOptions {
  session?: SessionOptions;
  /**
   * 'host': the native kernels apply the update in place (the default when they are
   * built); 'graph': the update runs inside the ONNX graph. Both give the same weights
   * (bit for bit without clipNorm).
   */
  update?: 'graph' | 'host';
}

export interface StepResult {
  /** Cross-entropy + L2 (slim's total loss), before the update; AdamW: the cross-entropy (its decay is not a loss term). */
  loss: number;
  xent: number;
  /** Top-1 hits in the batch. */
  correct: number;
  /** Global L2 norm of the cross-entropy gradient (before clipping). */
  gradNorm: number;
  /** Per trainable parameter (Trainer.params order): squared norm of its gradient. */
  paramGradSq: Float64Array;
  /** Per trainable parameter: squared norm of its updated value. */
  paramWeightSq: Float64Array;
  /** Loss, gradient, every updated weight and running statistic are finite. */
  finite: boolean;
}

function copyOf(a: Float32Array): Float32Array {
  return new Float32Array(a);
}

export class Trainer {
  private state: OptimizerState;
  /** Update in the graph: the step's outputs, waiting for commit(). */
  private pendingState: OptimizerState | null = null;
  /** Running statistics (TrainGraph.state), and the step's next values waiting for commit(). */
  private running: Map<string, Float32Array>;
  private pendingRunning: Map<string, Float32Array> | null = null;
  /** Updates committed (AdamW's step count t is this + 1 during a step). */
  private committed = 0;
  private disposed = false;

  private constructor(
    private readonly session: Session,
    readonly graph: TrainGraph,
    private readonly frozenWeights: ReadonlyMap<string, Tensor>,
    state: OptimizerState,
    /** The host update's buffers and kernels; null with the update in the graph. */
    private readonly host: HostUpdate | null,
    running: Map<string, Float32Array>,
  ) {
    this.state = state;
    this.running = running;
  }

  /**
   * Build the training graph for `model` (isTraining: true, numeric batch) and start a
   * session. `weights` holds every parameter; frozen ones are baked into the graph.
   * Momentum buffers (AdamW: both moments) start at zero.
   */
  static async create(model: BuiltModel, weights: ReadonlyMap<string, Tensor>, opts: TrainerOptions): Promise<Trainer> {
    const kernels = nativeKernels();
    const update = opts.update ?? (kernels ? 'host' : 'graph');
    if (update === 'host' && !kernels) throw new Error(`Trainer: update 'host' needs the native kernels: ${nativeUnavailable()}`);
    const tg = buildTrainGraph(model, weights, { ...opts, update });
    const state: OptimizerState = { weights: new Map(), momenta: new Map(), second: new Map() };
    for (const p of tg.params) {
      const w = weights.get(p.name);
      if (!w) throw new Error(`Trainer: no weights for trainable parameter ${p.name} ${shapeStr(p.shape)}`);
      state.weights.set(p.name, copyOf(checked(p, w, 'weights')));
      if (hasMomenta(tg)) state.momenta.set(p.name, new Float32Array(p.size));
      if (tg.optimizer === 'adamw') state.second.set(p.name, new Float32Array(p.size));
    }
    const running = new Map<string, Float32Array>();
    for (const p of tg.state) {
      const w = weights.get(p.name);
      if (!w) throw new Error(`Trainer: no weights for running statistic ${p.name} ${shapeStr(p.shape)}`);
      running.set(p.name, copyOf(checked(p, w, 'running statistic')));
    }
    const frozen = new Map(tg.frozen.map((n) => [n, weights.get(n)!]));
    let host = null;
    if (update === 'host') {
      const threads = opts.session?.threads ?? availableParallelism();
      const settings = { threads, nesterov: opts.nesterov ?? false, ...(opts.clipNorm !== undefined ? { clipNorm: opts.clipNorm } : {}) };
      host = new HostUpdate(tg, kernels!, settings, HostUpdate.frozenL2(tg, kernels!, weights, threads), state);
    }
    // with the update on the host, ORT's threads must not spin while it runs (SessionOptions.spinning)
    const session = await Session.create(tg.model, { ...(update === 'host' ? { spinning: false } : {}), ...opts.session });
    return new Trainer(session, tg, frozen, state, host, running);
  }

  get params(): readonly TrainableParam[] {
    return this.graph.params;
  }

  /** Updates committed since creation or the last restore() (which sets it). */
  get updates(): number {
    return this.committed;
  }

  /** The session's inputs: trainable weights, momenta, images, labels, lr (frozen weights are baked in). */
  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  /** A step has run and is waiting for commit() or reject(). */
  get pending(): boolean {
    return this.pendingState !== null || (this.host?.pending ?? false);
  }

  /** Where the update runs: 'host' (native kernels, in place) or 'graph' (inside ONNX). */
  get update(): 'graph' | 'host' {
    return this.graph.update;
  }

  /**
   * Run one step on a batch; the result is pending until commit() or reject(). `inputs`
   * carries the model's other inputs, if it has any (TrainGraph.extraInputs: the dropout
   * masks of a model built with dropoutMasks: 'input').
   */
  async step(images: Tensor, labels: Tensor<'int64'> | ArrayLike<number>, lr: number, inputs: Readonly<Record<string, Tensor>> = {}): Promise<StepResult> {
    if (this.disposed) throw new Error('Trainer: step after dispose');
    if (this.pending) throw new Error('Trainer: the previous step is neither committed nor rejected');
    const tg = this.graph;
    if (images.dtype !== 'float32' || shapeStr(images.shape) !== shapeStr(tg.imageShape)) {
      throw new Error(`Trainer: images must be float32${shapeStr(tg.imageShape)}, got ${images.dtype}${shapeStr(images.shape)}`);
    }
    const lab = labelsOf(labels, tg.batch);
    if (!Number.isFinite(lr)) throw new Error(`Trainer: learning rate ${lr} is not finite`);
    const out = await this.session.ort.run(this.feeds(images, lab, lr, inputs));
    const r = this.host ? this.host.step(out, lr, this.state, this.committed + 1) : this.graphStep(out);
    this.pendingRunning = new Map(tg.state.map((p) => [p.name, out[runningName(p.name)]!.data as Float32Array]));
    const correct = Number((out['correct']!.data as BigInt64Array)[0]!);
    const runningFinite = [...this.pendingRunning.values()].every((a) => a.every(Number.isFinite));
    const finite = Number.isFinite(r.loss) && Number.isFinite(r.gradNorm) && r.paramGradSq.every(Number.isFinite) && r.paramWeightSq.every(Number.isFinite) && runningFinite;
    return { loss: r.loss, xent: r.xent, correct, gradNorm: r.gradNorm, paramGradSq: r.paramGradSq, paramWeightSq: r.paramWeightSq, finite };
  }

  /** The session's inputs for a step: the batch, the step's scalars and the model's other inputs, the weights and (update in the graph) the optimizer's state. */
  private feeds(images: Tensor, labels: BigInt64Array, lr: number, inputs: Readonly<Record<string, Tensor>>): Record<string, ort.Tensor> {
    const tg = this.graph;
    const feeds: Record<string, ort.Tensor> = {
      [tg.imagesInput]: new ort.Tensor('float32', images.data as Float32Array, [...images.shape]),
      labels: new ort.Tensor('int64', labels, [tg.batch]),
    };
    if (!this.host && tg.optimizer === 'sgd') feeds['lr'] = new ort.Tensor('float32', Float32Array.of(lr), []);
    if (!this.host && tg.optimizer === 'adamw') {
      const a = adamwScalars(tg.betas, tg.eps, lr, tg.weightDecay, this.committed + 1);
      for (const [k, v] of Object.entries(ADAMW_SCALARS)) feeds[v] = new ort.Tensor('float32', Float32Array.of(a[k as keyof typeof ADAMW_SCALARS]), []);
    }
    for (const e of tg.extraInputs) {
      const t = inputs[e.name];
      if (!t) throw new Error(`Trainer: missing input ${e.name} ${e.dtype}${shapeStr(e.shape)}; the model's other inputs are ${tg.extraInputs.map((x) => x.name).join(', ')}`);
      if (t.dtype !== e.dtype || shapeStr(t.shape) !== shapeStr(e.shape)) throw new Error(`Trainer: ${e.name} must be ${e.dtype}${shapeStr(e.shape)}, got ${t.dtype}${shapeStr(t.shape)}`);
      feeds[e.name] = new ort.Tensor(t.dtype as ort.Tensor.Type, t.data as ort.Tensor.DataType, [...t.shape]);
    }
    for (const name of Object.keys(inputs)) {
      if (!tg.extraInputs.some((e) => e.name === name)) throw new Error(`Trainer: unknown input ${name}; the model's other inputs are ${tg.extraInputs.map((x) => x.name).join(', ') || 'none'}`);
    }
    for (const p of tg.state) feeds[p.name] = new ort.Tensor('float32', this.running.get(p.name)!, p.shape);
    for (const p of tg.params) {
      feeds[p.name] = new ort.Tensor('float32', this.state.weights.get(p.name)!, p.shape);
      if (this.host) continue;
      if (tg.momentum > 0) feeds[momentumName(p.name)] = new ort.Tensor('float32', this.state.momenta.get(p.name)!, [p.size]);
      if (tg.optimizer === 'adamw') {
        feeds[expAvgName(p.name)] = new ort.Tensor('float32', this.state.momenta.get(p.name)!, [p.size]);
        feeds[expAvgSqName(p.name)] = new ort.Tensor('float32', this.state.second.get(p.name)!, [p.size]);
      }
    }
    return feeds;
  }

  /** Update in the graph: ORT's output buffers become the pending state as they are. */
  private graphStep(out: ort.InferenceSession.ReturnType): StepNorms {
    const tg = this.graph;
    const f32 = (name: string) => out[name]!.data as Float32Array;
    const next: OptimizerState = { weights: new Map(), momenta: new Map(), second: new Map() };
    for (const p of tg.params) {
      next.weights.set(p.name, f32(newWeightName(p.name)));
      if (tg.momentum > 0) next.momenta.set(p.name, f32(newMomentumName(p.name)));
      if (tg.optimizer === 'adamw') {
        next.momenta.set(p.name, f32(newExpAvgName(p.name)));
        next.second.set(p.name, f32(newExpAvgSqName(p.name)));
      }
    }
    this.pendingState = next;
    const f64 = (name: string) => out[name]!.data as Float64Array;
    return { loss: f64('loss')[0]!, xent: f32('xent')[0]!, gradNorm: f64('grad_norm')[0]!, paramGradSq: f64('param_grad_sq'), paramWeightSq: f64('param_weight_sq') };
  }

  /** Adopt the pending step's weights, momenta and running statistics. */
  commit(): void {
    if (this.host?.pending) this.host.commit(this.state);
    else if (this.pendingState) {
      this.state = this.pendingState;
      this.pendingState = null;
    } else throw new Error('Trainer: commit without a pending step');
    if (this.pendingRunning) for (const [n, a] of this.pendingRunning) this.running.set(n, a);
    this.pendingRunning = null;
    this.committed++;
  }

  /** Drop the pending step: weights, momenta and running statistics stay as they were before it. */
  reject(): void {
    if (!this.pending) throw new Error('Trainer: reject without a pending step');
    this.pendingState = null;
    this.pendingRunning = null;
    this.host?.reject();
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

  /** Copies of every parameter (trainable ones and running statistics as of the last commit, and the frozen ones), in their own shapes. */
  weights(): Map<string, Tensor<'float32'>> {
    const out = new Map<string, Tensor<'float32'>>();
    for (const p of this.graph.params) out.set(p.name, { dtype: 'float32', shape: [...p.shape], data: copyOf(this.state.weights.get(p.name)!) });
    for (const p of this.graph.state) out.set(p.name, { dtype: 'float32', shape: [...p.shape], data: copyOf(this.running.get(p.name)!) });
    for (const [n, t] of this.frozenWeights) out.set(n, { dtype: 'float32', shape: [...t.shape], data: copyOf(t.data as Float32Array) });
    return out;
  }

  /**
   * Copies of the momentum buffers (AdamW: first moments, exp_avg) of the trainable
   * parameters, in the parameters' shapes, by parameter name; with AdamW also the second
   * moments under `exp_avg_sq/<name>` (secondMomentKey). Empty for plain SGD.
   */
  momenta(): Map<string, Tensor<'float32'>> {
    const out = new Map<string, Tensor<'float32'>>();
    for (const p of this.graph.params) {
      const m = this.state.momenta.get(p.name);
      if (m) out.set(p.name, { dtype: 'float32', shape: [...p.shape], data: copyOf(m) });
    }
    for (const p of this.graph.params) {
      const v = this.state.second.get(p.name);
      if (v) out.set(secondMomentKey(p.name), { dtype: 'float32', shape: [...p.shape], data: copyOf(v) });
    }
    return out;
  }

  /**
   * Replace the trainable weights, running statistics and optimizer state (from a checkpoint: momenta() as it
   * returned them, and the number of updates behind them, which AdamW's bias correction
   * needs). Missing buffers start at zero, as a fresh optimizer's would. Frozen
   * parameters are part of the session and are not restored: entries for them are ignored.
   */
  restore(weights: ReadonlyMap<string, Tensor>, momenta?: ReadonlyMap<string, Tensor>, updates = 0): void {
    if (this.pending) throw new Error('Trainer: restore while a step is pending; commit or reject it first');
    if (!(Number.isInteger(updates) && updates >= 0)) throw new Error(`Trainer.restore: updates must be a whole number, got ${updates}`);
    const next: OptimizerState = { weights: new Map(), momenta: new Map(), second: new Map() };
    const buffer = (key: string, p: TrainableParam, what: string) => {
      const m = momenta?.get(key);
      return m ? copyOf(checked(p, m, what)) : new Float32Array(p.size);
    };
    for (const p of this.graph.params) {
      const w = weights.get(p.name);
      if (!w) throw new Error(`Trainer.restore: no weights for ${p.name} ${shapeStr(p.shape)}`);
      next.weights.set(p.name, copyOf(checked(p, w, 'weights')));
      if (hasMomenta(this.graph)) next.momenta.set(p.name, buffer(p.name, p, this.graph.optimizer === 'adamw' ? 'first moments' : 'momentum'));
      if (this.graph.optimizer === 'adamw') next.second.set(p.name, buffer(secondMomentKey(p.name), p, 'second moments'));
    }
    const running = new Map<string, Float32Array>();
    for (const p of this.graph.state) {
      const w = weights.get(p.name);
      if (!w) throw new Error(`Trainer.restore: no weights for running statistic ${p.name} ${shapeStr(p.shape)}`);
      running.set(p.name, copyOf(checked(p, w, 'running statistic')));
    }
    this.state = next;
    this.running = running;
    this.committed = updates;
    this.host?.restored(next);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.pendingState = null;
    this.pendingRunning = null;
    this.host?.drop();
    await this.session.dispose();
  }
}

function checked(p: TrainableParam, t: Tensor, what: string): Float32Array {
  const n = t.shape.reduce((a, d) => a * d, 1);
  // a flat view of the right size is accepted too (momenta are flat inside the graph)
  if (t.dtype !== 'float32' || n !== p.size || (t.shape.length !== 1 && shapeStr(t.shape) !== shapeStr(p.shape))) {
    throw new Error(`Trainer: ${what} for ${p.name} must be float32${shapeStr(p.shape)}, got ${t.dtype}${shapeStr(t.shape)}`);
  }
  return t.data as Float32Array;
}

function labelsOf(labels: Tensor<'int64'> | ArrayLike<number>, batch: number): BigInt64Array {
  let out: BigInt64Array;
  if ('dtype' in labels && 'data' in labels) {
    if (labels.dtype !== 'int64') throw new Error(`Trainer: labels must be int64, got ${(labels as Tensor).dtype}`);
    out = labels.data;
  } else {
    out = BigInt64Array.from(Array.from(labels as ArrayLike<number>, (v) => BigInt(v)));
  }
  if (out.length !== batch) throw new Error(`Trainer: ${out.length} labels for a batch of ${batch}`);
  return out;
}
