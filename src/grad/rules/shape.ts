// Gradients of the ops that only move data: the gradient moves back the same way.
import * as b from '../../graph/build.js';
import { getInt, getInts, getString } from '../../graph/types.js';
import { tensor } from '../../tensor.js';
import { defineGrad, type GradContext } from '../registry.js';
import { constInts, padZeros, staticShape, sumToShape, zeros } from '../util.js';

const reshapeBack = (ctx: GradContext) => [b.reshape(ctx.dy[0]!, staticShape(ctx, ctx.node.inputs[0]!), ctx.name('dX'))];
defineGrad('Reshape', reshapeBack);
defineGrad('Flatten', reshapeBack);
defineGrad('Expand', (ctx) => [sumToShape(ctx, ctx.dy[0]!, ctx.node.inputs[0]!, 'dX')]);

defineGrad('Squeeze', (ctx) => {
  const x = ctx.node.inputs[0]!;
  const r = x.shape.length;
  const given = constInts(ctx, 1, 'axes');
  const axes = given ? given.map((a) => (a < 0 ? a + r : a)) : x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  return [b.unsqueeze(ctx.dy[0]!, axes, ctx.name('dX'))];
});

defineGrad('Unsqueeze', (ctx) => {
  const r = ctx.node.outputs[0]!.shape.length;
  const axes = constInts(ctx, 1, 'axes')!.map((a) => (a < 0 ? a + r : a));
  return [b.squeeze(ctx.dy[0]!, axes, ctx.name('dX'))];
});

defineGrad('Transpose', (ctx) => {
  const r = ctx.node.inputs[0]!.shape.length;
  const perm = getInts(ctx.node.attrs, 'perm', [...Array(r).keys()].reverse());
  const inv = new Array<number>(r);
  perm.forEach((p, i) => (inv[p] = i));
  return [b.transpose(ctx.dy[0]!, inv, ctx.name('dX'))];
});

// One Split of the output gradient along the concatenation axis.
defineGrad('Concat', (ctx) => {
  const ins = ctx.node.inputs;
  const r = ins[0]!.shape.length;
  const a = getInt(ctx.node.attrs, 'axis', 0);
  const axis = a < 0 ? a + r : a;
  const sizes = ins.map((x) => staticShape(ctx, x!)[axis]!);
  if (ins.length === 1) return [ctx.dy[0]];
  return ctx.g.add('Split', [ctx.dy[0]!, b.i64(ctx.g, sizes, 'split')], { axis: { type: 'int', value: axis } }, { outputs: ins.length, name: ctx.name('dX') });
});

/** Start, step and count of a Slice along each axis of x, normalised as ONNX defines them. */
function sliceWindows(ctx: GradContext, shape: number[]) {
  const r = shape.length;
  const starts = constInts(ctx, 1, 'starts')!;
  const ends = constInts(ctx, 2, 'ends')!;
  const axes = (constInts(ctx, 3, 'axes') ?? starts.map((_, i) => i)).map((a) => (a < 0 ? a + r : a));
  const steps = constInts(ctx, 4, 'steps') ?? starts.map(() => 1);
  const win = shape.map((size) => ({ start: 0, step: 1, count: size }));
  axes.forEach((a, i) => {
    const size = shape[a]!;
    const step = steps[i]!;
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
    let s = starts[i]! < 0 ? starts[i]! + size : starts[i]!;
    let e = ends[i]! < 0 ? ends[i]! + size : ends[i]!;
    if (step > 0) {
      s = clamp(s, 0, size);
      e = clamp(e, 0, size);
      win[a] = { start: s, step, count: Math.max(0, Math.ceil((e - s) / step)) };
    } else {
      s = clamp(s, -1, size - 1);
      e = clamp(e, -1, size - 1);
      win[a] = { start: s, step, count: Math.max(0, Math.ceil((s - e) / -step)) };
    }
  });
  return win;
}

// Unit steps: pad the gradient back with zeros. Other steps: scatter it to the flat
// offsets of the selected elements (computed here, from the static shape).
defineGrad('Slice', (ctx) => {
  const x = ctx.node.inputs[0]!;
  const shape = staticShape(ctx, x);
  const win = sliceWindows(ctx, shape);
  const dy = ctx.dy[0]!;
  if (win.every((w) => w.step === 1)) {
    const pads = [...win.map((w) => w.start), ...win.map((w, i) => shape[i]! - w.start - w.count)];
    if (pads.every((p) => p === 0)) return [dy];
    return [padZeros(dy, pads, ctx.name('dX'))];
  }
  const n = win.reduce((p, w) => p * w.count, 1);
  const idx = new BigInt64Array(n);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((p, d) => p * d, 1));
  const pos = win.map(() => 0);
  for (let k = 0; k < n; k++) {
    let off = 0;
    win.forEach((w, i) => (off += (w.start + pos[i]! * w.step) * strides[i]!));
    idx[k] = BigInt(off);
    for (let i = win.length - 1; i >= 0; i--) {
      if (++pos[i]! < win[i]!.count) break;
      pos[i] = 0;
    }
  }
  const numel = shape.reduce((p, d) => p * d, 1);
  const flat = ctx.g.add1(
    'ScatterElements',
    [zeros(ctx.g, x.dtype, [numel], ctx.name('zeros')), ctx.g.constant(tensor('int64', [n], idx), 'slice_index'), b.reshape(dy, [n], ctx.name('dy_flat'))],
    {},
    ctx.name('scatter'),
  );
  return [b.reshape(flat, shape, ctx.name('dX'))];
});

