// The training loop behind `alexnet train`: epochs of seeded, prefetched batches through
// Trainer (one ORT graph: forward, backward, SGD with momentum or AdamW), with the NaN guard,
// validation on the inference graph, checkpoints and logs.
//
//   const r = await train({ model: 'alexnet', data: 'flowers/', val: 'flowers-val/', epochs: 10,
//                           batch: 32, lr: 0.001, trainLayers: ['classifier.6'], weights: 'alexnet.pth',
//                           out: 'runs/flowers' }, { log: console.log });
//   await train({ resume: 'runs/flowers', epochs: 20 });
//
// Exactness of resume: everything a step depends on is in the checkpoint (weights, momenta,
// step, epoch, position in the epoch's order, dropout draws, NaN-guard state) or is a pure
// function of those and the seed (shuffle order, augmentation, learning rate), so a resumed
// run computes the same updates as one that was never interrupted.
import type { Batch, Loader } from '../data/loader.js';
import { nativeUnavailable } from '../runtime/native.js';
import type { SessionOptions } from '../runtime/session.js';
import type { Tensor } from '../tensor.js';
import { TrainProgress } from '../util/progress.js';
import type { TrainHooks, TrainResult } from './hooks.js';
import { bestCheckpoint, cleanPartial, type FrozenRef, listCheckpoints, pruneCheckpoints, readCheckpoint, writeCheckpoint, writeFrozen } from './checkpoint.js';
import { shortLayer, type TrainConfig, type TrainOptions } from './config.js';
import { DropoutMasks } from './dropout.js';
import { Evaluator, type EvalMetrics } from './evaluate.js';
import { GradientProbe } from './grad_probe.js';
import { NanGuard, NonFiniteError, type Restore } from './guard.js';
import { TrainLogs } from './run_logs.js';
import { bundleConfig, checkpointState, newStats, newWindow, optimizerRecord, restartState, rewindState, type RunState, savedLoop, startState } from './run_state.js';
import { createTrainer, makeLoaders, type ResumeOptions, type RunSetup, setupRun } from './run_setup.js';
import { learningRate, type ScheduleSpec } from '../optim/schedule.js';
import type { StepResult, Trainer } from './trainer.js';

export type { TrainHooks, TrainResult } from './hooks.js';

type Outcome = { kind: 'ok'; inputs: Record<string, Tensor>; before: Map<string, Tensor> | null } | { kind: 'skip' } | { kind: 'rewind' };

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export async function train(opts: TrainOptions | ResumeOptions, hooks: TrainHooks = {}): Promise<TrainResult> {
  const s = await setupRun(opts);
  try {
    const run = await TrainingRun.start(s, hooks);
    return await run.run();
  } finally {
    await s.pool?.close();
  }
}

/** One run of the loop, fresh or resumed: its parts, and its state in `st`. */
class TrainingRun {
  private readonly cfg: TrainConfig;
  private readonly masks: DropoutMasks;
  private readonly guard: NanGuard;
  private readonly loaders: { train: Loader; val: Loader | null };
  private readonly sched: ScheduleSpec;
  private readonly ctx: { stepsPerEpoch: number; totalSteps: number };
  private readonly progress: TrainProgress | null;
  private readonly maxSteps: number;
  /** A fine-tune's frozen parameters, written once (checkpoint.ts); null when all train. */
  private frozen: FrozenRef | null = null;
  /** The second graph for gradient histograms, built on the first step that logs them. */
  private probe: GradientProbe | null = null;
  private readonly st: RunState;
  /** When this process started training (for the wall-clock rate). */
  private readonly started = performance.now();

