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
// Host update (the default when the native kernels of native/sgd.c are built): the graph
// ends at the gradients (TrainGraphOptions.update 'host'), and one native pass per
// parameter applies the graph's own update arithmetic, in float32 operation by operation,
// so the weights are the same bit for bit (with clipping, to ~1e-6: the coefficient comes
// from norms summed in another order). The pass reads the weights, momenta and
// gradient, and writes the new weights over the gradient buffer (the binding gives each
// output its own) and the new momenta into a spare buffer; it also returns the squared
// norms of the gradient and of the new weights. So step() knows whether the result is
// finite before anything is adopted, commit() only swaps buffers, and reject() drops
// them. The optimizers' host forms (src/optim) make these calls; one pass is several
// times faster than the update in ORT plus the copies out of it
// (docs/design/host-update.md).
// fc weights (TrainGraph.gradOutputs kind 'outer', the default with the host update):
// the graph outputs the layer's input and output gradient instead of the weight gradient,
// and the native kernel forms it tile by tile as it updates; the new weights then go into
// a spare buffer, as the momenta do. ORT's threads are told not to spin after a run
// (SessionOptions.spinning), since the native pass needs both cores right after it.
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import type { BuiltModel } from '../models/types.js';
import { nativeKernels, nativeUnavailable, type NativeKernels } from '../runtime/native.js';
import { Session, type SessionOptions } from '../runtime/session.js';
import type { Tensor } from '../tensor.js';
import { shapeStr } from '../tensor.js';
import { adamwHostStep, adamwScalars } from '../optim/adamw.js';
import {
  ADAMW_SCALARS,
  expAvgName,
  expAvgSqName,
  type HostParam,
  momentumName,
  newExpAvgName,
  newExpAvgSqName,
  newMomentumName,
  newWeightName,
  secondMomentKey,
} from '../optim/optimizers.js';
import { sgdHostStep } from '../optim/sgd.js';
import { buildTrainGraph, type TrainableParam, type TrainGraph, type TrainGraphOptions } from './train_graph.js';

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
  /** Loss, gradient and every updated weight are finite. */
  finite: boolean;
}

interface State {
  weights: Map<string, Float32Array>;
  /** SGD's momentum buffers, or AdamW's first moments (exp_avg). */
  momenta: Map<string, Float32Array>;
  /** AdamW's second moments (exp_avg_sq); empty with SGD. */
  second: Map<string, Float32Array>;
}

/** A host-update step waiting for commit(): the new weights and optimizer state, in params order. */
interface HostPending {
  weights: Float32Array[];
  momenta: Float32Array[] | null;
  second: Float32Array[] | null;
  weightSq: Float64Array;
}

function copyOf(a: Float32Array): Float32Array {
  return new Float32Array(a);
}

export class Trainer {
  private state: State;
  private pendingState: State | null = null;
  private hostPending: HostPending | null = null;
  /** Host update: squared norms of the current trainable weights (for the L2 term). */
  private weightSq: Float64Array;
  /** Host update: buffers that the next step's new momenta (AdamW: first moments) are written into. */
  private spareMomenta = new Map<string, Float32Array>();
  /** Host update, AdamW: the same for the second moments. */
  private spareSecond = new Map<string, Float32Array>();
  /** Updates committed (AdamW's step count t is this + 1 during a step). */
  private committed = 0;
  /** Host update: the same for new weights whose gradient the host forms (its other new weights go over ORT's gradient buffers). */
  private spareWeights = new Map<string, Float32Array>();
  private disposed = false;

