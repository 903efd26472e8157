// Gradient of LRN across channels, with ONNX's definition (opset 13):
//   s[c] = bias + alpha/size * sum of x[i]^2 for i in [c - lo, c + hi],
//   lo = floor((size-1)/2), hi = ceil((size-1)/2), clipped to [0, C-1];
//   y[c] = x[c] * s[c]^-beta.
// Differentiating, x[i] appears in its own output and in the sums of every c whose
// window holds i, i.e. c in [i - hi, i + lo] (the window mirrored):
//   dx[i] = dy[i] s[i]^-beta - (2 alpha beta / size) x[i] * sum over c in [i-hi, i+lo] of dy[c] y[c] / s[c].
// s is recomputed from x (ORT does not expose it). A window sum over channels is an
// AveragePool with kernel [size, 1] over x viewed as [N, 1, C, H*W], times size.
// Even sizes follow the ONNX window above; ORT's kernel only accepts odd sizes.
import * as b from '../../graph/build.js';
import type { Value } from '../../graph/graph.js';
import { getFloat, getInt, int, ints } from '../../graph/types.js';
import { defineGrad, type GradContext } from '../registry.js';
import { scalar, staticShape } from '../util.js';

function channelWindowSum(ctx: GradContext, t: Value, size: number, before: number, after: number, shape: number[], what: string): Value {
  const [, C] = shape;
  const rows = b.reshape(t, [0, 1, C!, -1], ctx.name(`${what}_rows`));
  const avg = ctx.g.add1(
    'AveragePool',
    [rows],
    { kernel_shape: ints([size, 1]), pads: ints([before, 0, after, 0]), count_include_pad: int(1) },
    ctx.name(`${what}_avg`),
  );
  const sum = b.mul(avg, scalar(ctx.g, t.dtype, size, 'size'), ctx.name(`${what}_sum`));
  return b.reshape(sum, shape, ctx.name(what));
}

defineGrad('LRN', (ctx) => {
  const n = ctx.node;
  const x = n.inputs[0]!;
  const y = n.outputs[0]!;
  const shape = staticShape(ctx, x);
  const size = getInt(n.attrs, 'size', 0);
  const alpha = getFloat(n.attrs, 'alpha', 0.0001);
  const beta = getFloat(n.attrs, 'beta', 0.75);
  const bias = getFloat(n.attrs, 'bias', 1);
  const lo = Math.floor((size - 1) / 2);
  const hi = Math.ceil((size - 1) / 2);
  const dt = x.dtype;
  const sq = b.mul(x, x, ctx.name('x2'));
  const win = channelWindowSum(ctx, sq, size, lo, hi, shape, 'sum_x2');
  const s = b.add(b.mul(win, scalar(ctx.g, dt, alpha / size, 'alpha_n'), ctx.name('scaled')), scalar(ctx.g, dt, bias, 'bias'), ctx.name('s'));
  const sPow = ctx.g.add1('Pow', [s, scalar(ctx.g, dt, -beta, 'neg_beta')], {}, ctx.name('s_pow'));
  const dy = ctx.dy[0]!;
  const direct = b.mul(dy, sPow, ctx.name('direct'));
  const t = b.div(b.mul(dy, y, ctx.name('dy_y')), s, ctx.name('dy_y_s'));
  const back = channelWindowSum(ctx, t, size, hi, lo, shape, 'mirrored_sum');
  const cross = b.mul(b.mul(back, x, ctx.name('cross_x')), scalar(ctx.g, dt, (2 * alpha * beta) / size, 'coef'), ctx.name('cross'));
  return [b.sub(direct, cross, ctx.name('dX'))];
});