  /** Check the output directory, then start the trainer, the evaluator and the logs. */
  static async start(s: RunSetup, hooks: TrainHooks): Promise<TrainingRun> {
    const say = (line: string) => hooks.log?.(line); // no progress line yet
    s.messages.forEach(say);
    const stale = await cleanPartial(s.out);
    if (stale.length) say(`removed ${stale.length} incomplete checkpoint(s) left by a killed run: ${stale.join(', ')}`);
    if (!s.resumed && listCheckpoints(s.out).length) {
      throw new Error(`${s.out} already holds a run (${listCheckpoints(s.out).at(-1)!.dir}); continue it with --resume ${s.out}, or choose another --out`);
    }
    const session = s.threads ? { threads: s.threads } : {};
    const trainer = await createTrainer(s, session);
    if (trainer.update === 'graph') say(`note: the ${s.cfg.optimizer === 'adamw' ? 'AdamW' : 'SGD'} update runs inside the ONNX graph, which is slower than the native kernels: ${nativeUnavailable()}`);
    const evaluator = s.val ? await Evaluator.create(s.spec, s.build, null, session) : null;
    const rs = s.resumed?.state;
    if (s.resumed) trainer.restore(s.resumed.weights, s.resumed.momenta, s.resumed.state.step);
    const logs = await TrainLogs.open(s.out, s.logdir, rs ? rs.step : null, s.resumed?.dir ?? '');
    logs.graph(s.model.graph, s.model.layers.map((l) => l.name), s.model.output);
    const run = new TrainingRun(s, hooks, session, trainer, evaluator, logs);
    if (!rs) run.say(run.intro());
    return run;
  }

  private constructor(
    private readonly s: RunSetup,
    private readonly hooks: TrainHooks,
    private readonly session: SessionOptions,
    private readonly trainer: Trainer,
    private readonly evaluator: Evaluator | null,
    private readonly logs: TrainLogs,
  ) {
    const cfg = s.cfg;
    this.cfg = cfg;
    const loop = savedLoop(s.resumed);
    const keepProb = new Map(s.model.net.dropoutMasks.map((d) => [d.input.name, d.keepProb]));
    this.masks = new DropoutMasks(
      trainer.graph.extraInputs.map((e) => ({ name: e.name, shape: e.shape as number[], keepProb: keepProb.get(e.name) ?? NaN })),
      cfg.seed,
      loop?.dropoutDraws ?? 0,
    );
    this.guard = new NanGuard(cfg.nanPolicy, { retries: cfg.nanRetries, backoff: cfg.nanBackoff }, loop?.guard);
    this.loaders = makeLoaders(s, (name, message) => {
      this.say(`warning: skipping ${message.startsWith(name) ? message : `${name}: ${message}`}`);
      logs.event('skip', { file: name, error: message });
    });
    const stepsPerEpoch = this.loaders.train.batchesPerEpoch;
    this.sched = { kind: cfg.schedule, lr: cfg.lr, stepEpochs: cfg.stepEpochs, gamma: cfg.gamma, minLr: cfg.minLr, warmupSteps: cfg.warmupSteps };
    this.ctx = { stepsPerEpoch, totalSteps: stepsPerEpoch * cfg.epochs };
    this.maxSteps = s.maxSteps ?? Infinity;
    this.progress = hooks.progress ? new TrainProgress({ ...hooks.progress, epochs: cfg.epochs, stepsPerEpoch, ...(s.maxSteps ? { lastStep: s.maxSteps } : {}) }) : null;
    this.st = startState(s.resumed, this.maxSteps);
  }

  /** Train to the last epoch or maxSteps; the sessions and logs are closed either way. */
  async run(): Promise<TrainResult> {
    const st = this.st;
    try {
      if (this.s.trainable) this.frozen = await writeFrozen(this.s.out, this.weightsOf(false));
      this.logs.event('start', { step: st.step }); // set up: graphs, sessions, data (the fashion bench's clock starts here)
      while (st.epoch < this.cfg.epochs && !st.stoppedEarly && !this.hooks.signal?.aborted) {
        const end = await this.trainEpoch();
        if (end === 'rewound') continue;
        if (end === 'stopped') break;
        await this.finishEpoch();
      }
      if (st.checkpointStep !== st.step) await this.checkpoint(null);
    } finally {
      await this.close();
    }
    return this.result();
  }

  private say(line: string): void {
    if (this.progress) this.progress.log(line);
    else this.hooks.log?.(line);
  }

  /** The first line of a fresh run. */
  private intro(): string {
    const { cfg, s } = this;
    const n = this.trainer.params.reduce((a, p) => a + p.size, 0);
    const steps = this.loaders.train.batchesPerEpoch;
    return (
      `training ${s.spec.name} on ${s.train.size} images (${cfg.classes} classes, ${cfg.inputSize.join('x')})${s.val ? `, validating on ${s.val.size}` : ''}: ` +
      `${cfg.epochs} epoch${cfg.epochs === 1 ? '' : 's'} of ${steps} steps${this.maxSteps < cfg.epochs * steps ? ` (stopping at step ${this.maxSteps}, --max-steps)` : ''}, batch ${cfg.batch}, ${n.toLocaleString('en-US')} trainable parameters${s.trainable ? ` (${cfg.trainLayers!.map(shortLayer).join(', ')}; the rest frozen)` : ''}`
    );
  }

