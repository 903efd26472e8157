// The nine tests of TF-slim's research/slim/nets/alexnet_test.py, ported: same inputs,
// same calls, same asserted values. Each graph also runs through ONNX Runtime, so the
// shapes asserted are the ones ORT produces, not only our shape inference.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { alexnetV2Spec } from '../../src/models/alexnet_v2.js';
import { countParams, paramSpecs } from '../../src/models/params.js';
import type { BuildOptions, BuiltModel } from '../../src/models/types.js';
import { modelGraph } from '../../src/models/assemble.js';
import { compileModel } from '../../src/runtime/compile.js';
import type { Session } from '../../src/runtime/session.js';
import { generate, initParams } from '../../src/nn/init.js';
import { argmaxRows, type Tensor } from '../../src/tensor.js';

const sessions: Session[] = [];
after(async () => {
  for (const s of sessions) await s.dispose();
});

// Weights are a function of (seed, name), so one cache serves every build.
const cache = new Map<string, Tensor>();
function weightsFor(m: BuiltModel): Map<string, Tensor> {
  const missing = paramSpecs(m).filter((p) => !cache.has(key(p.name, p.shape)));
  for (const [k, v] of initParams(missing, 0)) cache.set(key(k, v.shape), v);
  return new Map(m.graph.params.map((p) => [p.name, cache.get(key(p.name, p.shape))!]));
}
const key = (name: string, shape: readonly (number | string)[]) => `${name}:${shape.join(',')}`;

function uniformInput(shape: number[], seed = 1): Tensor<'float32'> {
  const n = shape.reduce((a, b) => a * b, 1);
  return { dtype: 'float32', shape, data: generate({ kind: 'uniform', low: 0, high: 1 }, n, seed, 'input') };
}

async function run(opts: BuildOptions, inputShape: [number, number, number, number], weights?: Map<string, Tensor>) {
  const m = alexnetV2Spec.build({ ...opts, inputSize: [inputShape[1], inputShape[2]] });
  const s = await compileModel(modelGraph(m), weights ?? weightsFor(m));
  sessions.push(s);
  const out = await s.run({ input: uniformInput(inputShape) });
  return { m, out: out[m.outputName]! };
}

