// The units gallery (`alexnet explain units`): per channel, its top images cropped to the
// receptive field of their strongest position, framed, in a page that opens offline.
// Each image of the folder is decoded once more, for all the crops it appears in, and the
// crops are written as they are made, so memory holds one image at a time.
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { decodeImage } from '../../data/decode.js';
import { preprocess } from '../../data/preprocess.js';
import { denormalise } from '../maps.js';
import type { UnitsResult } from '../units.js';
import { html, raw } from './html.js';
import { cropWithBox, type PixelBox, pngOf } from './images.js';
import { type Lang, texts } from './text.js';

/** Side of each crop on the page, in CSS pixels. */
const SHOW = 112;

const CSS = `
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", "Meiryo", sans-serif;
  margin: 0 auto; max-width: 1280px; padding: 24px; color: #1e293b; line-height: 1.6; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
p { max-width: 52rem; }
.channels { display: flex; flex-wrap: wrap; gap: 4px 36px; }
.row { display: flex; flex-wrap: wrap; gap: 10px; }
figure { margin: 0; width: ${SHOW}px; }
figure img { width: ${SHOW}px; height: ${SHOW}px; object-fit: contain; background: #e2e8f0; display: block; }
figcaption { font-size: .72rem; color: #475569; overflow-wrap: anywhere; }
.note { background: #fff7ed; border-left: 4px solid #f97316; padding: 8px 14px; }
`;

/**
 * The receptive field with a margin of a quarter of its size around it, clipped to the
 * image: the box then shows where in its surroundings the unit looked.
 */
export function contextArea(box: PixelBox, rf: readonly [number, number], [h, w]: readonly [number, number]): PixelBox {
  const my = Math.round(rf[0] / 4);
  const mx = Math.round(rf[1] / 4);
  const top = Math.max(0, box.top - my);
  const left = Math.max(0, box.left - mx);
  return { top, left, height: Math.min(h, box.top + box.height + my) - top, width: Math.min(w, box.left + box.width + mx) - left };
}

const crop = (c: number, rank: number) => `units/unit-${c}-${rank}.png`;

/** Crop every hit out of its image, one image at a time. */
async function writeCrops(r: UnitsResult, dir: string): Promise<void> {
  const byFile = new Map<string, { channel: number; rank: number }[]>();
  r.units.forEach((hits, channel) => hits.forEach((h, rank) => byFile.set(h.file, [...(byFile.get(h.file) ?? []), { channel, rank }])));
  const [h, w] = r.inputSize;
  for (const [file, uses] of byFile) {
    const x = preprocess(await decodeImage(file), r.preprocess, { size: r.inputSize });
    const layout = x.shape[1] === 3 ? 'NCHW' : 'NHWC';
    const display = denormalise(x.data, layout, h, w, r.preprocess);
    for (const { channel, rank } of uses) {
      const b = r.units[channel]![rank]!.box;
      const box = { top: b.y0, left: b.x0, height: b.y1 - b.y0 + 1, width: b.x1 - b.x0 + 1 };
      const img = cropWithBox(display, contextArea(box, r.rf, [h, w]), box, [255, 215, 0], 3);
      await writeFile(join(dir, crop(channel, rank)), await pngOf(img));
    }
  }
}

const num = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3));

/** Write the gallery into dir; returns the path of its index.html. */
export async function writeUnitsGallery(r: UnitsResult, opts: { dir: string; lang?: Lang }): Promise<string> {
  const lang = opts.lang ?? 'en';
  const t = texts(lang);
  await mkdir(join(opts.dir, 'units'), { recursive: true });
  await writeCrops(r, opts.dir);
  const [c] = r.shape;
  const channels = r.units.map(
    (hits, k) => html`<section id="channel-${k}"><h2>${t.unitsChannel(k)}</h2><div class="row">${hits.map((h, rank) => {
      const cap = t.unitsHit(basename(h.file), num(h.value));
      return html`<figure><img src="${crop(k, rank)}" alt="${cap}"><figcaption>${cap}</figcaption></figure>`;
    })}</div></section>`,
  );
  const failed = r.failed.length ? html`<p>${t.unitsFailed(r.failed.length, r.failed.map((f) => basename(f.file)).join(', '))}</p>` : '';
  const title = t.unitsTitle(r.model, r.layer);
  const page = html`<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><style>${raw(CSS)}</style></head>
<body><h1>${title}</h1><p>${t.unitsBody(r.units[0]?.length ?? 0, r.files, c, `${r.rf[0]}×${r.rf[1]}`)}</p>
${r.randomWeights ? html`<p class="note">${t.unitsRandom}</p>` : ''}${failed}
<div class="channels">${channels}</div>
<footer><p>${t.footer(r.model)}</p></footer></body></html>
`;
  const path = join(opts.dir, 'index.html');
  await writeFile(path, page.text);
  return path;
}
