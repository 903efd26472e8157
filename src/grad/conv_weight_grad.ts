// The weight gradient of a 2-D Conv, three ways. With X [N,C,H,W], dY [N,M,OH,OW],
// group G (Cg = C/G input and Mg = M/G output channels per group), Xp = X zero-padded:
//
//   dW[m, c, i, j] = sum over n, y, x of dY[n, m, y, x] * Xp[n, g(m)*Cg + c, y*sh + i*dh, x*sw + j*dw]
//
// 'reference'  that sum, written out: for each kernel tap (i, j) a strided Slice of Xp
//              is contracted with dY by a batched MatMul, summed over the batch. Slow
//              (kh*kw products) but a direct transcription, kept to check the others.
// 'im2col'     the same k*k strided slices of the transposed input [C, N, H, W],
//              concatenated into one [kh*kw*Cg, N*OH*OW] matrix, and ONE Gemm with dY
//              as [Mg, N*OH*OW]. Fastest for alexnet_v2's stride-1 convs (conv2-5).
// 'batchconv'  a Conv over the batch: X as [C, N, H, W] (C images of N channels) and
//              dY as [M, N, OH, OW] (M filters of size OH x OW), the forward strides
//              becoming dilations and the forward dilations strides; the result
//              [C, M, kh', kw'] is cropped to the kernel (kh' >= kh when rows are left
//              over). Fastest for conv1 (11x11 stride 4 on 3 channels), where im2col
//              would slice 121 times.
// 'spacetodepth' for a stride-s conv (square stride, no dilation, one group): the padded
//              input's s x s blocks become channels, [N, C, H, W] -> [s*s*C, N, H/s, W/s],
//              which turns the conv into a stride-1 one with a ceil(k/s) kernel over s*s*C
//              channels; then im2col with ceil(k/s)^2 slices instead of k^2, and the
//              result's (block row, block col) taps are put back in place and cropped to
//              k x k. For conv1 (11x11 stride 4): 9 slices and one Gemm [64, 46656] x
//              [46656, 432] instead of 121 slices.
// A depthwise conv (groups = input = output channels) takes its own path, depthwise() below.
// test/grad/conv.test.ts checks all three against finite differences and each other.
import type { Node, Value } from '../graph/graph.js';
import * as b from '../graph/build.js';
import type { ConvWeightGradMethod, GradContext } from './registry.js';
import { padZeros } from './util.js';
import type { Window2d } from './window.js';

/** The default choice, from the profile in src/train/train_graph.ts: batchconv for strided convs, im2col otherwise. */
export function defaultConvWeightGrad(node: Node): ConvWeightGradMethod {
  const s = node.attrs['strides'];
  const strided = s?.type === 'ints' && s.value.some((v) => v !== 1);
  return strided ? 'batchconv' : 'im2col';
}

interface ConvShapes {
  N: number;
  C: number;
  H: number;
  W: number;
  M: number;
  OH: number;
  OW: number;
}

function groupSlice(ctx: GradContext, v: Value, axis: number, g: number, size: number, groups: number, what: string): Value {
  if (groups === 1) return v;
  return b.slice(v, [g * size], [(g + 1) * size], [axis], undefined, ctx.name(`${what}_g${g}`));
}

function padSpatial(ctx: GradContext, v: Value, w: Window2d, what: string): Value {
  const [pt, pl, pb, pr] = w.pads;
  if (pt === 0 && pl === 0 && pb === 0 && pr === 0) return v;
  return padZeros(v, [0, 0, pt, pl, 0, 0, pb, pr], ctx.name(what));
}

/** The strided window of (padded) spatial axes 2, 3 that kernel tap (i, j) sees. */
function tap(ctx: GradContext, xp: Value, w: Window2d, s: ConvShapes, i: number, j: number): Value {
  const [sh, sw] = w.strides;
  const [dh, dw] = w.dilations;
  const starts = [i * dh, j * dw];
  const ends = [i * dh + (s.OH - 1) * sh + 1, j * dw + (s.OW - 1) * sw + 1];
  return b.slice(xp, starts, ends, [2, 3], [sh, sw], ctx.name(`tap_${i}_${j}`));
}

