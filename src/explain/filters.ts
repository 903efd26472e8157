// Conv filters as an image: each output channel's kernel becomes one tile of a grid, the
// classic picture of AlexNet's conv1 (Krizhevsky et al. 2012, fig. 3). Used for the
// TensorBoard image of conv1 (src/train/run_logs.ts).
//
// Normalisation: each filter is min-max scaled on its own, jointly over all its input
// channels: p = round(255 · (v − min_f) / (max_f − min_f)), where min_f/max_f are that
// filter's smallest and largest weights. Per-filter scaling shows each filter's shape
// even when filters differ a lot in magnitude (they do in trained conv1); scaling the
// channels jointly keeps the colour balance of RGB filters. A constant filter
// (max_f = min_f) is drawn mid-grey (128). Absolute magnitudes are therefore not
// comparable between tiles.
//
// Geometry: tiles of kH·scale × kW·scale pixels in `cols` columns (default ⌈√O⌉),
// separated from each other and from the image edge by 1-pixel lines of the separator
// value; unused cells at the end are filled with it too.
import sharp from 'sharp';
import { shapeStr, toFloat32, type Tensor } from '../tensor.js';

export type FilterLayout = 'OIHW' | 'HWIO';

export interface FilterGridOptions {
  /** Tiles per row. Default ⌈√filters⌉. */
  cols?: number;
  /** Integer nearest-neighbour upscale of each kernel pixel. Default 1. */
  scale?: number;
  /** Grey level 0..255 of separators and empty cells. Default 255 (white). */
  separatorValue?: number;
  /**
   * Order of the weights' 3 input channels. 'bgr' (Caffe/BVLC models, trained on BGR
   * images) is swapped so the picture is RGB. Default 'rgb'.
   */
  channelOrder?: 'rgb' | 'bgr';
}

export interface FilterGridPixels {
  /** Row-major, interleaved channels. */
  pixels: Uint8Array;
  width: number;
  height: number;
  /** 3 (RGB) for 3-input-channel filters, 1 (grey) for single-channel ones. */
  channels: 1 | 3;
}

const SEP = 1;

/** The grid as raw 8-bit pixels (no encoding). */
export function filterGridPixels(weights: Tensor, layout: FilterLayout, opts: FilterGridOptions = {}): FilterGridPixels {
  if (weights.shape.length !== 4) throw new Error(`filterGrid: expected 4-d ${layout} weights, got shape ${shapeStr(weights.shape)}`);
  const [a, b, c, d] = weights.shape as [number, number, number, number];
  const [O, I, H, W] = layout === 'OIHW' ? [a, b, c, d] : [d, c, a, b];
  if (I !== 1 && I !== 3) {
    throw new Error(`filterGrid: ${layout} shape ${shapeStr(weights.shape)} has ${I} input channels; only 1 (grey) or 3 (RGB) can be drawn`);
  }
  if (O < 1 || H < 1 || W < 1) throw new Error(`filterGrid: empty ${layout} weights ${shapeStr(weights.shape)}`);
  const scale = opts.scale ?? 1;
  const cols = opts.cols ?? Math.ceil(Math.sqrt(O));
  const sepValue = opts.separatorValue ?? 255;
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`filterGrid: scale must be an integer >= 1, got ${scale}`);
  if (!Number.isInteger(cols) || cols < 1) throw new Error(`filterGrid: cols must be an integer >= 1, got ${cols}`);
  if (!Number.isInteger(sepValue) || sepValue < 0 || sepValue > 255) throw new Error(`filterGrid: separatorValue must be 0..255, got ${sepValue}`);
  const bgr = opts.channelOrder === 'bgr';
  if (bgr && I !== 3) throw new Error(`filterGrid: channelOrder 'bgr' needs 3 input channels, got ${I}`);

  const data = toFloat32(weights).data;
  // Element strides of (o, i, h, w) in the source layout.
  const [so, si, sh, sw] = layout === 'OIHW' ? [I * H * W, H * W, W, 1] : [1, O, W * I * O, I * O];

  const rows = Math.ceil(O / cols);
  const tileW = W * scale;
  const tileH = H * scale;
  const width = cols * tileW + (cols + 1) * SEP;
  const height = rows * tileH + (rows + 1) * SEP;
  const ch = I as 1 | 3;
  const pixels = new Uint8Array(width * height * ch).fill(sepValue);

  for (let o = 0; o < O; o++) {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < I; i++) {
      for (let h = 0; h < H; h++) {
        for (let w = 0; w < W; w++) {
          const v = data[o * so + i * si + h * sh + w * sw]!;
          if (!Number.isFinite(v)) throw new Error(`filterGrid: filter ${o} has a non-finite weight ${v} at (i=${i}, h=${h}, w=${w})`);
          if (v < min) min = v;
          if (v > max) max = v;
        }
      }
    }
    const range = max - min;
    const x0 = SEP + (o % cols) * (tileW + SEP);
    const y0 = SEP + Math.floor(o / cols) * (tileH + SEP);
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        for (let i = 0; i < I; i++) {
          const v = data[o * so + i * si + h * sh + w * sw]!;
          const p = range > 0 ? Math.round(((v - min) / range) * 255) : 128;
          const outC = bgr ? 2 - i : i;
          for (let dy = 0; dy < scale; dy++) {
            const row = (y0 + h * scale + dy) * width;
            for (let dx = 0; dx < scale; dx++) pixels[(row + x0 + w * scale + dx) * ch + outC] = p;
          }
        }
      }
    }
  }
  return { pixels, width, height, channels: ch };
}

export interface FilterGridImage {
  png: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** The grid encoded as PNG (sharp), ready for SummaryWriter.image or a file. */
export async function filterGrid(weights: Tensor, layout: FilterLayout, opts: FilterGridOptions = {}): Promise<FilterGridImage> {
  const g = filterGridPixels(weights, layout, opts);
  let img = sharp(g.pixels, { raw: { width: g.width, height: g.height, channels: g.channels } });
  // sharp writes single-channel input as RGB unless told the output is greyscale; a grey
  // PNG (colour type 0) is a third the size and matches TensorBoard colorspace 1.
  if (g.channels === 1) img = img.toColourspace('b-w');
  const png = await img.png().toBuffer();
  return { png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength), width: g.width, height: g.height, channels: g.channels };
}
