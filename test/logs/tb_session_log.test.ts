// SessionLog START (written when a run resumes): wire bytes from event.proto's field
// numbers (Event.session_log = 7, SessionLog.status = 1, checkpoint_path = 2), and the
// writer's record read back through the CRC-checking reader.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeEvent, encodeEvent } from '../../src/logs/tb_proto.js';
import { readEvents } from '../../src/logs/tb_reader.js';
import { SummaryWriter } from '../../src/logs/tensorboard.js';

test('SessionLog: field 7 of Event, status START = 1', () => {
  const ev = { wall_time: 1.5, step: 3, session_log: { status: 1, checkpoint_path: 'x' } };
  const bytes = encodeEvent(ev);
  assert.equal(Buffer.from(bytes).toString('hex'), '09000000000000f83f' + '1003' + '3a05' + '0801' + '120178');
  assert.deepEqual(decodeEvent(bytes), ev);
});

test('SummaryWriter.sessionStart writes a START record at the step', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tb-sl-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const w = new SummaryWriter(dir, { now: () => 2000 });
  w.sessionStart(40, 'runs/a/ckpt-00000040');
  w.scalar('loss', 0.5, 41);
  w.close();
  const evs = readEvents(w.path);
  assert.deepEqual(evs.slice(1), [
    { wall_time: 2, step: 40, session_log: { status: 1, checkpoint_path: 'runs/a/ckpt-00000040' } },
    { wall_time: 2, step: 41, summary: { value: [{ tag: 'loss', simple_value: 0.5 }] } },
  ]);
});
