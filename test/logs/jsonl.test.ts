import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { JsonlLogger, readJsonl } from '../../src/logs/jsonl.js';

function tmpFile(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'jsonl-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return join(d, 'train.jsonl');
}

test('one object per line, timestamped, on disk as soon as log() returns', (t) => {
  const path = tmpFile(t);
  let now = 1_700_000_000_000;
  const log = new JsonlLogger(path, { now: () => (now += 500) });
  log.log({ epoch: 1, step: 10, loss: 2.5 });
  assert.equal(readFileSync(path, 'utf8'), '{"time":1700000000.5,"epoch":1,"step":10,"loss":2.5}\n');
  log.log({ time: 5, note: 'caller time kept' });
  log.log({ loss: NaN, lr: Infinity, g: -Infinity, seen: 12n, big: 2n ** 64n, nested: { acc: 0.5 } });
  assert.equal(log.lines, 3);
  log.close();
  assert.equal(
    readFileSync(path, 'utf8'),
    '{"time":1700000000.5,"epoch":1,"step":10,"loss":2.5}\n' +
      '{"time":5,"note":"caller time kept"}\n' +
      '{"time":1700000001,"loss":"NaN","lr":"Infinity","g":"-Infinity","seen":12,"big":"18446744073709551616","nested":{"acc":0.5}}\n',
  );
  assert.deepEqual(readJsonl(path), [
    { time: 1700000000.5, epoch: 1, step: 10, loss: 2.5 },
    { time: 5, note: 'caller time kept' },
    { time: 1700000001, loss: 'NaN', lr: 'Infinity', g: '-Infinity', seen: 12, big: '18446744073709551616', nested: { acc: 0.5 } },
  ]);
  assert.throws(() => log.log({ a: 1 }), /JsonlLogger: .*train\.jsonl is closed/);
});

test('a second logger appends; timestamps can be turned off', (t) => {
  const path = tmpFile(t);
  const a = new JsonlLogger(path, { timestamps: false });
  a.log({ run: 1 });
  a.close();
  const b = new JsonlLogger(path, { timestamps: false });
  b.log({ run: 2 });
  b.close();
  assert.equal(readFileSync(path, 'utf8'), '{"run":1}\n{"run":2}\n');
  assert.throws(() => b.log([1] as unknown as Record<string, unknown>), /closed/);
  const c = new JsonlLogger(path, { timestamps: false });
  assert.throws(() => c.log([1] as unknown as Record<string, unknown>), /a record must be a plain object, got array/);
  c.close();
});

test('reader: blank lines skipped, bad lines named by file:line, partial tail optional', (t) => {
  const path = tmpFile(t);
  appendFileSync(path, '{"a":1}\n\n{"a":2}\n');
  assert.deepEqual(readJsonl(path), [{ a: 1 }, { a: 2 }]);
  appendFileSync(path, '{"a":');
  assert.throws(() => readJsonl(path), new RegExp(`^Error: ${path.replace(/[.\\/]/g, '\\$&')}:4: invalid JSON \\(last line, no newline: truncated\\?\\): .*: \\{"a":$`));
  assert.deepEqual(readJsonl(path, { allowPartialTail: true }), [{ a: 1 }, { a: 2 }]);

  const p2 = tmpFile(t);
  appendFileSync(p2, '{"a":1}\nnot json\n{"a":3}\n');
  assert.throws(() => readJsonl(p2, { allowPartialTail: true }), /train\.jsonl:2: invalid JSON: .*: not json$/);
  const p3 = tmpFile(t);
  appendFileSync(p3, '{"a":1}\n[1,2]\n');
  assert.throws(() => readJsonl(p3), /train\.jsonl:2: expected a JSON object, got \[1,2\]/);
});
