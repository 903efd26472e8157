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
import type { Batch } from '../data/loader.js';
import { nativeUnavailable } from '../runtime/native.js';
import type { Tensor } from '../tensor.js';
import { type ProgressOptions, TrainProgress } from '../util/progress.js';
import { BUNDLE_FORMAT, type BundleConfig } from '../weights/bundle.js';
import { bestCheckpoint, CHECKPOINT_FORMAT, cleanPartial, listCheckpoints, pruneCheckpoints, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { shortLayer, type TrainOptions } from './config.js';
import { DropoutMasks } from './dropout.js';
import { Evaluator, type EvalMetrics } from './evaluate.js';
import { GradientProbe } from './grad_probe.js';
import { type GuardState, NanGuard, NonFiniteError } from './guard.js';
import { TrainLogs } from './run_logs.js';
import { makeLoaders, type ResumeOptions, type RunSetup, setupRun } from './run_setup.js';
import { learningRate, type ScheduleSpec } from '../optim/schedule.js';
import { Trainer, type StepResult } from './trainer.js';

export interface TrainHooks {
  /** Set-up messages, warnings, epoch summaries and NaN-guard messages, one line each. */
  log?: (line: string) => void;
  /** Show a progress line (TrainProgress) on this stream; lines then go to it too. */
  progress?: ProgressOptions;
  // The two hooks below serve the tests and tools/bench only: @internal keeps them out of
  // the published .d.ts (tsconfig.json's stripInternal), so they are no part of the API.
  /** @internal Test hook: SIGKILL this process midway through writing its Nth checkpoint (1-based; a fresh run's first is step 0's). */
  killDuringCheckpoint?: number;
  /**
   * @internal Benchmark hook: awaited after every `every` updates; the loop's own times (images/s,
   * train seconds) leave the wait out. `npm run bench -- fashion` runs PyTorch's chunks of
   * the same recipe here, so that both sides share the machine's ups and downs.
   */
  pause?: { every: number; run: (step: number) => Promise<void> };
}

export interface TrainResult {
  /** Epochs completed. */
  epochs: number;
  steps: number;
  /** Mean total loss (cross-entropy + L2) over the last epoch trained. */
  trainLoss: number | null;
  valTop1: number | null;
  valTop5: number | null;
  /** Training images per second in this process (steps and data; not validation or checkpoints). */
  imagesPerSec: number;
  /** The last checkpoint written. */
  checkpoint: string;
  /** The checkpoint with the best validation top-1 (null without validation). */
  best: string | null;
}

interface EpochStats {
  steps: number;
  images: number;
  lossSum: number;
  correct: number;
  skipped: number;
}

/** Loop state saved in checkpoints besides step, epoch and cursor. */
interface LoopState {
  dropoutDraws: number;
  guard: GuardState;
  epochStats: EpochStats;
  lastTrainLoss: number | null;
  lastVal: { top1: number; top5: number; loss: number } | null;
}

const newStats = (): EpochStats => ({ steps: 0, images: 0, lossSum: 0, correct: 0, skipped: 0 });
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export async function train(opts: TrainOptions | ResumeOptions, hooks: TrainHooks = {}): Promise<TrainResult> {
  const s = await setupRun(opts);
  try {
    return await runLoop(s, hooks);
  } finally {
    await s.pool?.close();
  }
}

async function runLoop(s: RunSetup, hooks: TrainHooks): Promise<TrainResult> {
  const { cfg, spec, out } = s;
  const session = s.threads ? { threads: s.threads } : {};
  let progress: TrainProgress | null = null;
  const say = (line: string) => (progress ? progress.log(line) : hooks.log?.(line));
  s.messages.forEach(say);
  const stale = await cleanPartial(out);
  if (stale.length) say(`removed ${stale.length} incomplete checkpoint(s) left by a killed run: ${stale.join(', ')}`);
  if (!s.resumed && listCheckpoints(out).length) {
    throw new Error(`${out} already holds a run (${listCheckpoints(out).at(-1)!.dir}); continue it with --resume ${out}, or choose another --out`);
  }

  const adamw = cfg.optimizer === 'adamw';
  const trainer = await Trainer.create(s.model, s.weights, {
    optimizer: cfg.optimizer,
    momentum: cfg.momentum,
    nesterov: cfg.nesterov,
    ...(adamw ? { betas: cfg.betas } : {}),
    weightDecay: cfg.weightDecay,
    ...(cfg.clipNorm !== null ? { clipNorm: cfg.clipNorm } : {}),
    labelSmoothing: cfg.labelSmoothing,
    ...(s.trainable ? { trainable: s.trainable } : {}),
    session,
  });
  if (trainer.update === 'graph') say(`note: the ${adamw ? 'AdamW' : 'SGD'} update runs inside the ONNX graph, which is slower than the native kernels: ${nativeUnavailable()}`);
  const evaluator = s.val ? await Evaluator.create(spec, s.build, null, session) : null;
  let probe: GradientProbe | null = null;
  const rs = s.resumed?.state;
  const loopState = rs?.loop as LoopState | undefined;
  if (s.resumed) trainer.restore(s.resumed.weights, s.resumed.momenta, s.resumed.state.step);
  const keepProb = new Map(s.model.net.dropoutMasks.map((d) => [d.input.name, d.keepProb]));
  const masks = new DropoutMasks(
    trainer.graph.extraInputs.map((e) => ({ name: e.name, shape: e.shape as number[], keepProb: keepProb.get(e.name) ?? NaN })),
    cfg.seed,
    loopState?.dropoutDraws ?? 0,
  );
  const guard = new NanGuard(cfg.nanPolicy, 5, loopState?.guard);
  const logs = await TrainLogs.open(out, s.logdir, rs ? rs.step : null, s.resumed?.dir ?? '');
  const loaders = makeLoaders(s, (name, message) => {
    say(`warning: skipping ${message.startsWith(name) ? message : `${name}: ${message}`}`);
    logs.event('skip', { file: name, error: message });
  });
  const stepsPerEpoch = loaders.train.batchesPerEpoch;
  const sched: ScheduleSpec = { kind: cfg.schedule, lr: cfg.lr, stepEpochs: cfg.stepEpochs, gamma: cfg.gamma, minLr: cfg.minLr, warmupSteps: cfg.warmupSteps };
  const ctx = { stepsPerEpoch, totalSteps: stepsPerEpoch * cfg.epochs };
  if (hooks.progress) progress = new TrainProgress({ ...hooks.progress, epochs: cfg.epochs, stepsPerEpoch });
  if (!rs) {
    const n = trainer.params.reduce((a, p) => a + p.size, 0);
    say(
      `training ${spec.name} on ${s.train.size} images (${cfg.classes} classes, ${cfg.inputSize.join('x')})${s.val ? `, validating on ${s.val.size}` : ''}: ` +
        `${cfg.epochs} epoch${cfg.epochs === 1 ? '' : 's'} of ${stepsPerEpoch} steps, batch ${cfg.batch}, ${n.toLocaleString('en-US')} trainable parameters${s.trainable ? ` (${cfg.trainLayers!.map(shortLayer).join(', ')}; the rest frozen)` : ''}`,
    );
  }

  let step = rs?.step ?? 0;
  let epoch = rs?.epoch ?? 0;
  let cursor = rs?.cursor ?? 0;
  let stats = loopState?.epochStats ?? newStats();
  let lastTrainLoss = loopState?.lastTrainLoss ?? null;
  let lastVal = loopState?.lastVal ?? null;
  let lastCheckpoint = s.resumed?.dir ?? '';
  let checkpointStep = rs ? rs.step : -1;
  let written = 0;
  let trainSeconds = 0;
  let imagesHere = 0;
  let window = { t: performance.now(), images: 0, loss: 0, xent: 0, correct: 0, steps: 0 };

  const bundle: BundleConfig = { format: BUNDLE_FORMAT, model: spec.name, numClasses: cfg.classes, preprocess: spec.preprocess, labels: cfg.classNames, inputSize: cfg.inputSize, ...(cfg.globalPool ? { globalPool: true } : {}) };
  const checkpoint = async (valTop1: number | null) => {
    const t0 = performance.now();
    const loop: LoopState = { dropoutDraws: masks.draws, guard: { ...guard.state }, epochStats: stats, lastTrainLoss, lastVal };
    written++;
    const kill = hooks.killDuringCheckpoint === written ? () => process.kill(process.pid, 'SIGKILL') : undefined;
    checkpointStep = step;
    lastCheckpoint = await writeCheckpoint(
      out,
      {
        weights: trainer.weights(),
        momenta: trainer.momenta(),
        bundle,
        optimizer: adamw
          ? { format: 'alexnet-ts-optimizer/1', optimizer: 'adamw', betas: trainer.graph.betas.join(','), eps: String(trainer.graph.eps), weightDecay: String(cfg.weightDecay), step: String(step) }
          : { format: 'alexnet-ts-optimizer/1', optimizer: 'sgd', momentum: String(cfg.momentum), nesterov: String(cfg.nesterov), weightDecay: String(cfg.weightDecay) },
        state: { format: CHECKPOINT_FORMAT, step, epoch, cursor, valTop1, loop: loop as unknown as Record<string, unknown>, config: cfg as unknown as Record<string, unknown>, time: new Date().toISOString() },
      },
      kill ? { midway: kill } : {},
    );
    await pruneCheckpoints(out, cfg.keep);
    logs.event('checkpoint', { step, dir: lastCheckpoint, seconds: (performance.now() - t0) / 1000 });
  };

  /** Back to a checkpoint of this run; the guard's state and the dropout draws go on. */
  const rewind = async (dir: string) => {
    const c = await readCheckpoint(dir);
    trainer.restore(c.weights, c.momenta, c.state.step);
    const l = c.state.loop as unknown as LoopState;
    step = c.state.step;
    epoch = c.state.epoch;
    cursor = c.state.cursor;
    stats = { ...l.epochStats };
    lastTrainLoss = l.lastTrainLoss;
    lastVal = l.lastVal;
    checkpointStep = step;
    window = { t: performance.now(), images: 0, loss: 0, xent: 0, correct: 0, steps: 0 };
    await logs.rewind(step, dir);
  };

  const record = (b: Batch, r: StepResult, lr: number) => {
    step++;
    const n = b.labels.length;
    stats.steps++;
    stats.images += n;
    stats.lossSum += r.loss;
    stats.correct += r.correct;
    imagesHere += n;
    window.images += n;
    window.loss += r.loss;
    window.xent += r.xent;
    window.correct += r.correct;
    window.steps++;
    if (step % cfg.logEvery === 0) {
      const now = performance.now();
      logs.step({ step, epoch: epoch + 1, loss: window.loss / window.steps, xent: window.xent / window.steps, accuracy: window.correct / window.images, lr, gradNorm: r.gradNorm, imagesPerSec: (window.images * 1000) / (now - window.t) });
      window = { t: now, images: 0, loss: 0, xent: 0, correct: 0, steps: 0 };
    }
  };

  let lastRewind = -1;
  type Outcome = { kind: 'ok'; inputs: Record<string, Tensor>; before: Map<string, Tensor> | null } | { kind: 'skip' } | { kind: 'rewind' };

  /** One update on `b`, with the NaN guard (guard.ts). */
  const trainOn = async (b: Batch): Promise<Outcome> => {
    for (;;) {
      const lr = learningRate(sched, step, ctx) * guard.state.lrScale;
      const hist = s.logdir !== null && cfg.histogramEvery > 0 && (step + 1) % cfg.histogramEvery === 0;
      const before = hist ? trainer.weights() : null;
      const inputs = masks.draw();
      const r = await trainer.step(b.images, { dtype: 'int64', shape: [b.labels.length], data: b.labels }, lr, inputs);
      if (r.finite) {
        trainer.commit();
        record(b, r, lr);
        return { kind: 'ok', inputs, before };
      }
      trainer.reject();
      const c = trainer.firstNonFinite(r);
      const i = c ? trainer.params.findIndex((p) => p.name === c.param) : -1;
      const value = c ? (c.what === 'gradient' ? r.paramGradSq[i]! : r.paramWeightSq[i]!) : r.loss;
      // A non-finite loss or gradient means the current weights have diverged: go back to
      // the newest checkpoint before this step, or to the one before that when training
      // from there diverged again (it was saved while already diverging).
      const diverged = !Number.isFinite(r.loss) || !Number.isFinite(r.gradNorm) || c?.what === 'gradient';
      const ckpts = listCheckpoints(out);
      const older = ckpts.filter((k) => k.step < step);
      let target = diverged ? (older.at(-1) ?? ckpts.at(-1) ?? null) : null;
      if (target && target.step === lastRewind) target = older.filter((k) => k.step < lastRewind).at(-1) ?? target;
      const d = guard.onNonFinite(step + 1, lr, r.loss, c ? { param: c.param, what: c.what, value } : null, target ? target.step : step);
      say(d.message);
      logs.event('nan', { step: step + 1, lr, action: d.action, message: d.message, lrScale: guard.state.lrScale, ...(target && d.action === 'retry' ? { rewoundTo: target.step } : {}) });
      if (d.action === 'retry') {
        if (!target) continue;
        lastRewind = target.step;
        await rewind(target.dir);
        return { kind: 'rewind' };
      }
      if (d.action === 'skip') return { kind: 'skip' };
      if (checkpointStep !== step) await checkpoint(null);
      throw new NonFiniteError(d.message);
    }
  };

  const maxSteps = s.maxSteps ?? Infinity;
  let stoppedEarly = step >= maxSteps;
  try {
    if (!s.resumed) await checkpoint(null); // step 0: where the guard can always go back to
    while (epoch < cfg.epochs && !stoppedEarly) {
      let t = performance.now();
      let rewound = false;
      for await (const b of loaders.train.epoch(epoch, cursor)) {
        stats.skipped += b.skipped;
        const o = await trainOn(b);
        if (o.kind === 'rewind') {
          rewound = true;
          break;
        }
        cursor = b.cursor;
        trainSeconds += (performance.now() - t) / 1000;
        if (o.kind === 'ok') {
          if (o.before) {
            probe ??= await GradientProbe.create(s.buildTrain(), new Map([...o.before].filter(([k]) => !trainer.params.some((p) => p.name === k))), s.trainable, session);
            const grads = await probe.gradients(b.images, b.labels, o.before, o.inputs);
            const w = trainer.weights();
            logs.histograms(step, new Map(trainer.params.map((p) => [p.name, w.get(p.name)!.data as Float32Array])), grads);
          }
          progress?.update({ epoch: epoch + 1, step: stats.steps, loss: stats.lossSum / stats.steps, accuracy: stats.correct / stats.images, images: imagesHere });
          if (hooks.pause && step % hooks.pause.every === 0) {
            const p0 = performance.now();
            await hooks.pause.run(step);
            window.t += performance.now() - p0;
          }
          // (not on the epoch's last full batch: the end-of-epoch checkpoint follows)
          const lastOfEpoch = s.train.size - b.cursor < cfg.batch;
          if (cfg.checkpointEvery > 0 && step % cfg.checkpointEvery === 0 && !lastOfEpoch) await checkpoint(null);
        }
        if (step >= maxSteps) {
          stoppedEarly = true;
          break;
        }
        t = performance.now();
      }
      if (rewound) continue;
      if (stoppedEarly) break;
      // end of epoch: validation, summary, filters image, checkpoint
      if (stats.steps) progress?.update({ epoch: epoch + 1, step: stats.steps, loss: stats.lossSum / stats.steps, accuracy: stats.correct / stats.images, images: imagesHere }, true);
      stats.skipped += loaders.train.trailingSkips;
      lastTrainLoss = stats.steps ? stats.lossSum / stats.steps : null;
      let val: EvalMetrics | null = null;
      if (evaluator && loaders.val) {
        val = await evaluator.evaluate(loaders.val, trainer.weights());
        lastVal = { top1: val.top1, top5: val.top5, loss: val.loss };
        logs.validation(step, val);
      }
      const parts = [`epoch ${epoch + 1}/${cfg.epochs}: step ${step}`, `loss ${lastTrainLoss?.toFixed(4) ?? '--'}`, `acc ${stats.images ? pct(stats.correct / stats.images) : '--'}`];
      if (val) parts.push(`val top-1 ${pct(val.top1)} top-${val.k} ${pct(val.top5)} loss ${val.loss.toFixed(4)}`);
      if (stats.skipped) parts.push(`${stats.skipped} image(s) skipped (could not be decoded)`);
      say(parts.join(', '));
      logs.event('epoch', { step, epoch: epoch + 1, trainLoss: lastTrainLoss, trainAccuracy: stats.images ? stats.correct / stats.images : null, skipped: stats.skipped, ...(val ? { valTop1: val.top1, valTop5: val.top5, valLoss: val.loss } : {}) });
      const w1 = trainer.weights().get(s.model.graph.params[0]!.name);
      if (w1 && w1.shape.length === 4) await logs.filters(step, 'conv1/filters', w1, spec.channels === 'BGR');
      epoch++;
      cursor = 0;
      stats = newStats();
      await checkpoint(val ? val.top1 : null);
    }
    if (checkpointStep !== step) await checkpoint(null);
  } finally {
    progress?.done();
    logs.close();
    await trainer.dispose();
    await evaluator?.dispose();
    await probe?.dispose();
  }
  const best = bestCheckpoint(listCheckpoints(out));
  const partialLoss = stats.steps ? stats.lossSum / stats.steps : null;
  return {
    epochs: epoch,
    steps: step,
    trainLoss: stoppedEarly && partialLoss !== null ? partialLoss : lastTrainLoss,
    valTop1: lastVal?.top1 ?? null,
    valTop5: lastVal?.top5 ?? null,
    imagesPerSec: trainSeconds > 0 ? imagesHere / trainSeconds : 0,
    checkpoint: lastCheckpoint,
    best: best?.dir ?? null,
  };
}
