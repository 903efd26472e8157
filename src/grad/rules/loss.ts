// Gradients of softmax cross-entropy and of (log-)softmax.
import * as b from '../../graph/build.js';
import type { Value } from '../../graph/graph.js';
import { getInt, getString } from '../../graph/types.js';
import { DTYPE_TO_ONNX } from '../../graph/ops/index.js';
import { tensor } from '../../tensor.js';
import { defineGrad } from '../registry.js';
import { scalar } from '../util.js';

// SoftmaxCrossEntropyLoss(scores [N, C], labels [N]) with reduction mean (ONNX's
// default), sum or none. With p = softmax(scores):
//   mean: dscores = (p - onehot(labels)) * dloss / N
//   sum:  dscores = (p - onehot(labels)) * dloss
//   none: dscores = (p - onehot(labels)) * dloss[:, None]
// p comes from the node's log_prob output when it has one, else from a Softmax.
// A gradient reaching log_prob itself (label smoothing reads it) adds LogSoftmax's:
//   dscores += dlogp - p * sum(dlogp) along the classes.
defineGrad('SoftmaxCrossEntropyLoss', (ctx) => {
  const n = ctx.node;
  const [scores, labels, weights] = n.inputs;
  if (weights) ctx.fail('class weights are not supported by the gradient');
  if (n.attrs['ignore_index']) ctx.fail('ignore_index is not supported by the gradient');
  if (scores!.shape.length !== 2) ctx.fail('only [N, C] scores are supported by the gradient');
  const reduction = getString(n.attrs, 'reduction', 'mean');
  const C = scores!.shape[1];
  if (typeof C !== 'number') ctx.fail('the number of classes must be static');
  const dt = scores!.dtype;
  const logp = n.outputs[1];
  const p = logp ? b.unary('Exp', logp, ctx.name('p')) : b.softmax(scores!, 1, ctx.name('p'));
  // onehot = (labels[:, None] == [0, 1, ..., C-1]) as a float: ORT has no float64 OneHot.
  const classes = labels!.dtype === 'int32'
    ? ctx.g.constant(tensor('int32', [1, C as number], Int32Array.from({ length: C as number }, (_, i) => i)), 'classes')
    : ctx.g.constant(tensor('int64', [1, C as number], BigInt64Array.from({ length: C as number }, (_, i) => BigInt(i))), 'classes');
  const hit = ctx.g.add1('Equal', [b.unsqueeze(labels!, [1], ctx.name('labels_col')), classes], {}, ctx.name('hit'));
  const onehot = b.cast(hit, DTYPE_TO_ONNX[dt], ctx.name('onehot'));
  const diff = b.sub(p, onehot, ctx.name('p_minus_onehot'));
  const dl = ctx.dy[0];
  const dlogp = ctx.dy[1] ?? null;
  const viaLogp = dlogp
    ? b.sub(dlogp, b.mul(p, b.reduce('ReduceSum', dlogp, [1], true, ctx.name('dlogp_sum')), ctx.name('p_dlogp_sum')), ctx.name('dscores_logp'))
    : null;
  if (!dl) return [viaLogp!, null, null];
  let scale: Value;
  if (reduction === 'none') scale = b.unsqueeze(dl, [1], ctx.name('dloss'));
  else if (reduction === 'sum') scale = dl;
  else if (reduction === 'mean') {
    const N = labels!.shape[0];
    if (typeof N === 'number') scale = b.mul(dl, scalar(ctx.g, dt, 1 / N, 'inv_batch'), ctx.name('dloss_mean'));
    else {
      const count = b.cast(ctx.g.add1('Size', [labels!], {}, ctx.name('batch')), DTYPE_TO_ONNX[dt], ctx.name('batch_f'));
      scale = b.div(dl, count, ctx.name('dloss_mean'));
    }
  } else ctx.fail(`unknown reduction ${reduction}`);
  const dNll = b.mul(diff, scale!, ctx.name(viaLogp ? 'dscores_nll' : 'dscores'));
  return [viaLogp ? b.add(dNll, viaLogp, ctx.name('dscores')) : dNll, null, null];
});

// y = log_softmax(x): dx = dy - exp(y) * sum(dy) along the axis.
defineGrad('LogSoftmax', (ctx) => {
  const y = ctx.node.outputs[0]!;
  const axis = getInt(ctx.node.attrs, 'axis', -1);
  const dy = ctx.dy[0]!;
  const s = b.reduce('ReduceSum', dy, [axis], true, ctx.name('sum'));
  return [b.sub(dy, b.mul(b.unary('Exp', y, ctx.name('p')), s, ctx.name('p_sum')), ctx.name('dX'))];
});

// y = softmax(x): dx = y * (dy - sum(dy * y)) along the axis.
defineGrad('Softmax', (ctx) => {
  const y = ctx.node.outputs[0]!;
  const axis = getInt(ctx.node.attrs, 'axis', -1);
  const dy = ctx.dy[0]!;
  const s = b.reduce('ReduceSum', b.mul(dy, y, ctx.name('dy_y')), [axis], true, ctx.name('sum'));
  return [b.mul(y, b.sub(dy, s, ctx.name('centered')), ctx.name('dX'))];
});
