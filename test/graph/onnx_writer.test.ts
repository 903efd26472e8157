import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as b from '../../src/graph/build.js';
import { Graph } from '../../src/graph/graph.js';
import { onnxType } from '../../src/graph/onnx_proto.js';
import { OPSET, toOnnx } from '../../src/graph/onnx_writer.js';
import { Session } from '../../src/runtime/session.js';
import { float32 } from '../../src/tensor.js';

function tinyGraph() {
  const g = new Graph('tiny');
  const x = g.input('x', { dtype: 'float32', shape: ['N', 1, 4, 4] });
  const w = g.param('w', { dtype: 'float32', shape: [2, 1, 3, 3] }, { init: { kind: 'constant', value: 1 }, regularized: true, layer: 'c' });
  const y = b.relu(b.conv(x, w, null, { pads: [1, 1, 1, 1], name: 'c' }));
  const p = b.maxPool(y, { kernel: [2, 2], strides: [2, 2] });
  g.output(b.flatten(p, 1), 'out');
  return g;
}

describe('ONNX writer', () => {
  test('writes opset 18 with initializers, decodable by the schema', () => {
    const g = tinyGraph();
    const bytes = toOnnx(g, { weights: new Map([['w', float32([2, 1, 3, 3], new Float32Array(18).fill(1))]]) });
    const m = onnxType('ModelProto').decode(bytes) as unknown as {
      opset_import: { version: number }[];
      graph: { node: { op_type: string }[]; initializer: { name: string; dims: number[] }[]; input: { name: string }[]; output: { name: string }[] };
    };
    assert.equal(Number(m.opset_import[0]!.version), OPSET);
    // the output's value takes its public name: no Identity before it
    assert.deepEqual(m.graph.node.map((n) => n.op_type), ['Conv', 'Relu', 'MaxPool', 'Flatten']);
    assert.deepEqual(m.graph.initializer.map((t) => t.name), ['w']);
    assert.deepEqual(m.graph.input.map((i) => i.name), ['x']);
    assert.deepEqual(m.graph.output.map((o) => o.name), ['out']);
  });

  test('an intermediate value that is also an output keeps its readers: ORT loads it with every optimization', async () => {
    // ReLU output read by a Pad that ORT fuses into the MaxPool after it, and an output too:
    // with an Identity before that output, ORT 1.x's basic level renamed the value under the
    // fused MaxPool and refused the model
    const g = new Graph('pad_pool');
    const x = g.input('x', { dtype: 'float32', shape: [1, 1, 4, 4] });
    const r = b.relu(x, 'relu/Relu');
    const p = b.pad(r, [0, 0, 0, 0, 0, 0, 1, 1], 0, 'pad/Pad');
    const y = b.maxPool(p, { kernel: [2, 2], strides: [2, 2], name: 'pool/MaxPool' });
    g.output(r, 'ep:relu');
    g.output(y, 'ep:pool');
    g.output(r, 'again');
    const m = onnxType('ModelProto').decode(toOnnx(g)) as unknown as { graph: { node: { op_type: string; output: string[] }[] } };
    assert.deepEqual(m.graph.node.map((n) => [n.op_type, n.output[0]]), [['Relu', 'ep:relu'], ['Pad', 'pad/Pad'], ['MaxPool', 'ep:pool'], ['Identity', 'again']]);
    const s = await Session.create(toOnnx(g), { optimization: 'all' });
    const out = await s.run({ x: float32([1, 1, 4, 4], Float32Array.from({ length: 16 }, (_, i) => i - 8)) });
    assert.deepEqual([...out['ep:pool']!.data], [0, 0, 5, 7]);
    assert.deepEqual([...out['again']!.data], [...out['ep:relu']!.data]);
    await s.dispose();
  });

  test('ORT loads it and computes the right values', async () => {
    const g = tinyGraph();
    const s = await Session.create(toOnnx(g, { weights: new Map([['w', float32([2, 1, 3, 3], new Float32Array(18).fill(1))]]) }));
    const x = float32([1, 1, 4, 4], Float32Array.from({ length: 16 }, (_, i) => i));
    const out = (await s.run({ x })).out!;
    // 3x3 box sums of 0..15 with zero padding; the 2x2 max pool keeps each quadrant's inner corner: 45, 54, 81, 90
    assert.deepEqual(out.shape, [1, 8]);
    assert.deepEqual(Array.from(out.data as Float32Array), [45, 54, 81, 90, 45, 54, 81, 90]);
    await s.dispose();
  });

  test('a parameter without data becomes a graph input', async () => {
    const g = tinyGraph();
    const s = await Session.create(toOnnx(g));
    assert.deepEqual([...s.inputNames].sort(), ['w', 'x']);
    await s.dispose();
  });

  test('a weight of the wrong shape names the parameter and both shapes', () => {
    assert.throws(() => toOnnx(tinyGraph(), { weights: new Map([['w', float32([2, 1, 5, 5])]]) }), {
      message: 'w: expected float32[2,1,3,3], weights have float32[2,1,5,5]',
    });
  });
});