// Constant-mode Pad: the gradient is the unpadded window of dY.
defineGrad('Pad', (ctx) => {
  const x = ctx.node.inputs[0]!;
  const mode = getString(ctx.node.attrs, 'mode', 'constant');
  if (mode !== 'constant') ctx.fail(`Pad mode ${mode} has no gradient rule`);
  const r = x.shape.length;
  const pads = constInts(ctx, 1, 'pads')!;
  const axes = (constInts(ctx, 3, 'axes') ?? [...Array(r).keys()]).map((a) => (a < 0 ? a + r : a));
  if (pads.some((p) => p < 0)) ctx.fail(`negative pads [${pads}] have no gradient rule`);
  const shape = staticShape(ctx, x);
  const starts = axes.map((_, i) => pads[i]!);
  const ends = axes.map((a, i) => pads[i]! + shape[a]!);
  return [b.slice(ctx.dy[0]!, starts, ends, axes, undefined, ctx.name('dX'))];
});

// Gather with constant indices along `axis`: dX[.., d, ..] is the sum of dY over the
// index positions that read d. When no d is read much more often than the others, the
// gradient is itself a Gather, of dY by the transposed index table: row d lists the (at
// most T) positions that read d, padded with a pointer to an appended zero, and a
// ReduceSum over those T columns adds them in a fixed order. For the im2col of
// src/passes/conv_gemm.ts (each input pixel read by at most kh*kw taps) T = 9 for a 3x3
// kernel. Otherwise (a table of more than 4x the gathered size or the axis, whichever is
// larger: one element read far more often than the others) a ScatterElements with
// reduction 'add', which adds one element at a time in an order ONNX leaves open.
defineGrad('Gather', (ctx) => {
  const x = ctx.node.inputs[0]!;
  if (ctx.needs[1]) ctx.fail('indices have no gradient');
  const ind = constInts(ctx, 1, 'indices')!;
  const shape = staticShape(ctx, x);
  const r = shape.length;
  const a = getInt(ctx.node.attrs, 'axis', 0);
  const axis = a < 0 ? a + r : a;
  const D = shape[axis]!;
  const pre = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const post = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const P = ind.length;
  const at = ind.map((v, p) => {
    const d = v < 0 ? v + D : v;
    if (!(d >= 0 && d < D)) ctx.fail(`index ${v} at ${p} is outside [-${D}, ${D})`);
    return d;
  });
  const readers: number[][] = Array.from({ length: D }, () => []);
  at.forEach((d, p) => readers[d]!.push(p));
  const T = Math.max(1, ...readers.map((l) => l.length));
  const dy = b.reshape(ctx.dy[0]!, [pre, P, post], ctx.name('dy_3d'));
  if (D * T > 4 * Math.max(P, D)) {
    const idx = ctx.g.add1('Expand', [ctx.g.constant(tensor('int64', [1, P, 1], BigInt64Array.from(at, BigInt)), 'gather_index'), b.i64(ctx.g, [pre, P, post], 'shape')], {}, ctx.name('index'));
    const sum = ctx.g.add1('ScatterElements', [zeros(ctx.g, x.dtype, [pre, D, post], ctx.name('zeros')), idx, dy], { axis: { type: 'int', value: 1 }, reduction: { type: 'string', value: 'add' } }, ctx.name('scatter_add'));
    return [b.reshape(sum, shape, ctx.name('dX'))];
  }
  const table = new BigInt64Array(D * T).fill(BigInt(P)); // P: the appended zero
  readers.forEach((l, d) => l.forEach((p, t) => (table[d * T + t] = BigInt(p))));
  const dyz = padZeros(dy, [0, 0, 0, 0, 1, 0], ctx.name('dy_zero'));
  const picked = b.gather(dyz, ctx.g.constant(tensor('int64', [D, T], table), 'gather_readers'), 1, ctx.name('picked')); // [pre, D, T, post]
  const summed = T === 1 ? b.reshape(picked, [pre, D, post], ctx.name('picked_3d')) : b.reduce('ReduceSum', picked, [2], false, ctx.name('sum'));
  return [b.reshape(summed, shape, ctx.name('dX'))];
});
