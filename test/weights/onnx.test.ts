import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readOnnx } from '../../src/weights/onnx.js';
import { assertTensors, expectedFile, fixture } from './expected.js';

test('onnx: zoo-style initializer names, raw_data and every typed data field', () => {
  const name = 'onnx/bvlc_names.onnx';
  const r = readOnnx(fixture(name), 'bvlcalexnet-12.onnx');
  const e = expectedFile(name);
  assertTensors(r.tensors, e, name);
  assert.deepEqual(r.metadata, e.metadata);
  assert.deepEqual([...r.tensors.keys()].slice(0, 2), ['conv1_w_0', 'conv1_b_0']);
  assert.deepEqual([...(r.tensors.get('OC2_DUMMY_1')!.data as BigInt64Array)], [1n, -1n]);
});

test('onnx: torch.onnx.export output', () => {
  const name = 'onnx/torch_export.onnx';
  const r = readOnnx(fixture(name), name);
  assertTensors(r.tensors, expectedFile(name), name);
  assert.equal(r.metadata['producer_name'], 'pytorch');
});

test('onnx: external data names the tensor and the file it lives in', () => {
  assert.throws(
    () => readOnnx(fixture('onnx/external.onnx'), 'model.onnx'),
    /model\.onnx: initializer conv1_w_0 stores its data in external file "weights\.bin"; external data is not supported/,
  );
});

test('onnx: garbage and truncated models are rejected', () => {
  assert.throws(() => readOnnx(fixture('bad/garbage.bin'), 'g.onnx'), /g\.onnx: not a valid ONNX model/);
  const bytes = fixture('onnx/bvlc_names.onnx');
  assert.throws(() => readOnnx(bytes.subarray(0, bytes.length - 6), 'cut.onnx'), /cut\.onnx: not a valid ONNX model \(missing opset_import\)/);
  assert.throws(() => readOnnx(bytes.subarray(0, 500), 'cut.onnx'), /cut\.onnx: not a valid ONNX model: /);
});
