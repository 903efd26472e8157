// The report in a real browser: Debian's Chromium, headless, driven by playwright-core.
// The report of a test photo (alexnet, seeded random weights) in English and Japanese:
// every image loads, the console stays clean, and the Japanese headings are drawn with a
// Japanese font. Screenshots go to test/.artifacts/ (not committed) for a person to look at.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { chromium, type Page } from 'playwright-core';
import { explain } from '../../src/explain/explain.js';
import { reportLayers, writeReport } from '../../src/explain/report/index.js';
import { LANGS, TEXTS } from '../../src/explain/report/text.js';
import { FIXTURES, ROOT } from '../helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test', '.artifacts');

/** The font families Chromium used to draw the first element matching selector (DevTools protocol). */
async function fontsOf(page: Page, selector: string): Promise<{ familyName: string; glyphCount: number }[]> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('DOM.enable');
  await cdp.send('CSS.enable');
  const { root } = await cdp.send('DOM.getDocument');
  const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
  const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
  await cdp.detach();
  return fonts;
}

test('the report opens in Chromium from file://: images load, no console errors, Japanese renders', { timeout: 300_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    if (process.env['CI']) throw new Error(`${CHROMIUM} is missing; .ci/run installs the chromium package`);
    t.skip(`${CHROMIUM} is not installed`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'report-browser-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const result = await explain('alexnet', join(FIXTURES, 'images', 'chelsea.png'), { seed: 0 });
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.after(() => browser.close());
  for (const lang of LANGS) {
    const index = await writeReport(result, { dir: join(dir, lang), lang });
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    await page.goto(pathToFileURL(index).href, { waitUntil: 'load' });

    const images = await page.$$eval('img', (els) => els.map((e) => ({ src: e.getAttribute('src'), complete: e.complete, width: e.naturalWidth })));
    // original, input, Grad-CAM, occlusion, one grid per spatial end point, filters, FCN map
    const spatial = result.activations.filter((a) => a.shape.length === 3).length;
    assert.equal(images.length, 4 + result.gradcam.length + spatial + (result.fcn ? 1 : 0), JSON.stringify(images));
    for (const im of images) assert.ok(im.complete && im.width > 0, `${lang}: ${im.src} did not load`);
    assert.equal(await page.$$eval('svg.diagram rect', (els) => els.length), 1 + reportLayers(result).length, 'the input and every layer');

    const heading = TEXTS[lang].s1;
    const box = await page.getByRole('heading', { name: heading }).boundingBox();
    assert.ok(box && box.width > 100 && box.height > 10, `${lang}: heading "${heading}" is drawn (${JSON.stringify(box)})`);
    if (lang === 'ja') {
      const fonts = await fontsOf(page, '#input h2');
      const cjk = fonts.filter((f) => /CJK|Gothic|Mincho|Hiragino|Meiryo|IPA|Takao|VL /i.test(f.familyName));
      assert.ok(cjk.length > 0 && cjk[0]!.glyphCount >= 5, `the Japanese heading is drawn with a Japanese font (fc-list :lang=ja); fonts used: ${JSON.stringify(fonts)}`);
    }
    await page.screenshot({ path: join(ARTIFACTS, `explain-report-${lang}.png`), fullPage: true });
    assert.deepEqual(problems, [], `${lang}: console`);
    await page.close();
  }
});
