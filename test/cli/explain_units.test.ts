// alexnet explain units as a user runs it: the folder of test photos (one of them
// unreadable), --json with every channel's top images, the gallery written; and the errors.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { FIXTURES } from '../helpers.js';
import { alexnet } from './cli_helpers.js';

const home = mkdtempSync(join(tmpdir(), 'alexnet-units-home-'));
const env = { ALEXNET_HOME: home };
after(() => rmSync(home, { recursive: true, force: true }));
const photos = join(FIXTURES, 'images');

interface Hit {
  file: string;
  value: number;
  row: number;
  col: number;
  box: { x0: number; x1: number; y0: number; y1: number };
}

describe('alexnet explain units', () => {
  test('--json: per channel the top images with their position and box; the gallery in Japanese', async () => {
    const out = join(home, 'gallery');
    const r = await alexnet(['explain', 'units', photos, '--model', 'bvlc_alexnet', '--layer', 'relu5', '--top', '2', '--batch', '3', '--lang', 'ja', '--out', out, '--json'], env);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /no weights for bvlc_alexnet: using seeded random weights \(seed 0\)/);
    const j = JSON.parse(r.stdout) as { model: string; layer: string; shape: number[]; rf: number[]; files: number; failed: { file: string; error: string }[]; units: Hit[][]; report: string };
    assert.deepEqual(Object.keys(j), ['model', 'layer', 'shape', 'rf', 'files', 'failed', 'units', 'report']);
    assert.deepEqual([j.model, j.layer, j.shape, j.rf, j.files], ['bvlc_alexnet', 'relu5', [256, 13, 13], [163, 163], 4]);
    assert.deepEqual(j.failed.map((f) => f.file), [join(photos, 'truncated.jpg')]);
    assert.equal(j.units.length, 256);
    for (const [c, hits] of j.units.entries()) {
      assert.equal(hits.length, 2, `channel ${c}`);
      assert.ok(hits[0]!.value >= hits[1]!.value && hits[0]!.file !== hits[1]!.file, `channel ${c}`);
      for (const h of hits) {
        assert.ok(h.row >= 0 && h.row < 13 && h.col >= 0 && h.col < 13);
        assert.ok(h.box.x0 >= 0 && h.box.x1 <= 226 && h.box.x0 < h.box.x1 && h.box.y0 < h.box.y1, JSON.stringify(h.box));
      }
    }
    assert.equal(j.report, join(out, 'index.html'));
    const page = readFileSync(j.report, 'utf8');
    assert.match(page, /<html lang="ja">/);
    assert.ok(page.includes('bvlc_alexnet の relu5 の各チャネルは何に反応するか'));
    assert.ok(existsSync(join(out, 'units', 'unit-255-1.png')));
  });

  test('errors: no such folder, an unknown layer', async () => {
    const missing = await alexnet(['explain', 'units', join(home, 'nope')], env);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /nope: no such folder/);
    const layer = await alexnet(['explain', 'units', photos, '--layer', 'conv9'], env);
    assert.equal(layer.status, 1);
    assert.match(layer.stderr, /alexnet has no spatial layer "conv9"; valid layers: features\.0, /);
  });
});
