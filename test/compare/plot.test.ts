// The chart: one labelled bubble per model with an accuracy, area proportional to
// parameters; valid SVG and PNG; and the SVG as Debian's Chromium shows it.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { chartPng, chartPoints, chartSvg } from '../../src/compare/plot.js';
import type { CompareResult, ModelRow } from '../../src/compare/types.js';
import { ROOT } from '../helpers.js';

function row(name: string, params: number, ms16: number, top1: number | null): ModelRow {
  return {
    name, params, macs: 1e9, fileMB: (params * 4) / 2 ** 20, depth: 8, inputSize: [224, 224],
    published: top1 === null ? null : { top1, top5: top1 + 20, source: 'test' },
    msPerImage: { '1': ms16 * 2, '16': ms16 }, imagesPerSec: { '1': 500 / ms16, '16': 1000 / ms16 },
    peakRssMB: 500, coldStartS: 1, weights: null, top1: null, top5: null, probeTop1: null, probeSeconds: null,
  };
}

export const RESULT: CompareResult = {
  machine: { cpu: 'Test CPU 2.0GHz', cores: 2, threads: 2, node: '20.0.0', onnxruntime: '1.30.0' },
  models: [row('alexnet', 61_100_840, 9.5, 56.522), row('bvlc_alexnet', 60_965_224, 14, 57.1), row('vgg16', 138_357_544, 160, 71.3), row('mobilenet', 4_253_864, 12, 70.4), row('alexnet_v2', 50_303_912, 10, null)],
  agreement: [],
};

const ARTIFACTS = join(ROOT, 'test', '.artifacts');

/** The bubbles (symbol marks) and labels (text marks) vega wrote. */
function marks(svg: string): { bubbles: number; labels: string[] } {
  const group = (cls: string) => svg.match(new RegExp(`<g class="mark-${cls} role-mark[^"]*"[^>]*>([\\s\\S]*?)</g>`))?.[1] ?? '';
  return { bubbles: (group('symbol').match(/<path /g) ?? []).length, labels: [...group('text').matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!) };
}

test('chart points: published top-1 without --data; measured probe accuracy when there is one; area proportional to parameters', () => {
  const p = chartPoints(RESULT);
  assert.equal(p.batch, 16);
  assert.equal(p.yTitle, 'ImageNet top-1 % (published)');
  assert.deepEqual(p.left, ['alexnet_v2']);
  assert.deepEqual(p.points.map((x) => [x.name, x.ms, x.accuracy]), [['alexnet', 9.5, 56.522], ['bvlc_alexnet', 14, 57.1], ['vgg16', 160, 71.3], ['mobilenet', 12, 70.4]]);
  // radii: sqrt of area, area proportional to parameters
  const r = (n: string) => p.points.find((x) => x.name === n)!.radius;
  assert.ok(Math.abs((r('vgg16') / r('mobilenet')) ** 2 - 138_357_544 / 4_253_864) < 1e-6);
  const probe = { ...RESULT, models: RESULT.models.map((m, i) => ({ ...m, probeTop1: 90 - i })) };
  assert.equal(chartPoints(probe).yTitle, 'linear-probe top-1 % (measured)');
  assert.deepEqual(chartPoints(probe).left, []);
});

test('chart SVG: one labelled bubble per model with an accuracy, the others named; PNG from it', async () => {
  const svg = await chartSvg(RESULT);
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<\/svg>$/);
  const m = marks(svg);
  assert.equal(m.bubbles, 4);
  assert.deepEqual(m.labels.sort(), ['alexnet', 'bvlc_alexnet', 'mobilenet', 'vgg16']);
  assert.match(svg, /not shown \(no accuracy\): alexnet_v2/);
  assert.match(svg, /Test CPU 2\.0GHz, 2 ORT threads/);
  assert.match(svg, /ms\/image at batch 16 \(log scale\)/);
  // sharp (librsvg) parses it: a valid SVG of the spec's size and more
  const meta = await sharp(Buffer.from(svg)).metadata();
  assert.equal(meta.format, 'svg');
  assert.ok(meta.width! > 560 && meta.height! > 380);
  const png = await chartPng(RESULT);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const pm = await sharp(png).metadata();
  assert.deepEqual([pm.format, pm.width, pm.height], ['png', meta.width! * 2, meta.height! * 2]);
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, 'compare-chart.png'), png);
});

