import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Io } from '../../src/cli/command.js';
import { terminalStatus } from '../../src/cli/status.js';

const io = (isTTY: boolean): Io => ({ out() {}, err() {}, isTTY, outIsTTY: false });

test('terminalStatus: phases drawn at once on a terminal, erased when done', () => {
  let written = '';
  const s = terminalStatus(io(true), 'export', { write: (c: string) => (written += c), isTTY: true, columns: 200 });
  s.phase('reading w.pth');
  s.phase('building alexnet');
  s.done();
  assert.equal(written, '\rexport: reading w.pth...\x1b[K\rexport: building alexnet...\x1b[K\r\x1b[K');
});

test('terminalStatus: nothing at all when stderr is not a terminal', () => {
  let written = '';
  const s = terminalStatus(io(false), 'eval', { write: (c: string) => (written += c) });
  s.phase('reading w.pth');
  s.count('3/10 images');
  s.done();
  assert.equal(written, '');
});
