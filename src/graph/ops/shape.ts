// Shape inference for the ops that move data without computing: Reshape, Flatten,
// Squeeze/Unsqueeze, Transpose, Concat, Slice, Pad, Expand, Split, Gather.
import type { Dim, Shape } from '../types.js';
import { getInt, getInts, getString } from '../types.js';
import { defineOp } from './registry.js';
import { broadcast, constInts, dimProduct, normAxis, num, req } from './util.js';

/** Reshape with 0 (copy) and -1 (infer); a symbolic batch may pass through -1. */
export function reshapeShape(input: Shape, target: number[]): Shape {
  if (target.filter((d) => d === -1).length > 1) throw new Error(`shape [${target}] has more than one -1`);
  const out: Dim[] = target.map((d, i) => {
    if (d === 0) {
      if (i >= input.length) throw new Error(`shape [${target}] copies axis ${i}, input has rank ${input.length}`);
      return input[i]!;
    }
    return d;
  });
  const inP = dimProduct(input);
  const known = out.filter((d) => d !== -1);
  const outP = dimProduct(known);
  // symbols in the output must come from the input
  const rest = [...inP.syms];
  for (const s of outP.syms) {
    const k = rest.indexOf(s);
    if (k < 0) throw new Error(`cannot reshape [${input.join(',')}] to [${target}]`);
    rest.splice(k, 1);
  }
  const hole = out.indexOf(-1);
  if (hole < 0) {
    if (rest.length || inP.coef !== outP.coef) {
      throw new Error(`cannot reshape [${input.join(',')}] (${inP.coef}${inP.syms.map((s) => '*' + s).join('')} elements) to [${target}]`);
    }
    return out;
  }
  if (inP.coef % outP.coef !== 0) throw new Error(`cannot reshape [${input.join(',')}] to [${target}]`);
  const coef = inP.coef / outP.coef;
  if (rest.length === 0) out[hole] = coef;
  else if (rest.length === 1 && coef === 1) out[hole] = rest[0]!;
  else out[hole] = [String(coef), ...rest].filter((s) => s !== '1').join('*');
  return out;
}

defineOp('Reshape', {
  infer(ctx) {
    const x = req(ctx, 0, 'data');
    const target = constInts(ctx, 1, 'shape');
    if (!target) throw new Error('shape is required');
    if (getInt(ctx.attrs, 'allowzero', 0)) throw new Error('allowzero is not supported');
    return [{ dtype: x.dtype, shape: reshapeShape(x.shape, target) }];
  },
});

defineOp('Flatten', {
  infer(ctx) {
    const x = req(ctx, 0, 'input');
    const axis = getInt(ctx.attrs, 'axis', 1);
    const a = axis < 0 ? axis + x.shape.length : axis;
    const head = dimProduct(x.shape.slice(0, a));
    const tail = dimProduct(x.shape.slice(a));
    const fold = (p: { coef: number; syms: string[] }): Dim =>
      p.syms.length === 0 ? p.coef : p.coef === 1 && p.syms.length === 1 ? p.syms[0]! : [String(p.coef), ...p.syms].join('*');
    return [{ dtype: x.dtype, shape: [fold(head), fold(tail)] }];
  },
});

defineOp('Squeeze', {
  infer(ctx) {
    const x = req(ctx, 0, 'data');
    const r = x.shape.length;
    const given = constInts(ctx, 1, 'axes');
    const axes = given ? given.map((a) => normAxis(a, r)) : x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
    for (const a of axes) {
      if (x.shape[a] !== 1) throw new Error(`cannot squeeze axis ${a} of size ${x.shape[a]}`);
    }
    return [{ dtype: x.dtype, shape: x.shape.filter((_, i) => !axes.includes(i)) }];
  },
});

defineOp('Unsqueeze', {
  infer(ctx) {
    const x = req(ctx, 0, 'data');
    const given = constInts(ctx, 1, 'axes');
    if (!given) throw new Error('axes are required');
    const r = x.shape.length + given.length;
    const axes = given.map((a) => normAxis(a, r)).sort((p, q) => p - q);
    const shape: Shape = [...x.shape];
    for (const a of axes) shape.splice(a, 0, 1);
    return [{ dtype: x.dtype, shape }];
  },
});

defineOp('Transpose', {
  infer(ctx) {
    const x = req(ctx, 0, 'data');
    const r = x.shape.length;
    const perm = getInts(ctx.attrs, 'perm', [...Array(r).keys()].reverse());
    if (perm.length !== r || [...perm].sort((p, q) => p - q).some((p, i) => p !== i)) {
      throw new Error(`perm [${perm}] is not a permutation of rank ${r}`);
    }
    return [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]!) }];
  },
});

