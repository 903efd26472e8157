// Gradients of reductions: the output gradient is broadcast back over the reduced axes
// (Expand), scaled by 1/count for means.
import * as b from '../../graph/build.js';
import { getInt } from '../../graph/types.js';
import { defineGrad, type GradContext } from '../registry.js';
import { constInts, scalar, staticShape } from '../util.js';

function reduceBack(ctx: GradContext, mean: boolean) {
  const x = ctx.node.inputs[0]!;
  const shape = staticShape(ctx, x);
  const r = shape.length;
  const keep = getInt(ctx.node.attrs, 'keepdims', 1) === 1;
  const given = constInts(ctx, 1, 'axes') ?? [];
  if (given.length === 0 && getInt(ctx.node.attrs, 'noop_with_empty_axes', 0) === 1) return [ctx.dy[0]];
  const axes = given.length ? given.map((a) => (a < 0 ? a + r : a)) : [...Array(r).keys()];
  let dy = ctx.dy[0]!;
  if (!keep) dy = b.unsqueeze(dy, axes, ctx.name('keepdims'));
  if (mean) {
    const count = axes.reduce((p, a) => p * shape[a]!, 1);
    dy = b.mul(dy, scalar(ctx.g, x.dtype, 1 / count, 'inv_count'), ctx.name('mean'));
  }
  return [ctx.g.add1('Expand', [dy, b.i64(ctx.g, shape, 'shape')], {}, ctx.name('dX'))];
}

defineGrad('ReduceSum', (ctx) => reduceBack(ctx, false));
defineGrad('ReduceMean', (ctx) => reduceBack(ctx, true));

defineGrad('GlobalAveragePool', (ctx) => {
  const x = ctx.node.inputs[0]!;
  const shape = staticShape(ctx, x);
  const count = shape.slice(2).reduce((p, d) => p * d, 1);
  const dy = b.mul(ctx.dy[0]!, scalar(ctx.g, x.dtype, 1 / count, 'inv_count'), ctx.name('mean'));
  return [ctx.g.add1('Expand', [dy, b.i64(ctx.g, shape, 'shape')], {}, ctx.name('dX'))];
});
