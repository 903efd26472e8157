// Weights that do not fit the model asked for: the error names the model they do fit.
// The files here are tensors with the names and shapes of each model's parameters and no
// data: fitting is decided by names and shapes alone (a real file, bvlc_alexnet_seeded.npy
// given to alexnet, is in test/classify/parity.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getModel } from '../../src/models/registry.js';
import type { Tensor } from '../../src/tensor.js';
import { matchWeights, otherModelHint, requireAllWeights } from '../../src/weights/mapping.js';

/** A model's parameter names and shapes, as a weight file of that model would have them. */
function shapesOf(model: string, numClasses = 1000): Map<string, Tensor> {
  const m = getModel(model).build({ numClasses });
  return new Map(m.graph.params.map((p) => [p.name, { dtype: 'float32', shape: p.shape as number[], data: new Float32Array(0) } as Tensor]));
}

function refusal(model: string, file: Map<string, Tensor>): string {
  const m = getModel(model).build({ numClasses: 1000 });
  try {
    requireAllWeights(m, matchWeights(m, file), 'w.bin');
  } catch (e) {
    return (e as Error).message;
  }
  return 'accepted';
}

test('mapping: weights of another model name it: "looks like X weights; try --model X"', () => {
  assert.equal(
    refusal('alexnet', shapesOf('bvlc_alexnet')),
    'w.bin: not alexnet weights: missing 16 of 16 parameters (features.0.weight, features.0.bias, features.3.weight, ...); the file has conv1/weights, conv1/biases, conv2/weights, ...; looks like bvlc_alexnet weights; try --model bvlc_alexnet',
  );
  assert.match(refusal('bvlc_alexnet', shapesOf('alexnet')), /^w\.bin: not bvlc_alexnet weights: .*; looks like alexnet weights; try --model alexnet$/);
  assert.match(refusal('alexnet', shapesOf('alexnet_v2')), /; looks like alexnet_v2 weights; try --model alexnet_v2$/);
  // fine-tuned to 10 classes: still that model's weights
  assert.match(refusal('alexnet_v2', shapesOf('bvlc_alexnet', 10)), /; looks like bvlc_alexnet weights; try --model bvlc_alexnet$/);
  assert.equal(otherModelHint('alexnet', shapesOf('bvlc_alexnet')), '; looks like bvlc_alexnet weights; try --model bvlc_alexnet');
});

test('mapping: no hint when no other model fits, or when the file is the requested model\'s', () => {
  // bvlc_alexnet's names with conv2 of another shape fit nothing
  const odd = shapesOf('bvlc_alexnet');
  odd.set('conv2/weights', { dtype: 'float32', shape: [5, 5, 96, 256], data: new Float32Array(0) });
  assert.equal(otherModelHint('alexnet', odd), '');
  assert.match(refusal('alexnet', odd), /the file has conv1\/weights, conv1\/biases, conv2\/weights, \.\.\.$/);
  // the requested model's own names with a wrong shape: the shape error, no other model
  assert.equal(refusal('bvlc_alexnet', odd), 'w.bin: conv2: expected weights [5,5,48,256], file has [5,5,96,256]');
  assert.equal(otherModelHint('bvlc_alexnet', shapesOf('bvlc_alexnet')), '');
  assert.equal(otherModelHint('alexnet', new Map()), '');
});