  /** The epoch's batches from the cursor on, one update each, until its end, a rewind or maxSteps. */
  private async trainEpoch(): Promise<'done' | 'rewound' | 'stopped'> {
    const st = this.st;
    let t = performance.now();
    for await (const b of this.loaders.train.epoch(st.epoch, st.cursor)) {
      st.stats.skipped += b.skipped;
      const o = await this.trainOn(b);
      if (o.kind === 'rewind') return 'rewound';
      st.cursor = b.cursor;
      st.trainSeconds += (performance.now() - t) / 1000;
      if (o.kind === 'ok') await this.afterUpdate(b, o.inputs, o.before);
      if (st.step >= this.maxSteps || this.hooks.signal?.aborted) {
        st.stoppedEarly = true;
        return this.s.train.size - b.cursor < this.cfg.batch ? 'done' : 'stopped'; // 'done': the epoch's last batch, the epoch ends
      }
      t = performance.now();
    }
    return 'done';
  }

  /** One update on `b`, with the NaN guard (guard.ts). */
  private async trainOn(b: Batch): Promise<Outcome> {
    const { st, trainer, cfg } = this;
    for (;;) {
      const lr = learningRate(this.sched, st.step, this.ctx) * this.guard.state.lrScale;
      const hist = this.s.logdir !== null && cfg.histogramEvery > 0 && (st.step + 1) % cfg.histogramEvery === 0;
      const before = hist ? trainer.weights() : null;
      const inputs = this.masks.draw();
      const r = await trainer.step(b.images, { dtype: 'int64', shape: [b.labels.length], data: b.labels }, lr, inputs);
      if (r.finite) {
        trainer.commit();
        this.record(b, r, lr);
        return { kind: 'ok', inputs, before };
      }
      trainer.reject();
      const o = await this.onNonFinite(r, lr);
      if (o) return o;
    }
  }

  /**
   * A step that came out non-finite, as the guard decides: retry (from an older checkpoint
   * when the weights diverged; null: retry the batch as it is), skip the batch, or stop.
   */
  private async onNonFinite(r: StepResult, lr: number): Promise<Outcome | null> {
    const { st, trainer } = this;
    const c = trainer.firstNonFinite(r);
    const i = c ? trainer.params.findIndex((p) => p.name === c.param) : -1;
    const value = c ? (c.what === 'gradient' ? r.paramGradSq[i]! : r.paramWeightSq[i]!) : r.loss;
    const target = this.rewindTarget(r, c?.what === 'gradient');
    const restore: Restore = target ? { step: target.step, from: target.dir === null ? 'start' : 'checkpoint' } : { step: st.step, from: 'batch' };
    const d = this.guard.onNonFinite(st.step + 1, lr, r.loss, c ? { param: c.param, what: c.what, value } : null, restore);
    this.say(d.message);
    this.logs.event('nan', { step: st.step + 1, lr, action: d.action, message: d.message, lrScale: this.guard.state.lrScale, ...(target && d.action === 'retry' ? { rewoundTo: target.step } : {}) });
    if (d.action === 'retry') {
      if (!target) return null;
      st.lastRewind = target.step;
      await this.rewind(target.dir);
      return { kind: 'rewind' };
    }
    if (d.action === 'skip') return { kind: 'skip' };
    if (st.checkpointStep !== st.step) await this.checkpoint(null);
    throw new NonFiniteError(d.message);
  }

  /**
   * A non-finite loss or gradient means the current weights have diverged: go back to the
   * newest checkpoint before this step, or to the one before that when training from there
   * diverged again (it was saved while already diverging); the oldest state is the one the
   * run started from (dir null: the weights in memory, no checkpoint needed). Null when
   * only a weight is off.
   */
  private rewindTarget(r: StepResult, badGradient: boolean): { step: number; dir: string | null } | null {
    const st = this.st;
    const diverged = !Number.isFinite(r.loss) || !Number.isFinite(r.gradNorm) || badGradient;
    if (!diverged) return null;
    const start = this.s.resumed?.state.step ?? 0;
    const points: { step: number; dir: string | null }[] = [{ step: start, dir: null }, ...listCheckpoints(this.s.out).filter((k) => k.step > start)];
    const older = points.filter((k) => k.step < st.step);
    let target = older.at(-1) ?? points[0]!;
    if (target.step === st.lastRewind) target = older.filter((k) => k.step < st.lastRewind).at(-1) ?? target;
    return target;
  }

