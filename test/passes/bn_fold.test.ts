// Batch norms folded into the Conv or Gemm before them (src/passes/bn_fold.ts): the folded
// graph gives the unfolded reference's outputs (within 1e-5 relative) on conv-bn-relu
// models in both styles (OIHW Conv without bias; HWIO Conv with bias, and a 1x1 conv
// lowered to Gemm on NHWC rows with a scale-less batch norm), and its ONNX has no
// BatchNormalization node.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as b from '../../src/graph/build.js';
import { Graph } from '../../src/graph/graph.js';
import { modelGraph } from '../../src/models/assemble.js';
import { compileModel, modelBytes } from '../../src/runtime/compile.js';
import { foldBatchNorms, foldedValue } from '../../src/passes/bn_fold.js';
import { onnxType } from '../../src/graph/onnx_proto.js';
import { generate } from '../../src/nn/init.js';
import { bnImages, bnModel, bnWeights } from '../nn/bn_model.js';

/** Op types of the nodes of ONNX model bytes. */
function onnxOps(bytes: Uint8Array): string[] {
  const m = onnxType('ModelProto').decode(bytes) as unknown as { graph: { node: { op_type: string }[] } };
  return m.graph.node.map((n) => n.op_type);
}

async function logits(style: 'torch' | 'keras', fold: boolean, lowerToGemm = true) {
  const m = bnModel({ batch: 'N', training: false, style, lowerToGemm });
  const weights = bnWeights(m, 4);
  const graph = modelGraph(m, undefined, { foldBatchNorm: fold });
  const bytes = modelBytes(graph, weights);
  const s = await compileModel(graph, weights);
  const out = await s.run({ input: bnImages(m, 3) });
  await s.dispose();
  return { y: out['logits']!.data as Float32Array, ops: onnxOps(bytes) };
}

function assertClose(a: Float32Array, ref: Float32Array, rel: number) {
  const scale = Math.max(...Array.from(ref, Math.abs));
  for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(a[i]! - ref[i]!) <= rel * scale, `[${i}]: folded ${a[i]}, reference ${ref[i]}`);
}

describe('batch norm folding', () => {
  for (const [style, lower] of [['torch', true], ['keras', true], ['keras', false]] as const) {
    test(`${style} conv-bn-relu model${lower ? '' : ' (no Gemm lowering)'}: folded = unfolded, no BatchNormalization left`, async () => {
      const ref = await logits(style, false, lower);
      const folded = await logits(style, true, lower);
      assert.equal(ref.ops.filter((o) => o === 'BatchNormalization').length, 2);
      assert.equal(folded.ops.filter((o) => o === 'BatchNormalization').length, 0);
      assert.equal(folded.ops.filter((o) => o === 'Conv' || o === 'Gemm').length, ref.ops.filter((o) => o === 'Conv' || o === 'Gemm').length);
      assert.ok(ref.y.some((v) => Math.abs(v) > 0.02), `logits ${ref.y.slice(0, 5).join(", ")}`);
      assertClose(folded.y, ref.y, 1e-5);
    });
  }

  test('the folded node replaces the batch norm: names, outputs looked up past the fold, training-mode and shared inputs left alone', () => {
    const m = bnModel({ batch: 'N', training: false });
    const bnOut = m.graph.nodes.find((n) => n.name === 'bn1/BatchNorm')!.outputs[0]!;
    const r = foldBatchNorms(m.graph);
    assert.deepEqual(r.names, ['bn1/BatchNorm', 'bn2/BatchNorm']);
    assert.equal(foldedValue(bnOut).producer!.op, 'Conv');
    assert.equal(foldedValue(bnOut).producer!.name, 'conv1/Conv2D/folded');
    assert.deepEqual(foldBatchNorms(m.graph).names, []);

    // a node added after the fold reads the folded layer in place of the batch norm (Graph.resolve)
    const later = b.relu(bnOut, 'later');
    assert.equal(later.producer!.inputs[0]!.producer!.name, 'conv1/Conv2D/folded');
    assert.equal(m.graph.output(bnOut, 'bn1_out'), foldedValue(bnOut));

    const t = bnModel({ batch: 2, training: true });
    assert.deepEqual(foldBatchNorms(t.graph).names, []);

    // a conv output that something else also reads keeps its batch norm
    const g = new Graph('shared');
    const x = g.input('x', { dtype: 'float32', shape: [1, 2, 3, 3] });
    const c = (n: string, v: number) => g.constant({ dtype: 'float32', shape: [2], data: Float32Array.of(v, v) }, n);
    const w = g.constant({ dtype: 'float32', shape: [2, 2, 1, 1], data: generate({ kind: 'uniform', low: -1, high: 1 }, 4, 1, 'w') }, 'w');
    const y = b.conv(x, w, null);
    g.output(b.batchNorm(y, c('s', 2), c('b', 1), c('m', 0), c('v', 1), { epsilon: 1e-3 }), 'bn');
    g.output(y, 'conv');
    assert.deepEqual(foldBatchNorms(g).names, []);
  });
});
