// Element-wise, matrix-product, shape and reduction rules against finite differences,
// in float64 (ORT's CPU kernels for these ops take doubles).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as b from '../../src/graph/build.js';
import { Graph } from '../../src/graph/graph.js';
import { gradients } from '../../src/grad/index.js';
import { padZeros } from '../../src/grad/util.js';
import { tensor } from '../../src/tensor.js';
import { assertGrad } from './fd.js';

const EPS = 1e-6;
const TOL = 1e-7;

describe('element-wise gradients (float64)', () => {
  test('Add, Sub, Mul, Div with broadcasting', async () => {
    await assertGrad({
      name: 'arith',
      inputs: [
        { name: 'a', shape: [2, 3, 4] },
        { name: 'c', shape: [3, 1] },
        { name: 'd', shape: [4] },
        { name: 'e', shape: [1, 1, 4], data: Float64Array.from([1.5, -2, 1.25, 3]) }, // away from 0: divisor
      ],
      build: (_g, [a, c, d, e]) => b.div(b.sub(b.mul(b.add(a!, c!), d!), c!), e!),
      eps: EPS,
      tol: TOL,
    });
  });

  test('Relu (no input at the kink), Neg, Identity, Sum of a value used three times', async () => {
    const x = Float64Array.from({ length: 24 }, (_, i) => ((i * 7) % 24) / 10 - 1.15);
    await assertGrad({
      name: 'relu',
      inputs: [{ name: 'x', shape: [2, 12], data: x }],
      build: (g, [x]) => g.add1('Sum', [b.relu(x!), b.unary('Neg', b.identity(x!)), b.mul(x!, x!)]),
      eps: EPS,
      tol: TOL,
    });
  });

  test('Clip with both bounds (ReLU6) and with a min only; no input at a bound', async () => {
    // values -3.05 .. 8.95 in steps of 0.5: some below 0, some above 6, none at either
    const x = Float64Array.from({ length: 24 }, (_, i) => ((i * 7) % 24) / 2 - 3.05);
    const bound = (g: Graph, v: number) => g.constant(tensor('float64', [], Float64Array.of(v)), 'bound');
    await assertGrad({
      name: 'clip',
      inputs: [{ name: 'x', shape: [2, 12], data: x }],
      build: (g, [x]) => b.add(g.add1('Clip', [x!, bound(g, 0), bound(g, 6)]), b.mul(g.add1('Clip', [x!, bound(g, 1)]), x!)),
      eps: EPS,
      tol: TOL,
    });
  });

  test('Dropout in inference mode is the identity; Cast to float32 and back', async () => {
    await assertGrad({
      name: 'dropout_eval',
      inputs: [{ name: 'x', shape: [3, 5] }],
      build: (_g, [x]) => b.cast(b.mul(b.cast(b.dropout(x!, 0.5, false)[0], 1), b.cast(x!, 1)), 11),
      eps: 0.05, // x*x is quadratic, so the central difference is exact but for float32 rounding
      tol: 1e-4,
    });
  });
});

describe('matrix products (float64)', () => {
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    test(`Gemm transA=${ta} transB=${tb}, alpha 0.5, beta 2, bias broadcast`, async () => {
      await assertGrad({
        name: 'gemm',
        inputs: [
          { name: 'a', shape: ta ? [4, 3] : [3, 4] },
          { name: 'w', shape: tb ? [5, 4] : [4, 5] },
          { name: 'c', shape: [5] },
        ],
        build: (_g, [a, w, c]) => b.gemm(a!, w!, c!, { transA: ta, transB: tb, alpha: 0.5, beta: 2 }),
        eps: EPS,
        tol: TOL,
      });
    });
  }

  test('Gemm with a column bias [M, 1]', async () => {
    await assertGrad({
      name: 'gemm_col',
      inputs: [{ name: 'a', shape: [3, 4] }, { name: 'w', shape: [4, 2] }, { name: 'c', shape: [3, 1] }],
      build: (_g, [a, w, c]) => b.gemm(a!, w!, c!),
      eps: EPS,
      tol: TOL,
    });
  });

  test('MatMul 2-D and batched with a broadcast operand (adaptive pooling as a MatMul)', async () => {
    await assertGrad({
      name: 'matmul',
      inputs: [{ name: 'a', shape: [2, 3, 4, 5] }, { name: 'p', shape: [5, 2] }, { name: 'q', shape: [2, 1, 3, 4] }],
      build: (_g, [a, p, q]) => b.matmul(q!, b.matmul(a!, p!)),
      eps: EPS,
      tol: TOL,
    });
  });
});

