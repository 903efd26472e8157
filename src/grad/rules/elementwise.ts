// Gradients of element-wise ops. Broadcasting operands get their gradient summed back
// to their own shape (util.sumToShape), as numpy-style broadcasting requires.
import * as b from '../../graph/build.js';
import type { Value } from '../../graph/graph.js';
import { DTYPE_TO_ONNX } from '../../graph/ops/index.js';
import { defineGrad } from '../registry.js';
import { FLOAT_DTYPES, scalar, sumToShape } from '../util.js';

defineGrad('Identity', (ctx) => [ctx.dy[0]]);

defineGrad('Add', (ctx) => {
  const [a, c] = ctx.node.inputs;
  const dy = ctx.dy[0]!;
  return [ctx.needs[0] ? sumToShape(ctx, dy, a!, 'dA') : null, ctx.needs[1] ? sumToShape(ctx, dy, c!, 'dB') : null];
});

defineGrad('Sub', (ctx) => {
  const [a, c] = ctx.node.inputs;
  const dy = ctx.dy[0]!;
  return [
    ctx.needs[0] ? sumToShape(ctx, dy, a!, 'dA') : null,
    ctx.needs[1] ? sumToShape(ctx, b.unary('Neg', dy, ctx.name('neg')), c!, 'dB') : null,
  ];
});

defineGrad('Sum', (ctx) => ctx.node.inputs.map((x, i) => (ctx.needs[i] ? sumToShape(ctx, ctx.dy[0]!, x!, `d${i}`) : null)));

defineGrad('Neg', (ctx) => [b.unary('Neg', ctx.dy[0]!, ctx.name('neg'))]);

defineGrad('Mul', (ctx) => {
  const [a, c] = ctx.node.inputs;
  const dy = ctx.dy[0]!;
  return [
    ctx.needs[0] ? sumToShape(ctx, b.mul(dy, c!, ctx.name('dA')), a!, 'dA') : null,
    ctx.needs[1] ? sumToShape(ctx, b.mul(dy, a!, ctx.name('dB')), c!, 'dB') : null,
  ];
});

// y = a / c: da = dy / c, dc = -dy * y / c.
defineGrad('Div', (ctx) => {
  const [a, c] = ctx.node.inputs;
  const y = ctx.node.outputs[0]!;
  const dy = ctx.dy[0]!;
  const dA = ctx.needs[0] ? sumToShape(ctx, b.div(dy, c!, ctx.name('dA')), a!, 'dA') : null;
  let dC = null;
  if (ctx.needs[1]) {
    const t = b.div(b.mul(dy, y, ctx.name('dy_y')), c!, ctx.name('dy_y_c'));
    dC = sumToShape(ctx, b.unary('Neg', t, ctx.name('dB')), c!, 'dB');
  }
  return [dA, dC];
});

// Relu's derivative is taken as 0 at 0, as PyTorch's threshold_backward does (y > 0).
defineGrad('Relu', (ctx) => {
  const y = ctx.node.outputs[0]!;
  const zero = scalar(ctx.g, y.dtype, 0, 'zero');
  const mask = ctx.g.add1('Greater', [y, zero], {}, ctx.name('mask'));
  return [ctx.g.add1('Where', [mask, ctx.dy[0]!, zero], {}, ctx.name('dX'))];
});

// Clip passes the gradient where min < x < max and stops it elsewhere, as PyTorch's
// hardtanh_backward (relu6's backward) does: 0 at the bounds themselves. The bounds
// are constants here (ReLU6), so they get no gradient.
defineGrad('Clip', (ctx) => {
  const [x, lo, hi] = ctx.node.inputs;
  if (ctx.needs[1] || ctx.needs[2]) ctx.fail('the bounds of Clip have no gradient rule; make them constants');
  const zero = scalar(ctx.g, x!.dtype, 0, 'zero');
  let mask: Value | null = null;
  if (lo) mask = ctx.g.add1('Greater', [x!, lo], {}, ctx.name('above_min'));
  if (hi) {
    const below = ctx.g.add1('Less', [x!, hi], {}, ctx.name('below_max'));
    mask = mask ? ctx.g.add1('And', [mask, below], {}, ctx.name('inside')) : below;
  }
  if (!mask) return [ctx.dy[0]];
  return [ctx.g.add1('Where', [mask, ctx.dy[0]!, zero], {}, ctx.name('dX'))];
});

defineGrad('Cast', (ctx) => {
  const x = ctx.node.inputs[0]!;
  if (!FLOAT_DTYPES.has(ctx.node.outputs[0]!.dtype)) ctx.fail('a cast to a non-float type has no gradient');
  return [b.cast(ctx.dy[0]!, DTYPE_TO_ONNX[x.dtype], ctx.name('dX'))];
});

// ONNX Dropout in training mode: y = x * mask / (1 - ratio), so dx = dy * mask / (1 - ratio).
// The mask is the node's second output; a Dropout outside training mode is the identity.
defineGrad('Dropout', (ctx) => {
  const n = ctx.node;
  const modeV = n.inputs[2];
  const training = modeV ? (modeV.constData ? Number((modeV.constData.data as Uint8Array)[0]) !== 0 : ctx.fail('training_mode must be a constant')) : false;
  if (!training) return [ctx.dy[0]];
  const ratioV = n.inputs[1];
  let ratio = 0.5;
  if (ratioV) {
    if (!ratioV.constData) ctx.fail('ratio must be a constant');
    ratio = Number((ratioV.constData!.data as Float32Array)[0]);
  }
  const mask = n.outputs[1];
  if (!mask) ctx.fail('a training-mode Dropout needs its mask output for the gradient');
  const x = n.inputs[0]!;
  const zero = scalar(ctx.g, x.dtype, 0, 'zero');
  const kept = ctx.g.add1('Where', [mask!, ctx.dy[0]!, zero], {}, ctx.name('masked'));
  return [b.mul(kept, scalar(ctx.g, x.dtype, 1 / (1 - ratio), 'scale'), ctx.name('dX'))];
});
