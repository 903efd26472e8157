// The NaN guard: after each step, the loss, the global gradient norm and every updated
// weight must be finite (Trainer's StepResult.finite); otherwise the update is never
// applied (Trainer.reject) and a policy decides what happens next:
//
//   reduce-lr (default)  halve the learning rate and go on; after 5 halvings the next
//                        failure ends the run. When only the new weights overflowed, the
//                        same batch runs again from the same weights. When the loss or a
//                        gradient is not finite, the weights the step started from have
//                        already diverged (finite, but far too large; a rate of 10 gets
//                        there in two steps), so halving alone cannot help: the loop goes
//                        back to the last checkpoint (a run writes one at step 0) and
//                        continues from there at the lower rate.
//   skip                 drop this batch and go on with the next, same learning rate
//   stop                 end the run; the weights stay at the last good step
//
// The message names the first parameter whose gradient or new value is not finite (in
// the order of the network's layers), e.g.
//   step 212: alexnet_v2/fc7/biases gradient is NaN (lr 0.2); reverted to step 211, lr -> 0.1
// Steps are counted from 1 in messages: "step 212" is the 212th update.

export type NanPolicy = 'reduce-lr' | 'skip' | 'stop';
export const NAN_POLICIES: readonly NanPolicy[] = ['reduce-lr', 'skip', 'stop'];

export interface Culprit {
  param: string;
  what: 'gradient' | 'weight';
  /** The squared norm that was not finite (NaN, or Infinity on overflow). */
  value: number;
}

export interface GuardState {
  /** Factor on the schedule's learning rate: 0.5 ^ halvings. */
  lrScale: number;
  halvings: number;
  /** Non-finite steps seen so far. */
  events: number;
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

const describe = (v: number): string => (Number.isNaN(v) ? 'NaN' : 'infinite');

export class NanGuard {
  readonly state: GuardState;

  constructor(
    readonly policy: NanPolicy = 'reduce-lr',
    readonly maxHalvings = 5,
    state?: GuardState,
  ) {
    if (!NAN_POLICIES.includes(policy)) throw new Error(`unknown NaN policy ${JSON.stringify(policy)}; policies: ${NAN_POLICIES.join(', ')}`);
    this.state = state ? { ...state } : { lrScale: 1, halvings: 0, events: 0 };
  }

  /**
   * A step was not finite. `step` is the 1-based number of the update that failed, `lr`
   * the learning rate it ran with (schedule times lrScale), `revertTo` the step whose
   * weights a retry starts from (a checkpoint's when the loop goes back to one); otherwise
   * the weights stay at step - 1.
   */
  onNonFinite(step: number, lr: number, loss: number, culprit: Culprit | null, revertTo = step - 1): GuardDecision {
    this.state.events++;
    const cause = culprit ? `${culprit.param} ${culprit.what} is ${describe(culprit.value)}` : `loss is ${describe(loss)}`;
    const head = `step ${step}: ${cause} (lr ${fmtLr(lr)})`;
    const at = (k: number) => (k === 0 ? 'the initial weights' : `step ${k}`);
    const kept = at(step - 1);
    switch (this.policy) {
      case 'skip':
        return { action: 'skip', message: `${head}; update skipped, weights stay at ${kept}` };
      case 'stop':
        return { action: 'stop', message: `${head}; stopped (--nan-policy stop), weights stay at ${kept}` };
      case 'reduce-lr': {
        if (this.state.halvings >= this.maxHalvings) {
          return { action: 'stop', message: `${head}; gave up after ${this.maxHalvings} learning-rate halvings, weights stay at ${kept}` };
        }
        this.state.halvings++;
        this.state.lrScale /= 2;
        return { action: 'retry', message: `${head}; reverted to ${at(revertTo)}, lr -> ${fmtLr(lr / 2)}` };
      }
    }
  }
}