  /** Count a committed update in the epoch's stats and the log window; write a step record when due. */
  private record(b: Batch, r: StepResult, lr: number): void {
    const st = this.st;
    st.step++;
    const n = b.labels.length;
    st.stats.steps++;
    st.stats.images += n;
    st.stats.lossSum += r.loss;
    st.stats.correct += r.correct;
    st.imagesHere += n;
    const w = st.window;
    w.images += n;
    w.loss += r.loss;
    w.xent += r.xent;
    w.correct += r.correct;
    w.steps++;
    if (st.step % this.cfg.logEvery === 0) {
      const now = performance.now();
      this.logs.step({ step: st.step, epoch: st.epoch + 1, loss: w.loss / w.steps, xent: w.xent / w.steps, accuracy: w.correct / w.images, lr, gradNorm: r.gradNorm, imagesPerSec: (w.images * 1000) / (now - w.t) });
      st.window = newWindow(now);
    }
  }

  /** After a committed update: histograms when due, the progress line, the pause hook, a checkpoint when due. */
  private async afterUpdate(b: Batch, inputs: Record<string, Tensor>, before: Map<string, Tensor> | null): Promise<void> {
    const { st, cfg } = this;
    if (before) await this.histograms(b, inputs, before);
    this.showProgress(false);
    if (this.hooks.pause && st.step % this.hooks.pause.every === 0) {
      const p0 = performance.now();
      await this.hooks.pause.run(st.step);
      st.window.t += performance.now() - p0;
    }
    // (not on the epoch's last full batch: the end-of-epoch checkpoint follows)
    const lastOfEpoch = this.s.train.size - b.cursor < cfg.batch;
    if (cfg.checkpointEvery > 0 && st.step % cfg.checkpointEvery === 0 && !lastOfEpoch) await this.checkpoint(null);
  }

  /** The weights after the update and the gradients at `before` (from GradientProbe's graph) as histograms. */
  private async histograms(b: Batch, inputs: Record<string, Tensor>, before: Map<string, Tensor>): Promise<void> {
    const trainer = this.trainer;
    this.probe ??= await GradientProbe.create(this.s.buildTrain(), new Map([...before].filter(([k]) => !trainer.params.some((p) => p.name === k))), this.s.trainable, this.session);
    const grads = await this.probe.gradients(b.images, b.labels, before, inputs);
    const w = trainer.weights();
    this.logs.histograms(this.st.step, new Map(trainer.params.map((p) => [p.name, w.get(p.name)!.data as Float32Array])), grads);
  }

  private showProgress(force: boolean): void {
    const { stats, epoch, imagesHere } = this.st;
    this.progress?.update({ epoch: epoch + 1, step: stats.steps, loss: stats.lossSum / stats.steps, accuracy: stats.correct / stats.images, images: imagesHere }, force);
  }

  /** End of an epoch: validation, the summary, the filters image, the epoch's checkpoint. */
  private async finishEpoch(): Promise<void> {
    const st = this.st;
    if (st.stats.steps) this.showProgress(true);
    st.stats.skipped += this.loaders.train.trailingSkips;
    st.lastTrainLoss = st.stats.steps ? st.stats.lossSum / st.stats.steps : null;
    const val = await this.validate();
    this.summarise(val);
    const w1 = this.trainer.weights().get(this.s.model.graph.params[0]!.name);
    if (w1 && w1.shape.length === 4) await this.logs.filters(st.step, 'conv1/filters', w1, this.s.spec.channels === 'BGR');
    st.epoch++;
    st.cursor = 0;
    st.stats = newStats();
    await this.checkpoint(val ? val.top1 : null);
  }

  private async validate(): Promise<EvalMetrics | null> {
    if (!this.evaluator || !this.loaders.val) return null;
    const val = await this.evaluator.evaluate(this.loaders.val, this.trainer.weights());
    this.st.lastVal = { top1: val.top1, top5: val.top5, loss: val.loss };
    this.logs.validation(this.st.step, val);
    return val;
  }

