// Gradients of BatchNormalization, per channel (axis 1), with sums over every other axis.
//
// Inference mode, with respect to all five inputs:
//   y = gamma * (x - mean) * invstd + beta,  invstd = 1 / sqrt(var + eps)
//   dx     = dy * gamma * invstd
//   dgamma = sum(dy * xhat),  xhat = (x - mean) * invstd
//   dbeta  = sum(dy)
//   dmean  = -sum(dy) * gamma * invstd
//   dvar   = -0.5 * gamma * invstd^2 * sum(dy * xhat)
// A frozen layer's node has constant statistics and needs only dx.
//
// Training mode (src/nn/norm.ts): mean and var are x's own batch statistics over the M
// values of each channel, Reshape(ReduceMean(x)) and Reshape(ReduceMean(c * c)) with
// c = x - mean. The chain rule through those ReduceMeans would give dX in some fourteen
// passes over the activation; the rule recognises them and gives the closed form
//   dx = gamma * invstd * (dy - sum(dy) / M - xhat * sum(dy * xhat) / M)
// written as dx = dy * a + centred * b + c per channel, centred = x - mean:
//   a = gamma * invstd,  b = -a * invstd^2 * sum(dy * centred) / M,  c = -a * sum(dy) / M
// with dgamma = invstd * sum(dy * centred) and dbeta = sum(dy), as for
// torch.nn.BatchNorm2d in train mode (test/grad/bn_oracle.test.ts); the statistics then
// get ZERO_GRAD from this node, their part being in dx.
import * as b from '../../graph/build.js';
import type { Value } from '../../graph/graph.js';
import { getFloat, getInt } from '../../graph/types.js';
import { defineGrad, type GradContext, ZERO_GRAD } from '../registry.js';
import { scalar } from '../util.js';

/** The per-channel helpers both modes use. */
function channels(ctx: GradContext) {
  const x = ctx.node.inputs[0]!;
  const r = x.shape.length;
  const c = x.shape[1] as number;
  const axes = [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2)];
  const bshape = [1, c, ...new Array<number>(r - 2).fill(1)];
  return {
    x,
    axes,
    count: axes.reduce((n, a) => n * (x.shape[a] as number), 1),
    perChannel: (v: Value, name: string) => b.reshape(v, bshape, ctx.name(name)),
    sum: (v: Value, name: string) => b.reduce('ReduceSum', v, axes, false, ctx.name(name)),
    invstd: (variance: Value) => {
      const eps = scalar(ctx.g, x.dtype, getFloat(ctx.node.attrs, 'epsilon', 1e-5), 'epsilon');
      return b.unary('Reciprocal', b.unary('Sqrt', b.add(variance, eps, ctx.name('var_eps')), ctx.name('std')), ctx.name('invstd'));
    },
  };
}

function inferenceGrad(ctx: GradContext): (Value | null)[] {
  const [, gamma, , mean, variance] = ctx.node.inputs as Value[];
  const h = channels(ctx);
  const dy = ctx.dy[0]!;
  const invstd = h.invstd(variance!);
  const gi = b.mul(gamma!, invstd, ctx.name('gamma_invstd'));
  const [needX, needGamma, needBeta, needMean, needVar] = ctx.needs;
  const dX = needX ? b.mul(dy, h.perChannel(gi, 'gamma_invstd_c'), ctx.name('dX')) : null;
  let sumDyXhat: Value | null = null;
  if (needGamma || needVar) {
    const xhat = b.mul(b.sub(h.x, h.perChannel(mean!, 'mean_c'), ctx.name('centred')), h.perChannel(invstd, 'invstd_c'), ctx.name('xhat'));
    sumDyXhat = h.sum(b.mul(dy, xhat, ctx.name('dy_xhat')), 'sum_dy_xhat');
  }
  const sumDy = needBeta || needMean ? h.sum(dy, 'sum_dy') : null;
  const dMean = needMean ? b.unary('Neg', b.mul(sumDy!, gi, ctx.name('sum_dy_gi')), ctx.name('dMean')) : null;
  let dVar: Value | null = null;
  if (needVar) {
    const k = b.mul(b.mul(gi, invstd, ctx.name('gamma_invstd2')), scalar(ctx.g, h.x.dtype, -0.5, 'minus_half'), ctx.name('dvar_scale'));
    dVar = b.mul(sumDyXhat!, k, ctx.name('dVar'));
  }
  return [dX, needGamma ? sumDyXhat : null, sumDy, dMean, dVar];
}

