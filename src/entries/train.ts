// alexnet-ts/train: one step at a time (Trainer), evaluation, checkpoints, learning-rate
// schedules and the NaN guard; `train` and `evaluateWeights` are on the main entry too.
// Re-exports only, so that moving a module changes a path here and nothing else.
export { train } from '../train/loop.js';
export type { TrainHooks, TrainResult } from '../train/loop.js';
export type { TrainOptions } from '../train/config.js';
export type { ResumeOptions } from '../train/run_setup.js';
export { evaluateWeights } from '../train/eval_run.js';
export type { EvalOptions, EvalReport } from '../train/eval_run.js';
export { Trainer } from '../train/trainer.js';
export type { TrainerOptions, StepResult } from '../train/trainer.js';
export { OPTIMIZERS } from '../optim/optimizers.js';
export type { Optimizer } from '../optim/optimizers.js';
export { Evaluator, MetricAccumulator } from '../train/evaluate.js';
export type { EvalMetrics } from '../train/evaluate.js';
export { learningRate, SCHEDULE_KINDS } from '../optim/schedule.js';
export type { ScheduleContext, ScheduleKind, ScheduleSpec } from '../optim/schedule.js';
export { NanGuard, NonFiniteError, NAN_POLICIES } from '../train/guard.js';
export type { NanPolicy } from '../train/guard.js';
export { bestCheckpoint, listCheckpoints, readCheckpoint, weightsFileOf, writeCheckpoint } from '../train/checkpoint.js';
export type { CheckpointData, CheckpointInfo, CheckpointState, LoadedCheckpoint } from '../train/checkpoint.js';
