// The Canziani-style chart (Canziani et al. 2016, Fig. 2): accuracy against measured
// ms/image on a log axis, bubble area proportional to parameters, each bubble labelled.
// Written as a Vega-Lite spec, compiled and rendered to SVG by vega in this process (no
// browser); PNG is that SVG rasterised by sharp.
import { referenceBatch } from './static.js';
import type { CompareResult, ModelRow } from './types.js';

/** Area of the largest bubble, in square pixels. */
const MAX_AREA = 3600;

export interface ChartPoint {
  name: string;
  ms: number;
  accuracy: number;
  params: number;
  /** Label offset above the centre: the bubble's radius plus a gap, in pixels. */
  labelOffset: number;
}

/** What the chart plots: the measured accuracy on --data (top-1 or probe) when there is one, else the published top-1. */
export function chartAccuracy(r: CompareResult): { title: string; of: (m: ModelRow) => number | null } {
  if (r.models.some((m) => m.probeTop1 !== null)) return { title: 'linear-probe top-1 % (measured)', of: (m) => m.probeTop1 };
  if (r.models.some((m) => m.top1 !== null)) return { title: 'ImageNet top-1 % (measured)', of: (m) => m.top1 };
  return { title: 'ImageNet top-1 % (published)', of: (m) => m.published?.top1 ?? null };
}

export function chartPoints(r: CompareResult): { points: ChartPoint[]; left: string[]; batch: number; yTitle: string } {
  const batch = referenceBatch(Object.keys(r.models[0]?.msPerImage ?? { 16: 0 }).map(Number));
  const acc = chartAccuracy(r);
  const maxParams = Math.max(1, ...r.models.map((m) => m.params));
  const points: ChartPoint[] = [];
  const left: string[] = [];
  for (const m of r.models) {
    const a = acc.of(m);
    const ms = m.msPerImage[batch];
    if (a === null || ms === undefined) left.push(m.name);
    else points.push({ name: m.name, ms, accuracy: a, params: m.params, labelOffset: -(Math.sqrt((MAX_AREA * m.params) / maxParams / Math.PI) + 4) });
  }
  return { points, left, batch, yTitle: acc.title };
}

/** The Vega-Lite spec of the chart. */
export function chartSpec(r: CompareResult): Record<string, unknown> {
  const { points, left, batch, yTitle } = chartPoints(r);
  const subtitle = [`${r.machine.cpu}, ${r.machine.threads} ORT threads; bubble area proportional to parameters`];
  if (left.length) subtitle.push(`not shown (no accuracy): ${left.join(', ')}`);
  // Domains wide enough that close models do not look far apart: x at least 1.5x beyond
  // the extremes, y in steps of 5 points with 4 points of margin.
  const ms = points.map((p) => p.ms);
  const acc = points.map((p) => p.accuracy);
  const xDomain = ms.length ? [Math.min(...ms) / 1.5, Math.max(...ms) * 1.5] : [1, 100];
  const yDomain = acc.length ? [Math.max(0, Math.floor((Math.min(...acc) - 4) / 5) * 5), Math.min(100, Math.ceil((Math.max(...acc) + 4) / 5) * 5)] : [0, 100];
  const x = { field: 'ms', type: 'quantitative', title: `ms/image at batch ${batch} (log scale)`, scale: { type: 'log', domain: xDomain, nice: false } };
  const y = { field: 'accuracy', type: 'quantitative', title: yTitle, scale: { domain: yDomain, nice: false } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: 'Accuracy against speed on this machine', subtitle, anchor: 'start' },
    width: 560,
    height: 380,
    background: 'white',
    data: { values: points },
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
        // above each bubble by its own radius (a per-datum offset: yOffset needs a discrete y)
        mark: { type: 'text', baseline: 'bottom', fontSize: 12, dy: { expr: 'datum.labelOffset' } },
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