  /** The epoch's line and its 'epoch' event. */
  private summarise(val: EvalMetrics | null): void {
    const { step, epoch, stats, lastTrainLoss } = this.st;
    const parts = [`epoch ${epoch + 1}/${this.cfg.epochs}: step ${step}`, `loss ${lastTrainLoss?.toFixed(4) ?? '--'}`, `acc ${stats.images ? pct(stats.correct / stats.images) : '--'}`];
    if (val) parts.push(`val top-1 ${pct(val.top1)} top-${val.k} ${pct(val.top5)} loss ${val.loss.toFixed(4)}`);
    if (stats.skipped) parts.push(`${stats.skipped} image(s) skipped (could not be decoded)`);
    this.say(parts.join(', '));
    this.logs.event('epoch', { step, epoch: epoch + 1, trainLoss: lastTrainLoss, trainAccuracy: stats.images ? stats.correct / stats.images : null, skipped: stats.skipped, ...(val ? { valTop1: val.top1, valTop5: val.top5, valLoss: val.loss } : {}) });
  }

  private async checkpoint(valTop1: number | null): Promise<void> {
    const { st, cfg, s, trainer } = this;
    const t0 = performance.now();
    const state = checkpointState(st, cfg, valTop1, this.masks.draws, this.guard.state);
    st.written++;
    const kill = this.hooks.killDuringCheckpoint === st.written ? () => process.kill(process.pid, 'SIGKILL') : undefined;
    st.checkpointStep = st.step;
    const data = { weights: this.frozen ? this.weightsOf(true) : trainer.weights(), momenta: trainer.momenta(), bundle: bundleConfig(s.spec, cfg), optimizer: optimizerRecord(cfg, trainer, st.step), state, ...(this.frozen ? { frozen: this.frozen } : {}) };
    st.lastCheckpoint = await writeCheckpoint(s.out, data, kill ? { midway: kill } : {});
    await pruneCheckpoints(s.out, cfg.keep);
    this.logs.event('checkpoint', { step: st.step, dir: st.lastCheckpoint, seconds: (performance.now() - t0) / 1000 });
  }

  /** The trainable or the frozen parameters (TrainOptions.trainLayers). */
  private weightsOf(trained: boolean): Map<string, Tensor> {
    const names = new Set(this.s.trainable);
    return new Map([...this.trainer.weights()].filter(([n]) => names.has(n) === trained));
  }

  /** Back to a checkpoint of this run (null: to where the run started); the guard's state and the dropout draws go on. */
  private async rewind(dir: string | null): Promise<void> {
    const st = this.st;
    if (dir === null) {
      const r = this.s.resumed;
      this.trainer.restore(this.s.weights, r?.momenta, r?.state.step ?? 0);
      restartState(st, r, this.maxSteps);
    } else {
      const c = await readCheckpoint(dir);
      this.trainer.restore(c.weights, c.momenta, c.state.step);
      rewindState(st, c);
    }
    await this.logs.rewind(st.step, dir ?? this.s.resumed?.dir ?? '');
  }

  private async close(): Promise<void> {
    this.progress?.done();
    this.logs.close();
    await this.trainer.dispose();
    await this.evaluator?.dispose();
    await this.probe?.dispose();
  }

  private result(): TrainResult {
    const st = this.st;
    const best = bestCheckpoint(listCheckpoints(this.s.out));
    const partialLoss = st.stats.steps ? st.stats.lossSum / st.stats.steps : null;
    return {
      epochs: st.epoch,
      steps: st.step,
      trainLoss: st.stoppedEarly && partialLoss !== null ? partialLoss : st.lastTrainLoss,
      valTop1: st.lastVal?.top1 ?? null,
      valTop5: st.lastVal?.top5 ?? null,
      imagesPerSec: st.trainSeconds > 0 ? st.imagesHere / st.trainSeconds : 0,
      wallImagesPerSec: st.imagesHere / Math.max(1e-9, (performance.now() - this.started) / 1000),
      checkpoint: st.lastCheckpoint,
      best: best?.dir ?? null,
      valK: st.lastVal ? Math.min(5, this.cfg.classes) : null,
      interrupted: this.hooks.signal?.aborted ?? false,
    };
  }
}
