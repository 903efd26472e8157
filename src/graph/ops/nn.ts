// Shape inference for the neural-network ops: convolutions, pooling, LRN, dropout,
// softmax and the matrix products. Semantics follow the ONNX operator spec (opset 18).
import type { Shape, TensorType } from '../types.js';
import { getInt, getInts, getString } from '../types.js';
import { defineOp, type InferContext } from './registry.js';
import { broadcast, num, rank, req } from './util.js';

interface Window {
  kernel: number[];
  strides: number[];
  pads: number[]; // ONNX order: begin of each spatial axis, then end of each
  dilations: number[];
}

function windowAttrs(ctx: InferContext, spatial: number, kernel: number[]): Window {
  const a = ctx.attrs;
  const autoPad = getString(a, 'auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET') throw new Error(`auto_pad=${autoPad} is not supported; write the pads`);
  const w: Window = {
    kernel,
    strides: getInts(a, 'strides', new Array(spatial).fill(1)),
    pads: getInts(a, 'pads', new Array(spatial * 2).fill(0)),
    dilations: getInts(a, 'dilations', new Array(spatial).fill(1)),
  };
  if (w.kernel.length !== spatial || w.strides.length !== spatial || w.dilations.length !== spatial || w.pads.length !== 2 * spatial) {
    throw new Error(
      `window attributes do not fit ${spatial} spatial axes: kernel [${w.kernel}], strides [${w.strides}], pads [${w.pads}], dilations [${w.dilations}]`,
    );
  }
  return w;
}

/** Output size of a sliding window along one axis (ONNX Conv/MaxPool/AveragePool). */
export function windowOut(size: number, k: number, s: number, padBegin: number, padEnd: number, d = 1, ceil = false): number {
  const eff = (k - 1) * d + 1;
  const span = size + padBegin + padEnd - eff;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // ceil mode: the last window must start inside the input or the begin padding
  if (ceil && (out - 1) * s >= size + padBegin) out--;
  return out;
}

function spatialOut(x: Shape, w: Window, ceil: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < w.kernel.length; i++) {
    const size = num(x[2 + i]!, `spatial axis ${i}`);
    const o = windowOut(size, w.kernel[i]!, w.strides[i]!, w.pads[i]!, w.pads[i + w.kernel.length]!, w.dilations[i]!, ceil);
    if (o < 1) {
      throw new Error(
        `input ${x.slice(2).join('x')} is too small for kernel ${w.kernel.join('x')} (stride ${w.strides.join('x')}, pads [${w.pads}]); output would be ${o}`,
      );
    }
    out.push(o);
  }
  return out;
}

defineOp('Conv', {
  infer(ctx) {
    const x = req(ctx, 0, 'X');
    const wt = req(ctx, 1, 'W');
    if (x.shape.length < 3) throw new Error(`X must be [N,C,spatial...], got [${x.shape.join(',')}]`);
    rank(wt, x.shape.length, 'W');
    const group = getInt(ctx.attrs, 'group', 1);
    const kernel = getInts(ctx.attrs, 'kernel_shape', wt.shape.slice(2).map((d) => num(d, 'kernel')));
    const w = windowAttrs(ctx, x.shape.length - 2, kernel);
    const c = num(x.shape[1]!, 'channels');
    const m = num(wt.shape[0]!, 'output channels');
    if (num(wt.shape[1]!, 'W channels') * group !== c) {
      throw new Error(`W [${wt.shape.join(',')}] with group ${group} expects ${num(wt.shape[1]!, 'W channels') * group} input channels, X has ${c}`);
    }
    if (m % group !== 0) throw new Error(`output channels ${m} are not divisible by group ${group}`);
    const b = ctx.inputs[2];
    if (b && (b.shape.length !== 1 || b.shape[0] !== m)) throw new Error(`B must be [${m}], got [${b.shape.join(',')}]`);
    return [{ dtype: x.dtype, shape: [x.shape[0]!, m, ...spatialOut(x.shape, w, false)] }];
  },
});

defineOp('ConvTranspose', {
  infer(ctx) {
    const x = req(ctx, 0, 'X');
    const wt = req(ctx, 1, 'W');
    rank(wt, x.shape.length, 'W');
    const group = getInt(ctx.attrs, 'group', 1);
    const kernel = getInts(ctx.attrs, 'kernel_shape', wt.shape.slice(2).map((d) => num(d, 'kernel')));
    const w = windowAttrs(ctx, x.shape.length - 2, kernel);
    const outPad = getInts(ctx.attrs, 'output_padding', new Array(kernel.length).fill(0));
    if (ctx.attrs['output_shape']) throw new Error('output_shape is not supported; use output_padding');
    const c = num(x.shape[1]!, 'channels');
    if (num(wt.shape[0]!, 'W input channels') !== c) throw new Error(`W [${wt.shape.join(',')}] expects ${wt.shape[0]} input channels, X has ${c}`);
    const m = num(wt.shape[1]!, 'W output channels') * group;
    const spatial = kernel.map((k, i) => {
      const size = num(x.shape[2 + i]!, `spatial axis ${i}`);
      const eff = (k - 1) * w.dilations[i]! + 1;
      return w.strides[i]! * (size - 1) + outPad[i]! + eff - w.pads[i]! - w.pads[i + kernel.length]!;
    });
    return [{ dtype: x.dtype, shape: [x.shape[0]!, m, ...spatial] }];
  },
});

