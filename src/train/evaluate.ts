// Evaluation: the plain inference graph (isTraining false: no dropout, no training step)
// over a dataset, reporting top-1, top-5, the mean cross-entropy and a confusion matrix.
//
// During training the graph takes its weights as inputs (built once, fed the current
// weights each validation), so no session is rebuilt per epoch; `alexnet eval` embeds them.
//
// Ranks: a sample is a top-k hit when fewer than k classes beat its true class, counting
// as beating a strictly larger logit, or an equal one at a lower index (a fixed tie rule;
// torch.topk leaves ties to the implementation). The loss is computed from the logits in
// float64: log-sum-exp minus the true logit, averaged over the images (no weight decay:
// it is the data loss, as torchvision's reference evaluation reports).
import type { BuildOptions, BuiltModel, ModelSpec } from '../models/types.js';
import { modelGraph } from '../models/assemble.js';
import { modelBytes } from '../runtime/compile.js';
import { Session, type SessionOptions } from '../runtime/session.js';
import type { Tensor } from '../tensor.js';
import type { Loader } from '../data/loader.js';

export interface EvalMetrics {
  images: number;
  /** Fractions 0..1. */
  top1: number;
  top5: number;
  /** k of "top-5": min(5, classes). */
  k: number;
  loss: number;
  /** confusion[true][predicted] counts. */
  confusion: number[][];
  /** Samples that could not be decoded. */
  skipped: number;
}

/** Running top-1/top-k/loss/confusion over batches of logits. */
export class MetricAccumulator {
  private n = 0;
  private hits1 = 0;
  private hitsK = 0;
  private lossSum = 0;
  readonly confusion: number[][];
  readonly k: number;

  constructor(readonly classes: number) {
    this.k = Math.min(5, classes);
    this.confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  }

  add(logits: Float32Array, labels: ArrayLike<bigint | number>): void {
    const c = this.classes;
    const rows = logits.length / c;
    if (rows !== labels.length) throw new Error(`MetricAccumulator: ${rows} rows of logits for ${labels.length} labels`);
    for (let r = 0; r < rows; r++) {
      const y = Number(labels[r]!);
      const row = logits.subarray(r * c, (r + 1) * c);
      const ly = row[y]!;
      let rank = 0;
      let max = -Infinity;
      let arg = 0;
      for (let j = 0; j < c; j++) {
        const v = row[j]!;
        if (v > ly || (v === ly && j < y)) rank++;
        if (v > max) {
          max = v;
          arg = j;
        }
      }
      let s = 0;
      for (let j = 0; j < c; j++) s += Math.exp(row[j]! - max);
      this.lossSum += Math.log(s) + max - ly;
      if (rank === 0) this.hits1++;
      if (rank < this.k) this.hitsK++;
      this.confusion[y]![arg]!++;
      this.n++;
    }
  }

  result(skipped = 0): EvalMetrics {
    const n = this.n;
    return { images: n, top1: n ? this.hits1 / n : NaN, top5: n ? this.hitsK / n : NaN, k: this.k, loss: n ? this.lossSum / n : NaN, confusion: this.confusion, skipped };
  }
}

export class Evaluator {
  private constructor(
    private readonly session: Session,
    readonly model: BuiltModel,
    readonly numClasses: number,
    private readonly weightsAsInputs: boolean,
  ) {}

  /**
   * The inference graph of `spec` (symbolic batch). With `weights`, they are embedded;
   * without, the graph takes them as inputs and evaluate() must be given them.
   */
  static async create(spec: ModelSpec, build: BuildOptions, weights: ReadonlyMap<string, Tensor> | null, session: SessionOptions = {}): Promise<Evaluator> {
    const m = spec.build({ ...build, batch: 'N', isTraining: false });
    const classes = Number(m.output.shape[m.output.shape.length - 1]);
    if (m.outputName !== 'logits' || m.output.shape.length !== 2) throw new Error(`${spec.name}: evaluation needs logits [N, classes], the model gives ${m.outputName} [${m.output.shape.join(', ')}]`);
    const s = await Session.create(modelBytes(modelGraph(m), weights ?? new Map()), session);
    return new Evaluator(s, m, classes, weights === null);
  }

  async evaluate(loader: Loader, weights?: ReadonlyMap<string, Tensor>, onBatch?: (images: number) => void): Promise<EvalMetrics> {
    const feeds: Record<string, Tensor> = {};
    if (this.weightsAsInputs) {
      if (!weights) throw new Error('Evaluator: this graph takes its weights as inputs; pass them to evaluate()');
      for (const p of this.model.graph.params) {
        const w = weights.get(p.name);
        if (!w) throw new Error(`Evaluator: no weights for ${p.name}`);
        feeds[p.name] = w;
      }
    }
    const acc = new MetricAccumulator(this.numClasses);
    let skipped = 0;
    let seen = 0;
    for await (const b of loader.epoch(0)) {
      skipped += b.skipped;
      const out = await this.session.run({ ...feeds, [this.model.input.name]: b.images }, ['logits']);
      acc.add(out['logits']!.data as Float32Array, b.labels);
      seen += b.labels.length;
      onBatch?.(seen);
    }
    return acc.result(skipped + loader.trailingSkips);
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
