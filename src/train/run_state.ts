// The training loop's state record (loop.ts): where a run stands, and how that goes into a
// checkpoint and comes back out of one. With the weights and momenta, the checkpointed part
// is everything a step depends on besides the seed (see loop.ts on the exactness of resume).
import type { ModelSpec } from '../models/types.js';
import { BUNDLE_FORMAT, type BundleConfig } from '../weights/bundle.js';
import { CHECKPOINT_FORMAT, type CheckpointState, type LoadedCheckpoint } from './checkpoint.js';
import type { TrainConfig } from './config.js';
import type { GuardState } from './guard.js';
import type { Trainer } from './trainer.js';

export interface EpochStats {
  steps: number;
  images: number;
  lossSum: number;
  correct: number;
  skipped: number;
}

export type ValSummary = { top1: number; top5: number; loss: number };

/** Loop state saved in checkpoints besides step, epoch and cursor. */
interface LoopState {
  dropoutDraws: number;
  guard: GuardState;
  epochStats: EpochStats;
  lastTrainLoss: number | null;
  lastVal: ValSummary | null;
}

/** Updates since the last step record: its means and images/s. */
export interface LogWindow {
  /** performance.now() at the window's start (moved on by the pause hook's waits). */
  t: number;
  images: number;
  loss: number;
  xent: number;
  correct: number;
  steps: number;
}

/**
 * Where the run stands. step, epoch, cursor (the position in the epoch's order), the
 * epoch's stats and the last losses go into every checkpoint; the rest belongs to this
 * process.
 */
export interface RunState {
  step: number;
  epoch: number;
  cursor: number;
  stats: EpochStats;
  /** Mean loss of the last epoch completed. */
  lastTrainLoss: number | null;
  lastVal: ValSummary | null;
  /** The newest checkpoint written or gone back to, and its step (-1: none yet). */
  lastCheckpoint: string;
  checkpointStep: number;
  /** Checkpoints written by this process (TrainHooks.killDuringCheckpoint counts them). */
  written: number;
  /** The step of the checkpoint the NaN guard last went back to (-1: none). */
  lastRewind: number;
  /** maxSteps reached. */
  stoppedEarly: boolean;
  /** Seconds in steps and data, and images trained, in this process. */
  trainSeconds: number;
  imagesHere: number;
  window: LogWindow;
}

export const newStats = (): EpochStats => ({ steps: 0, images: 0, lossSum: 0, correct: 0, skipped: 0 });
export const newWindow = (t = performance.now()): LogWindow => ({ t, images: 0, loss: 0, xent: 0, correct: 0, steps: 0 });

/** The loop's part of a checkpoint being resumed, if any: the dropout draws and the NaN guard's state go on from it. */
export function savedLoop(resumed: LoadedCheckpoint | null): { dropoutDraws: number; guard: GuardState } | undefined {
  return resumed?.state.loop as LoopState | undefined;
}

/** The state of a run at its start: step 0, or the checkpoint it resumes. */
export function startState(resumed: LoadedCheckpoint | null, maxSteps: number): RunState {
  const rs = resumed?.state;
  const loop = rs?.loop as LoopState | undefined;
  const step = rs?.step ?? 0;
  return {
    step,
    epoch: rs?.epoch ?? 0,
    cursor: rs?.cursor ?? 0,
    stats: loop?.epochStats ?? newStats(),
    lastTrainLoss: loop?.lastTrainLoss ?? null,
    lastVal: loop?.lastVal ?? null,
    lastCheckpoint: resumed?.dir ?? '',
    checkpointStep: rs ? rs.step : -1,
    written: 0,
    lastRewind: -1,
    stoppedEarly: step >= maxSteps,
    trainSeconds: 0,
    imagesHere: 0,
    window: newWindow(),
  };
}

/** Back to checkpoint `c` of this run; the guard's state and the dropout draws are not in `st`: they go on. */
export function rewindState(st: RunState, c: LoadedCheckpoint): void {
  const l = c.state.loop as unknown as LoopState;
  st.step = c.state.step;
  st.epoch = c.state.epoch;
  st.cursor = c.state.cursor;
  st.stats = { ...l.epochStats };
  st.lastTrainLoss = l.lastTrainLoss;
  st.lastVal = l.lastVal;
  st.checkpointStep = st.step;
  st.window = newWindow();
}

/** Back to where the run started (`resumed`, or step 0); the counters of this process go on. */
export function restartState(st: RunState, resumed: LoadedCheckpoint | null, maxSteps: number): void {
  const s0 = startState(resumed, maxSteps);
  Object.assign(st, { step: s0.step, epoch: s0.epoch, cursor: s0.cursor, stats: { ...s0.stats }, lastTrainLoss: s0.lastTrainLoss, lastVal: s0.lastVal, checkpointStep: s0.checkpointStep, window: newWindow() });
}

/** The checkpoint's state.json for `st` (with the dropout draws and the guard's state). */
export function checkpointState(st: RunState, cfg: TrainConfig, valTop1: number | null, dropoutDraws: number, guard: GuardState): CheckpointState {
  const loop: LoopState = { dropoutDraws, guard: { ...guard }, epochStats: st.stats, lastTrainLoss: st.lastTrainLoss, lastVal: st.lastVal };
  return { format: CHECKPOINT_FORMAT, step: st.step, epoch: st.epoch, cursor: st.cursor, valTop1, loop: loop as unknown as Record<string, unknown>, config: cfg as unknown as Record<string, unknown>, time: new Date().toISOString() };
}

/** The optimizer's settings as a checkpoint records them. */
export function optimizerRecord(cfg: TrainConfig, trainer: Trainer, step: number): Record<string, string> {
  return cfg.optimizer === 'adamw'
    ? { format: 'alexnet-ts-optimizer/1', optimizer: 'adamw', betas: trainer.graph.betas.join(','), eps: String(trainer.graph.eps), weightDecay: String(cfg.weightDecay), step: String(step) }
    : { format: 'alexnet-ts-optimizer/1', optimizer: 'sgd', momentum: String(cfg.momentum), nesterov: String(cfg.nesterov), weightDecay: String(cfg.weightDecay) };
}

/** The bundle config a checkpoint's weights carry (src/weights/bundle.ts). */
export function bundleConfig(spec: ModelSpec, cfg: TrainConfig): BundleConfig {
  return { format: BUNDLE_FORMAT, model: spec.name, numClasses: cfg.classes, preprocess: spec.preprocess, labels: cfg.classNames, inputSize: cfg.inputSize, ...(cfg.globalPool ? { globalPool: true } : {}) };
}
