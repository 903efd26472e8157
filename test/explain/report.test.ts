import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { receptiveBox } from '../../src/explain/receptive.js';
import { INFERNO, inferno } from '../../src/explain/report/colormap.js';
import { networkDiagram } from '../../src/explain/report/diagram.js';
import { cropWithBox, heatmapOverlay, tileGrid, upsample } from '../../src/explain/report/images.js';
import { escapeHtml, html, raw } from '../../src/explain/report/html.js';
import { writeReport } from '../../src/explain/report/index.js';
import { LANGS, TEXTS, type Texts } from '../../src/explain/report/text.js';
import { layerFacts, layerKind, observation, walkthrough } from '../../src/explain/report/walkthrough.js';
import { getModel } from '../../src/models/registry.js';
import { float32 } from '../../src/tensor.js';
import { fixtureResult } from './report_fixture.js';

const layers = getModel('alexnet').build({ batch: 1 }).layers;

test('html escapes interpolated text, keeps Html fragments and arrays of them', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  const name = '<script>alert(1)</script>';
  const out = html`<p title="${name}">${name}${[html`<b>${1}</b>`, raw('<i>ok</i>')]}${null}${false}</p>`.text;
  assert.equal(out, '<p title="&lt;script&gt;alert(1)&lt;/script&gt;">&lt;script&gt;alert(1)&lt;/script&gt;<b>1</b><i>ok</i></p>');
});

// sample arguments by parameter position: numbers where the texts count, strings elsewhere
const facts = layerFacts(layers[0]!, 'en');
function sample(t: Texts, key: keyof Texts): string {
  const v = t[key] as unknown;
  if (typeof v === 'string') return v;
  const f = v as (...a: unknown[]) => string;
  if (['conv', 'fc', 'maxPool', 'lrn', 'avgPool', 'globalMean', 'facts'].includes(key)) return f(facts);
  if (key === 'otherLayer') return f(facts, 'BatchNorm');
  if (key === 'spatial') return f({ zeroPercent: '40', channel: 3, mean: '0.5', row: 1, col: 2, x0: 0, x1: 10, y0: 5, y1: 15 });
  return f(...Array.from({ length: f.length }, (_, i) => (i % 2 ? 7 : 'x')));
}

