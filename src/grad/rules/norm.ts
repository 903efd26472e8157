// Gradient of BatchNormalization in inference mode, with respect to all five inputs:
//   y = gamma * (x - mean) * invstd + beta,  invstd = 1 / sqrt(var + eps), per channel (axis 1)
//   dx    = dy * gamma * invstd
//   dgamma = sum(dy * xhat),  xhat = (x - mean) * invstd
//   dbeta  = sum(dy)
//   dmean  = -sum(dy) * gamma * invstd
//   dvar   = -0.5 * gamma * invstd^2 * sum(dy * xhat)
// with sums over every axis but the channels. A frozen layer's node has constant
// statistics and needs only dx. A training-mode layer (src/nn/norm.ts) feeds the batch's
// mean and variance, computed from x by ReduceMean, into the same node: the chain rule
// through them gives the training-mode gradient of x (docs/design/training-graph.md).
import * as b from '../../graph/build.js';
import type { Value } from '../../graph/graph.js';
import { getFloat, getInt } from '../../graph/types.js';
import { defineGrad } from '../registry.js';
import { scalar } from '../util.js';

defineGrad('BatchNormalization', (ctx) => {
  const n = ctx.node;
  if (getInt(n.attrs, 'training_mode', 0) === 1) ctx.fail('training_mode=1 has no gradient rule: feed the batch statistics to an inference-mode node (src/nn/norm.ts)');
  const [x, gamma, , mean, variance] = n.inputs as Value[];
  const g = ctx.g;
  const dy = ctx.dy[0]!;
  const r = x!.shape.length;
  const c = x!.shape[1] as number;
  const axes = [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2)];
  const bshape = [1, c, ...new Array<number>(r - 2).fill(1)];
  const perChannel = (v: Value, name: string) => b.reshape(v, bshape, ctx.name(name));
  const eps = scalar(g, x!.dtype, getFloat(n.attrs, 'epsilon', 1e-5), 'epsilon');
  const invstd = b.unary('Reciprocal', b.unary('Sqrt', b.add(variance!, eps, ctx.name('var_eps')), ctx.name('std')), ctx.name('invstd'));
  const gi = b.mul(gamma!, invstd, ctx.name('gamma_invstd'));
  const [needX, needGamma, needBeta, needMean, needVar] = ctx.needs;
  const dX = needX ? b.mul(dy, perChannel(gi, 'gamma_invstd_c'), ctx.name('dX')) : null;
  let sumDyXhat: Value | null = null;
  if (needGamma || needVar) {
    const xhat = b.mul(b.sub(x!, perChannel(mean!, 'mean_c'), ctx.name('centred')), perChannel(invstd, 'invstd_c'), ctx.name('xhat'));
    sumDyXhat = b.reduce('ReduceSum', b.mul(dy, xhat, ctx.name('dy_xhat')), axes, false, ctx.name('sum_dy_xhat'));
  }
  const sumDy = needBeta || needMean ? b.reduce('ReduceSum', dy, axes, false, ctx.name('sum_dy')) : null;
  const dMean = needMean ? b.unary('Neg', b.mul(sumDy!, gi, ctx.name('sum_dy_gi')), ctx.name('dMean')) : null;
  let dVar: Value | null = null;
  if (needVar) {
    const k = b.mul(b.mul(gi, invstd, ctx.name('gamma_invstd2')), scalar(g, x!.dtype, -0.5, 'minus_half'), ctx.name('dvar_scale'));
    dVar = b.mul(sumDyXhat!, k, ctx.name('dVar'));
  }
  return [dX, needGamma ? sumDyXhat : null, sumDy, dMean, dVar];
});