defineOp('Concat', {
  infer(ctx) {
    const first = req(ctx, 0, 'inputs');
    const r = first.shape.length;
    const axis = normAxis(getInt(ctx.attrs, 'axis', 0), r);
    let total = 0;
    ctx.inputs.forEach((t, i) => {
      if (!t) throw new Error(`input ${i} is missing`);
      if (t.shape.length !== r) throw new Error(`input ${i} has rank ${t.shape.length}, expected ${r}`);
      t.shape.forEach((d, k) => {
        if (k !== axis && d !== first.shape[k]) throw new Error(`input ${i} has [${t.shape.join(',')}], which differs from [${first.shape.join(',')}] off axis ${axis}`);
      });
      total += num(t.shape[axis]!, `concat axis of input ${i}`);
    });
    const shape = [...first.shape];
    shape[axis] = total;
    return [{ dtype: first.dtype, shape }];
  },
});

// Gather along one axis: data.shape[:axis] + indices.shape + data.shape[axis+1:].
defineOp('Gather', {
  infer(ctx) {
    const x = req(ctx, 0, 'data');
    const idx = req(ctx, 1, 'indices');
    if (idx.dtype !== 'int64' && idx.dtype !== 'int32') throw new Error(`indices must be integers, got ${idx.dtype}`);
    const axis = normAxis(getInt(ctx.attrs, 'axis', 0), x.shape.length);
    return [{ dtype: x.dtype, shape: [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)] }];
  },
});

defineOp('Slice', {
  infer(ctx) {
    const x = req(ctx, 0, 'data');
    const starts = constInts(ctx, 1, 'starts');
    const ends = constInts(ctx, 2, 'ends');
    if (!starts || !ends) throw new Error('starts and ends are required');
    const r = x.shape.length;
    const axes = (constInts(ctx, 3, 'axes') ?? starts.map((_, i) => i)).map((a) => normAxis(a, r));
    const steps = constInts(ctx, 4, 'steps') ?? starts.map(() => 1);
    const shape = [...x.shape];
    axes.forEach((a, i) => {
      const size = num(x.shape[a]!, `sliced axis ${a}`);
      const step = steps[i]!;
      if (step === 0) throw new Error('step 0');
      const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
      let s = starts[i]! < 0 ? starts[i]! + size : starts[i]!;
      let e = ends[i]! < 0 ? ends[i]! + size : ends[i]!;
      if (step > 0) {
        s = clamp(s, 0, size);
        e = clamp(e, 0, size);
        shape[a] = Math.max(0, Math.ceil((e - s) / step));
      } else {
        s = clamp(s, -1, size - 1);
        e = clamp(e, -1, size - 1);
        shape[a] = Math.max(0, Math.ceil((s - e) / -step));
      }
    });
    return [{ dtype: x.dtype, shape }];
  },
});

defineOp('Pad', {
  infer(ctx) {
    const x = req(ctx, 0, 'data');
    const pads = constInts(ctx, 1, 'pads');
    if (!pads) throw new Error('pads are required');
    const r = x.shape.length;
    const axes = (constInts(ctx, 3, 'axes') ?? [...Array(r).keys()]).map((a) => normAxis(a, r));
    if (pads.length !== 2 * axes.length) throw new Error(`pads [${pads}] do not fit ${axes.length} axes`);
    getString(ctx.attrs, 'mode', 'constant');
    const shape = [...x.shape];
    axes.forEach((a, i) => {
      // an axis padded by nothing keeps its size, a symbolic batch included
      if (pads[i] === 0 && pads[i + axes.length] === 0) return;
      shape[a] = num(x.shape[a]!, `padded axis ${a}`) + pads[i]! + pads[i + axes.length]!;
    });
    return [{ dtype: x.dtype, shape }];
  },
});

defineOp('Expand', {
  infer(ctx) {
    const x = req(ctx, 0, 'input');
    const s = constInts(ctx, 1, 'shape');
    if (!s) throw new Error('shape is required');
    return [{ dtype: x.dtype, shape: broadcast(x.shape, s) }];
  },
});

defineOp('Split', {
  infer(ctx) {
    const x = req(ctx, 0, 'input');
    const axis = normAxis(getInt(ctx.attrs, 'axis', 0), x.shape.length);
    const size = num(x.shape[axis]!, 'split axis');
    const split = constInts(ctx, 1, 'split') ?? new Array(ctx.outputs).fill(size / ctx.outputs);
    if (split.length !== ctx.outputs || split.reduce((a, b) => a + b, 0) !== size || split.some((s) => !Number.isInteger(s))) {
      throw new Error(`split [${split}] does not divide axis ${axis} of size ${size} into ${ctx.outputs}`);
    }
    return split.map((s) => {
      const shape = [...x.shape];
      shape[axis] = s;
      return { dtype: x.dtype, shape };
    });
  },
});
