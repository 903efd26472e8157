import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import sharp from 'sharp';
import { histogramProto } from '../../src/logs/histogram.js';
import { readEvents, scalarsByTag } from '../../src/logs/tb_reader.js';
import { encodeEvent } from '../../src/logs/tb_proto.js';
import { pngSize, SummaryWriter } from '../../src/logs/tensorboard.js';
import { frameRecord, readRecords, TFRecordError } from '../../src/logs/tfrecord.js';

const T0 = 1_700_000_000_123; // fake wall clock, ms

function logdir(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'tb-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return join(d, 'run1'); // not yet existing: the writer creates it
}

function clock(): () => number {
  let now = T0;
  return () => (now += 1000);
}

async function tinyPng(w: number, h: number, channels: 1 | 3 | 4): Promise<Uint8Array> {
  const px = Uint8Array.from({ length: w * h * channels }, (_, i) => (i * 37) % 256);
  const img = sharp(px, { raw: { width: w, height: h, channels } });
  return new Uint8Array(await (channels === 1 ? img.toColourspace('b-w') : img).png().toBuffer());
}

test('event file name and the file_version record', (t) => {
  const dir = logdir(t);
  const now = () => T0;
  const a = new SummaryWriter(dir, { now });
  const b = new SummaryWriter(dir, { now, filenameSuffix: '.eval' });
  a.close();
  b.close();
  const re = new RegExp(`^events\\.out\\.tfevents\\.1700000000\\.${hostname().replace(/\./g, '\\.')}\\.${process.pid}\\.(\\d+)(\\.eval)?$`);
  const ma = re.exec(basename(a.path));
  const mb = re.exec(basename(b.path));
  assert.ok(ma && mb, `${a.path} ${b.path}`);
  assert.equal(Number(mb[1]), Number(ma[1]) + 1);
  assert.equal(mb[2], '.eval');
  assert.deepEqual(readdirSync(dir).sort(), [basename(a.path), basename(b.path)].sort());
  assert.deepEqual(readEvents(a.path), [{ wall_time: 1700000000.123, step: 0, file_version: 'brain.Event:2' }]);
});

test('scalars, histograms and images round-trip through the reader', async (t) => {
  const dir = logdir(t);
  const w = new SummaryWriter(dir, { now: clock() });
  const losses = [2.302585, 1.5, 0.1, 1e-7, -3.25, 0];
  losses.forEach((l, i) => w.scalar('train/loss', l, i * 10));
  w.scalar('lr', 0.01, 2 ** 40); // int64 step beyond 32 bits
  const weights = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 0.05);
  w.histogram('conv1/weights', weights, 5);
  const png = await tinyPng(5, 3, 3);
  const gray = await tinyPng(2, 4, 1);
  w.image('conv1/filters', png, 3, 5, 5);
  w.image('gray', gray, 4, 2, 6, 1);
  w.close();

  const file = readFileSync(w.path);
  const records = readRecords(file, { source: w.path });
  const events = readEvents(w.path);
  assert.equal(events.length, records.length);
  assert.equal(events.length, 1 + losses.length + 1 + 1 + 2);
  // wall_time comes from the injected clock: one tick per call
  events.forEach((e, i) => assert.equal(e.wall_time, (T0 + 1000 * (i + 1)) / 1000));
  assert.equal(events[0]!.file_version, 'brain.Event:2');

  const scalars = scalarsByTag(events);
  assert.deepEqual([...scalars.keys()], ['train/loss', 'lr']);
  assert.deepEqual(
    scalars.get('train/loss')!.map((p) => [p.step, p.value]),
    losses.map((l, i) => [i * 10, Math.fround(l)]), // simple_value is a float32
  );
  assert.equal(scalars.get('lr')![0]!.step, 2 ** 40);
  assert.equal(scalars.get('lr')![0]!.value, Math.fround(0.01));

  const h = events[8]!;
  assert.equal(h.step, 5);
  assert.equal(h.summary!.value[0]!.tag, 'conv1/weights');
  assert.deepEqual(h.summary!.value[0]!.histo, histogramProto(weights));
  assert.equal(h.summary!.value[0]!.histo!.num, 1000);

  const im = events[9]!.summary!.value[0]!;
  assert.equal(im.tag, 'conv1/filters');
  assert.deepEqual({ ...im.image!, encoded_image_string: null }, { height: 3, width: 5, colorspace: 3, encoded_image_string: null });
  assert.deepEqual(Buffer.from(im.image!.encoded_image_string), Buffer.from(png));
  const g = events[10]!.summary!.value[0]!;
  assert.equal(events[10]!.step, 6);
  assert.equal(g.image!.colorspace, 1);
  assert.deepEqual(Buffer.from(g.image!.encoded_image_string), Buffer.from(gray));
  const decoded = await sharp(g.image!.encoded_image_string).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([decoded.info.width, decoded.info.height, decoded.info.channels], [2, 4, 1]);
  assert.deepEqual([...decoded.data], [0, 37, 74, 111, 148, 185, 222, 3]);
});

