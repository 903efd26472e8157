// Gradient of a 2-D Conv (NCHW, any strides, pads, dilations and groups).
//   dX: 'convtranspose' (any window): ConvTranspose of dY with the same W and window,
//       output_padding restoring the rows a floor-mode window leaves unused
//       (../window.ts transposeFit).
//       'conv' (stride 1 only): the same sum as an ordinary Conv of dY with the kernel
//       flipped in space and its in/out channels swapped, pads (k-1)d - p. ORT runs it
//       2-3x faster than ConvTranspose (alexnet_v2 conv2-5 at batch 16: 112 ms for
//       conv5's ConvTranspose vs ~50 ms for a Conv of the same size), so it is the
//       default wherever it applies.
//   dW: one of three formulations chosen per node (../conv_weight_grad.ts).
//   dB: dY summed over batch and space.
import * as b from '../../graph/build.js';
import type { Value } from '../../graph/graph.js';
import { defineGrad, type ConvInputGradMethod, type GradContext } from '../registry.js';
import { convWeightGrad, defaultConvWeightGrad } from '../conv_weight_grad.js';
import { staticShape } from '../util.js';
import { transposeFit, window2d, type Window2d } from '../window.js';

/** Pads of the flipped-kernel Conv that computes dX, or null where it does not apply. */
function flippedPads(win: Window2d): number[] | null {
  if (win.strides.some((s) => s !== 1)) return null;
  const [pt, pl, pb, pr] = win.pads;
  const span = win.kernel.map((k, i) => (k - 1) * win.dilations[i]!);
  const pads = [span[0]! - pt, span[1]! - pl, span[0]! - pb, span[1]! - pr];
  return pads.every((p) => p >= 0) ? pads : null;
}

export function defaultConvInputGrad(win: Window2d): ConvInputGradMethod {
  return flippedPads(win) ? 'conv' : 'convtranspose';
}

function dxByConvTranspose(ctx: GradContext, dy: Value, w: Value, win: Window2d, H: number, W: number, OH: number, OW: number): Value {
  const [pt, pl, pb, pr] = win.pads;
  const fh = transposeFit(H, OH, win.kernel[0], win.strides[0], win.dilations[0], pt, pb);
  const fw = transposeFit(W, OW, win.kernel[1], win.strides[1], win.dilations[1], pl, pr);
  return b.convTranspose(dy, w, {
    strides: [...win.strides],
    pads: [fh.begin, fw.begin, fh.end, fw.end],
    dilations: [...win.dilations],
    group: win.group,
    outputPadding: [fh.outputPadding, fw.outputPadding],
    name: ctx.name('dX'),
  });
}

// [A, B, kh, kw] turned by 180 degrees in space: the kh*kw taps in reverse order, by a
// MatMul with the reversing permutation. ORT's Slice with steps -1 took 0.8-2.0 ms for
// each of torchvision alexnet's conv2-5 kernels, the MatMul 0.1-0.3 ms. Exact for finite
// weights (each value is multiplied by 1 and added to zeros).
function rotate180(ctx: GradContext, w: Value): Value {
  const [a, bb, kh, kw] = staticShape(ctx, w) as [number, number, number, number];
  const k = kh * kw;
  const reverse = ctx.g.constant({ dtype: 'float32', shape: [k, k], data: Float32Array.from({ length: k * k }, (_, i) => (Math.floor(i / k) + (i % k) === k - 1 ? 1 : 0)) }, 'reverse_taps');
  const taps = b.reshape(w, [a * bb, k], ctx.name('w_taps'));
  return b.reshape(b.matmul(taps, reverse, ctx.name('w_taps_reversed')), [a, bb, kh, kw], ctx.name('w_flipped'));
}

// dX[n, g*Cg + c, h, x] = sum over m, i, j of dY[n, g*Mg + m, h + pt - i*dh, x + pl - j*dw] * W[g*Mg + m, c, i, j]
// = a Conv of dY with W'[g*Cg + c, m, i, j] = W[g*Mg + m, c, kh-1-i, kw-1-j].
function dxByConv(ctx: GradContext, dy: Value, w: Value, win: Window2d, pads: number[]): Value {
  const [M, Cg, kh, kw] = staticShape(ctx, w);
  const G = win.group;
  let wt: Value;
  if (G === 1) wt = b.transpose(w, [1, 0, 2, 3], ctx.name('w_io'));
  else {
    const five = b.reshape(w, [G, M! / G, Cg!, kh!, kw!], ctx.name('w_groups'));
    wt = b.reshape(b.transpose(five, [0, 2, 1, 3, 4], ctx.name('w_groups_io')), [G * Cg!, M! / G, kh!, kw!], ctx.name('w_io'));
  }
  const flipped = rotate180(ctx, wt);
  return b.conv(dy, flipped, null, { pads, dilations: [...win.dilations], group: G, name: ctx.name('dX') });
}

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
    const method = ctx.options.convInputGrad?.(ctx.node) ?? defaultConvInputGrad(win);
    const pads = flippedPads(win);
    if (method === 'conv') {
      if (!pads) ctx.fail(`dX by a flipped-kernel Conv needs stride 1 and pads <= (k-1)*dilation, got strides [${win.strides}] pads [${win.pads}]`);
      dX = dxByConv(ctx, dy, w!, win, pads!);
    } else dX = dxByConvTranspose(ctx, dy, w!, win, H!, W!, OH!, OW!);
  }
  if (ctx.needs[1]) {
    const method = (ctx.options.convWeightGrad ?? defaultConvWeightGrad)(ctx.node);
    dW = convWeightGrad(ctx, method, x!, dy, win);
  }
  if (ctx.needs[2]) dB = b.reduce('ReduceSum', dy, [0, 2, 3], false, ctx.name('dB'));
  return [dX, dW, dB];
});