  private constructor(
    private readonly session: Session,
    readonly graph: TrainGraph,
    private readonly frozenWeights: ReadonlyMap<string, Tensor>,
    state: State,
    private readonly host: { kernels: NativeKernels; threads: number; nesterov: boolean; clipNorm?: number; frozenL2: number } | null,
  ) {
    this.state = state;
    this.weightSq = this.squares();
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
    const state: State = { weights: new Map(), momenta: new Map(), second: new Map() };
    for (const p of tg.params) {
      const w = weights.get(p.name);
      if (!w) throw new Error(`Trainer: no weights for trainable parameter ${p.name} ${shapeStr(p.shape)}`);
      state.weights.set(p.name, copyOf(checked(p, w, 'weights')));
      if (hasMomenta(tg)) state.momenta.set(p.name, new Float32Array(p.size));
      if (tg.optimizer === 'adamw') state.second.set(p.name, new Float32Array(p.size));
    }
    const frozen = new Map(tg.frozen.map((n) => [n, weights.get(n)!]));
    let host = null;
    if (update === 'host') {
      const threads = opts.session?.threads ?? availableParallelism();
      let frozenL2 = 0;
      for (const n of tg.frozenRegularized) frozenL2 += kernels!.sumSquares(weights.get(n)!.data as Float32Array, threads);
      host = { kernels: kernels!, threads, nesterov: opts.nesterov ?? false, ...(opts.clipNorm !== undefined ? { clipNorm: opts.clipNorm } : {}), frozenL2 };
    }
    // with the update on the host, ORT's threads must not spin while it runs (SessionOptions.spinning)
    const session = await Session.create(tg.model, { ...(update === 'host' ? { spinning: false } : {}), ...opts.session });
    return new Trainer(session, tg, frozen, state, host);
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
    return this.pendingState !== null || this.hostPending !== null;
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

    const feeds: Record<string, ort.Tensor> = {
      [tg.imagesInput]: new ort.Tensor('float32', images.data as Float32Array, [...images.shape]),
      labels: new ort.Tensor('int64', lab, [tg.batch]),
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
    for (const p of tg.params) {
      feeds[p.name] = new ort.Tensor('float32', this.state.weights.get(p.name)!, p.shape);
      if (this.host) continue;
      if (tg.momentum > 0) feeds[momentumName(p.name)] = new ort.Tensor('float32', this.state.momenta.get(p.name)!, [p.size]);
      if (tg.optimizer === 'adamw') {
        feeds[expAvgName(p.name)] = new ort.Tensor('float32', this.state.momenta.get(p.name)!, [p.size]);
        feeds[expAvgSqName(p.name)] = new ort.Tensor('float32', this.state.second.get(p.name)!, [p.size]);
      }
    }
    const out = await this.session.ort.run(feeds);
    if (this.host) return this.hostStep(out, lr);
    const f32 = (name: string) => out[name]!.data as Float32Array;
    const next: State = { weights: new Map(), momenta: new Map(), second: new Map() };
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

  /**
   * Host update: one native pass per parameter computes the new weights (over the
   * gradient buffer) and momenta (into spare buffers), and the norms that tell whether
   * the step is finite; nothing is adopted before commit().
   */
  private hostStep(out: ort.InferenceSession.ReturnType, lr: number): StepResult {
    const h = this.host!;
    const tg = this.graph;
    const xent = (out['xent']!.data as Float32Array)[0]!;
    const f32 = (name: string, what: string) => {
      const v = out[name]?.data;
      if (!(v instanceof Float32Array)) throw new Error(`Trainer: ${what} output ${name} should be float32 values`);
      return v;
    };
    const grads = tg.gradOutputs.map((o, i) => {
      const p = tg.params[i]!;
      if (o.kind === 'tensor') {
        const g = f32(o.name, 'gradient');
        if (g.length !== p.size) throw new Error(`Trainer: gradient output ${o.name} should be ${p.size} float32 values, got ${g.length}`);
        return g;
      }
      const [a, b] = [f32(o.a, 'gradient factor'), f32(o.b, 'gradient factor')];
      if (a.length !== o.n * o.rows || b.length !== o.n * o.cols) throw new Error(`Trainer: gradient factors ${o.a} and ${o.b} of ${p.name} should be ${o.n}x${o.rows} and ${o.n}x${o.cols}, got ${a.length} and ${b.length} values`);
      return { a, b, n: o.n };
    });
    let l2 = h.frozenL2;
    tg.params.forEach((p, i) => {
      if (p.regularized) l2 += this.weightSq[i]!;
    });
    const loss = tg.weightDecay > 0 && tg.optimizer === 'sgd' ? xent + (tg.weightDecay / 2) * l2 : xent;
    const paramGradSq = new Float64Array(tg.params.length);
    const total = (sq: Float64Array) => Math.sqrt(sq.reduce((a, v) => a + v, 0));
    let scale = 1;
    if (h.clipNorm !== undefined) {
      // the norm first: train_graph.ts's coefficient min(clip / (norm + 1e-6), 1) in float64, then float32
      grads.forEach((g, i) => (paramGradSq[i] = g instanceof Float32Array ? h.kernels.sumSquares(g, h.threads) : h.kernels.outerSumSquares(g.a, g.b, g.n)));
      scale = Math.fround(Math.min(h.clipNorm / (total(paramGradSq) + 1e-6), 1));
    }
    const spare = (pool: Map<string, Float32Array>, p: TrainableParam) => pool.get(p.name) ?? new Float32Array(p.size);
    const momenta = hasMomenta(tg) ? tg.params.map((p) => spare(this.spareMomenta, p)) : null;
    const second = tg.optimizer === 'adamw' ? tg.params.map((p) => spare(this.spareSecond, p)) : null;
    const newWeights: Float32Array[] = [];
    const paramWeightSq = new Float64Array(tg.params.length);
    const settings = { lr, weightDecay: tg.weightDecay, momentum: tg.momentum, nesterov: h.nesterov, betas: tg.betas, eps: tg.eps, t: this.committed + 1, scale, threads: h.threads };
    tg.params.forEach((p, i) => {
      const g = grads[i]!;
      const buffers: HostParam = {
        regularized: p.regularized,
        w: this.state.weights.get(p.name)!,
        g,
        m: momenta ? this.state.momenta.get(p.name)! : null,
        mOut: momenta?.[i] ?? null,
        wOut: g instanceof Float32Array ? null : spare(this.spareWeights, p),
      };
      const r = second
        ? adamwHostStep(h.kernels, { ...buffers, v: this.state.second.get(p.name)!, vOut: second[i]! }, settings)
        : sgdHostStep(h.kernels, buffers, settings);
      newWeights.push(r.weights);
      paramGradSq[i] = r.gradSq;
      paramWeightSq[i] = r.weightSq;
    });
    this.spareMomenta.clear();
    this.spareSecond.clear();
    this.spareWeights.clear();
    this.hostPending = { weights: newWeights, momenta, second, weightSq: paramWeightSq };
    const gradNorm = total(paramGradSq);
    const r: StepResult = { loss, xent, correct: Number((out['correct']!.data as BigInt64Array)[0]!), gradNorm, paramGradSq, paramWeightSq, finite: false };
    r.finite = Number.isFinite(loss) && Number.isFinite(gradNorm) && paramGradSq.every(Number.isFinite) && paramWeightSq.every(Number.isFinite);
    return r;
  }

  /** Squared norms of the current trainable weights (host update only). */
  private squares(): Float64Array {
    const sq = new Float64Array(this.graph.params.length);
    const h = this.host;
    if (h) {
      this.graph.params.forEach((p, i) => {
        const w = this.state.weights.get(p.name)!;
        const o = this.graph.gradOutputs[i]!;
        // summed as the step that writes them sums them, so a restored run reports the same loss
        sq[i] = o.kind === 'outer' ? h.kernels.rowSumSquares(w, o.cols) : h.kernels.sumSquares(w, h.threads);
      });
    }
    return sq;
  }

  /** Adopt the pending step's weights and momenta. */
  commit(): void {
    if (this.hostPending) {
      const hp = this.hostPending;
      this.graph.params.forEach((p, i) => {
        if (this.graph.gradOutputs[i]!.kind === 'outer') this.spareWeights.set(p.name, this.state.weights.get(p.name)!);
        this.state.weights.set(p.name, hp.weights[i]!);
        if (hp.momenta) {
          this.spareMomenta.set(p.name, this.state.momenta.get(p.name)!);
          this.state.momenta.set(p.name, hp.momenta[i]!);
        }
        if (hp.second) {
          this.spareSecond.set(p.name, this.state.second.get(p.name)!);
          this.state.second.set(p.name, hp.second[i]!);
        }
      });
      this.weightSq = hp.weightSq;
      this.hostPending = null;
      this.committed++;
      return;
    }
    if (!this.pendingState) throw new Error('Trainer: commit without a pending step');
    this.state = this.pendingState;
    this.pendingState = null;
    this.committed++;
  }

  /** Drop the pending step: weights and momenta stay as they were before it. */
  reject(): void {
    if (!this.pending) throw new Error('Trainer: reject without a pending step');
    this.pendingState = null;
    this.hostPending?.momenta?.forEach((m, i) => this.spareMomenta.set(this.graph.params[i]!.name, m));
    this.hostPending?.second?.forEach((v, i) => this.spareSecond.set(this.graph.params[i]!.name, v));
    this.hostPending?.weights.forEach((w, i) => {
      if (this.graph.gradOutputs[i]!.kind === 'outer') this.spareWeights.set(this.graph.params[i]!.name, w);
    });
    this.hostPending = null;
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
   * Replace the trainable weights and optimizer state (from a checkpoint: momenta() as it
   * returned them, and the number of updates behind them, which AdamW's bias correction
   * needs). Missing buffers start at zero, as a fresh optimizer's would. Frozen
   * parameters are part of the session and are not restored: entries for them are ignored.
   */
  restore(weights: ReadonlyMap<string, Tensor>, momenta?: ReadonlyMap<string, Tensor>, updates = 0): void {
    if (this.pending) throw new Error('Trainer: restore while a step is pending; commit or reject it first');
    if (!(Number.isInteger(updates) && updates >= 0)) throw new Error(`Trainer.restore: updates must be a whole number, got ${updates}`);
    const next: State = { weights: new Map(), momenta: new Map(), second: new Map() };
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
    this.state = next;
    this.committed = updates;
    this.weightSq = this.squares();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.pendingState = null;
    this.hostPending = null;
    await this.session.dispose();
  }
}

/** Whether the optimizer keeps a first buffer per parameter (SGD with momentum, AdamW). */
function hasMomenta(tg: TrainGraph): boolean {
  return tg.momentum > 0 || tg.optimizer === 'adamw';
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