test("the SVG in Debian's Chromium: loads without console errors, every bubble visible", async (t) => {
  if (!existsSync('/usr/bin/chromium')) {
    if (process.env['CI'] === 'true') assert.fail('/usr/bin/chromium is missing (.ci/run installs it)');
    t.skip('no /usr/bin/chromium');
    return;
  }
  const { chromium } = await import('playwright-core');
  const svg = await chartSvg(RESULT);
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, 'compare-chart.svg');
  writeFileSync(file, svg);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 800, height: 560 } });
    const errors: string[] = [];
    page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`file://${file}`);
    type Boxed = { getBoundingClientRect(): { width: number; height: number; x: number; y: number } };
    const boxes = await page.$$eval('g.mark-symbol.role-mark path', (els) => els.map((e) => (e as unknown as Boxed).getBoundingClientRect()).map((b) => ({ w: b.width, h: b.height, x: b.x, y: b.y })));
    assert.equal(boxes.length, 4);
    for (const b of boxes) assert.ok(b.w > 3 && b.h > 3 && b.x >= 0 && b.y >= 0 && b.x + b.w <= 800 && b.y + b.h <= 560, JSON.stringify(b));
    const labels = await page.$$eval('g.mark-text.role-mark text', (els) => els.map((e) => e.textContent));
    assert.deepEqual(labels.sort(), ['alexnet', 'bvlc_alexnet', 'mobilenet', 'vgg16']);
    const shot = await page.screenshot({ path: join(ARTIFACTS, 'compare-chart-chromium.png') });
    // bubbles are coloured: some pixels are neither white, grey nor black
    const { data, info } = await sharp(shot).raw().toBuffer({ resolveWithObject: true });
    let coloured = 0;
    for (let i = 0; i < data.length; i += info.channels) if (Math.max(data[i]!, data[i + 1]!, data[i + 2]!) - Math.min(data[i]!, data[i + 1]!, data[i + 2]!) > 40) coloured++;
    assert.ok(coloured > 2000, `${coloured} coloured pixels`);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test("labels of bubbles that nearly coincide do not cover each other, in Debian's Chromium", async (t) => {
  if (!existsSync('/usr/bin/chromium')) {
    if (process.env['CI'] === 'true') assert.fail('/usr/bin/chromium is missing (.ci/run installs it)');
    t.skip('no /usr/bin/chromium');
    return;
  }
  // the three VGGs of the README's chart: 78-106 ms/image, 71.3-71.6% top-1
  const crowded: CompareResult = {
    ...RESULT,
    models: [row('vgg16.torchvision', 138_357_544, 78, 71.6), row('vgg16', 138_357_544, 83.5, 71.3), row('vgg19', 143_667_240, 106.5, 71.3), row('resnet50', 25_636_712, 24.7, 74.9), row('resnet50.torchvision', 25_610_152, 22.9, 76.1), row('squeezenet1_1', 1_235_496, 2.3, 58.2), row('alexnet', 61_100_840, 4.6, 56.5)],
  };
  const { chromium } = await import('playwright-core');
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, 'compare-chart-crowded.svg');
  writeFileSync(file, await chartSvg(crowded));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 800, height: 560 } });
    await page.goto(`file://${file}`);
    type Boxed = { getBoundingClientRect(): { left: number; right: number; top: number; bottom: number }; textContent: string | null };
    const boxes = await page.$$eval('g.mark-text.role-mark text', (els) => els.map((e) => { const b = (e as unknown as Boxed).getBoundingClientRect(); return { name: (e as unknown as Boxed).textContent, l: b.left, r: b.right, t: b.top, b: b.bottom }; }));
    assert.equal(boxes.length, 7);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i]!, boxes[j]!];
        assert.ok(a.r <= b.l || b.r <= a.l || a.b <= b.t || b.b <= a.t, `${a.name} and ${b.name} overlap: ${JSON.stringify([a, b])}`);
      }
    }
    await page.screenshot({ path: join(ARTIFACTS, 'compare-chart-crowded.png') });
  } finally {
    await browser.close();
  }
});
