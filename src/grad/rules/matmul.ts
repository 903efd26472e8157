// Gradients of Gemm and MatMul. Both stay matrix products in the backward pass (Gemm
// with transpose flags, no Transpose nodes for the 2-D case): fc6/fc7/fc8 run several
// times slower in ORT when expressed as Conv, forwards or backwards
// (docs/design/graph-and-onnx.md).
import * as b from '../../graph/build.js';
import { getFloat, getInt } from '../../graph/types.js';
import { defineGrad } from '../registry.js';
import { scalar, sumToShape } from '../util.js';

// Y = alpha * A' B' + beta * C with A' = transA ? A^T : A and B' likewise.
//   dA' = alpha dY B'^T    dB' = alpha A'^T dY    dC = beta * (dY summed to C's shape)
defineGrad('Gemm', (ctx) => {
  const [a, bb, c] = ctx.node.inputs;
  const dy = ctx.dy[0]!;
  const ta = getInt(ctx.node.attrs, 'transA', 0) === 1;
  const tb = getInt(ctx.node.attrs, 'transB', 0) === 1;
  const alpha = getFloat(ctx.node.attrs, 'alpha', 1);
  const beta = getFloat(ctx.node.attrs, 'beta', 1);
  let dA = null;
  let dB = null;
  let dC = null;
  if (ctx.needs[0]) {
    dA = ta
      ? b.gemm(bb!, dy, null, { transA: tb, transB: true, alpha, name: ctx.name('dA') }) // dA = alpha B' dY^T
      : b.gemm(dy, bb!, null, { transB: !tb, alpha, name: ctx.name('dA') }); // dA = alpha dY B'^T
  }
  if (ctx.needs[1]) {
    dB = tb
      ? b.gemm(dy, a!, null, { transA: true, transB: ta, alpha, name: ctx.name('dB') }) // dB = alpha dY^T A'
      : b.gemm(a!, dy, null, { transA: !ta, alpha, name: ctx.name('dB') }); // dB = alpha A'^T dY
  }
  if (ctx.needs[2]) {
    dC = sumToShape(ctx, dy, c!, 'dC');
    if (beta !== 1) dC = b.mul(dC, scalar(ctx.g, dy.dtype, beta, 'beta'), ctx.name('dC_beta'));
  }
  return [dA, dB, dC];
});

// Batched MatMul (rank >= 2 on both sides): dA = dY B^T, dB = A^T dY, each summed over
// the batch axes its operand was broadcast along. Rank-2 products use Gemm's flags.
defineGrad('MatMul', (ctx) => {
  const [a, bb] = ctx.node.inputs;
  const dy = ctx.dy[0]!;
  if (a!.shape.length < 2 || bb!.shape.length < 2) ctx.fail('rank-1 MatMul operands are not supported by the gradient');
  if (a!.shape.length === 2 && bb!.shape.length === 2) {
    return [
      ctx.needs[0] ? b.gemm(dy, bb!, null, { transB: true, name: ctx.name('dA') }) : null,
      ctx.needs[1] ? b.gemm(a!, dy, null, { transA: true, name: ctx.name('dB') }) : null,
    ];
  }
  const tr = (v: typeof a, what: string) => {
    const r = v!.shape.length;
    const perm = [...Array(r).keys()];
    [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
    return b.transpose(v!, perm, ctx.name(what));
  };
  return [
    ctx.needs[0] ? sumToShape(ctx, b.matmul(dy, tr(bb, 'Bt'), ctx.name('dA')), a!, 'dA') : null,
    ctx.needs[1] ? sumToShape(ctx, b.matmul(tr(a, 'At'), dy, ctx.name('dB')), bb!, 'dB') : null,
  ];
});
