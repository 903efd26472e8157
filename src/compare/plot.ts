// The Canziani-style chart (Canziani et al. 2016, Fig. 2): accuracy against measured
// ms/image on a log axis, bubble area proportional to parameters, each bubble labelled.
// Written as a Vega-Lite spec, compiled and rendered to SVG by vega in this process (no
// browser); PNG is that SVG rasterised by sharp.
import { referenceBatch } from './static.js';
import type { CompareResult, ModelRow } from './types.js';

/** Area of the largest bubble, in square pixels. */
const MAX_AREA = 3600;
/** The plot's size and the labels' font size, in pixels. */
const WIDTH = 560;
const HEIGHT = 380;
const FONT = 12;
/** A label's height as browsers draw it (font size plus leading), with a pixel to spare. */
const LINE = 16;
/** Gap between a bubble and its label, in pixels. */
const GAP = 4;

export interface ChartPoint {
  name: string;
  ms: number;
  accuracy: number;
  params: number;
  /** The bubble's radius in pixels. */
  radius: number;
  /** Where the label goes, from the bubble's centre (see placeLabels). */
  label: LabelPlace;
}

export interface LabelPlace {
  dx: number;
  dy: number;
  align: 'left' | 'center' | 'right';
  baseline: 'top' | 'middle' | 'bottom';
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A label's box on the plot for a place: its width estimated at 0.6 em per character. */
function labelBox(cx: number, cy: number, text: string, p: LabelPlace): Box {
  const w = text.length * FONT * 0.6;
  const x = cx + p.dx;
  const y = cy + p.dy;
  const x0 = p.align === 'left' ? x : p.align === 'right' ? x - w : x - w / 2;
  const y0 = p.baseline === 'top' ? y : p.baseline === 'bottom' ? y - LINE : y - LINE / 2;
  return { x0, y0, x1: x0 + w, y1: y0 + LINE };
}

const overlaps = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/**
 * Labels that do not cover each other: each goes to the first place of above, below, right
 * and left of its bubble, then higher above, that is free of other labels and of other
 * bubbles, else of other labels; bigger bubbles choose first. A label with no free place
 * stays above its bubble.
 */
export function placeLabels(points: ChartPoint[], xDomain: number[], yDomain: number[]): void {
  const [lx0, lx1] = [Math.log(xDomain[0]!), Math.log(xDomain[1]!)];
  const px = (ms: number) => (WIDTH * (Math.log(ms) - lx0)) / (lx1 - lx0);
  const py = (a: number) => HEIGHT * (1 - (a - yDomain[0]!) / (yDomain[1]! - yDomain[0]!));
  const bubble = (p: ChartPoint): Box => ({ x0: px(p.ms) - p.radius, y0: py(p.accuracy) - p.radius, x1: px(p.ms) + p.radius, y1: py(p.accuracy) + p.radius });
  const placed: Box[] = [];
  for (const p of [...points].sort((a, b) => b.params - a.params)) {
    const others = points.filter((q) => q !== p).map(bubble);
    const r = p.radius + GAP;
    const places: LabelPlace[] = [
      { dx: 0, dy: -r, align: 'center', baseline: 'bottom' },
      { dx: 0, dy: r, align: 'center', baseline: 'top' },
      { dx: r, dy: 0, align: 'left', baseline: 'middle' },
      { dx: -r, dy: 0, align: 'right', baseline: 'middle' },
      ...[1, 2, 3].map((k): LabelPlace => ({ dx: 0, dy: -r - k * LINE, align: 'center', baseline: 'bottom' })),
    ];
    const [cx, cy] = [px(p.ms), py(p.accuracy)];
    const inside = (b: Box) => b.x0 >= 0 && b.x1 <= WIDTH && b.y0 >= 0 && b.y1 <= HEIGHT;
    const free = (clearOfBubbles: boolean) =>
      places.find((pl) => {
        const b = labelBox(cx, cy, p.name, pl);
        return inside(b) && !placed.some((q) => overlaps(b, q)) && !(clearOfBubbles && others.some((q) => overlaps(b, q)));
      });
    p.label = free(true) ?? free(false) ?? places[0]!;
    placed.push(labelBox(cx, cy, p.name, p.label));
  }
}

/** What the chart plots: the measured accuracy on --data (top-1 or probe) when there is one, else the published top-1. */
export function chartAccuracy(r: CompareResult): { title: string; of: (m: ModelRow) => number | null } {
  if (r.models.some((m) => m.probeTop1 !== null)) return { title: 'linear-probe top-1 % (measured)', of: (m) => m.probeTop1 };
  if (r.models.some((m) => m.top1 !== null)) return { title: 'ImageNet top-1 % (measured)', of: (m) => m.top1 };
  return { title: 'ImageNet top-1 % (published)', of: (m) => m.published?.top1 ?? null };
}

export function chartPoints(r: CompareResult): { points: ChartPoint[]; left: string[]; batch: number; yTitle: string; xDomain: number[]; yDomain: number[] } {
  const batch = referenceBatch(Object.keys(r.models[0]?.msPerImage ?? { 16: 0 }).map(Number));
  const acc = chartAccuracy(r);
  const maxParams = Math.max(1, ...r.models.map((m) => m.params));
  const points: ChartPoint[] = [];
  const left: string[] = [];
  for (const m of r.models) {
    const a = acc.of(m);
    const ms = m.msPerImage[batch];
    if (a === null || ms === undefined) left.push(m.name);
    else points.push({ name: m.name, ms, accuracy: a, params: m.params, radius: Math.sqrt((MAX_AREA * m.params) / maxParams / Math.PI), label: { dx: 0, dy: 0, align: 'center', baseline: 'bottom' } });
  }
  const { xDomain, yDomain } = domains(points);
  placeLabels(points, xDomain, yDomain);
  return { points, left, batch, yTitle: acc.title, xDomain, yDomain };
}

/**
 * Domains wide enough that close models do not look far apart: x at least 1.5x beyond the
 * extremes, y in steps of 5 points with 4 points of margin.
 */
function domains(points: readonly ChartPoint[]): { xDomain: number[]; yDomain: number[] } {
  const ms = points.map((p) => p.ms);
  const acc = points.map((p) => p.accuracy);
  return {
    xDomain: ms.length ? [Math.min(...ms) / 1.5, Math.max(...ms) * 1.5] : [1, 100],
    yDomain: acc.length ? [Math.max(0, Math.floor((Math.min(...acc) - 4) / 5) * 5), Math.min(100, Math.ceil((Math.max(...acc) + 4) / 5) * 5)] : [0, 100],
  };
}

/** The Vega-Lite spec of the chart. */
export function chartSpec(r: CompareResult): Record<string, unknown> {
  const { points, left, batch, yTitle, xDomain, yDomain } = chartPoints(r);
  const subtitle = [`${r.machine.cpu}, ${r.machine.threads} ORT threads; bubble area proportional to parameters`];
  if (left.length) subtitle.push(`not shown (no accuracy): ${left.join(', ')}`);
  const x = { field: 'ms', type: 'quantitative', title: `ms/image at batch ${batch} (log scale)`, scale: { type: 'log', domain: xDomain, nice: false } };
  const y = { field: 'accuracy', type: 'quantitative', title: yTitle, scale: { domain: yDomain, nice: false } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: 'Accuracy against speed on this machine', subtitle, anchor: 'start' },
    width: WIDTH,
    height: HEIGHT,
    background: 'white',
    data: { values: points.map(({ label, ...p }) => ({ ...p, dx: label.dx, dy: label.dy, align: label.align, baseline: label.baseline })) },
    layer: [
      {
        mark: { type: 'circle', opacity: 0.55, stroke: '#333', strokeWidth: 1 },
        encoding: {
          x,
          y,
          color: { field: 'name', type: 'nominal', legend: null },
          size: { field: 'params', type: 'quantitative', scale: { type: 'linear', zero: true, domain: [0, Math.max(1, ...points.map((p) => p.params))], range: [0, MAX_AREA] }, legend: { title: 'parameters', format: '~s' } },
          tooltip: [{ field: 'name' }, { field: 'ms', title: 'ms/image' }, { field: 'accuracy' }, { field: 'params', format: ',' }],
        },
      },
      {
        // each label where placeLabels put it (per-datum offsets: yOffset needs a discrete y)
        mark: { type: 'text', fontSize: FONT, dx: { expr: 'datum.dx' }, dy: { expr: 'datum.dy' }, align: { expr: 'datum.align' }, baseline: { expr: 'datum.baseline' } },
        encoding: { x, y, text: { field: 'name' } },
      },
    ],
  };
}

/** The chart as SVG text. */
export async function chartSvg(r: CompareResult): Promise<string> {
  const vega = await import('vega');
  const { compile } = await import('vega-lite');
  const view = new vega.View(vega.parse(compile(chartSpec(r) as never).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The chart as PNG bytes (the SVG rasterised by sharp at `density` dpi; 144 is twice the SVG's size). */
export async function chartPng(r: CompareResult, density = 144): Promise<Buffer> {
  const sharp = (await import('sharp')).default;
  return sharp(Buffer.from(await chartSvg(r)), { density }).png().toBuffer();
}
