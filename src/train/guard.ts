// The NaN guard: after each step, the loss, the global gradient norm and every updated
// weight must be finite (Trainer's StepResult.finite); otherwise the update is never
// applied (Trainer.reject) and a policy decides what happens next:
//
//   reduce-lr (default)  multiply the learning rate by the back-off factor (0.5) and go
//                        on at the reduced rate; after `retries` reductions (10: from a
//                        rate 1000x too high, 10 * 0.5^10 ~ 0.0098) the next failure ends
//                        the run. When only the new weights overflowed, the same batch
//                        runs again from the same weights. When the loss or a gradient is
//                        not finite, the weights the step started from have already
//                        diverged (finite, but far too large; a rate of 10 gets there in
//                        two steps), so a lower rate alone cannot help: the loop goes back
//                        to an earlier checkpoint, or to the weights the run started from,
//                        and continues from there at the lower rate.
//   skip                 drop this batch and go on with the next, same learning rate
//   stop                 end the run; the weights stay at the last good step
//
// The message names the first parameter whose gradient or new value is not finite (in
// the order of the network's layers), and the state the run goes on from, e.g.
//   step 212: alexnet_v2/fc7/biases gradient is NaN (lr 0.2); lr -> 0.1 (reduction 1 of 10), going on from checkpoint step 200
// Steps are counted from 1 in messages: "step 212" is the 212th update.

export type NanPolicy = 'reduce-lr' | 'skip' | 'stop';
export const NAN_POLICIES: readonly NanPolicy[] = ['reduce-lr', 'skip', 'stop'];
/** reduce-lr's defaults: reductions before giving up, and the factor of each. */
export const NAN_RETRIES = 10;
export const NAN_BACKOFF = 0.5;

export interface Culprit {
  param: string;
  what: 'gradient' | 'weight';
  /** The squared norm that was not finite (NaN, or Infinity on overflow). */
  value: number;
}

export interface GuardState {
  /** Factor on the schedule's learning rate: backoff ^ reductions. */
  lrScale: number;
  reductions: number;
  /** Non-finite steps seen so far. */
  events: number;
}

/** Where a retry goes on from: the step whose weights it restores, and from where. */
export interface Restore {
  step: number;
  /** 'batch': the same batch again from the current weights; 'checkpoint': a checkpoint's; 'start': the weights the run started from. */
  from: 'batch' | 'checkpoint' | 'start';
}

export interface GuardDecision {
  action: 'retry' | 'skip' | 'stop';
  message: string;
}

/** The error that ends a run on a non-finite step (policy stop, or reduce-lr giving up). */
export class NonFiniteError extends Error {
  override name = 'NonFiniteError';
}

export const fmtLr = (lr: number): string => String(Number(lr.toPrecision(6)));

/** A starting rate to suggest after giving up at `lr`: the power of ten below it. */
export const suggestLr = (lr: number): number => Number((10 ** (Math.ceil(Math.log10(lr)) - 1)).toPrecision(1));

const describe = (v: number): string => (Number.isNaN(v) ? 'NaN' : 'infinite');
const at = (k: number) => (k === 0 ? 'the initial weights (step 0)' : `step ${k}`);

function restoring(r: Restore): string {
  if (r.from === 'batch') return `retrying the batch from ${r.step === 0 ? at(0) : `the weights of step ${r.step}`}`;
  if (r.from === 'start') return `going on from the weights the run started from (${r.step === 0 ? 'step 0' : `step ${r.step}`})`;
  return `going on from checkpoint step ${r.step}`;
}

export interface GuardOptions {
  /** reduce-lr: reductions before giving up (default NAN_RETRIES). */
  retries?: number;
  /** reduce-lr: the factor of each reduction, in (0, 1) (default NAN_BACKOFF). */
  backoff?: number;
}

export class NanGuard {
  readonly state: GuardState;
  readonly retries: number;
  readonly backoff: number;

  constructor(
    readonly policy: NanPolicy = 'reduce-lr',
    opts: GuardOptions = {},
    state?: GuardState & { halvings?: number },
  ) {
    if (!NAN_POLICIES.includes(policy)) throw new Error(`unknown NaN policy ${JSON.stringify(policy)}; policies: ${NAN_POLICIES.join(', ')}`);
    this.retries = opts.retries ?? NAN_RETRIES;
    this.backoff = opts.backoff ?? NAN_BACKOFF;
    if (!(Number.isInteger(this.retries) && this.retries >= 0)) throw new Error(`NaN retries must be an integer >= 0, got ${this.retries}`);
    if (!(this.backoff > 0 && this.backoff < 1)) throw new Error(`NaN back-off must be in (0, 1), got ${this.backoff}`);
    // checkpoints written before the back-off was tunable call the reductions halvings
    this.state = state ? { lrScale: state.lrScale, reductions: state.reductions ?? state.halvings ?? 0, events: state.events } : { lrScale: 1, reductions: 0, events: 0 };
  }

  /**
   * A step was not finite. `step` is the 1-based number of the update that failed, `lr`
   * the learning rate it ran with (schedule times lrScale), `restore` where a retry goes
   * on from (default: the same batch from the weights of step - 1, which are the weights
   * kept by skip and stop).
   */
  onNonFinite(step: number, lr: number, loss: number, culprit: Culprit | null, restore: Restore = { step: step - 1, from: 'batch' }): GuardDecision {
    this.state.events++;
    const cause = culprit ? `${culprit.param} ${culprit.what} is ${describe(culprit.value)}` : `loss is ${describe(loss)}`;
    const head = `step ${step}: ${cause} (lr ${fmtLr(lr)})`;
    const kept = at(step - 1);
    switch (this.policy) {
      case 'skip':
        return { action: 'skip', message: `${head}; update skipped, weights stay at ${kept}` };
      case 'stop':
        return { action: 'stop', message: `${head}; stopped (--nan-policy stop), weights stay at ${kept}` };
      case 'reduce-lr': {
        if (this.state.reductions >= this.retries) {
          const tried = `gave up after ${this.retries} reduction${this.retries === 1 ? '' : 's'}; last lr ${fmtLr(lr)}; try --lr ${suggestLr(lr)}`;
          return { action: 'stop', message: `${head}; ${tried}, weights stay at ${kept}` };
        }
        this.state.reductions++;
        this.state.lrScale *= this.backoff;
        const next = `lr -> ${fmtLr(lr * this.backoff)} (reduction ${this.state.reductions} of ${this.retries})`;
        return { action: 'retry', message: `${head}; ${next}, ${restoring(restore)}` };
      }
    }
  }
}
