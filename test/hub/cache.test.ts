// The classify cache's size bound: least recently used entries evicted first.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cacheLimitBytes, clearOptimizedModels, pruneOptimizedModels } from '../../src/hub/cache.js';

const tmp = mkdtempSync(join(tmpdir(), 'hub-cache-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** An entry of `bytes` bytes, last used `hoursAgo` hours ago. */
function put(dir: string, name: string, bytes: number, hoursAgo: number): void {
  const p = join(dir, name);
  mkdirSync(p, { recursive: true });
  writeFileSync(join(p, 'weights.bin'), Buffer.alloc(bytes));
  const t = new Date(Date.now() - hoursAgo * 3600e3);
  utimesSync(p, t, t);
}

test('over the bound, the least recently used entries go first; the one in use stays; temporaries are not entries', async () => {
  const dir = join(tmp, 'lru');
  put(dir, 'alexnet-aaaa', 100, 1);
  put(dir, 'alexnet-bbbb', 100, 4); // the oldest
  put(dir, 'alexnet-cccc', 100, 3);
  put(dir, 'alexnet-dddd', 100, 2);
  put(dir, 'alexnet-eeee', 100, 9); // older still, but in use
  put(dir, 'alexnet-ffff.123.tmp', 100, 10);
  const removed = await pruneOptimizedModels(dir, 250, 'alexnet-eeee');
  assert.deepEqual(removed, ['alexnet-bbbb', 'alexnet-cccc', 'alexnet-dddd']);
  assert.deepEqual(readdirSync(dir).sort(), ['alexnet-aaaa', 'alexnet-eeee', 'alexnet-ffff.123.tmp']);
  assert.deepEqual(await pruneOptimizedModels(dir, 250), [], 'within the bound: nothing removed');
});

test('clearOptimizedModels removes every entry and says how many bytes', async () => {
  const dir = join(tmp, 'clear');
  put(dir, 'alexnet-aaaa', 100, 1);
  put(dir, 'bvlc_alexnet-bbbb', 50, 1);
  assert.deepEqual(await clearOptimizedModels(dir), { count: 2, bytes: 150 });
  assert.deepEqual(readdirSync(dir), []);
});

test('the bound: ALEXNET_CACHE_MB, default 2048 MB', () => {
  assert.equal(cacheLimitBytes({}), 2048 * 2 ** 20);
  assert.equal(cacheLimitBytes({ ALEXNET_CACHE_MB: '500' }), 500 * 2 ** 20);
  assert.throws(() => cacheLimitBytes({ ALEXNET_CACHE_MB: 'lots' }), /ALEXNET_CACHE_MB must be a number of megabytes >= 0, got "lots"/);
});

test('alexnet weights list shows the cache; weights clear-cache empties it', async () => {
  const { alexnet } = await import('../cli/cli_helpers.js');
  const home = join(tmp, 'home');
  put(join(home, 'cache'), 'alexnet-aaaa', 100, 1);
  put(join(home, 'cache'), 'alexnet-bbbb', 50, 2);
  const env = { ALEXNET_HOME: home, ALEXNET_CACHE_MB: '1000' };
  const list = await alexnet(['weights', 'list'], env);
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /\nclassify cache: 2 optimised models, 0\.0 MB of at most 1048\.6 in .*cache \(alexnet weights clear-cache removes them\)\n$/);
  const clear = await alexnet(['weights', 'clear-cache', '--json'], env);
  assert.equal(clear.status, 0, clear.stderr);
  assert.deepEqual(JSON.parse(clear.stdout), { removed: 2, bytes: 150 });
  assert.deepEqual(readdirSync(join(home, 'cache')), []);
});