test('every text exists in English and Japanese, is non-empty, and the Japanese is Japanese', () => {
  const keys = Object.keys(TEXTS.en).sort();
  assert.ok(keys.length > 40);
  assert.deepEqual(Object.keys(TEXTS.ja).sort(), keys);
  assert.deepEqual(LANGS, ['en', 'ja']);
  for (const key of keys as (keyof Texts)[]) {
    assert.equal(typeof TEXTS.ja[key], typeof TEXTS.en[key], key);
    const en = sample(TEXTS.en, key);
    const ja = sample(TEXTS.ja, key);
    assert.ok(en.length > 0 && ja.length > 0, key);
    assert.match(ja, /[\u3040-\u30ff\u4e00-\u9fff]/, `ja ${key}: ${ja}`);
    assert.doesNotMatch(en, /[\u3040-\u30ff\u4e00-\u9fff]|undefined|NaN|\[object/, `en ${key}: ${en}`);
    assert.doesNotMatch(ja, /undefined|NaN|\[object/, `ja ${key}: ${ja}`);
  }
});

test('inferno is matplotlib’s table in 8 bits: ends, middle, and lookups', () => {
  assert.equal(INFERNO.length, 256 * 3);
  // _inferno_data[0] = (0.001462, 0.000466, 0.013866), [128] = (0.735683, 0.215906, 0.330245), [255] = (0.988362, 0.998364, 0.644924)
  assert.deepEqual([...INFERNO.subarray(0, 3)], [0, 0, 4]);
  assert.deepEqual([...INFERNO.subarray(128 * 3, 129 * 3)], [188, 55, 84]);
  assert.deepEqual([...INFERNO.subarray(255 * 3)], [252, 255, 164]);
  assert.deepEqual(inferno(0), [0, 0, 4]);
  assert.deepEqual(inferno(1), [252, 255, 164]);
  assert.deepEqual(inferno(2), inferno(1));
  assert.deepEqual(inferno(-1), inferno(0));
  assert.deepEqual(inferno(NaN), inferno(0));
});

test('upsample is bilinear with centres aligned (align_corners=False) and clamped edges', () => {
  assert.deepEqual([...upsample({ data: [0, 1], height: 1, width: 2 }, 4, 1)], [0, 0.25, 0.75, 1]);
  const up = upsample({ data: [0, 1, 2, 3], height: 2, width: 2 }, 2, 2);
  assert.deepEqual([...up], [0, 1, 2, 3]);
});

test('heatmapOverlay blends inferno over the image; tileGrid and cropWithBox place pixels', () => {
  const img = { data: new Uint8Array(4 * 3).fill(100), width: 2, height: 2 };
  const full = heatmapOverlay(img, { data: [1, 1, 1, 1], height: 2, width: 2 }, { alpha: 1 });
  assert.deepEqual([...full.data.subarray(0, 3)], [252, 255, 164]);
  const half = heatmapOverlay(img, { data: [0, 0, 0, 2], height: 1, width: 4 }, { alpha: 0.5, scale: 2 });
  assert.deepEqual([...half.data.subarray(0, 3)], [50, 50, 52]); // 0.5·100 + 0.5·inferno(0)
  const zero = heatmapOverlay(img, { data: [0], height: 1, width: 1 });
  assert.deepEqual([...zero.data.subarray(0, 3)], [50, 50, 52], 'an all-zero map is drawn as 0');

  const grid = tileGrid([{ data: [0, 1], height: 1, width: 2 }, { data: [5, 5], height: 1, width: 2 }], 2, 2);
  assert.deepEqual([grid.image.width, grid.image.height, grid.tile], [2 * 4 + 2, 2, 4]);
  const px = (x: number, y: number) => [...grid.image.data.subarray((y * grid.image.width + x) * 3, (y * grid.image.width + x) * 3 + 3)];
  assert.deepEqual(px(0, 0), [0, 0, 4]);
  assert.deepEqual(px(3, 1), [252, 255, 164]);
  assert.deepEqual(px(4, 0), [255, 255, 255], 'gap');
  assert.deepEqual(px(6, 0), [0, 0, 4], 'a constant map is drawn at its minimum');

  const src = { data: Uint8Array.from({ length: 5 * 5 * 3 }, (_, i) => Math.floor(i / 3)), width: 5, height: 5 };
  const c = cropWithBox(src, { top: 1, left: 2, height: 3, width: 4 }, { top: 1, left: 2, height: 3, width: 4 }, [1, 2, 3], 1);
  assert.deepEqual([c.width, c.height], [4, 3]);
  assert.deepEqual([...c.data.subarray(0, 3)], [1, 2, 3], 'outline');
  assert.deepEqual([...c.data.subarray((1 * 4 + 1) * 3, (1 * 4 + 1) * 3 + 3)], [13, 13, 13], 'pixel (3, 2) of the source');
  assert.deepEqual([...c.data.subarray((1 * 4 + 2) * 3, (1 * 4 + 2) * 3 + 1)], [14]);
  // a context area past the image's corner, the box inside it
  const ctx = cropWithBox(src, { top: -1, left: -1, height: 4, width: 4 }, { top: 1, left: 1, height: 1, width: 1 }, [1, 2, 3], 1);
  const at = (x: number, y: number) => [...ctx.data.subarray((y * 4 + x) * 3, (y * 4 + x) * 3 + 3)];
  assert.deepEqual(at(0, 0), [128, 128, 128], 'outside the image');
  assert.deepEqual(at(1, 1), [0, 0, 0], 'pixel (0, 0)');
  assert.deepEqual(at(2, 2), [1, 2, 3], 'the 1-pixel box');
  assert.deepEqual(at(3, 2), [7, 7, 7], 'pixel (2, 1)');
});

test('receptiveBox centres the windows on the input', () => {
  // a VALID 3x3 convolution on 5 pixels: positions 0..2 see 0..2, 1..3, 2..4
  assert.deepEqual(receptiveBox(0, 2, [3, 3], [3, 3], [1, 1], [5, 5]), { x0: 2, x1: 4, y0: 0, y1: 2 });
  // stride 2 on 7 pixels: centres 1, 3, 5
  assert.deepEqual(receptiveBox(1, 2, [3, 3], [3, 3], [2, 2], [7, 7]), { x0: 4, x1: 6, y0: 2, y1: 4 });
  // torchvision alexnet pool5 at 224: rf 195, step 32, clipped to the image
  assert.deepEqual(receptiveBox(0, 5, [6, 6], [195, 195], [32, 32], [224, 224]), { x0: 95, x1: 223, y0: 0, y1: 129 });
});

test('walk-through: one paragraph per layer with its numbers; the diagram has one box per layer', () => {
  assert.deepEqual(
    layers.map((l) => layerKind(l)),
    ['conv', 'maxPool', 'conv', 'maxPool', 'conv', 'conv', 'conv', 'maxPool', 'avgPool', 'fc', 'fc', 'fc'],
  );
  const r = fixtureResult();
  const paras = walkthrough(layers, r.activations, TEXTS.en, 'en', [32, 32], 'tabby');
  assert.equal(paras.length, layers.length);
  assert.match(paras[0]!.text, /^features\.0 is a convolution\. 64 filters of 11×11 pixels .* stride of 4;/);
  assert.match(paras[0]!.text, /Output 55×55×64; 23,296 \(23\.3 thousand\) parameters; 70,276,800 \(70\.3 million\) multiply-accumulates\./);
  assert.match(paras[0]!.text, /On this image \d+% of its outputs are zero\. Its most active channel is 3 /);
  assert.match(paras[9]!.text, /each of its 4096 outputs is a weighted sum of all 9216 inputs.*depends on the whole input\. On this image 5 of its 10 outputs are above zero\./);
  assert.match(paras.at(-1)!.text, /Its highest score is for “tabby”\.$/);
  const ja = walkthrough(layers, r.activations, TEXTS.ja, 'ja', [32, 32], 'tabby');
  assert.match(ja[0]!.text, /^features\.0 は畳み込み層です。.*パラメータ数は 23,296（約2万）、積和演算の回数は 70,276,800（約7,028万） です。/);

  // a 1×1 map (fc6 of alexnet_v2, a conv) is told as a vector; a field as large as the input is the whole input
  const fc6 = { name: 'fc6', shape: [4, 1, 1], rf: [323, 323] as [number, number], jump: [32, 32] as [number, number], tensor: float32([4, 1, 1], Float32Array.of(0, 2, 0, 1)), channelMeans: Float32Array.of(0, 2, 0, 1), topChannels: [1, 3, 0, 2] };
  assert.equal(observation(fc6, TEXTS.en, [224, 224]), 'On this image 2 of its 4 outputs are above zero.');
  assert.equal(layerFacts({ ...layers[0]!, receptiveField: '323x323' }, 'en', [224, 224]).global, true);
  assert.equal(layerFacts({ ...layers[0]!, receptiveField: '195x195' }, 'en', [224, 224]).global, false);

  const svg = networkDiagram([1, 224, 224, 3], layers, 'net <diagram>').text;
  assert.equal((svg.match(/<rect /g) ?? []).length, layers.length + 1);
  assert.match(svg, /aria-label="net &lt;diagram&gt;"/);
  assert.match(svg, />features\.0<\/text>.*>Conv 11×11 \/4<\/text>.*>55×55×64<\/text>/);
  assert.match(svg, />classifier\.6<\/text>.*>1000<\/text>/);
});

test('writeReport: index.html with sections 1–9, only local PNGs, no script, escaped names', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'report-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = fixtureResult();
  for (const lang of LANGS) {
    const out = join(dir, lang);
    const path = await writeReport(r, { dir: out, lang, layers });
    assert.equal(path, join(out, 'index.html'));
    const page = readFileSync(path, 'utf8');
    assert.match(page, new RegExp(`<html lang="${lang}">`));
    const ids = [...page.matchAll(/<section id="([^"]+)"( class="[^"]*")?>/g)].map((m) => m[1]);
    assert.deepEqual(ids, ['input', 'top5', 'gradcam', 'occlusion', 'features', 'filters', 'fcn', 'walkthrough', 'weights']);
    for (const h of ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9'] as const) assert.ok(page.includes(`<h2>${TEXTS[lang][h]}</h2>`), `${lang} ${h}`);
    assert.doesNotMatch(page, /<script|https?:\/\/|<link /i);
    assert.ok(page.includes('tabby &lt;cat&gt; &amp; &quot;friends&quot;'));
    assert.ok(!page.includes('<cat>'));
    const srcs = [...page.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]!);
    assert.deepEqual(srcs, ['original.png', 'input.png', 'gradcam-0.png', 'occlusion.png', 'features-0.png', 'features-1.png', 'filters.png', 'fcn.png']);
    for (const s of srcs) assert.ok(existsSync(join(out, s)), s);
    const meta = await sharp(join(out, 'gradcam-0.png')).metadata();
    assert.deepEqual([meta.width, meta.height, meta.format], [32, 32, 'png']);
    // 4 channels of 8x8 at ceil(80/8) = 10 pixels a cell in one row, 2-pixel gaps
    const feat = await sharp(join(out, 'features-0.png')).metadata();
    assert.deepEqual([feat.width, feat.height], [4 * 80 + 3 * 2, 80]);
    assert.ok(page.includes(TEXTS[lang].s9Spread(9, '0.00100', '0.0200', '20')), 'logit spread');
    assert.ok(page.includes(TEXTS[lang].s9Argmax(Array(9).fill('3 (tabby <cat> & "friends")').join(', ')).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')));
  }
  const trained = await writeReport(fixtureResult({ randomWeights: false, fcn: null, logitSpread: undefined }), { dir: join(dir, 'trained'), layers });
  const page = readFileSync(trained, 'utf8');
  assert.ok(page.includes(TEXTS.en.s7None) && page.includes(TEXTS.en.s9Trained) && !page.includes('fcn.png'));
});