// slim's default is is_training=True; the tests call it that way unless they say otherwise.
describe('alexnet_v2: slim alexnet_test.py', () => {
  test('testBuild: logits [5, 1000]', async () => {
    const { m, out } = await run({ numClasses: 1000, isTraining: true }, [5, 224, 224, 3]);
    assert.equal(m.output.name, 'alexnet_v2/fc8/squeezed');
    assert.deepEqual(m.output.shape, ['N', 1000]);
    assert.deepEqual(out.shape, [5, 1000]);
  });

  test('testFullyConvolutional: [1, 4, 7, 1000] on 300x400', async () => {
    const { m, out } = await run({ numClasses: 1000, isTraining: true, spatialSqueeze: false }, [1, 300, 400, 3]);
    assert.equal(m.endPoints['alexnet_v2/fc8']!.value.name.startsWith('alexnet_v2/fc8/'), true);
    assert.deepEqual(out.shape, [1, 4, 7, 1000]);
  });

  test('testGlobalPool: [1, 1, 1, 1000] on 256x256', async () => {
    const { out } = await run({ numClasses: 1000, isTraining: true, spatialSqueeze: false, globalPool: true }, [1, 256, 256, 3]);
    assert.deepEqual(out.shape, [1, 1, 1, 1000]);
  });

  test('testEndPoints: exactly the 11 slim end points', () => {
    const m = alexnetV2Spec.build({ numClasses: 1000, isTraining: true, batch: 5 });
    const expected = ['conv1', 'pool1', 'conv2', 'pool2', 'conv3', 'conv4', 'conv5', 'pool5', 'fc6', 'fc7', 'fc8'].map((n) => `alexnet_v2/${n}`);
    assert.deepEqual(Object.keys(m.endPoints).sort(), expected.sort());
  });

  test('testNoClasses: end points without fc8, features [5, 1, 1, 4096]', async () => {
    const { m, out } = await run({ numClasses: null, isTraining: true }, [5, 224, 224, 3]);
    const expected = ['conv1', 'pool1', 'conv2', 'pool2', 'conv3', 'conv4', 'conv5', 'pool5', 'fc6', 'fc7'].map((n) => `alexnet_v2/${n}`);
    assert.deepEqual(Object.keys(m.endPoints).sort(), expected.sort());
    assert.equal(m.output.producer!.name, 'alexnet_v2/fc7/Relu');
    assert.deepEqual(out.shape, [5, 1, 1, 4096]);
  });

  test('testModelVariables: exactly the 16 variables', () => {
    const m = alexnetV2Spec.build({ numClasses: 1000, isTraining: true });
    const expected = ['conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'fc6', 'fc7', 'fc8'].flatMap((n) => [
      `alexnet_v2/${n}/weights`,
      `alexnet_v2/${n}/biases`,
    ]);
    assert.deepEqual(m.graph.params.map((p) => p.name).sort(), expected.sort());
    // HWIO, as slim stores conv kernels
    assert.deepEqual(m.graph.paramByName('alexnet_v2/conv1/weights').shape, [11, 11, 3, 64]);
    assert.deepEqual(m.graph.paramByName('alexnet_v2/fc6/weights').shape, [5, 5, 256, 4096]);
  });

  test('testEvaluation: logits [2, 1000], predictions [2]', async () => {
    const { out } = await run({ numClasses: 1000, isTraining: false }, [2, 224, 224, 3]);
    assert.deepEqual(out.shape, [2, 1000]);
    const predictions = argmaxRows(out.data as Float32Array, 1000);
    assert.equal(predictions.length, 2);
    for (const p of predictions) assert.ok(Number.isInteger(p) && p >= 0 && p < 1000);
  });

  test('testTrainEvalWithReuse: same weights, train on 224, eval fully convolutional on 300x400', async () => {
    const train = await run({ numClasses: 1000, isTraining: true }, [2, 224, 224, 3]);
    assert.deepEqual(train.out.shape, [2, 1000]);
    const weights = weightsFor(train.m);
    const evalRun = await run({ numClasses: 1000, isTraining: false, spatialSqueeze: false }, [1, 300, 400, 3], weights);
    assert.deepEqual(evalRun.out.shape, [1, 4, 7, 1000]);
    // reduce_mean over [1, 2], then argmax over classes
    const mean = new Float32Array(1000);
    const d = evalRun.out.data as Float32Array;
    for (let p = 0; p < 28; p++) for (let c = 0; c < 1000; c++) mean[c]! += d[p * 1000 + c]! / 28;
    const predictions = argmaxRows(mean, 1000);
    assert.equal(predictions.length, 1);
  });

  test('testForward: some logit is not zero', async () => {
    const { out } = await run({ numClasses: 1000, isTraining: true }, [1, 224, 224, 3]);
    assert.ok((out.data as Float32Array).some((v) => v !== 0));
  });
});

describe('alexnet_v2: parameters and errors', () => {
  test('parameter count: 50,303,912 with 1000 classes, 46,411,762 with 50', () => {
    assert.equal(countParams(alexnetV2Spec.build({ numClasses: 1000 })), 50_303_912);
    assert.equal(countParams(alexnetV2Spec.build({ numClasses: 50 })), 46_411_762);
  });

  test('layer table totals match the parameter count', () => {
    const m = alexnetV2Spec.build();
    assert.equal(m.layers.reduce((n, l) => n + l.params, 0), 50_303_912);
    const conv1 = m.layers[0]!;
    assert.deepEqual(conv1.outputShape, [1, 54, 54, 64]);
    assert.equal(conv1.params, 23_296);
    assert.equal(conv1.macs, 54 * 54 * 64 * 11 * 11 * 3);
    assert.equal(conv1.receptiveField, '11x11');
    assert.equal(m.layers.find((l) => l.name === 'alexnet_v2/pool5')!.receptiveField, '195x195');
  });

  test('spatial squeeze of a 4x7 map is an error that says so', () => {
    assert.throws(
      () => alexnetV2Spec.build({ inputSize: [300, 400] }),
      { message: 'spatial_squeeze: logits are 4x7, not 1x1; use globalPool or spatialSqueeze=false' },
    );
  });

  test('an input below 195x195 fails where fc6 is built, naming the node and shapes', () => {
    assert.throws(() => alexnetV2Spec.build({ inputSize: [194, 194] }), /alexnet_v2\/fc6.*too small|alexnet_v2\/fc6/);
    assert.doesNotThrow(() => alexnetV2Spec.build({ inputSize: [195, 195] }));
  });
});
