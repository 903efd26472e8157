// Shape inference for element-wise ops, reductions, scatter and friends (ONNX opset 18).
import type { DType } from '../../tensor.js';
import type { Shape, TensorType } from '../types.js';
import { getInt } from '../types.js';
import { defineOp } from './registry.js';
import { broadcast, constInts, normAxis, num, req } from './util.js';

const UNARY = [
  'Relu', 'Neg', 'Abs', 'Sqrt', 'Exp', 'Log', 'Reciprocal', 'Sigmoid', 'Tanh', 'Sign', 'Floor', 'Ceil', 'Identity',
];
for (const op of UNARY) {
  defineOp(op, {
    infer(ctx) {
      const x = req(ctx, 0, 'X');
      return [{ dtype: x.dtype, shape: [...x.shape] }];
    },
  });
}

// Clip (opset 11+): min and max are optional scalar inputs of X's dtype.
defineOp('Clip', {
  infer(ctx) {
    const x = req(ctx, 0, 'input');
    for (const [i, what] of [[1, 'min'], [2, 'max']] as const) {
      const v = ctx.inputs[i];
      if (v && v.shape.length !== 0) throw new Error(`${what} must be a scalar, got [${v.shape.join(',')}]`);
      if (v && v.dtype !== x.dtype) throw new Error(`${what} is ${v.dtype}, input is ${x.dtype}`);
    }
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
});

for (const op of ['IsNaN', 'IsInf', 'Not']) {
  defineOp(op, {
    infer(ctx) {
      return [{ dtype: 'bool', shape: [...req(ctx, 0, 'X').shape] }];
    },
  });
}

function binary(op: string, outDtype?: DType): void {
  defineOp(op, {
    infer(ctx) {
      const a = req(ctx, 0, 'A');
      const b = req(ctx, 1, 'B');
      if (op !== 'Pow' && a.dtype !== b.dtype) throw new Error(`dtypes differ: ${a.dtype} and ${b.dtype}`);
      return [{ dtype: outDtype ?? a.dtype, shape: broadcast(a.shape, b.shape) }];
    },
  });
}
for (const op of ['Add', 'Sub', 'Mul', 'Div', 'Pow']) binary(op);
for (const op of ['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or']) binary(op, 'bool');

for (const op of ['Sum', 'Max', 'Min', 'Mean']) {
  defineOp(op, {
    infer(ctx) {
      const first = req(ctx, 0, 'data_0');
      let shape: Shape = [...first.shape];
      for (let i = 1; i < ctx.inputs.length; i++) shape = broadcast(shape, req(ctx, i, `data_${i}`).shape);
      return [{ dtype: first.dtype, shape }];
    },
  });
}

defineOp('Where', {
  infer(ctx) {
    const c = req(ctx, 0, 'condition');
    const x = req(ctx, 1, 'X');
    const y = req(ctx, 2, 'Y');
    return [{ dtype: x.dtype, shape: broadcast(broadcast(c.shape, x.shape), y.shape) }];
  },
});

defineOp('Cast', {
  infer(ctx) {
    const x = req(ctx, 0, 'input');
    const to = getInt(ctx.attrs, 'to', 0);
    const dtype = ONNX_TO_DTYPE[to];
    if (!dtype) throw new Error(`Cast to ONNX type ${to} is not supported`);
    return [{ dtype, shape: [...x.shape] }];
  },
});

/** ONNX TensorProto.DataType codes. */
export const DTYPE_TO_ONNX: Record<DType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
};
export const ONNX_TO_DTYPE: Record<number, DType> = Object.fromEntries(
  Object.entries(DTYPE_TO_ONNX).map(([k, v]) => [v, k as DType]),
);

// Reductions take their axes as an optional constant input in opset 18.
for (const op of ['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceSumSquare', 'ReduceL2', 'ReduceProd']) {
  defineOp(op, {
    infer(ctx) {
      const x = req(ctx, 0, 'data');
      const keep = getInt(ctx.attrs, 'keepdims', 1) === 1;
      const given = constInts(ctx, 1, 'axes');
      const r = x.shape.length;
      const axes = given && given.length ? given.map((a) => normAxis(a, r)) : [...Array(r).keys()];
      const shape: Shape = [];
      x.shape.forEach((d, i) => {
        if (!axes.includes(i)) shape.push(d);
        else if (keep) shape.push(1);
      });
      return [{ dtype: x.dtype, shape }];
    },
  });
}

