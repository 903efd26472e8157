// The report's PNG files, drawn from an ExplainResult and written into the report folder.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '../../data/image.js';
import { filterGrid } from '../filters.js';
import type { Activation, ExplainResult } from '../types.js';
import { heatmapOverlay, type Map2d, pngOf, tileGrid } from './images.js';

/** A picture of the report: its file name in the folder and its pixel size. */
export interface Figure {
  file: string;
  width: number;
  height: number;
}

export interface FeatureFigure extends Figure {
  activation: Activation;
  channels: number[];
  cols: number;
}

export interface Figures {
  original: Figure;
  input: Figure;
  gradcam: Figure[];
  occlusion: Figure;
  features: FeatureFigure[];
  filters: Figure | null;
  fcn: Figure | null;
}

/** Longest side of the original photo in the report. */
const ORIGINAL_MAX = 448;

async function save(dir: string, file: string, img: RgbImage): Promise<Figure> {
  await writeFile(join(dir, file), await pngOf(img));
  return { file, width: img.width, height: img.height };
}

async function originalFigure(dir: string, img: RgbImage): Promise<Figure> {
  const scale = Math.min(1, ORIGINAL_MAX / Math.max(img.width, img.height));
  const width = Math.max(1, Math.round(img.width * scale));
  const height = Math.max(1, Math.round(img.height * scale));
  const png = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).resize(width, height).png().toBuffer();
  await writeFile(join(dir, 'original.png'), png);
  return { file: 'original.png', width, height };
}

const map2d = (map: Float32Array, shape: readonly [number, number]): Map2d => ({ data: map, height: shape[0], width: shape[1] });

/** Spatial activations' top channels as one grid per end point (larger than 1×1), tiles about 80 pixels wide. */
async function featureFigures(dir: string, acts: readonly Activation[], top: number): Promise<FeatureFigure[]> {
  const out: FeatureFigure[] = [];
  for (const [i, a] of acts.entries()) {
    if (a.shape.length !== 3) continue;
    const [, h, w] = a.shape as [number, number, number];
    if (h * w === 1) continue; // a 1×1 map (a fully connected layer as a conv) is one colour
    const channels = a.topChannels.slice(0, top);
    if (channels.length === 0) continue;
    const maps = channels.map((c) => ({ data: a.tensor.data.subarray(c * h * w, (c + 1) * h * w), height: h, width: w }));
    const cols = Math.min(8, channels.length);
    const grid = tileGrid(maps, cols, Math.ceil(80 / Math.max(h, w)));
    out.push({ ...(await save(dir, `features-${i}.png`, grid.image)), activation: a, channels, cols });
  }
  return out;
}

async function filterFigure(dir: string, f: ExplainResult['filters']): Promise<Figure | null> {
  const inputs = f.layout === 'OIHW' ? f.tensor.shape[1] : f.tensor.shape[2];
  if (inputs !== 1 && inputs !== 3) return null;
  const img = await filterGrid(f.tensor, f.layout, { scale: 4, channelOrder: f.channelOrder });
  await writeFile(join(dir, 'filters.png'), img.png);
  return { file: 'filters.png', width: img.width, height: img.height };
}

/** Draw every figure of the report into dir (which exists). */
export async function drawFigures(r: ExplainResult, dir: string, topChannels = 16): Promise<Figures> {
  const display = r.input.display;
  const gradcam: Figure[] = [];
  for (const [i, g] of r.gradcam.entries()) gradcam.push(await save(dir, `gradcam-${i}.png`, heatmapOverlay(display, map2d(g.map, g.shape))));
  // occlusion drops can be negative (covering a spot may raise p): scaled by the largest |drop|
  const occ = r.occlusion;
  const occScale = occ.map.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const occlusion = await save(dir, 'occlusion.png', heatmapOverlay(display, map2d(occ.map, occ.shape), { scale: occScale }));
  let fcn: Figure | null = null;
  if (r.fcn) {
    // logits are signed: the map is shifted so its minimum draws darkest
    const min = r.fcn.map.reduce((m, v) => Math.min(m, v), Infinity);
    const shifted = r.fcn.map.map((v) => v - min);
    fcn = await save(dir, 'fcn.png', heatmapOverlay(display, map2d(shifted, r.fcn.shape), { alpha: 0.6 }));
  }
  return {
    original: await originalFigure(dir, r.input.original),
    input: await save(dir, 'input.png', display),
    gradcam,
    occlusion,
    features: await featureFigures(dir, r.activations, topChannels),
    filters: await filterFigure(dir, r.filters),
    fcn,
  };
}
