// The host update of Trainer (trainer.ts; the default when the native kernels of
// native/sgd.c are built): the graph ends at the gradients (TrainGraphOptions.update
// 'host'), and one native pass per parameter applies the graph's own update arithmetic, in
// float32 operation by operation, so the weights are the same bit for bit (with clipping,
// to ~1e-6: the coefficient comes from norms summed in another order). The pass reads the
// weights, momenta and gradient, and writes the new weights over the gradient buffer (the
// binding gives each output its own) and the new momenta into a spare buffer; it also
// returns the squared norms of the gradient and of the new weights. So a step knows whether
// its result is finite before anything is adopted, commit() only swaps buffers, and
// reject() drops them. The optimizers' host forms (src/optim) make these calls; one pass
// is several times faster than the update in ORT plus the copies out of it
// (docs/design/host-update.md).
// fc weights (TrainGraph.gradOutputs kind 'outer', the default with the host update): the
// graph outputs the layer's input and output gradient instead of the weight gradient, and
// the native kernel forms it tile by tile as it updates; the new weights then go into a
// spare buffer, as the momenta do.
import type * as ort from 'onnxruntime-node';
import type { NativeKernels } from '../runtime/native.js';
import type { Tensor } from '../tensor.js';
import { adamwHostStep } from '../optim/adamw.js';
import type { HostParam } from '../optim/optimizers.js';
import { sgdHostStep } from '../optim/sgd.js';
import type { TrainableParam, TrainGraph } from './train_graph.js';

/** A trainer's trainable weights and optimizer buffers, by parameter name. */
export interface OptimizerState {
  weights: Map<string, Float32Array>;
  /** SGD's momentum buffers, or AdamW's first moments (exp_avg). */
  momenta: Map<string, Float32Array>;
  /** AdamW's second moments (exp_avg_sq); empty with SGD. */
  second: Map<string, Float32Array>;
}

/** A step's loss and norms, on either path (Trainer adds the hits and whether all is finite). */
export interface StepNorms {
  loss: number;
  xent: number;
  gradNorm: number;
  paramGradSq: Float64Array;
  paramWeightSq: Float64Array;
}

/** A step waiting for commit(): the new weights and optimizer state, in params order. */
interface HostPending {
  weights: Float32Array[];
  momenta: Float32Array[] | null;
  second: Float32Array[] | null;
  weightSq: Float64Array;
}

/** A gradient as the graph gives it: a tensor, or the two factors of an outer product over n rows. */
type HostGrad = Float32Array | { a: Float32Array; b: Float32Array; n: number };

/** Whether the optimizer keeps a first buffer per parameter (SGD with momentum, AdamW). */
export function hasMomenta(tg: TrainGraph): boolean {
  return tg.momentum > 0 || tg.optimizer === 'adamw';
}

export class HostUpdate {
  private waiting: HostPending | null = null;
  /** Squared norms of the current trainable weights (for the L2 term). */
  private weightSq: Float64Array;
  /** Buffers that the next step's new momenta (AdamW: first moments) are written into. */
  private readonly spareMomenta = new Map<string, Float32Array>();
  /** AdamW: the same for the second moments. */
  private readonly spareSecond = new Map<string, Float32Array>();
  /** The same for new weights whose gradient the host forms (its other new weights go over ORT's gradient buffers). */
  private readonly spareWeights = new Map<string, Float32Array>();

  /**
   * `frozenL2`: the squared norms of the frozen regularised weights, summed once (they are
   * constants of the L2 term). `state` holds the starting weights.
   */
  constructor(
    private readonly graph: TrainGraph,
    private readonly kernels: NativeKernels,
    private readonly settings: { threads: number; nesterov: boolean; clipNorm?: number },
    private readonly frozenL2: number,
    state: OptimizerState,
  ) {
    this.weightSq = this.squares(state);
  }

  /** The constant part of the L2 term: the squared norms of `weights`' frozen regularised parameters. */
  static frozenL2(tg: TrainGraph, kernels: NativeKernels, weights: ReadonlyMap<string, Tensor>, threads: number): number {
    let l2 = 0;
    for (const n of tg.frozenRegularized) l2 += kernels.sumSquares(weights.get(n)!.data as Float32Array, threads);
    return l2;
  }

  get pending(): boolean {
    return this.waiting !== null;
  }

  /** The weights in `state` replaced the current ones (Trainer.restore). */
  restored(state: OptimizerState): void {
    this.weightSq = this.squares(state);
  }

