// The report page: sections 1–9 of `alexnet explain` as one HTML file
// with its CSS inline. It links only PNG files beside it and holds its diagram as inline
// SVG: no script, no font or style from elsewhere, so it opens from file:// offline.
import { basename } from 'node:path';
import type { LayerInfo } from '../../nn/net.js';
import type { ExplainResult } from '../types.js';
import { INFERNO } from './colormap.js';
import { networkDiagram } from './diagram.js';
import type { FeatureFigure, Figure, Figures } from './figures.js';
import { type Html, html, raw } from './html.js';
import type { Lang, Texts } from './text.js';
import { walkthrough } from './walkthrough.js';

export interface PageInput {
  result: ExplainResult;
  figures: Figures;
  layers: readonly LayerInfo[];
  lang: Lang;
  t: Texts;
}

/** inferno as a CSS gradient, for the colour keys. */
const GRADIENT = `linear-gradient(to right, ${Array.from({ length: 9 }, (_, i) => {
  const k = Math.min(255, i * 32) * 3;
  return `rgb(${INFERNO[k]},${INFERNO[k + 1]},${INFERNO[k + 2]}) ${(i * 12.5).toFixed(1)}%`;
}).join(', ')})`;

const CSS = `
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", "Meiryo", sans-serif;
  margin: 0 auto; max-width: 1160px; padding: 24px; color: #1e293b; line-height: 1.6; background: #fff; }
h1 { font-size: 1.7rem; margin: 0 0 .4rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 2px solid #e2e8f0; }
p { max-width: 52rem; }
.meta { color: #475569; }
.row { display: flex; flex-wrap: wrap; gap: 20px; align-items: flex-start; }
figure { margin: 0; }
figcaption { font-size: .9rem; color: #475569; max-width: 36rem; }
img { display: block; image-rendering: auto; }
img.px { image-rendering: pixelated; }
.view { width: 240px; height: auto; }
main { display: grid; grid-template-columns: 1fr; column-gap: 40px; }
main > section { grid-column: 1 / -1; min-width: 0; }
@media (min-width: 1000px) { main { grid-template-columns: 1fr 1fr; } main > section.half { grid-column: auto; } }
.key { display: flex; align-items: center; gap: 8px; font-size: .85rem; color: #475569; margin: .4rem 0; }
.key span.bar { display: inline-block; width: 160px; height: 12px; background: ${GRADIENT}; border: 1px solid #cbd5e1; }
table.top5 { border-collapse: collapse; }
table.top5 td, table.top5 th { padding: 4px 10px; text-align: left; white-space: nowrap; }
table.top5 .wnid { font-size: .8em; color: #64748b; }
table.top5 td.p { font-variant-numeric: tabular-nums; width: 5.5rem; text-align: right; }
.bar-track { width: 140px; height: 14px; background: #f1f5f9; border-radius: 3px; }
.bar-fill { height: 14px; background: #2563eb; border-radius: 3px; }
.features figure { margin-bottom: 1.2rem; }
.diagram { max-width: 100%; height: auto; font-family: inherit; }
.layer { margin: .6rem 0; }
.layer b { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; }
.note { background: #fff7ed; border-left: 4px solid #f97316; padding: 8px 14px; }
footer { margin-top: 3rem; font-size: .85rem; color: #64748b; }
`;

function img(f: Figure, alt: string, cls = ''): Html {
  return html`<img src="${f.file}" width="${f.width}" height="${f.height}" alt="${alt}"${cls ? raw(` class="${cls}"`) : ''}>`;
}

const key = (t: Texts) => html`<div class="key">${t.low}<span class="bar"></span>${t.high}</div>`;
/** A probability or a difference of them, three significant digits (random weights give 0.00102). */
const prob = (v: number) => (v === 0 ? '0' : v.toPrecision(3));

function labelOf(r: ExplainResult, index: number): string {
  return r.predictions.find((p) => p.index === index)?.label ?? `class ${index}`;
}

/** `315 (mantis)` when the class is among the predictions, else its number. */
function classText(r: ExplainResult, index: number): string {
  const p = r.predictions.find((q) => q.index === index);
  return p ? `${index} (${p.label})` : String(index);
}

function inputSection({ result: r, figures: f, t }: PageInput): Html {
  const d = r.input.display;
  const o = r.input.original;
  return html`<section id="input" class="half"><h2>${t.s1}</h2><p>${t.s1Body(d.width, d.height, r.input.preprocess)}</p>
<div class="row"><figure>${img(f.original, t.original(o.width, o.height), 'view')}<figcaption>${t.original(o.width, o.height)}</figcaption></figure>
<figure>${img(f.input, t.modelView(d.width, d.height), 'view')}<figcaption>${t.modelView(d.width, d.height)}</figcaption></figure></div></section>`;
}

