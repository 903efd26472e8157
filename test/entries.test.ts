// The subpath entries (package.json "exports": alexnet-ts/models, /graph, /runtime, /train,
// /weights, /data, /logs): each through its entry file, each name used once for real.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { imagenetLabels, presetInfo, PRESET_NAMES } from '../src/entries/data.js';
import { gradients, Graph, ops, OPSET, toOnnx } from '../src/entries/graph.js';
import { JsonlLogger, readEvents, readJsonl, scalarsByTag, SummaryWriter } from '../src/entries/logs.js';
import { alexnetV2, alexnetV2ArgScope, alexnetV2Spec, countParams, getModel, Net, randomWeights } from '../src/entries/models.js';
import { compileModel, nativeKernels, nativeUnavailable, Session } from '../src/entries/runtime.js';
import { learningRate, listCheckpoints, NanGuard, OPTIMIZERS, Trainer } from '../src/entries/train.js';
import { BUNDLE_FORMAT, readSafetensors, readWeights, saveBundle, SUPPORTED } from '../src/entries/weights.js';
import { float32 } from '../src/index.js';
import { FIXTURES } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'alexnet-entries-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('subpath entries', () => {
  test('alexnet-ts/graph + /runtime: a graph, its gradient, written as ONNX and run', async () => {
    const g = new Graph('square');
    const x = g.input('x', { dtype: 'float32', shape: [2, 3] });
    const loss = ops.reduce('ReduceSum', ops.mul(x, x), [0, 1], false, 'loss');
    g.output(loss, 'loss');
    g.output(gradients(g, loss, [x]).get(x)!, 'dx');
    const bytes = toOnnx(g);
    assert.equal(OPSET, 18);
    const s = await Session.create(bytes, { threads: 1 });
    const out = await s.run({ x: float32([2, 3], Float32Array.of(1, 2, 3, -1, 0, 0.5)) });
    await s.dispose();
    assert.deepEqual(Array.from(out['loss']!.data as Float32Array), [15.25]);
    assert.deepEqual(Array.from(out['dx']!.data as Float32Array), [2, 4, 6, -2, 0, 1]);
    assert.equal(typeof nativeKernels, 'function');
    assert.equal(typeof nativeUnavailable(), 'string');
  });

  test("alexnet-ts/models: slim's alexnet_v2 function and arg scope; compileModel runs its spec", async () => {
    assert.deepEqual(alexnetV2ArgScope(), { weightDecay: 0.0005 });
    const g = new Graph('slim');
    const net = new Net(g, { lowerToGemm: true });
    const input = g.input('input', { dtype: 'float32', shape: [1, 224, 224, 3] });
    const { net: fc8, endPoints } = alexnetV2(net, net.feature(input, 'NHWC'), { numClasses: 10, isTraining: false });
    assert.deepEqual(fc8.value.shape, [1, 10]);
    assert.equal(Object.keys(endPoints).at(-1), 'alexnet_v2/fc8');
    const m = alexnetV2Spec.build({ numClasses: 3, inputSize: [195, 195], batch: 1 });
    assert.equal(getModel('alexnet_v2'), alexnetV2Spec);
    assert.equal(countParams(m), 46_219_203); // slim alexnet_v2 with 3 classes: 46,206,912 + 4096 * 3 + 3
    const session = await compileModel(m, randomWeights(m, 0), { threads: 1 });
    const { logits } = await session.run({ input: float32([1, 195, 195, 3], new Float32Array(195 * 195 * 3).fill(0.5)) });
    await session.dispose();
    assert.deepEqual(logits!.shape, [1, 3]);
  });

  test('alexnet-ts/train: one Trainer step moves the trained weights; schedules, NaN guard, checkpoints', async () => {
    assert.deepEqual(OPTIMIZERS, ['sgd', 'adamw']);
    assert.equal(learningRate({ kind: 'step', lr: 0.1, stepEpochs: 1, gamma: 0.5 }, 250, { stepsPerEpoch: 100, totalSteps: 1000 }), 0.025);
    assert.equal(typeof NanGuard, 'function');
    assert.deepEqual(listCheckpoints(join(tmp, 'no-run')), []);
    const model = getModel('alexnet').build({ numClasses: 10, inputSize: [64, 64], batch: 8, isTraining: true, dropoutKeepProb: 1 });
    const w0 = randomWeights(model, 0);
    const trainer = await Trainer.create(model, w0, { momentum: 0.9, weightDecay: 0.0005, session: { threads: 2 } });
    assert.equal(trainer.update, nativeKernels() ? 'host' : 'graph', nativeUnavailable());
    const images = float32([8, 3, 64, 64], Float32Array.from({ length: 8 * 3 * 64 * 64 }, (_, i) => Math.sin(i * 0.01)));
    const s = await trainer.step(images, [0, 1, 2, 3, 4, 5, 6, 7], 0.01);
    assert.ok(s.finite);
    // untrained 10-way classifier: the cross-entropy starts near ln 10
    assert.ok(Math.abs(s.xent - Math.log(10)) < 0.1, `xent ${s.xent}`);
    assert.ok(s.loss > s.xent, 'the L2 term is counted in the loss');
    trainer.commit();
    const trained = trainer.weights();
    await trainer.dispose();
    assert.deepEqual([...trained.keys()].sort(), [...w0.keys()].sort());
    const before = w0.get('classifier.6.weight')!.data as Float32Array;
    assert.ok(trained.get('classifier.6.weight')!.data.some((v, i) => v !== before[i]), 'classifier.6.weight changed');
  });

  test('alexnet-ts/weights: the readers and the bundle format', async () => {
    assert.match(SUPPORTED, /safetensors/);
    const ref = await readWeights(join(FIXTURES, 'weights', 'st', 'ref.safetensors'));
    assert.equal(ref.format, 'safetensors');
    assert.ok(ref.tensors.size > 0);
    const file = join(tmp, 'tiny.safetensors');
    const w = new Map([['a', float32([2], Float32Array.of(1.5, -2))]]);
    await saveBundle(file, w, { format: BUNDLE_FORMAT, model: 'alexnet', numClasses: 2, preprocess: 'torchvision', labels: ['cat', 'dog'] });
    const back = readSafetensors(new Uint8Array(readFileSync(file)), file);
    assert.deepEqual(Array.from(back.tensors.get('a')!.data as Float32Array), [1.5, -2]);
    assert.deepEqual(JSON.parse(back.metadata['alexnet-ts']!).labels, ['cat', 'dog']);
  });

  test('alexnet-ts/data: preprocessing presets and the ImageNet labels', () => {
    assert.deepEqual(PRESET_NAMES, ['torchvision', 'caffe', 'inception', 'keras-caffe', 'keras-tf']);
    assert.deepEqual(presetInfo('caffe').size, [227, 227]);
    assert.deepEqual([imagenetLabels().length, imagenetLabels()[1]], [1000, 'goldfish']);
  });

  test('alexnet-ts/logs: JSON Lines and TensorBoard event files, written and read back', () => {
    const log = new JsonlLogger(join(tmp, 'log.jsonl'), { timestamps: false });
    log.log({ step: 1, loss: NaN });
    log.close();
    assert.deepEqual(readJsonl(join(tmp, 'log.jsonl')), [{ step: 1, loss: 'NaN' }]);
    const tb = new SummaryWriter(join(tmp, 'tb'));
    tb.scalar('loss', 0.5, 3);
    tb.close();
    const events = readEvents(join(tmp, 'tb', readdirSync(join(tmp, 'tb'))[0]!));
    assert.deepEqual(scalarsByTag(events).get('loss')!.map((p) => [p.step, p.value]), [[3, 0.5]]);
  });
});
