// The report's pictures as raw RGB pixels and PNG bytes: heat maps blended over the input,
// grids of feature maps, and crops with a box. Pixel work happens here on typed arrays;
// sharp only encodes.
import sharp from 'sharp';
import type { RgbImage } from '../../data/image.js';
import { inferno } from './colormap.js';

/** A 2-d map of values, row-major. */
export interface Map2d {
  readonly data: ArrayLike<number>;
  readonly height: number;
  readonly width: number;
}

/** PNG bytes of an RGB image. */
export async function pngOf(img: RgbImage): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).png().toBuffer();
}

/**
 * The map's value at output pixel (x, y) of a width × height picture, bilinear between map
 * cells with cell centres aligned to pixel centres (align_corners=False, as cv2.resize and
 * pytorch-grad-cam's scale_cam_image upsample a CAM), clamped at the borders.
 */
export function upsample(map: Map2d, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  const sy = map.height / height;
  const sx = map.width / width;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(map.height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(map.height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(map.width - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(map.width - 1, x0 + 1);
      const wx = fx - x0;
      const top = map.data[y0 * map.width + x0]! * (1 - wx) + map.data[y0 * map.width + x1]! * wx;
      const bottom = map.data[y1 * map.width + x0]! * (1 - wx) + map.data[y1 * map.width + x1]! * wx;
      out[y * width + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return out;
}

/**
 * The map upsampled to the image, coloured with inferno at t = value / scale (clamped to
 * [0, 1], so negative values are drawn as 0), and blended: (1 − alpha) · image + alpha · colour.
 * scale defaults to the map's maximum; an all-zero map draws the image darkened toward inferno(0).
 */
export function heatmapOverlay(img: RgbImage, map: Map2d, opts: { alpha?: number; scale?: number } = {}): RgbImage {
  const alpha = opts.alpha ?? 0.5;
  let max = 0;
  for (let i = 0; i < map.data.length; i++) max = Math.max(max, map.data[i]!);
  const scale = opts.scale ?? max;
  const up = upsample(map, img.width, img.height);
  const data = new Uint8Array(img.width * img.height * 3);
  for (let p = 0; p < up.length; p++) {
    const c = inferno(scale > 0 ? up[p]! / scale : 0);
    for (let k = 0; k < 3; k++) data[p * 3 + k] = Math.round((1 - alpha) * img.data[p * 3 + k]! + alpha * c[k]!);
  }
  return { data, width: img.width, height: img.height };
}

/** The map alone in inferno, each cell `cell` pixels square (nearest neighbour), t = (v − min) / (max − min). */
export function colourMap(map: Map2d, cell: number): RgbImage {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < map.data.length; i++) (min = Math.min(min, map.data[i]!)), (max = Math.max(max, map.data[i]!));
  const w = map.width * cell;
  const h = map.height * cell;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = map.data[Math.floor(y / cell) * map.width + Math.floor(x / cell)]!;
      data.set(inferno(max > min ? (v - min) / (max - min) : 0), (y * w + x) * 3);
    }
  }
  return { data, width: w, height: h };
}

export interface TileGrid {
  image: RgbImage;
  cols: number;
  tile: number;
}

/**
 * Maps as tiles of a grid in `cols` columns, each cell `cell` pixels (nearest neighbour),
 * 2-pixel white gaps. Each tile is scaled on its own from its minimum to its maximum (a
 * constant map is black), in inferno.
 */
export function tileGrid(maps: readonly Map2d[], cols: number, cell: number): TileGrid {
  const GAP = 2;
  const first = maps[0];
  if (!first) throw new Error('tileGrid: no maps to draw');
  const tw = first.width * cell;
  const th = first.height * cell;
  const rows = Math.ceil(maps.length / cols);
  const width = cols * tw + (cols - 1) * GAP;
  const height = rows * th + (rows - 1) * GAP;
  const data = new Uint8Array(width * height * 3).fill(255);
  maps.forEach((m, i) => {
    if (m.width !== first.width || m.height !== first.height) throw new Error(`tileGrid: map ${i} is ${m.height}x${m.width}, map 0 ${first.height}x${first.width}`);
    const tile = colourMap(m, cell);
    const x0 = (i % cols) * (tw + GAP);
    const y0 = Math.floor(i / cols) * (th + GAP);
    for (let y = 0; y < th; y++) data.set(tile.data.subarray(y * tw * 3, (y + 1) * tw * 3), ((y0 + y) * width + x0) * 3);
  });
  return { image: { data, width, height }, cols, tile: tw };
}

/** A box in image pixels; may reach past the image edges. */
export interface PixelBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

/**
 * The part of img inside `area`, with `box` (in image pixels, usually inside the area)
 * outlined `line` pixels wide in colour, the outline inside the box; the parts of the area
 * outside the image are grey (128).
 */
export function cropWithBox(img: RgbImage, area: PixelBox, box: PixelBox = area, colour: readonly [number, number, number] = [255, 215, 0], line = 2): RgbImage {
  const { width, height } = area;
  const data = new Uint8Array(width * height * 3).fill(128);
  for (let y = 0; y < height; y++) {
    const sy = area.top + y;
    for (let x = 0; x < width; x++) {
      const sx = area.left + x;
      const by = sy - box.top;
      const bx = sx - box.left;
      const inBox = by >= 0 && bx >= 0 && by < box.height && bx < box.width;
      const edge = inBox && (by < line || bx < line || by >= box.height - line || bx >= box.width - line);
      const o = (y * width + x) * 3;
      if (edge) data.set(colour, o);
      else if (sy >= 0 && sx >= 0 && sy < img.height && sx < img.width) data.set(img.data.subarray((sy * img.width + sx) * 3, (sy * img.width + sx) * 3 + 3), o);
    }
  }
  return { data, width, height };
}
