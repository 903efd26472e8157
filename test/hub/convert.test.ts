import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { importWeights } from '../../src/hub/convert.js';
import { generated } from '../helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'convert-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('importWeights: announces reading and writing, then writes the bundle', async (t) => {
  const pth = generated(t, 'alexnet_seeded.pth');
  if (!pth) return;
  const out = join(tmp, 'alexnet.safetensors');
  const status: string[] = [];
  const r = await importWeights('alexnet', pth, out, { onStatus: (s) => status.push(s) });
  assert.deepEqual(status, [`reading ${pth}`, `writing ${out}`]);
  assert.deepEqual([r.model, r.numClasses, r.params, r.from], ['alexnet', 1000, 61_100_840, 'pth']);
  assert.ok(existsSync(out) && existsSync(out.replace(/\.safetensors$/, '.json')));
});
