// alexnet explain as a user runs it: without weights (seeded random, said on stderr), --json
// in the shape with the report written, --class by label, and the errors.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { FIXTURES } from '../helpers.js';
import { alexnet } from './cli_helpers.js';

const home = mkdtempSync(join(tmpdir(), 'alexnet-explain-home-'));
const env = { ALEXNET_HOME: home };
after(() => rmSync(home, { recursive: true, force: true }));
const photo = join(FIXTURES, 'images', 'chelsea.png');

describe('alexnet explain', () => {
  test('--json: the issue\'s object, maps as nested arrays, the report written', async () => {
    const out = join(home, 'report');
    const r = await alexnet(['explain', photo, '--model', 'alexnet_v2', '--class', 'tiger cat', '--patch', '64', '--stride', '32', '--out', out, '--json'], env);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /no weights for alexnet_v2: using seeded random weights \(seed 0\)/);
    const j = JSON.parse(r.stdout) as Record<string, unknown> & {
      predictions: { index: number; wnid: string; label: string; probability: number }[];
      gradcam: { layer: string; classIndex: number; shape: number[]; map: number[][] };
      gradcamClass: { classIndex: number; map: number[][] };
      occlusion: { patch: number; stride: number; shape: number[]; map: number[][] };
    };
    assert.deepEqual(Object.keys(j), ['file', 'model', 'randomWeights', 'predictions', 'class', 'gradcam', 'gradcamClass', 'occlusion', 'report']);
    assert.deepEqual([j['file'], j['model'], j['randomWeights']], [photo, 'alexnet_v2', true]);
    assert.deepEqual(Object.keys(j.predictions[0]!), ['index', 'wnid', 'label', 'probability']);
    assert.equal(j.predictions.length, 5);
    assert.equal(j['class'], j.predictions[0]!.index);
    assert.deepEqual([j.gradcam.layer, j.gradcam.classIndex, j.gradcam.shape], ['conv5', j['class'], [12, 12]]);
    assert.equal(j.gradcam.map.length, 12);
    assert.ok(j.gradcam.map.every((row) => row.length === 12));
    assert.equal(j.gradcamClass.classIndex, 282); // tiger cat
    assert.deepEqual([j.occlusion.patch, j.occlusion.stride, j.occlusion.shape], [64, 32, [6, 6]]);
    assert.ok(j.occlusion.map.every((row) => row.length === 6));
    assert.equal(j['report'], join(out, 'index.html'));
    assert.ok(existsSync(join(out, 'index.html')));
  });

  test('errors: an unknown layer or class lists the valid ones; one IMAGE', async () => {
    const layer = await alexnet(['explain', photo, '--layer', 'conv9'], env);
    assert.equal(layer.status, 1);
    assert.match(layer.stderr, /\nalexnet: alexnet has no spatial layer "conv9"; valid layers: features\.0, .*features\.11/);
    const cls = await alexnet(['explain', photo, '--class', 'cat'], env);
    assert.equal(cls.status, 2);
    assert.match(cls.stderr, /unknown class "cat"; give an index 0\.\.999, a WordNet id or a label; labels containing it: .*"tiger cat"/);
    const two = await alexnet(['explain', photo, photo], env);
    assert.equal(two.status, 2);
    assert.match(two.stderr, /explain: give one IMAGE, got 2/);
  });
});