  /**
   * One native pass per parameter computes the new weights (over the gradient buffer) and
   * momenta (into spare buffers) from `state` and the graph's outputs `out`, and the norms
   * that tell whether the step is finite; nothing is adopted before commit(). `t` is
   * AdamW's step count.
   */
  step(out: ort.InferenceSession.ReturnType, lr: number, state: OptimizerState, t: number): StepNorms {
    const tg = this.graph;
    const h = this.settings;
    const xent = (out['xent']!.data as Float32Array)[0]!;
    const grads = this.gradients(out);
    let l2 = this.frozenL2;
    tg.params.forEach((p, i) => {
      if (p.regularized) l2 += this.weightSq[i]!;
    });
    const loss = tg.weightDecay > 0 && tg.optimizer === 'sgd' ? xent + (tg.weightDecay / 2) * l2 : xent;
    const paramGradSq = new Float64Array(tg.params.length);
    const scale = h.clipNorm === undefined ? 1 : this.clipScale(grads, paramGradSq, h.clipNorm);
    const spare = (pool: Map<string, Float32Array>, p: TrainableParam) => pool.get(p.name) ?? new Float32Array(p.size);
    const momenta = hasMomenta(tg) ? tg.params.map((p) => spare(this.spareMomenta, p)) : null;
    const second = tg.optimizer === 'adamw' ? tg.params.map((p) => spare(this.spareSecond, p)) : null;
    const newWeights: Float32Array[] = [];
    const paramWeightSq = new Float64Array(tg.params.length);
    const settings = { lr, weightDecay: tg.weightDecay, momentum: tg.momentum, nesterov: h.nesterov, betas: tg.betas, eps: tg.eps, t, scale, threads: h.threads };
    tg.params.forEach((p, i) => {
      const g = grads[i]!;
      const buffers: HostParam = {
        regularized: p.regularized,
        w: state.weights.get(p.name)!,
        g,
        m: momenta ? state.momenta.get(p.name)! : null,
        mOut: momenta?.[i] ?? null,
        wOut: g instanceof Float32Array ? null : spare(this.spareWeights, p),
      };
      const r = second
        ? adamwHostStep(this.kernels, { ...buffers, v: state.second.get(p.name)!, vOut: second[i]! }, settings)
        : sgdHostStep(this.kernels, buffers, settings);
      newWeights.push(r.weights);
      paramGradSq[i] = r.gradSq;
      paramWeightSq[i] = r.weightSq;
    });
    this.spareMomenta.clear();
    this.spareSecond.clear();
    this.spareWeights.clear();
    this.waiting = { weights: newWeights, momenta, second, weightSq: paramWeightSq };
    return { loss, xent, gradNorm: total(paramGradSq), paramGradSq, paramWeightSq };
  }

  /** The gradients in `out`, in params order, checked against the parameters' sizes. */
  private gradients(out: ort.InferenceSession.ReturnType): HostGrad[] {
    const tg = this.graph;
    const f32 = (name: string, what: string) => {
      const v = out[name]?.data;
      if (!(v instanceof Float32Array)) throw new Error(`Trainer: ${what} output ${name} should be float32 values`);
      return v;
    };
    return tg.gradOutputs.map((o, i) => {
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
  }

  /** The clipping coefficient; fills in the gradients' squared norms, which it needs first. */
  private clipScale(grads: readonly HostGrad[], paramGradSq: Float64Array, clipNorm: number): number {
    const { kernels, settings } = this;
    // train_graph.ts's coefficient min(clip / (norm + 1e-6), 1) in float64, then float32
    grads.forEach((g, i) => (paramGradSq[i] = g instanceof Float32Array ? kernels.sumSquares(g, settings.threads) : kernels.outerSumSquares(g.a, g.b, g.n)));
    return Math.fround(Math.min(clipNorm / (total(paramGradSq) + 1e-6), 1));
  }

  /** Adopt the pending step into `state`; the buffers it replaces become the spares. */
  commit(state: OptimizerState): void {
    const hp = this.waiting;
    if (!hp) throw new Error('Trainer: commit without a pending step');
    this.graph.params.forEach((p, i) => {
      if (this.graph.gradOutputs[i]!.kind === 'outer') this.spareWeights.set(p.name, state.weights.get(p.name)!);
      state.weights.set(p.name, hp.weights[i]!);
      if (hp.momenta) {
        this.spareMomenta.set(p.name, state.momenta.get(p.name)!);
        state.momenta.set(p.name, hp.momenta[i]!);
      }
      if (hp.second) {
        this.spareSecond.set(p.name, state.second.get(p.name)!);
        state.second.set(p.name, hp.second[i]!);
      }
    });
    this.weightSq = hp.weightSq;
    this.waiting = null;
  }

  /** Drop the pending step (if any); its new buffers become the spares. */
  reject(): void {
    const params = this.graph.params;
    this.waiting?.momenta?.forEach((m, i) => this.spareMomenta.set(params[i]!.name, m));
    this.waiting?.second?.forEach((v, i) => this.spareSecond.set(params[i]!.name, v));
    this.waiting?.weights.forEach((w, i) => {
      if (this.graph.gradOutputs[i]!.kind === 'outer') this.spareWeights.set(params[i]!.name, w);
    });
    this.waiting = null;
  }

  /** Forget the pending step without keeping its buffers (Trainer.dispose). */
  drop(): void {
    this.waiting = null;
  }

  /** Squared norms of the weights in `state`, summed as the step that writes them sums them, so a restored run reports the same loss. */
  private squares(state: OptimizerState): Float64Array {
    return Float64Array.from(this.graph.params, (p, i) => {
      const w = state.weights.get(p.name)!;
      const o = this.graph.gradOutputs[i]!;
      return o.kind === 'outer' ? this.kernels.rowSumSquares(w, o.cols) : this.kernels.sumSquares(w, this.settings.threads);
    });
  }
}

const total = (sq: Float64Array) => Math.sqrt(sq.reduce((a, v) => a + v, 0));
