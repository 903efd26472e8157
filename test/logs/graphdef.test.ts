import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { toGraphDef } from '../../src/logs/graphdef.js';
import { decodeGraphDef, encodeGraphDef, type GraphDef } from '../../src/logs/graphdef_proto.js';
import { readEvents } from '../../src/logs/tb_reader.js';
import { SummaryWriter } from '../../src/logs/tensorboard.js';
import { getModel } from '../../src/models/registry.js';
import type { BuiltModel } from '../../src/models/types.js';
import { buildTrainGraph } from '../../src/train/train_graph.js';

/** Round trip through the wire format, as TensorBoard would read it. */
function roundTrip(m: BuiltModel, forward = false): GraphDef {
  const def = toGraphDef(m.graph, { layers: m.layers.map((l) => l.name), ...(forward ? { forwardOutputs: [m.output] } : {}) });
  return decodeGraphDef(encodeGraphDef(def));
}

function checkEdges(def: GraphDef): void {
  const names = new Set(def.node.map((n) => n.name));
  assert.equal(names.size, def.node.length, 'node names are unique');
  for (const n of def.node) {
    for (const i of n.input) assert.ok(names.has(i.replace(/:\d+$/, '')), `${n.name}: input ${i} names no node`);
    assert.ok((n.attr['_output_shapes']?.list?.shape?.length ?? 0) >= 1, `${n.name} has _output_shapes`);
  }
}

/** The layer a node name lies under (the longest matching layer scope), or its first name part. */
function scopeOf(name: string, layers: readonly string[]): string {
  const hit = [...layers].sort((a, b) => b.length - a.length).find((l) => name.startsWith(`${l}/`));
  return hit ?? name.split('/')[0]!;
}

for (const model of ['alexnet', 'alexnet_v2', 'bvlc_alexnet']) {
  test(`${model}: GraphDef nodes are scoped by layer, every edge resolves, every node has shapes`, () => {
    const m = getModel(model).build({});
    const def = roundTrip(m);
    checkEdges(def);
    const layers = m.layers.map((l) => l.name);
    const scopes = new Set(def.node.filter((n) => n.op !== 'Placeholder').map((n) => scopeOf(n.name, layers)));
    // the top-level boxes are exactly the layers that emit nodes (torchvision's avgpool is
    // an identity at 224x224, so it emits none)
    const withNodes = layers.filter((l) => m.graph.nodes.some((n) => n.name.startsWith(`${l}/`)));
    assert.deepEqual([...scopes].sort(), [...withNodes].sort());
    assert.deepEqual(def.node.filter((n) => n.op === 'Placeholder').map((n) => n.name), ['input']);
    // parameters are nodes under their layer, read by that layer's op
    const conv1 = model === 'alexnet' ? 'features.0' : model === 'alexnet_v2' ? 'alexnet_v2/conv1' : 'conv1';
    const w = def.node.find((n) => n.op === 'VariableV2' && n.name.startsWith(`${conv1}/`) && /weight/.test(n.name))!;
    assert.ok(w, `${conv1} weights are a node`);
    assert.deepEqual(
      w.attr['_output_shapes']!.list!.shape![0]!.dim!.map((d) => d.size),
      model === 'alexnet' ? [64, 3, 11, 11] : model === 'alexnet_v2' ? [11, 11, 3, 64] : [11, 11, 3, 96],
    );
    const conv = def.node.find((n) => n.op === 'Conv' && n.name.startsWith(`${conv1}/`))!;
    assert.ok(conv.input.some((i) => i === w.name || def.node.find((n) => n.name === i)?.input.includes(w.name)), `${conv.name} reads ${w.name}`);
    // the symbolic batch N shows as -1 on the input
    assert.deepEqual(def.node.find((n) => n.name === 'input')!.attr['_output_shapes']!.list!.shape![0]!.dim!.map((d) => d.size), model === 'alexnet_v2' ? [-1, 224, 224, 3] : model === 'alexnet' ? [-1, 3, 224, 224] : [-1, 3, 227, 227]);
  });
}

test('training graph: forward under the layers, backward under grad/, the loss and update under train/', () => {
  const m = getModel('alexnet').build({ batch: 2, inputSize: [67, 67], isTraining: true, dropoutKeepProb: 1 });
  buildTrainGraph(m, new Map(), { momentum: 0.9, update: 'graph' });
  const def = roundTrip(m, true);
  checkEdges(def);
  const layers = m.layers.map((l) => l.name);
  const tops = new Set(def.node.filter((n) => n.op !== 'Placeholder').map((n) => scopeOf(n.name, layers)));
  for (const s of tops) assert.ok(layers.includes(s) || s === 'grad' || s === 'train', `unexpected top-level scope ${s}`);
  assert.ok(tops.has('grad') && tops.has('train'));
  assert.ok(def.node.some((n) => n.name.startsWith('grad/features.0/')), 'conv1 backward is under grad/features.0');
  assert.ok(def.node.filter((n) => n.op === 'SoftmaxCrossEntropyLoss').every((n) => n.name.startsWith('train/')));
});

test('SummaryWriter.graph writes one Event whose graph_def decodes back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'graphdef-'));
  try {
    const m = getModel('bvlc_alexnet').build({ batch: 1 });
    const w = new SummaryWriter(dir);
    w.graph(encodeGraphDef(toGraphDef(m.graph, { layers: m.layers.map((l) => l.name) })));
    w.close();
    const events = readEvents(join(dir, readdirSync(dir)[0]!));
    const withGraph = events.filter((e) => e.graph_def);
    assert.equal(withGraph.length, 1);
    const def = decodeGraphDef(withGraph[0]!.graph_def!);
    assert.equal(def.node.filter((n) => n.op === 'Conv').length, 5);
    assert.ok(def.node.some((n) => n.name === 'fc8/Gemm'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
