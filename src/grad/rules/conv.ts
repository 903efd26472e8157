// Gradient of a 2-D Conv (NCHW, any strides, pads, dilations and groups).
//   dX: 'convtranspose' (any window): ConvTranspose of dY with the same W and window,
//       output_padding restoring the rows a floor-mode window leaves unused
//       (../window.ts transposeFit).
//       'conv' (stride 1 only): the same sum as an ordinary Conv of dY with the kernel
//       flipped in space and its in/out channels swapped, pads (k-1)d - p. ORT runs it
//       several times faster than ConvTranspose (docs/design/training-graph.md), so it
//       is the default wherever it applies, on images of more than 64 pixels.
//       'stacked' (stride 1 only): that Conv on the batch stacked into one tall image,
//       the default on images of at most 64 pixels (defaultConvInputGrad).
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

/**
 * 'stacked' for stride-1 convs on small images (at most 64 pixels), 'conv' for larger
 * ones, 'convtranspose' for strided ones. Stacking speeds up the whole training step of
 * torchvision alexnet at 64x64 (conv2 on 7x7, conv3-5 on 3x3) and makes no difference on
 * alexnet_v2 at 224 (13x13 and larger), so those keep one Conv per image
 * (docs/design/conv-lowering.md).
 */
export function defaultConvInputGrad(win: Window2d, H: number, W: number): ConvInputGradMethod {
  if (!flippedPads(win)) return 'convtranspose';
  return H * W <= 64 ? 'stacked' : 'conv';
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
// MatMul with the reversing permutation, which ORT runs several times faster than a Slice
// with steps -1 (docs/design/training-graph.md). Exact for finite weights (each value is
// multiplied by 1 and added to zeros).
function rotate180(ctx: GradContext, w: Value): Value {
  const [a, bb, kh, kw] = staticShape(ctx, w) as [number, number, number, number];
  const k = kh * kw;
  const reverse = ctx.g.constant({ dtype: 'float32', shape: [k, k], data: Float32Array.from({ length: k * k }, (_, i) => (Math.floor(i / k) + (i % k) === k - 1 ? 1 : 0)) }, 'reverse_taps');
  const taps = b.reshape(w, [a * bb, k], ctx.name('w_taps'));
  return b.reshape(b.matmul(taps, reverse, ctx.name('w_taps_reversed')), [a, bb, kh, kw], ctx.name('w_flipped'));
}

// dX[n, g*Cg + c, h, x] = sum over m, i, j of dY[n, g*Mg + m, h + pt - i*dh, x + pl - j*dw] * W[g*Mg + m, c, i, j]
// = a Conv of dY with W'[g*Cg + c, m, i, j] = W[g*Mg + m, c, kh-1-i, kw-1-j].
/** W' of the flipped-kernel Conv: in and out channels swapped within each group, turned by 180 degrees. */
function flippedKernel(ctx: GradContext, w: Value, G: number): Value {
  const [M, Cg, kh, kw] = staticShape(ctx, w);
  let wt: Value;
  if (G === 1) wt = b.transpose(w, [1, 0, 2, 3], ctx.name('w_io'));
  else {
    const five = b.reshape(w, [G, M! / G, Cg!, kh!, kw!], ctx.name('w_groups'));
    wt = b.reshape(b.transpose(five, [0, 2, 1, 3, 4], ctx.name('w_groups_io')), [G * Cg!, M! / G, kh!, kw!], ctx.name('w_io'));
  }
  return rotate180(ctx, wt);
}

function dxByConv(ctx: GradContext, dy: Value, w: Value, win: Window2d, pads: number[]): Value {
  return b.conv(dy, flippedKernel(ctx, w, win.group), null, { pads, dilations: [...win.dilations], group: win.group, name: ctx.name('dX') });
}

// The flipped-kernel Conv over the batch stacked into one tall image: each image's dY
// padded above and below, the images one under another, one Conv (horizontal pads only),
// and each image's rows cut out again. ORT's Conv runs an im2col and a Gemm per image,
// which for a 7x7 or 3x3 image is a Gemm with 49 or 9 columns; the tall image gives it
// one Gemm with N*(H + pads) columns, at the cost of the padding rows (11/7 of the
// products for a 5x5 kernel on 7x7, 5/3 for 3x3 on 3x3).
function dxByStackedConv(ctx: GradContext, dy: Value, w: Value, win: Window2d, pads: number[], H: number, W: number): Value {
  const [N, M, OH, OW] = staticShape(ctx, dy) as [number, number, number, number];
  const [pt, pl, pb, pr] = pads as [number, number, number, number];
  const flipped = flippedKernel(ctx, w, win.group);
  const Hp = OH + pt + pb;
  const padded = b.pad(b.transpose(dy, [1, 0, 2, 3], ctx.name('dy_t')), [0, 0, pt, 0, 0, 0, pb, 0], 0, ctx.name('dy_t_padded')); // [M, N, Hp, OW]
  const tall = b.reshape(padded, [1, M, N * Hp, OW], ctx.name('dy_stacked'));
  const out = b.conv(tall, flipped, null, { pads: [0, pl, 0, pr], dilations: [...win.dilations], group: win.group, name: ctx.name('dX_stacked') }); // [1, C, N*Hp - (Hp - H), W]
  const C = out.shape[1] as number;
  const full = b.pad(out, [0, 0, 0, 0, 0, 0, Hp - H, 0], 0, ctx.name('dX_stacked_full'));
  const rows = b.slice(b.reshape(full, [C, N, Hp, W], ctx.name('dX_images')), [0], [H], [2], undefined, ctx.name('dX_rows'));
  return b.transpose(rows, [1, 0, 2, 3], ctx.name('dX'));
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
    const method = ctx.options.convInputGrad?.(ctx.node) ?? defaultConvInputGrad(win, H!, W!);
    const pads = flippedPads(win);
    if (method === 'conv' || method === 'stacked') {
      if (!pads) ctx.fail(`dX by a ${method === 'stacked' ? 'stacked ' : ''}flipped-kernel Conv needs stride 1 and pads <= (k-1)*dilation, got strides [${win.strides}] pads [${win.pads}]`);
      dX = method === 'conv' ? dxByConv(ctx, dy, w!, win, pads!) : dxByStackedConv(ctx, dy, w!, win, pads!, H!, W!);
    } else dX = dxByConvTranspose(ctx, dy, w!, win, H!, W!, OH!, OW!);
  }
  if (ctx.needs[1]) {
    const method = (ctx.options.convWeightGrad ?? defaultConvWeightGrad)(ctx.node);
    dW = convWeightGrad(ctx, method, x!, dy, win);
  }
  if (ctx.needs[2]) dB = b.reduce('ReduceSum', dy, [0, 2, 3], false, ctx.name('dB'));
  return [dX, dW, dB];
});