function reference(ctx: GradContext, x: Value, dy: Value, w: Window2d, s: ConvShapes): Value {
  const G = w.group;
  const Cg = s.C / G;
  const Mg = s.M / G;
  const P = s.OH * s.OW;
  const xp = padSpatial(ctx, x, w, 'x_padded');
  const dyg = [...Array(G).keys()].map((g) => b.reshape(groupSlice(ctx, dy, 1, g, Mg, G, 'dy'), [s.N, Mg, P], ctx.name(`dy_rows_g${g}`)));
  const taps: Value[] = [];
  for (let i = 0; i < w.kernel[0]; i++) {
    for (let j = 0; j < w.kernel[1]; j++) {
      const xs = tap(ctx, xp, w, s, i, j); // [N, C, OH, OW]
      const perGroup = dyg.map((dyRows, g) => {
        const xg = b.reshape(groupSlice(ctx, xs, 1, g, Cg, G, 'x'), [s.N, Cg, P], ctx.name('x_rows'));
        const prod = b.matmul(dyRows, b.transpose(xg, [0, 2, 1], ctx.name('x_cols')), ctx.name('dy_x')); // [N, Mg, Cg]
        return b.reduce('ReduceSum', prod, [0], false, ctx.name('sum_batch')); // [Mg, Cg]
      });
      const full = G === 1 ? perGroup[0]! : b.concat(perGroup, 0, ctx.name('groups'));
      taps.push(b.unsqueeze(full, [2], ctx.name('tap'))); // [M, Cg, 1]
    }
  }
  const all = taps.length === 1 ? taps[0]! : b.concat(taps, 2, ctx.name('taps'));
  return b.reshape(all, [s.M, Cg, w.kernel[0], w.kernel[1]], ctx.name('dW'));
}

function im2col(ctx: GradContext, x: Value, dy: Value, w: Window2d, s: ConvShapes): Value {
  const G = w.group;
  const Cg = s.C / G;
  const Mg = s.M / G;
  const [kh, kw] = w.kernel;
  const NP = s.N * s.OH * s.OW;
  const xt = padSpatial(ctx, b.transpose(x, [1, 0, 2, 3], ctx.name('x_t')), w, 'x_t_padded'); // [C, N, Hp, Wp]
  const dyt = b.reshape(b.transpose(dy, [1, 0, 2, 3], ctx.name('dy_t')), [s.M, NP], ctx.name('dy_rows')); // [M, N*OH*OW]
  const perGroup: Value[] = [];
  for (let g = 0; g < G; g++) {
    const xg = groupSlice(ctx, xt, 0, g, Cg, G, 'x');
    const taps: Value[] = [];
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) taps.push(tap(ctx, xg, w, s, i, j)); // [Cg, N, OH, OW]
    const cols = b.reshape(taps.length === 1 ? taps[0]! : b.concat(taps, 0, ctx.name(`cols_g${g}`)), [kh * kw * Cg, NP], ctx.name(`cols_2d_g${g}`));
    const dyg = groupSlice(ctx, dyt, 0, g, Mg, G, 'dy');
    perGroup.push(b.gemm(dyg, cols, null, { transB: true, name: ctx.name(`gemm_g${g}`) })); // [Mg, kh*kw*Cg], columns (i, j, c)
  }
  const rows = G === 1 ? perGroup[0]! : b.concat(perGroup, 0, ctx.name('groups'));
  const mkkc = b.reshape(rows, [s.M, kh, kw, Cg], ctx.name('dW_mhwc'));
  return b.transpose(mkkc, [0, 3, 1, 2], ctx.name('dW'));
}

function batchconv(ctx: GradContext, x: Value, dy: Value, w: Window2d, s: ConvShapes): Value {
  const G = w.group;
  const Cg = s.C / G;
  const Mg = s.M / G;
  const [kh, kw] = w.kernel;
  const xt = b.transpose(x, [1, 0, 2, 3], ctx.name('x_t')); // [C, N, H, W]
  const dyt = b.transpose(dy, [1, 0, 2, 3], ctx.name('dy_t')); // [M, N, OH, OW]
  const perGroup: Value[] = [];
  for (let g = 0; g < G; g++) {
    const r = b.conv(groupSlice(ctx, xt, 0, g, Cg, G, 'x'), groupSlice(ctx, dyt, 0, g, Mg, G, 'dy'), null, {
      strides: [...w.dilations],
      dilations: [...w.strides],
      pads: [...w.pads],
      name: ctx.name(`conv_g${g}`),
    }); // [Cg, Mg, kh', kw']
    const [, , rh, rw] = r.shape as number[];
    perGroup.push(rh === kh && rw === kw ? r : b.slice(r, [0, 0], [kh, kw], [2, 3], undefined, ctx.name(`crop_g${g}`)));
  }
  const cm = G === 1 ? perGroup[0]! : b.concat(perGroup, 1, ctx.name('groups')); // [Cg, M, kh, kw]
  return b.transpose(cm, [1, 0, 2, 3], ctx.name('dW'));
}

