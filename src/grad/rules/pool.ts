// Gradients of MaxPool and AveragePool (2-D, NCHW).
import * as b from '../../graph/build.js';
import { getInt, ints, str } from '../../graph/types.js';
import { defineGrad } from '../registry.js';
import { filled, staticShape, zeros } from '../util.js';
import { transposeFit, window2d } from '../window.js';

// MaxPool: each output's gradient goes to the input element that won its window. The
// winners come from MaxPool's Indices output (flat offsets into the whole NCHW input,
// ONNX opset 12+); a forward node built without it is run again with it. Windows
// overlap (alexnet's 3/2 pools), so one input can win several windows: the gradient is
// accumulated with ScatterElements(reduction='add'), not assigned (MaxUnpool would
// keep only the last one).
defineGrad('MaxPool', (ctx) => {
  const n = ctx.node;
  const x = n.inputs[0]!;
  const shape = staticShape(ctx, x);
  if (getInt(n.attrs, 'storage_order', 0) !== 0) ctx.fail('storage_order=1 is not supported');
  let idx = n.outputs[1];
  if (!idx) idx = ctx.g.add('MaxPool', [x], n.attrs, { outputs: 2, name: ctx.name('with_indices') })[1]!;
  const numel = shape.reduce((p, d) => p * d, 1);
  const dy = ctx.dy[0]!;
  const flat = ctx.g.add1(
    'ScatterElements',
    [zeros(ctx.g, x.dtype, [numel], ctx.name('zeros')), b.reshape(idx, [-1], ctx.name('indices_flat')), b.reshape(dy, [-1], ctx.name('dy_flat'))],
    { reduction: str('add') },
    ctx.name('scatter_add'),
  );
  return [b.reshape(flat, shape, ctx.name('dX'))];
});

// AveragePool: dX is dY divided by each window's divisor, spread back over the window,
// i.e. a ConvTranspose with an all-ones kernel per channel (group = C).
defineGrad('AveragePool', (ctx) => {
  const n = ctx.node;
  const x = n.inputs[0]!;
  const [, C, H, W] = staticShape(ctx, x);
  const y = n.outputs[0]!;
  const [, , OH, OW] = staticShape(ctx, y);
  if (x.shape.length !== 4) ctx.fail('only 2-D pools have a gradient rule');
  const win = window2d(n);
  const [kh, kw] = win.kernel;
  const [sh, sw] = win.strides;
  const [pt, pl, pb, pr] = win.pads;
  const includePad = getInt(n.attrs, 'count_include_pad', 0) === 1;
  // Divisor of each output window: its size clipped to the input, or to the padded input.
  const span = (o: number, k: number, s: number, begin: number, end: number, size: number) => {
    const lo = o * s - begin;
    const hi = Math.min(lo + k, size + end);
    return includePad ? hi - lo : Math.min(hi, size) - Math.max(lo, 0);
  };
  const inv = filled(ctx.g, x.dtype, [OH!, OW!], (i) => {
    const oh = Math.floor(i / OW!);
    const ow = i % OW!;
    return 1 / (span(oh, kh, sh, pt, pb, H!) * span(ow, kw, sw, pl, pr, W!));
  }, 'inv_count');
  const fh = transposeFit(H!, OH!, kh, sh, 1, pt, pb);
  const fw = transposeFit(W!, OW!, kw, sw, 1, pl, pr);
  const ones = filled(ctx.g, x.dtype, [C!, 1, kh, kw], () => 1, 'ones');
  const scaled = b.mul(ctx.dy[0]!, inv, ctx.name('scaled'));
  const attrs = {
    kernel_shape: ints([kh, kw]),
    strides: ints([sh, sw]),
    pads: ints([fh.begin, fw.begin, fh.end, fw.end]),
    output_padding: ints([fh.outputPadding, fw.outputPadding]),
    group: { type: 'int' as const, value: C! },
  };
  return [ctx.g.add1('ConvTranspose', [scaled, ones], attrs, ctx.name('dX'))];
});