/** Whether the node's mean and var inputs are x's own batch statistics, as src/nn/norm.ts writes them. */
function batchStatistics(ctx: GradContext, axes: number[]): boolean {
  const [x, , , mean, variance] = ctx.node.inputs;
  const from = (v: Value | null | undefined, op: string) => (v?.producer?.op === op ? v.producer : null);
  const reduced = (v: Value | null | undefined) => {
    const r = from(from(v, 'Reshape')?.inputs[0], 'ReduceMean');
    const got = r?.inputs[1]?.constData ? Array.from(r.inputs[1].constData.data as BigInt64Array, Number) : null;
    return r && got && got.join() === axes.join() ? r : null;
  };
  const m = reduced(mean);
  const v = reduced(variance);
  const square = from(v?.inputs[0], 'Mul');
  const centred = square && square.inputs[0] === square.inputs[1] ? from(square.inputs[0], 'Sub') : null;
  return !!m && m.inputs[0] === x && !!centred && centred.inputs[0] === x && centred.inputs[1] === m.outputs[0];
}

function trainingGrad(ctx: GradContext): (Value | null | typeof ZERO_GRAD)[] {
  const [, gamma, , mean, variance] = ctx.node.inputs as Value[];
  const h = channels(ctx);
  const dy = ctx.dy[0]!;
  const dtype = h.x.dtype;
  const invstd = h.invstd(variance!);
  const centred = b.sub(h.x, h.perChannel(mean!, 'mean_c'), ctx.name('centred'));
  const sumDyCentred = h.sum(b.mul(dy, centred, ctx.name('dy_centred')), 'sum_dy_centred');
  const sumDy = h.sum(dy, 'sum_dy');
  const [needX, needGamma, needBeta] = ctx.needs;
  let dX: Value | null = null;
  if (needX) {
    const a = b.mul(gamma!, invstd, ctx.name('a'));
    const minusA = b.mul(a, scalar(ctx.g, dtype, -1 / h.count, 'minus_inv_count'), ctx.name('minus_a_m'));
    const k = b.mul(b.mul(minusA, b.mul(invstd, invstd, ctx.name('invstd2')), ctx.name('b_scale')), sumDyCentred, ctx.name('b'));
    const c = b.mul(minusA, sumDy, ctx.name('c'));
    const direct = b.add(b.mul(dy, h.perChannel(a, 'a_c'), ctx.name('dy_a')), h.perChannel(c, 'c_c'), ctx.name('dy_a_c'));
    dX = b.add(direct, b.mul(centred, h.perChannel(k, 'b_c'), ctx.name('centred_b')), ctx.name('dX'));
  }
  const dGamma = needGamma ? b.mul(sumDyCentred, invstd, ctx.name('dGamma')) : null;
  return [dX, dGamma, needBeta ? sumDy : null, ctx.needs[3] ? ZERO_GRAD : null, ctx.needs[4] ? ZERO_GRAD : null];
}

defineGrad('BatchNormalization', (ctx) => {
  if (getInt(ctx.node.attrs, 'training_mode', 0) === 1) ctx.fail('training_mode=1 has no gradient rule: feed the batch statistics to an inference-mode node (src/nn/norm.ts)');
  return ctx.needs[0] && batchStatistics(ctx, channels(ctx).axes) ? trainingGrad(ctx) : inferenceGrad(ctx);
});