function topSection({ result: r, t }: PageInput): Html {
  const rows = r.predictions.map(
    (p) => html`<tr><td>${p.label}${p.wnid ? html` <span class="wnid">${p.wnid}</span>` : ''}</td><td class="p">${(100 * p.probability).toFixed(1)}%</td>
<td><div class="bar-track"><div class="bar-fill" style="width:${(100 * p.probability).toFixed(1)}%"></div></div></td></tr>`,
  );
  return html`<section id="top5" class="half"><h2>${t.s2}</h2><p>${t.s2Body}</p>
<table class="top5"><thead><tr><th>${t.colClass}</th><th>${t.colProbability}</th><th></th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function gradcamSection({ result: r, figures: f, t }: PageInput): Html {
  const layer = r.gradcam[0]?.layer ?? '';
  const figs = r.gradcam.map((g, i) => {
    const cap = t.gradcamCaption(labelOf(r, g.classIndex), g.layer, g.shape[0], g.shape[1]);
    return html`<figure>${img(f.gradcam[i]!, cap, 'view')}<figcaption>${cap}</figcaption></figure>`;
  });
  return html`<section id="gradcam" class="half"><h2>${t.s3}</h2><p>${t.s3Body(layer)}</p><div class="row">${figs}</div>${key(t)}</section>`;
}

function occlusionSection({ result: r, figures: f, t }: PageInput): Html {
  const o = r.occlusion;
  const drop = o.map.reduce((m, v) => Math.max(m, v), -Infinity);
  const cap = t.occlusionCaption(labelOf(r, o.classIndex), prob(o.base), prob(drop));
  return html`<section id="occlusion" class="half"><h2>${t.s4}</h2><p>${t.s4Body(o.patch, o.stride, o.shape[0] * o.shape[1])}</p>
<figure>${img(f.occlusion, cap, 'view')}<figcaption>${cap}</figcaption></figure>${key(t)}</section>`;
}

function featureFigure(ff: FeatureFigure, t: Texts): Html {
  const a = ff.activation;
  const [c, h, w] = a.shape;
  const cap = t.featureCaption(a.name, `${h}×${w}×${c}`, `${a.rf[0]}×${a.rf[1]}`);
  return html`<figure>${img(ff, cap, 'px')}<figcaption><b>${cap}</b><br>${t.channelList(ff.channels.join(', '))}</figcaption></figure>`;
}

function featuresSection({ figures: f, t }: PageInput): Html {
  const k = f.features[0]?.channels.length ?? 0;
  return html`<section id="features" class="features"><h2>${t.s5}</h2><p>${t.s5Body(k)}</p>${f.features.map((ff) => featureFigure(ff, t))}${key(t)}</section>`;
}

function filtersSection({ result: r, figures: f, t }: PageInput): Html {
  const s = r.filters.tensor.shape;
  const [count, kh, kw] = r.filters.layout === 'OIHW' ? [s[0]!, s[2]!, s[3]!] : [s[3]!, s[0]!, s[1]!];
  const body = t.s6Body(r.filters.name, count, `${kh}×${kw}`);
  return html`<section id="filters"><h2>${t.s6}</h2><p>${body}</p>${f.filters ? img(f.filters, body, 'px') : ''}</section>`;
}

function fcnSection({ result: r, figures: f, t }: PageInput): Html {
  if (!r.fcn || !f.fcn) return html`<section id="fcn"><h2>${t.s7}</h2><p>${t.s7None}</p></section>`;
  const m = r.fcn;
  const body = t.s7Body(labelOf(r, m.classIndex), m.size[1], m.size[0], m.shape[0], m.shape[1]);
  return html`<section id="fcn"><h2>${t.s7}</h2><p>${body}</p><figure>${img(f.fcn, body, 'view')}</figure>${key(t)}</section>`;
}

/** The paragraph with the layer's name at its start in bold. */
function leadName(name: string, text: string): Html {
  return text.startsWith(name) ? html`<b>${name}</b>${text.slice(name.length)}` : html`${text}`;
}

function walkSection({ result: r, layers, lang, t }: PageInput): Html {
  const d = r.input.display;
  const diagram = networkDiagram([1, d.height, d.width, 3], layers, t.diagram);
  const paras = walkthrough(layers, r.activations, t, lang, [d.height, d.width], r.predictions[0]?.label ?? '');
  return html`<section id="walkthrough"><h2>${t.s8}</h2><p>${t.s8Body}</p>${diagram}
${paras.map((p) => html`<p class="layer" id="layer-${p.name}">${leadName(p.name, p.text)}</p>`)}</section>`;
}

function weightsSection({ result: r, t }: PageInput): Html {
  if (!r.randomWeights) return html`<section id="weights"><h2>${t.s9}</h2><p>${t.s9Trained}</p></section>`;
  const s = r.logitSpread;
  const spread = s
    ? html`<p>${t.s9Spread(s.inputs, s.acrossInputs.toPrecision(3), s.acrossClasses.toPrecision(3), (s.acrossClasses / s.acrossInputs).toFixed(0))}</p>
<p>${t.s9Argmax(s.argmax.map((c) => classText(r, c)).join(', '))}</p>`
    : '';
  return html`<section id="weights"><h2>${t.s9}</h2><div class="note"><p>${t.s9Random(r.seed ?? 0)}</p>${spread}</div></section>`;
}

/** The whole page. */
export function page(p: PageInput): string {
  const r = p.result;
  const { t } = p;
  const weights = r.randomWeights ? t.weightsRandom(r.seed ?? 0) : t.weightsTrained;
  const body = html`<!doctype html>
<html lang="${p.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t.title(r.model, basename(r.file))}</title><style>${raw(CSS)}</style></head>
<body><header><h1>${t.title(r.model, basename(r.file))}</h1><p>${t.lead}</p><p class="meta">${weights}</p></header>
<main>${inputSection(p)}${topSection(p)}${gradcamSection(p)}${occlusionSection(p)}${featuresSection(p)}
${filtersSection(p)}${fcnSection(p)}${walkSection(p)}${weightsSection(p)}</main>
<footer>${t.footer(r.model)}</footer></body></html>
`;
  return body.text;
}
