// A pool worker keeps one decoded image resident, not two: the pixels of the image before
// are collected as soon as it is done (src/data/preprocess_worker.ts), instead of waiting
// for a garbage collection that a worker, allocating little JavaScript, rarely runs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';

test('a worker decoding 12-megapixel images one after another holds at most one of them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'alexnet-pool-mem-'));
  try {
    const file = join(dir, 'big.png');
    const [w, h] = [4000, 3000];
    await sharp({ create: { width: w, height: h, channels: 3, background: { r: 90, g: 120, b: 200 } } }).png().toFile(file);
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'pool_memory.child.ts'), file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const { first, peak } = JSON.parse(r.stdout) as { first: number; peak: number };
    const image = w * h * 3; // 36 MB of decoded RGB
    // Measured: 7-10 MB of growth over the first job; 75-80 MB (two images) when each
    // image waits for the worker's next garbage collection.
    assert.ok(peak - first < image / 2, `resident memory grew by ${((peak - first) / 1e6).toFixed(1)} MB over 8 more images of ${image / 1e6} MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
