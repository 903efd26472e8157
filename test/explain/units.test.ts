import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { contextArea, writeUnitsGallery } from '../../src/explain/report/units_page.js';
import { channelMax, explainUnits, keepTop } from '../../src/explain/units.js';
import { explainWeights, weightsFor } from '../../src/explain/weights.js';
import { loadImageTensor } from '../../src/data/preprocess.js';
import { getModel } from '../../src/models/registry.js';
import { compileModel } from '../../src/runtime/compile.js';
import { FIXTURES } from '../helpers.js';

test('keepTop keeps the k highest, ties in file order; channelMax finds the first maximum', () => {
  const list: { value: number; file: number; pos: number }[] = [];
  for (const [value, file] of [[1, 0], [5, 1], [3, 2], [5, 3], [0, 4], [4, 5]] as const) keepTop(list, { value, file, pos: 0 }, 3);
  assert.deepEqual(list.map((h) => [h.value, h.file]), [[5, 1], [5, 3], [4, 5]]);
  const m = channelMax(Float32Array.of(1, 3, 3, 2, /* channel 1 */ -1, -2, -1, -5), 2, 4);
  assert.deepEqual([...m.value], [3, -1]);
  assert.deepEqual([...m.pos], [1, 0]);
});

test('units gallery: the top images per channel equal a brute-force pass over the folder', { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'units-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const photos = join(dir, 'photos');
  mkdirSync(photos);
  for (const f of ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg']) copyFileSync(join(FIXTURES, 'images', f), join(photos, f));
  // one more image: chelsea flipped, so the folder has near-duplicates competing
  await sharp(join(FIXTURES, 'images', 'chelsea.png')).flop().toFile(join(photos, 'chelsea_flipped.png'));
  copyFileSync(join(FIXTURES, 'images', 'README.md'), join(photos, 'notes.md'));
  const files = ['astronaut.png', 'chelsea.png', 'chelsea_flipped.png', 'coffee.png', 'rocket.jpg'].map((f) => join(photos, f));

  const progress: number[] = [];
  const r = await explainUnits('alexnet', photos, { layer: 'features.11', top: 3, batchSize: 2, seed: 3, onProgress: (done) => progress.push(done) });
  assert.deepEqual([r.layer, r.endPoint, r.shape, r.rf, r.jump, r.files, r.failed], ['features.11', 'features.10', [256, 13, 13], [163, 163], [16, 16], 5, []]);
  assert.deepEqual(progress, [2, 4, 5]);

  // brute force: each image alone through the model, every channel's maximum, sorted
  const spec = getModel('alexnet');
  const w = explainWeights(spec, undefined, 3);
  const m = spec.build({ numClasses: w.numClasses, inputSize: w.inputSize, batch: 1 });
  const s = await compileModel({ graph: m.graph, outputs: { a: m.endPoints['features.10']!.value } }, weightsFor(m, w));
  const maxima: { value: number; pos: number }[][] = [];
  for (const f of files) {
    const a = (await s.run({ input: await loadImageTensor(f, 'torchvision') }, ['a']))['a']!.data as Float32Array;
    maxima.push(Array.from({ length: 256 }, (_, c) => {
      let best = 0;
      for (let p = 1; p < 169; p++) if (a[c * 169 + p]! > a[c * 169 + best]!) best = p;
      return { value: a[c * 169 + best]!, pos: best };
    }));
  }
  await s.dispose();
  let dead = 0;
  for (let c = 0; c < 256; c++) {
    const ref = files.map((f, i) => ({ f, ...maxima[i]![c]! })).sort((a, b) => b.value - a.value || files.indexOf(a.f) - files.indexOf(b.f)).slice(0, 3);
    const got = r.units[c]!;
    if (ref[0]!.value === 0) dead++;
    assert.deepEqual(got.map((h) => h.file), ref.map((x) => x.f), `channel ${c}`);
    got.forEach((h, k) => {
      assert.ok(Math.abs(h.value - ref[k]!.value) <= 1e-4 * Math.max(1, Math.abs(ref[k]!.value)), `channel ${c} #${k}: ${h.value} vs ${ref[k]!.value}`);
      if (ref[k]!.value > 0) assert.equal(h.row * 13 + h.col, ref[k]!.pos, `channel ${c} #${k} position`);
    });
  }
  assert.ok(dead < 128, `${dead} of 256 channels are zero on every image`);

  const index = await writeUnitsGallery(r, { dir: join(dir, 'gallery'), lang: 'ja' });
  const page = readFileSync(index, 'utf8');
  assert.equal((page.match(/<section id="channel-/g) ?? []).length, 256);
  assert.match(page, /<html lang="ja">/);
  assert.doesNotMatch(page, /<script|https?:\/\//);
  const first = r.units[0]![0]!;
  const crop = join(dir, 'gallery', 'units', 'unit-0-0.png');
  assert.ok(existsSync(crop) && page.includes(`${basename(first.file)}（反応 `));
  // the receptive field and a margin of 163/4 ≈ 41 pixels, clipped to the 224x224 input
  const b = first.box;
  const area = contextArea({ top: b.y0, left: b.x0, height: b.y1 - b.y0 + 1, width: b.x1 - b.x0 + 1 }, r.rf, [224, 224]);
  assert.deepEqual([area.left, area.top], [Math.max(0, b.x0 - 41), Math.max(0, b.y0 - 41)]);
  assert.deepEqual([area.left + area.width - 1, area.top + area.height - 1], [Math.min(223, b.x1 + 41), Math.min(223, b.y1 + 41)]);
  const meta = await sharp(crop).metadata();
  assert.deepEqual([meta.width, meta.height], [area.width, area.height]);
});