function spacetodepth(ctx: GradContext, x: Value, dy: Value, w: Window2d, s: ConvShapes): Value {
  const [st, sw] = w.strides;
  if (st !== sw || w.dilations.some((d) => d !== 1) || w.group !== 1) {
    ctx.fail(`spacetodepth dW needs a square stride, no dilation and one group (strides [${w.strides}], dilations [${w.dilations}], group ${w.group})`);
  }
  const [kh, kw] = w.kernel;
  const [bh, bw] = [Math.ceil(kh / st), Math.ceil(kw / st)]; // kernel in blocks
  const [hs, ws] = [s.OH - 1 + bh, s.OW - 1 + bw]; // input in blocks
  const NP = s.N * s.OH * s.OW;
  // Padded to exactly hs*s x ws*s: taps i < kh never reach past the forward's padded input,
  // and the zeros (or cropped rows) only meet taps i >= kh, which are dropped at the end.
  const [pt, pl] = w.pads;
  const xp0 = padSpatial(ctx, x, { ...w, pads: [pt, pl, Math.max(0, hs * st - s.H - pt), Math.max(0, ws * st - s.W - pl)] }, 'x_padded');
  const [, , hp, wp] = xp0.shape as number[];
  const xp = hp === hs * st && wp === ws * st ? xp0 : b.slice(xp0, [0, 0], [hs * st, ws * st], [2, 3], undefined, ctx.name('x_fit'));
  const blocks = b.reshape(xp, [s.N, s.C, hs, st, ws, st], ctx.name('x_blocks'));
  const xt = b.reshape(b.transpose(blocks, [3, 5, 1, 0, 2, 4], ctx.name('x_s2d')), [st * st * s.C, s.N, hs, ws], ctx.name('x_s2d_t')); // channels (r, c, ch)
  const dyt = b.reshape(b.transpose(dy, [1, 0, 2, 3], ctx.name('dy_t')), [s.M, NP], ctx.name('dy_rows'));
  const unit: Window2d = { kernel: [bh, bw], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 };
  const taps: Value[] = [];
  for (let i = 0; i < bh; i++) for (let j = 0; j < bw; j++) taps.push(tap(ctx, xt, unit, s, i, j)); // [s*s*C, N, OH, OW]
  const cols = b.reshape(taps.length === 1 ? taps[0]! : b.concat(taps, 0, ctx.name('cols')), [bh * bw * st * st * s.C, NP], ctx.name('cols_2d'));
  const rows = b.gemm(dyt, cols, null, { transB: true, name: ctx.name('gemm') }); // [M, bh*bw*s*s*C], columns (a, b, r, c, ch)
  const split = b.reshape(rows, [s.M, bh, bw, st, st, s.C], ctx.name('dW_blocks'));
  const placed = b.reshape(b.transpose(split, [0, 5, 1, 3, 2, 4], ctx.name('dW_placed')), [s.M, s.C, bh * st, bw * st], ctx.name('dW_full')); // tap (a*s + r, b*s + c)
  return bh * st === kh && bw * st === kw ? placed : b.slice(placed, [0, 0], [kh, kw], [2, 3], undefined, ctx.name('dW'));
}

/**
 * A depthwise conv (one input channel per group, M = C * multiplier), for every method but
 * the reference:
 * per kernel tap, the shifted input times dY summed over the batch and space, as
 * whole-tensor ops. The per-group loops above would add nodes per channel (9 * 1024 slices
 * for one of MobileNet's).
 */
function depthwise(ctx: GradContext, x: Value, dy: Value, w: Window2d, s: ConvShapes): Value {
  const mult = s.M / s.C;
  const [kh, kw] = w.kernel;
  const xp = padSpatial(ctx, x, w, 'x_padded');
  const dy5 = b.reshape(dy, [s.N, s.C, mult, s.OH, s.OW], ctx.name('dy_mult')); // output channel c*mult + m
  const taps: Value[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const xs = b.unsqueeze(tap(ctx, xp, w, s, i, j), [2], ctx.name('x_tap')); // [N, C, 1, OH, OW]
      const sum = b.reduce('ReduceSum', b.mul(xs, dy5, ctx.name('x_dy')), [0, 3, 4], false, ctx.name('sum')); // [C, mult]
      taps.push(b.unsqueeze(sum, [2], ctx.name('tap')));
    }
  }
  const all = taps.length === 1 ? taps[0]! : b.concat(taps, 2, ctx.name('taps')); // [C, mult, kh*kw]
  return b.reshape(all, [s.M, 1, kh, kw], ctx.name('dW'));
}

const METHODS: Record<ConvWeightGradMethod, typeof reference> = { reference, im2col, batchconv, spacetodepth };

/** dW of the Conv node in ctx, shaped like its W input [M, Cg, kh, kw]. */
export function convWeightGrad(ctx: GradContext, method: ConvWeightGradMethod, x: Value, dy: Value, w: Window2d): Value {
  const [N, C, H, W] = x.shape as number[];
  const [, M, OH, OW] = dy.shape as number[];
  const f = METHODS[method];
  if (!f) ctx.fail(`unknown conv weight-gradient method ${method}`);
  if (method !== 'reference' && w.group > 1 && w.group === C) return depthwise(ctx, x, dy, w, { N: N!, C: C!, H: H!, W: W!, M: M!, OH: OH!, OW: OW! });
  return f(ctx, x, dy, w, { N: N!, C: C!, H: H!, W: W!, M: M!, OH: OH!, OW: OW! });
}
