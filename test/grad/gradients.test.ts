// gradients(): accumulation over several consumers, pruning of everything that does
// not lead to a `wrt` value, and errors that name the node.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Graph } from '../../src/graph/graph.js';
import * as b from '../../src/graph/build.js';
import { toOnnx } from '../../src/graph/onnx_writer.js';
import { gradients, gradOps } from '../../src/grad/index.js';
import { Session } from '../../src/runtime/session.js';
import { tensor } from '../../src/tensor.js';

const init = { init: { kind: 'constant', value: 0 } as const, regularized: true };

function twoConvs() {
  const g = new Graph('two');
  const x = g.input('x', { dtype: 'float32', shape: [1, 2, 6, 6] });
  const w1 = g.param('w1', { dtype: 'float32', shape: [3, 2, 3, 3] }, { ...init, layer: 'one' });
  const w2 = g.param('w2', { dtype: 'float32', shape: [2, 3, 3, 3] }, { ...init, layer: 'two' });
  const h = b.relu(b.conv(x, w1, null, { name: 'one/Conv' }), 'one/Relu');
  const y = b.conv(h, w2, null, { name: 'two/Conv' });
  const loss = b.reduce('ReduceSum', b.mul(y, y), [0, 1, 2, 3], false, 'loss');
  return { g, x, w1, w2, loss };
}

describe('gradients()', () => {
  test('a frozen first layer and the input get no backward nodes', () => {
    const { g, w2, loss } = twoConvs();
    const before = g.nodes.length;
    gradients(g, loss, [w2]);
    const added = g.nodes.slice(before);
    assert.ok(added.length > 0);
    assert.ok(added.every((n) => !n.name.startsWith('grad/one/')), added.map((n) => n.name).join(', '));
    assert.ok(!added.some((n) => n.name.startsWith('grad/two/Conv/dX')), 'no dX for the last conv: nothing before it is trained');
    assert.ok(added.some((n) => n.name.startsWith('grad/two/Conv/')));
  });

  test('training the first layer needs dX of the second but never dX of the input', () => {
    const { g, w1, loss } = twoConvs();
    const before = g.nodes.length;
    gradients(g, loss, [w1]);
    const added = g.nodes.slice(before);
    // (the dX of a conv on images this small is one Conv over the stacked batch)
    assert.deepEqual(added.filter((n) => /\/dX(_stacked)?(_\d+)?$/.test(n.name) && n.op === 'Conv').map((n) => n.name), ['grad/two/Conv/dX_stacked']);
    assert.ok(!added.some((n) => n.name.startsWith('grad/one/Conv/dX')));
  });

  test('contributions of several consumers are summed, and the sum is right', async () => {
    const g = new Graph('fanout');
    const x = g.input('x', { dtype: 'float64', shape: [3] });
    // loss = sum(x*x) + sum(2x) + sum(x)  =>  d/dx = 2x + 3
    const two = g.constant(tensor('float64', [], Float64Array.of(2)), 'two');
    const loss = b.reduce('ReduceSum', g.add1('Sum', [b.mul(x, x), b.mul(x, two), b.identity(x)]), [0], false, 'loss');
    const dx = gradients(g, loss, [x]).get(x)!;
    assert.equal(dx.producer!.op, 'Sum', 'four contributions (x*x gives two) in one Sum node');
    assert.equal(dx.producer!.inputs.length, 4);
    g.output(dx, 'dx');
    const s = await Session.create(toOnnx(g));
    const out = await s.run({ x: tensor('float64', [3], Float64Array.of(1, -2, 0.5)) });
    await s.dispose();
    assert.deepEqual([...(out['dx']!.data as Float64Array)], [5, -1, 4]);
  });

  test('errors name the node and the op', () => {
    const g = new Graph('err');
    const x = g.input('x', { dtype: 'float32', shape: [4] });
    const y = b.unary('Sqrt', x, 'my_sqrt');
    const loss = b.reduce('ReduceSum', y, [0], false, 'loss');
    assert.throws(() => gradients(g, loss, [x]), /gradient of my_sqrt \(Sqrt\): no gradient rule for Sqrt/);
    const p = g.param('unused', { dtype: 'float32', shape: [2] }, { ...init, layer: 'u' });
    assert.throws(() => gradients(g, b.reduce('ReduceSum', x, [0], false), [p]), /unused \[2\] does not affect the loss/);
  });

  test('the registry covers the ops the models use', () => {
    const ops = gradOps();
    for (const op of ['Conv', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'ReduceMean', 'Relu', 'Gemm', 'MatMul', 'Add', 'Sub', 'Mul', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Transpose', 'Concat', 'Slice', 'Gather', 'Pad', 'Identity', 'Dropout', 'LRN', 'SoftmaxCrossEntropyLoss']) {
      assert.ok(ops.includes(op), op);
    }
  });
});
