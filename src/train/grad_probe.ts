// Full gradients for TensorBoard's gradient histograms. The training step outputs only
// per-parameter squared norms: copying every gradient out of ORT on every step would add
// a full-model copy to each step (50M floats for alexnet_v2). Instead a second graph,
// the same forward and backward with gradient outputs (TrainGraphOptions.gradientOutputs,
// momentum 0 so it needs no optimizer state), is built once and run only on histogram
// steps, on the batch and dropout masks of the step just taken and the weights it started
// from. Its cost: one more session (its own activation arena and a copy of any frozen
// weights), created lazily at the first histogram step, and one more forward and backward
// pass per histogram step.
import type { BuiltModel } from '../models/types.js';
import { Session, type SessionOptions } from '../runtime/session.js';
import type { Tensor } from '../tensor.js';
import { buildTrainGraph, gradName, type TrainGraph } from './train_graph.js';

export class GradientProbe {
  private constructor(
    private readonly session: Session,
    private readonly tg: TrainGraph,
  ) {}

  /** `model` must be a fresh training build (the graph is extended in place). */
  static async create(model: BuiltModel, frozenWeights: ReadonlyMap<string, Tensor>, trainable: readonly string[] | undefined, session: SessionOptions = {}): Promise<GradientProbe> {
    const tg = buildTrainGraph(model, frozenWeights, { momentum: 0, weightDecay: 0, gradientOutputs: true, ...(trainable ? { trainable } : {}) });
    return new GradientProbe(await Session.create(tg.model, session), tg);
  }

  /** Cross-entropy gradients of the trainable parameters (flat), by name. */
  async gradients(images: Tensor, labels: BigInt64Array, weights: ReadonlyMap<string, Tensor>, inputs: Readonly<Record<string, Tensor>>): Promise<Map<string, Float32Array>> {
    const feeds: Record<string, Tensor> = {
      [this.tg.imagesInput]: images,
      labels: { dtype: 'int64', shape: [labels.length], data: labels },
      lr: { dtype: 'float32', shape: [], data: Float32Array.of(0) },
      ...inputs,
    };
    for (const p of [...this.tg.params, ...this.tg.state]) {
      const w = weights.get(p.name);
      if (!w) throw new Error(`GradientProbe: no weights for ${p.name}`);
      feeds[p.name] = w;
    }
    const names = this.tg.params.map((p) => gradName(p.name));
    const out = await this.session.run(feeds, names);
    return new Map(this.tg.params.map((p) => [p.name, out[gradName(p.name)]!.data as Float32Array]));
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
