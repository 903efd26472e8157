// explain's Grad-CAM and occlusion maps against PyTorch (tools/gen_explain_oracle.py):
// torchvision's AlexNet with hooks on features.11, and the PyTorch Caffe AlexNet at relu5,
// both with the seeded weights of tools/gen_classify_oracle.py. Targets: Pearson ≥ 0.99 and
// the same argmax position for every map; the same top class; the fully convolutional map
// (6x6 at the trained size + 160) within 1e-3 of PyTorch's conv form, and at the trained
// size (one position) equal to the plain logit.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { explain } from '../../src/explain/explain.js';
import { pearson } from '../../src/explain/maps.js';
import { loadWeights } from '../../src/hub/load.js';
import { FIXTURES, generated, maxAbs, maxAbsDiff } from '../helpers.js';

interface OracleImage {
  image: string;
  logits: number[];
  top: number;
  second: number;
  gradcam: { layer: string; top: number[][]; second: number[][] };
  occlusion: { base: number; shape: [number, number]; map: number[][] };
  fcn: { size: [number, number]; map: number[][] };
}

interface Oracle {
  patch: number;
  stride: number;
  models: Record<string, { weights: string; layer: string; images: OracleImage[] }>;
}

function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[best]!) best = i;
  return best;
}

function sameMap(what: string, ours: Float32Array, shape: number[], theirs: number[][]): number {
  assert.deepEqual(shape, [theirs.length, theirs[0]!.length], `${what}: shape`);
  const flat = theirs.flat();
  const r = pearson(ours, flat);
  assert.ok(r >= 0.99, `${what}: Pearson ${r}`);
  assert.equal(argmax(ours), argmax(flat), `${what}: argmax ${argmax(ours)} vs PyTorch's ${argmax(flat)} (Pearson ${r})`);
  return r;
}

for (const model of ['alexnet', 'bvlc_alexnet']) {
  describe(`explain ${model} against PyTorch`, () => {
    test('Grad-CAM (top and second class), occlusion, the fully convolutional map', async (t) => {
      const path = generated(t, 'explain/explain_oracle.json');
      if (!path) return;
      const oracle = JSON.parse(readFileSync(path, 'utf8')) as Oracle;
      const o = oracle.models[model]!;
      const weights = await loadWeights(model, join(dirname(path), '..', o.weights));
      const size = model === 'alexnet' ? 224 : 227;
      for (const img of o.images) {
        const r = await explain(model, join(FIXTURES, 'images', img.image), {
          weights,
          classIndex: img.second,
          patch: oracle.patch,
          stride: oracle.stride,
        });
        const name = `${model} ${img.image}`;
        assert.equal(r.class, img.top, `${name}: top class`);
        assert.equal(r.gradcam[0]!.layer, o.layer);
        const rs = [
          sameMap(`${name} Grad-CAM top`, r.gradcam[0]!.map, r.gradcam[0]!.shape, img.gradcam.top),
          sameMap(`${name} Grad-CAM second`, r.gradcam[1]!.map, r.gradcam[1]!.shape, img.gradcam.second),
          sameMap(`${name} occlusion`, r.occlusion.map, r.occlusion.shape, img.occlusion.map),
        ];
        assert.ok(Math.abs(r.occlusion.base - img.occlusion.base) < 1e-3, `${name}: p(top) ${r.occlusion.base} vs ${img.occlusion.base}`);
        assert.deepEqual([r.fcn!.size, r.fcn!.shape], [img.fcn.size, [6, 6]]);
        const fcnDiff = maxAbsDiff(r.fcn!.map, img.fcn.map.flat());
        assert.ok(fcnDiff < 1e-3 * Math.max(1, maxAbs(r.fcn!.map)), `${name}: fully convolutional map differs by ${fcnDiff}`);
        t.diagnostic(`${name}: Pearson ${rs.map((x) => x.toFixed(6)).join(', ')}; fully convolutional map max |Δ| ${fcnDiff.toExponential(2)}`);
      }
      // at the trained size the fully convolutional form is one position: the plain logit
      const img = o.images[0]!;
      const one = await explain(model, join(FIXTURES, 'images', img.image), { weights, patch: size, stride: 1, fcnSize: [size, size] });
      assert.deepEqual(one.fcn!.shape, [1, 1]);
      const logit = img.logits[img.top]!;
      assert.ok(Math.abs(one.fcn!.map[0]! - logit) < 1e-3 * Math.max(1, Math.abs(logit)), `conv form ${one.fcn!.map[0]} vs logit ${logit}`);
    });
  });
}