defineOp('MaxPool', {
  infer(ctx) {
    const x = req(ctx, 0, 'X');
    const kernel = getInts(ctx.attrs, 'kernel_shape', []);
    const w = windowAttrs(ctx, x.shape.length - 2, kernel);
    const shape = [x.shape[0]!, x.shape[1]!, ...spatialOut(x.shape, w, getInt(ctx.attrs, 'ceil_mode', 0) === 1)];
    const out: TensorType[] = [{ dtype: x.dtype, shape }];
    if (ctx.outputs > 1) out.push({ dtype: 'int64', shape: [...shape] });
    return out;
  },
});

defineOp('AveragePool', {
  infer(ctx) {
    const x = req(ctx, 0, 'X');
    const kernel = getInts(ctx.attrs, 'kernel_shape', []);
    const w = windowAttrs(ctx, x.shape.length - 2, kernel);
    return [{ dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, ...spatialOut(x.shape, w, getInt(ctx.attrs, 'ceil_mode', 0) === 1)] }];
  },
});

defineOp('GlobalAveragePool', {
  infer(ctx) {
    const x = req(ctx, 0, 'X');
    return [{ dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, ...x.shape.slice(2).map(() => 1)] }];
  },
});

defineOp('LRN', {
  infer(ctx) {
    const x = req(ctx, 0, 'X');
    if (!ctx.attrs['size']) throw new Error('LRN needs a size');
    return [{ ...x, shape: [...x.shape] }];
  },
});

// Y = scale * (X - mean) / sqrt(var + epsilon) + B per channel (axis 1). Inference
// mode (training_mode 0) has one output; training mode adds the updated running mean
// and variance as outputs 1 and 2.
defineOp('BatchNormalization', {
  infer(ctx) {
    const x = req(ctx, 0, 'X');
    if (x.shape.length < 2) throw new Error(`X must be [N,C,...], got [${x.shape.join(',')}]`);
    const c = num(x.shape[1]!, 'channels');
    const names = ['scale', 'B', 'input_mean', 'input_var'];
    names.forEach((what, i) => {
      const t = req(ctx, i + 1, what);
      if (t.shape.length !== 1 || t.shape[0] !== c) throw new Error(`${what} must be [${c}], got [${t.shape.join(',')}]`);
    });
    const training = getInt(ctx.attrs, 'training_mode', 0) === 1;
    if (!training && ctx.outputs > 1) throw new Error('running mean and variance outputs need training_mode=1');
    const out: TensorType[] = [{ dtype: x.dtype, shape: [...x.shape] }];
    for (let i = 1; i < ctx.outputs; i++) out.push({ dtype: x.dtype, shape: [c] });
    return out;
  },
});

defineOp('Dropout', {
  infer(ctx) {
    const x = req(ctx, 0, 'data');
    const out: TensorType[] = [{ dtype: x.dtype, shape: [...x.shape] }];
    if (ctx.outputs > 1) out.push({ dtype: 'bool', shape: [...x.shape] });
    return out;
  },
});

for (const op of ['Softmax', 'LogSoftmax']) {
  defineOp(op, {
    infer(ctx) {
      const x = req(ctx, 0, 'input');
      return [{ dtype: x.dtype, shape: [...x.shape] }];
    },
  });
}

defineOp('Gemm', {
  infer(ctx) {
    const a = req(ctx, 0, 'A');
    const b = req(ctx, 1, 'B');
    rank(a, 2, 'A');
    rank(b, 2, 'B');
    const ta = getInt(ctx.attrs, 'transA', 0) === 1;
    const tb = getInt(ctx.attrs, 'transB', 0) === 1;
    const [m, ka] = ta ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
    const [kb, n] = tb ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
    if (ka !== kb) throw new Error(`inner dimensions differ: A gives ${ka}, B gives ${kb}`);
    const c = ctx.inputs[2];
    if (c) broadcast([m, n], c.shape);
    return [{ dtype: a.dtype, shape: [m, n] }];
  },
});

defineOp('MatMul', {
  infer(ctx) {
    const a = req(ctx, 0, 'A');
    const b = req(ctx, 1, 'B');
    const as = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape;
    const bs = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
    if (as.length < 2 || bs.length < 2) throw new Error('operands must have rank >= 1');
    const k1 = as[as.length - 1]!;
    const k2 = bs[bs.length - 2]!;
    if (k1 !== k2) throw new Error(`inner dimensions differ: A gives ${k1}, B gives ${k2}`);
    const batch = broadcast(as.slice(0, -2), bs.slice(0, -2));
    const shape: Shape = [...batch];
    if (a.shape.length > 1) shape.push(as[as.length - 2]!);
    if (b.shape.length > 1) shape.push(bs[bs.length - 1]!);
    return [{ dtype: a.dtype, shape }];
  },
});