test('writes are queued until flush, a timer, the size limit or close', async (t) => {
  const dir = logdir(t);
  const w = new SummaryWriter(dir, { flushSecs: 3600 });
  const header = statSync(w.path).size;
  assert.equal(readEvents(w.path).length, 1, 'the version record is written at once');
  w.scalar('a', 1, 1);
  assert.equal(statSync(w.path).size, header);
  w.flush();
  assert.equal(readEvents(w.path).length, 2);
  w.scalar('a', 2, 2);
  w.close();
  assert.equal(readEvents(w.path).length, 3);
  w.close(); // idempotent

  const timed = new SummaryWriter(dir, { flushSecs: 0.05 });
  t.after(() => timed.close());
  timed.scalar('b', 1, 1);
  assert.equal(readEvents(timed.path).length, 1);
  await sleep(300);
  assert.deepEqual(readEvents(timed.path).map((e) => e.summary?.value[0]?.simple_value), [undefined, 1]);

  const small = new SummaryWriter(dir, { flushSecs: 3600, maxQueueBytes: 1 });
  small.scalar('c', 1, 1);
  assert.equal(readEvents(small.path).length, 2);
  small.close();
});

test('bad arguments and a closed writer throw with the values', async (t) => {
  const w = new SummaryWriter(logdir(t));
  const png = await tinyPng(5, 3, 3);
  assert.throws(() => w.image('x', png, 5, 3, 0), /image\(x\): declared 3x5 but the PNG is 5x3/);
  assert.throws(() => w.image('x', new Uint8Array([1, 2, 3]), 1, 1, 0), /image\(x\): data is not a PNG \(3 bytes, starts 010203\)/);
  assert.throws(() => w.image('x', png, 3, 5, 0, 5), /channels must be 1\.\.4, got 5/);
  assert.throws(() => w.scalar('x', 1, -1), /step must be a non-negative integer, got -1/);
  assert.throws(() => w.scalar('x', 1, 1.5), /got 1\.5/);
  assert.throws(() => w.histogram('h', [1, NaN], 0), /histogram h: value\[1\] = NaN/);
  w.close();
  assert.throws(() => w.scalar('x', 1, 0), new RegExp(`scalar: .*${basename(w.path).replace(/\./g, '\\.')} is closed`));
  assert.equal(readEvents(w.path).length, 1, 'rejected values wrote nothing');
});

test('pngSize reads IHDR', async () => {
  assert.deepEqual(pngSize(await tinyPng(7, 2, 4)), { width: 7, height: 2 });
  assert.equal(pngSize(new Uint8Array(30)), null);
});

test('a corrupted event file is reported at the offending record', (t) => {
  const w = new SummaryWriter(logdir(t), { now: () => T0 });
  for (let i = 0; i < 5; i++) w.scalar('loss', i, i);
  w.close();
  const good = readFileSync(w.path);
  const recs = readRecords(good);
  assert.equal(recs.length, 6);
  const third = recs[3]!.offset;

  const bad = Buffer.from(good);
  bad[third + 14]! ^= 0x01; // inside record 3's data
  writeFileSync(w.path, bad);
  assert.throws(() => readEvents(w.path), (e: unknown) => {
    assert.ok(e instanceof TFRecordError);
    assert.equal(e.offset, third);
    assert.equal(e.record, 3);
    assert.match(e.message, new RegExp(`^${w.path.replace(/[.\\/]/g, '\\$&')}: record 3 at byte ${third}: data CRC mismatch`));
    return true;
  });

  writeFileSync(w.path, good.subarray(0, good.length - 3));
  assert.throws(() => readEvents(w.path), new RegExp(`record 5 at byte ${recs[5]!.offset}: truncated record: needs \\d+ bytes`));
  assert.equal(readEvents(w.path, { allowPartialTail: true }).length, 5);
});

test('a record with good CRCs but bytes that are not an Event is named', (t) => {
  const dir = logdir(t);
  const w = new SummaryWriter(dir, { now: () => T0 });
  w.close();
  const good = readFileSync(w.path);
  // field 1 with wire type 7 does not exist in protobuf
  writeFileSync(w.path, Buffer.concat([good, frameRecord(Uint8Array.of(0x0f, 0x00))]));
  assert.throws(() => readEvents(w.path), new RegExp(`record 1 at byte ${good.length} \\(2 bytes\\) is not a valid Event: .*wire type 7`));
});

test('encodeEvent checks the object against the schema', () => {
  assert.throws(() => encodeEvent({ wall_time: 1, step: 3, file_version: 7 as unknown as string }), /invalid Event \(step 3\): file_version: string expected/);
});

test('a process that exits without close() still leaves its queued events', (t) => {
  const dir = logdir(t);
  const src = join(import.meta.dirname, '..', '..', 'src', 'logs', 'tensorboard.ts');
  const code = `
    import { SummaryWriter } from ${JSON.stringify(src)};
    const w = new SummaryWriter(${JSON.stringify(dir)}, { flushSecs: 3600 });
    w.scalar('loss', NaN, 1);
    w.scalar('loss', 0.25, 2);
    process.exit(0);`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [file] = readdirSync(dir);
  const pts = scalarsByTag(readEvents(join(dir, file!))).get('loss')!;
  assert.deepEqual(pts.map((p) => [p.step, p.value]), [[1, NaN], [2, 0.25]]);
});
