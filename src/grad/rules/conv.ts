// Gradient of a 2-D Conv (NCHW, any strides, pads, dilations and groups).
//   dX: ConvTranspose of dY with the same W and window, output_padding restoring the
//       rows a floor-mode window leaves unused (window.ts transposeFit).
//   dW: one of three formulations chosen per node (../conv_weight_grad.ts).
//   dB: dY summed over batch and space.
import * as b from '../../graph/build.js';
import { defineGrad } from '../registry.js';
import { convWeightGrad, defaultConvWeightGrad } from '../conv_weight_grad.js';
import { staticShape } from '../util.js';
import { transposeFit, window2d } from '../window.js';

defineGrad('Conv', (ctx) => {
  const [x, w] = ctx.node.inputs;
  const dy = ctx.dy[0]!;
  if (x!.shape.length !== 4) ctx.fail('only 2-D convolutions have a gradient rule');
  const win = window2d(ctx.node, w!.shape);
  const [, , H, W] = staticShape(ctx, x!);
  const [, , OH, OW] = staticShape(ctx, dy);
  staticShape(ctx, w!);
  let dX = null;
  let dW = null;
  let dB = null;
  if (ctx.needs[0]) {
    const [pt, pl, pb, pr] = win.pads;
    const fh = transposeFit(H!, OH!, win.kernel[0], win.strides[0], win.dilations[0], pt, pb);
    const fw = transposeFit(W!, OW!, win.kernel[1], win.strides[1], win.dilations[1], pl, pr);
    dX = b.convTranspose(dy, w!, {
      strides: [...win.strides],
      pads: [fh.begin, fw.begin, fh.end, fw.end],
      dilations: [...win.dilations],
      group: win.group,
      outputPadding: [fh.outputPadding, fw.outputPadding],
      name: ctx.name('dX'),
    });
  }
  if (ctx.needs[1]) {
    staticShape(ctx, dy);
    const method = (ctx.options.convWeightGrad ?? defaultConvWeightGrad)(ctx.node);
    dW = convWeightGrad(ctx, method, x!, dy, win);
  }
  if (ctx.needs[2]) dB = b.reduce('ReduceSum', dy, [0, 2, 3], false, ctx.name('dB'));
  return [dX, dW, dB];
});
