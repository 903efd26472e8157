// writeReport: an ExplainResult as a folder a person opens in a browser: index.html and
// its PNG files (page.ts lists the sections).
import { join } from 'node:path';
import { getModel } from '../../models/registry.js';
import type { LayerInfo } from '../../nn/net.js';
import { mkdir, writeFile } from 'node:fs/promises';
import type { ExplainResult } from '../types.js';
import { drawFigures } from './figures.js';
import { page } from './page.js';
import { type Lang, texts } from './text.js';

export { LANGS, type Lang } from './text.js';

export interface ReportOptions {
  /** The folder to write (created when missing; files of an earlier report are replaced). */
  dir: string;
  /** Language of the text. Default 'en'. */
  lang?: Lang;
  /** The model's layer table for the walk-through; default the registry model's, built at the input's size. */
  layers?: readonly LayerInfo[];
  /** Channels per end point in the feature maps. Default 16. */
  topChannels?: number;
}

/** The layer table of the result's model at the size of its input. */
export function reportLayers(r: ExplainResult): LayerInfo[] {
  const { width, height } = r.input.display;
  return getModel(r.model).build({ numClasses: r.numClasses, inputSize: [height, width], batch: 1 }).layers;
}

/** Write the report; returns the path of its index.html. */
export async function writeReport(result: ExplainResult, opts: ReportOptions): Promise<string> {
  const lang = opts.lang ?? 'en';
  const t = texts(lang);
  await mkdir(opts.dir, { recursive: true });
  const figures = await drawFigures(result, opts.dir, opts.topChannels ?? 16);
  const layers = opts.layers ?? reportLayers(result);
  const path = join(opts.dir, 'index.html');
  await writeFile(path, page({ result, figures, layers, lang, t }));
  return path;
}