describe('shape ops (float64)', () => {
  test('Reshape, Flatten, Transpose, Squeeze, Unsqueeze', async () => {
    await assertGrad({
      name: 'shape',
      inputs: [{ name: 'x', shape: [2, 3, 1, 4] }],
      build: (_g, [x]) => {
        const t = b.transpose(b.squeeze(x!, [2]), [2, 0, 1]); // [4, 2, 3]
        const f = b.flatten(b.unsqueeze(t, [0]), 2); // [4, 6]
        return b.reshape(b.mul(f, f), [3, 8]);
      },
      eps: EPS,
      tol: TOL,
    });
  });

  test('Concat of three inputs, one used twice', async () => {
    await assertGrad({
      name: 'concat',
      inputs: [{ name: 'a', shape: [2, 3] }, { name: 'c', shape: [2, 1] }],
      build: (_g, [a, c]) => b.concat([a!, c!, b.mul(a!, a!)], 1),
      eps: EPS,
      tol: TOL,
    });
  });

  test('Slice with unit steps, with steps 2 and -1, and Pad', async () => {
    await assertGrad({
      name: 'slice',
      inputs: [{ name: 'x', shape: [3, 7] }],
      build: (_g, [x]) => {
        const s1 = b.slice(x!, [1, 1], [3, -1], [0, 1]); // [2, 5]
        const s2 = b.slice(x!, [0, 6], [3, 0], [0, 1], [2, -2]); // [2, 3]
        const p = padZeros(s2, [0, 1, 0, 1], 'pad'); // [2, 5]
        return b.mul(s1, p);
      },
      eps: EPS,
      tol: TOL,
    });
  });
});

describe('Gather with constant indices (float64)', () => {
  // axis 1 of [2, 5, 3]; index 4 read three times (once as -1), 0 twice, 2 never
  const idx = [[4, 0, 1], [3, -1, 0], [4, 1, 3]];
  const indices = (g: Graph) => g.constant(tensor('int64', [3, 3], BigInt64Array.from(idx.flat(), BigInt)), 'idx');

  test('the transposed gather: dX sums dY over the positions that read each element', async () => {
    const r = await assertGrad({
      name: 'gather',
      inputs: [{ name: 'x', shape: [2, 5, 3] }],
      build: (g, [x]) => b.mul(b.gather(x!, indices(g), 1), b.gather(x!, indices(g), 1)), // [2, 3, 3, 3], quadratic in x
      eps: EPS,
      tol: TOL,
    });
    const ops = r.graph.nodes.filter((n) => n.name.startsWith('grad/')).map((n) => n.op);
    assert.ok(ops.includes('Gather') && !ops.includes('ScatterElements'), ops.join(', '));
  });

  test('one element read far more often than the others: a scatter-add', async () => {
    const many = Array.from({ length: 40 }, (_, i) => (i % 8 === 0 ? i % 5 : 2));
    const r = await assertGrad({
      name: 'gather_hot',
      inputs: [{ name: 'x', shape: [5, 2] }],
      build: (g, [x]) => {
        const y = b.gather(x!, g.constant(tensor('int64', [40], BigInt64Array.from(many, BigInt)), 'idx'), 0); // [40, 2]
        return b.mul(y, y);
      },
      eps: EPS,
      tol: TOL,
    });
    assert.ok(r.graph.nodes.some((n) => n.op === 'ScatterElements'), 'index 2 read 36 times: a table of 5 x 36 would be over 4x the 40 gathered');
  });

  test('indices out of range are named', async () => {
    const g = new Graph('bad_gather');
    const x = g.input('x', { dtype: 'float64', shape: [2, 3] });
    const y = b.gather(x, g.constant(tensor('int64', [2], BigInt64Array.of(0n, 3n)), 'idx'), 1);
    assert.throws(() => gradients(g, b.reduce('ReduceSum', y, [0, 1], false), [x]), /Gather.*index 3 at 1 is outside \[-3, 3\)/);
  });
});

describe('reductions (float64)', () => {
  test('ReduceMean and ReduceSum, keepdims 0 and 1', async () => {
    await assertGrad({
      name: 'reduce',
      inputs: [{ name: 'x', shape: [2, 3, 4, 5] }],
      build: (_g, [x]) => {
        const m = b.reshape(b.reduce('ReduceMean', x!, [2, 3], true), [6]); // [6]
        const s = b.reduce('ReduceSum', x!, [0, -1], false); // [3, 4]
        const t = b.reduce('ReduceMean', b.mul(s, s), [1], false); // [3]
        return b.mul(m, b.concat([t, t], 0));
      },
      eps: EPS,
      tol: TOL,
    });
  });
});