defineOp('ArgMax', {
  infer(ctx) {
    const x = req(ctx, 0, 'data');
    const axis = normAxis(getInt(ctx.attrs, 'axis', 0), x.shape.length);
    const keep = getInt(ctx.attrs, 'keepdims', 1) === 1;
    const shape = x.shape.flatMap((d, i) => (i !== axis ? [d] : keep ? [1] : []));
    return [{ dtype: 'int64', shape }];
  },
});

for (const op of ['ScatterElements', 'ScatterND']) {
  defineOp(op, {
    infer(ctx) {
      const data = req(ctx, 0, 'data');
      req(ctx, 1, 'indices');
      req(ctx, 2, 'updates');
      return [{ dtype: data.dtype, shape: [...data.shape] }];
    },
  });
}

defineOp('GatherElements', {
  infer(ctx) {
    const data = req(ctx, 0, 'data');
    const idx = req(ctx, 1, 'indices');
    return [{ dtype: data.dtype, shape: [...idx.shape] }];
  },
});

defineOp('OneHot', {
  infer(ctx) {
    const idx = req(ctx, 0, 'indices');
    const depth = constInts(ctx, 1, 'depth');
    const values = req(ctx, 2, 'values');
    if (!depth) throw new Error('depth is required');
    const r = idx.shape.length + 1;
    const axis = normAxis(getInt(ctx.attrs, 'axis', -1), r);
    const shape: Shape = [...idx.shape];
    shape.splice(axis, 0, depth[0]!);
    return [{ dtype: values.dtype, shape }];
  },
});

/** Scalar loss: SoftmaxCrossEntropyLoss with integer labels and mean reduction. */
defineOp('SoftmaxCrossEntropyLoss', {
  infer(ctx) {
    const scores = req(ctx, 0, 'scores');
    const labels = req(ctx, 1, 'labels');
    if (labels.dtype !== 'int64' && labels.dtype !== 'int32') throw new Error(`labels must be integers, got ${labels.dtype}`);
    if (scores.shape.length < 2 || labels.shape.length !== scores.shape.length - 1) {
      throw new Error(`scores [${scores.shape.join(',')}] and labels [${labels.shape.join(',')}] do not fit`);
    }
    const red = ctx.attrs['reduction'];
    const none = red?.type === 'string' && red.value === 'none';
    const out: TensorType[] = [{ dtype: scores.dtype, shape: none ? [...labels.shape] : [] }];
    if (ctx.outputs > 1) out.push({ dtype: scores.dtype, shape: [...scores.shape] });
    return out;
  },
});

defineOp('Range', {
  infer(ctx) {
    const [s, l, d] = [0, 1, 2].map((i) => constInts(ctx, i, 'range argument')?.[0]);
    const t = req(ctx, 0, 'start');
    if (s === undefined || l === undefined || d === undefined) throw new Error('Range needs constant arguments');
    return [{ dtype: t.dtype, shape: [Math.max(Math.ceil((l - s) / d), 0)] }];
  },
});

defineOp('Shape', {
  infer(ctx) {
    const x = req(ctx, 0, 'data');
    return [{ dtype: 'int64', shape: [x.shape.length] }];
  },
});

defineOp('Size', {
  infer() {
    return [{ dtype: 'int64', shape: [] }];
  },
});

defineOp('ConstantOfShape', {
  infer(ctx) {
    const shape = constInts(ctx, 0, 'shape');
    if (!shape) throw new Error('shape is required');
    const v = ctx.attrs['value'];
    const dtype = v?.type === 'tensor' ? v.value.dtype : 'float32';
    return [{ dtype, shape }];
  },
});

export function staticNumel(t: TensorType): number {
  return t.shape.reduce<number>((a, d) => a * num(d, 'dimension'), 1);
}
