// The decoded-image currency of src/data: 8-bit RGB, interleaved (HWC), row-major, no
// padding between rows. This is what PIL holds after `convert('RGB')`, which is the
// image every reference pipeline (torchvision, Caffe's convert_imageset, slim) starts from.

export interface RgbImage {
  /** width * height * 3 bytes, R G B per pixel, rows top to bottom. */
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** An 8-bit grey image (IDX datasets): width * height bytes, rows top to bottom. */
export interface GreyImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** An RgbImage over `data` (or zero-filled), checked for size. */
export function rgbImage(width: number, height: number, data?: Uint8Array): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`rgbImage: bad size ${width}x${height}`);
  }
  const n = width * height * 3;
  const d = data ?? new Uint8Array(n);
  if (d.length !== n) throw new Error(`rgbImage: ${width}x${height}x3 needs ${n} bytes, data has ${d.length}`);
  return { data: d, width, height };
}

/** [height, width] from a number (square) or a pair, validated as positive integers. */
export function sizeHW(size: number | readonly [number, number], what: string): [number, number] {
  const hw: [number, number] = typeof size === 'number' ? [size, size] : [size[0], size[1]];
  if (!hw.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new Error(`${what}: expected a positive integer or [height, width], got ${JSON.stringify(size)}`);
  }
  return hw;
}
