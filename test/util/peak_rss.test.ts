// A child's peak RSS is its own: not the memory of the process that started it, which
// getrusage's ru_maxrss carries over fork and exec on Linux (compare's and the bench's
// peak columns are measured in children).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { peakRssKb } from '../../src/util/peak_rss.js';
import { ROOT } from '../helpers.js';

test('peakRssKb in a child started by a process holding 600 MB', { skip: process.platform !== 'linux' && 'VmHWM is Linux-only' }, () => {
  const held = Buffer.alloc(600e6, 1); // resident: every page written
  const code = `const { peakRssKb } = await import(${JSON.stringify(join(ROOT, 'src', 'util', 'peak_rss.ts'))}); console.log(JSON.stringify({ own: peakRssKb(), ru: process.resourceUsage().maxRSS }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const { own, ru } = JSON.parse(r.stdout) as { own: number; ru: number };
  assert.ok(held[held.length - 1] === 1);
  assert.ok(ru > 550e3, `ru_maxrss ${ru} kB: inherited from the parent`);
  assert.ok(own < 300e3, `VmHWM ${own} kB: the child's own`);
  assert.ok(peakRssKb() > 550e3, 'and the parent sees its own 600 MB');
});
