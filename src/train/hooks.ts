// What train() (loop.ts) takes besides its options, and what it returns.
import type { ProgressOptions } from '../util/progress.js';

export interface TrainHooks {
  /** Set-up messages, warnings, epoch summaries and NaN-guard messages, one line each. */
  log?: (line: string) => void;
  /** Show a progress line (TrainProgress) on this stream; lines then go to it too. */
  progress?: ProgressOptions;
  /**
   * Stop early when aborted (e.g. on Ctrl-C): the step in progress finishes, a checkpoint is
   * written, and train() returns with `interrupted` set; `--resume` goes on from there.
   */
  signal?: AbortSignal;
  // The two hooks below serve the tests and tools/bench only: @internal keeps them out of
  // the published .d.ts (tsconfig.json's stripInternal), so they are no part of the API.
  /** @internal Test hook: SIGKILL this process midway through writing its Nth checkpoint (1-based). */
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
  /** The k of valTop5: 5, or the number of classes when fewer (null without validation). */
  valK: number | null;
  /** Training images per second in this process, counting the steps and their data only (not validation, logging or checkpoints). */
  imagesPerSec: number;
  /** Training images per second of wall-clock time in this process, validation, logging and checkpoints included: the rate the progress line shows. */
  wallImagesPerSec: number;
  /** The last checkpoint written. */
  checkpoint: string;
  /** The checkpoint with the best validation top-1 (null without validation). */
  best: string | null;
  /** Stopped by TrainHooks.signal before the end. */
  interrupted: boolean;
}
