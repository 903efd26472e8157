// Wire bytes of each message kind, derived by hand from the field numbers in
// tensorflow/core/util/event.proto and tensorflow/core/framework/summary.proto (tag byte =
// field << 3 | wire type). A round trip alone would pass with a wrong field number on
// both sides; these pin the numbers TensorBoard reads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeEvent, encodeEvent, tbType } from '../../src/logs/tb_proto.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const dbl = (x: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(x);
  return b.toString('hex');
};

test('Event with file_version: wall_time=1 (double), file_version=3 (string), step 0 omitted', () => {
  const ev = { wall_time: 1.5, step: 0, file_version: 'brain.Event:2' };
  const bytes = encodeEvent(ev);
  assert.equal(hex(bytes), '09' + dbl(1.5) + '1a0d' + Buffer.from('brain.Event:2').toString('hex'));
  assert.deepEqual(decodeEvent(bytes), ev);
});

test('scalar Event: step=2 (varint), summary=5, Summary.value=1, tag=1, simple_value=2 (float)', () => {
  const ev = { wall_time: 1.5, step: 3, summary: { value: [{ tag: 'a', simple_value: 0.5 }] } };
  const bytes = encodeEvent(ev);
  assert.equal(hex(bytes), '09' + dbl(1.5) + '1003' + '2a0a' + '0a08' + '0a0161' + '150000003f');
  assert.deepEqual(decodeEvent(bytes), ev);
  // a zero scalar is still present: oneof members are always encoded
  const zero = encodeEvent({ wall_time: 1.5, step: 3, summary: { value: [{ tag: 'a', simple_value: 0 }] } });
  assert.equal(decodeEvent(zero).summary!.value[0]!.simple_value, 0);
});

test('HistogramProto: min..sum_squares=1..5 (double), bucket_limit=6 and bucket=7 packed', () => {
  const H = tbType('HistogramProto');
  const h = { min: 1, max: 2, num: 3, sum: 4, sum_squares: 5, bucket_limit: [6], bucket: [7] };
  const bytes = H.encode(H.fromObject(h)).finish();
  assert.equal(hex(bytes), '09' + dbl(1) + '11' + dbl(2) + '19' + dbl(3) + '21' + dbl(4) + '29' + dbl(5) + '3208' + dbl(6) + '3a08' + dbl(7));
  const ev = { wall_time: 2, step: 1, summary: { value: [{ tag: 'h', histo: h }] } };
  assert.equal(hex(encodeEvent(ev)), '09' + dbl(2) + '1001' + '2a48' + '0a46' + '0a0168' + '2a41' + hex(bytes));
  assert.deepEqual(decodeEvent(encodeEvent(ev)), ev);
});

test('Summary.Value.image=4: height=1, width=2, colorspace=3, encoded_image_string=4', () => {
  const image = { height: 2, width: 3, colorspace: 1, encoded_image_string: Uint8Array.of(0xaa) };
  const ev = { wall_time: 2, step: 1, summary: { value: [{ tag: 'i', image }] } };
  const bytes = encodeEvent(ev);
  assert.equal(hex(bytes), '09' + dbl(2) + '1001' + '2a10' + '0a0e' + '0a0169' + '2209' + '0802' + '1003' + '1801' + '2201aa');
  const back = decodeEvent(bytes);
  assert.deepEqual(Buffer.from(back.summary!.value[0]!.image!.encoded_image_string), Buffer.from([0xaa]));
  assert.deepEqual({ ...back.summary!.value[0]!.image!, encoded_image_string: null }, { ...image, encoded_image_string: null });
});

test('graph_def (field 4) decodes as bytes; fields we do not model (node_name=7) are skipped', () => {
  // Event{ wall_time: 1, graph_def: "xy" } and Event{ summary { value { node_name: "n", tag: "t", simple_value: 1 } } }
  const ev = decodeEvent(Buffer.from('09' + dbl(1) + '22027879', 'hex'));
  assert.deepEqual({ ...ev, graph_def: [...ev.graph_def!] }, { wall_time: 1, step: 0, graph_def: [0x78, 0x79] });
  const withNode = Buffer.from('2a0d' + '0a0b' + '3a016e' + '0a0174' + '150000803f', 'hex');
  assert.deepEqual(decodeEvent(withNode), { wall_time: 0, step: 0, summary: { value: [{ tag: 't', simple_value: 1 }] } });
});
