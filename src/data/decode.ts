// Image decoding with sharp (libvips), producing the pixels PIL's
// `Image.open(f).convert('RGB')` produces, since that is what torchvision's default
// loader (torchvision.datasets.folder.pil_loader) feeds every reference pipeline:
//
// - Embedded ICC profiles are ignored (sharp's `ignoreIcc`). PIL's convert() never applies
//   them, and sharp's default colour management changes pixels (rocket.jpg by up to 55/255).
//   With it off, sharp's JPEG and PNG pixels equal PIL's byte for byte.
// - Alpha is dropped, not composited: Pillow's RGBA->RGB and LA->RGB conversions copy the
//   colour channels and discard alpha, so a fully transparent pixel keeps its stored colour.
// - Grayscale is replicated into R, G and B (Pillow's L->RGB).
// - CMYK is converted with Pillow's naive formula (Convert.c, cmyk2rgb), not through an ICC
//   profile as sharp would: R = (255 - C) * (255 - K) / 255, rounded; likewise G from M, B from Y.
// - 16-bit samples keep their high byte, as libvips' RGB16->sRGB does and as Pillow does for
//   16-bit RGB PNGs (rawmode "RGB;16B"). (Pillow opens 16-bit grayscale as mode I and
//   convert('RGB') then clips everything above 255 to white; we do not copy that.)
// - GIF and other multi-page files: the first frame/page only, as Image.open() shows it.
//   One known difference: libvips gives a GIF's transparent pixels as black, where PIL
//   gives the palette colour stored at the transparent index (palette PNGs with tRNS agree).
// - EXIF Orientation is applied by default. This is a deliberate difference from
//   torchvision's loader, which ignores it (PIL needs ImageOps.exif_transpose); turn it off
//   with `autoOrient: false` for bit-exact agreement on rotated photos.
//
// Safety: the pixel count is read from the header and checked against `maxPixels` before
// any pixel is decoded (PIL's MAX_IMAGE_PIXELS; PIL only warns up to twice that, we refuse),
// and truncated or corrupt data is an error rather than a partially grey image (sharp's
// failOn 'truncated'; PIL likewise refuses truncated files unless LOAD_TRUNCATED_IMAGES).
import { open, readFile } from 'node:fs/promises';
import sharp, { type Metadata } from 'sharp';
import { readImageHeader } from './header.js';
import type { RgbImage } from './image.js';

/** PIL.Image.MAX_IMAGE_PIXELS: 1024 * 1024 * 1024 // 4 // 3, about a 24-bit 128 MB image. */
export const PIL_MAX_IMAGE_PIXELS = 178_956_970;

export interface DecodeOptions {
  /** Refuse images with more pixels than this, before decoding. Default PIL_MAX_IMAGE_PIXELS; Infinity disables. */
  maxPixels?: number;
  /** The setting that raises maxPixels as the caller exposes it, named in the refusal (default 'maxPixels'; the CLI's is '--max-pixels'). */
  limitName?: string;
  /** Rotate/flip upright by the EXIF Orientation tag (default true). */
  autoOrient?: boolean;
  /** Name shown in errors for a Buffer input (default '<buffer>'); a string input names itself. */
  name?: string;
  /** How picky sharp is about damaged data (default 'truncated': refuse truncated files, tolerate warnings). */
  failOn?: 'none' | 'truncated' | 'error' | 'warning';
  /**
   * Awaited with the image's size after the size check and before any pixel is decoded: a
   * PixelBudget (./pixel_budget.ts) holds the decode there until its pixels fit.
   */
  admit?: (width: number, height: number) => Promise<unknown>;
}

export interface DecodedImage extends RgbImage {
  /** The path decoded, or the name given for a buffer; used in later error messages. */
  readonly file: string;
}

/** Characters of a decoder message kept in an error (see shortReason). */
const MAX_REASON = 200;

/**
 * A libvips message as one short line. Its errors can span dozens of lines (a fake HEIC:
 * 25 "source: bad seek to N" lines, then libheif's reason); keep the first line, which
 * says what failed, and the last, which usually says why, at most MAX_REASON characters.
 */
export function shortReason(msg: string): string {
  const lines = msg.split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
  const first = lines[0] ?? '';
  const last = lines[lines.length - 1] ?? '';
  const line = last === first ? first : `${first} ... ${last}`;
  return line.length <= MAX_REASON ? line : `${line.slice(0, MAX_REASON - 1)}…`;
}

function formatPixels(n: number, mega: boolean): string {
  return mega ? `${Math.floor(n / 1e6)} Mpixels` : `${n} pixels`;
}

/** The decompression-bomb message, in Mpixels when that still shows the difference; `limitName` is the setting that raises the limit. */
export function pixelLimitMessage(file: string, width: number, height: number, limit: number, limitName = 'maxPixels'): string {
  const n = width * height;
  const mega = limit >= 1e6 && Math.floor(n / 1e6) > Math.floor(limit / 1e6);
  return (
    `${file}: ${width}x${height} = ${formatPixels(n, mega)} exceeds the limit of ${formatPixels(limit, mega)}` +
    ` (a possible decompression bomb; raise ${limitName} to at least ${n} to allow it)`
  );
}

/**
 * Pillow's CMYK->RGB: each colour channel is (255 - ink) scaled by (255 - K) / 255, rounded
 * to nearest. `channels` is 4, or 5 with a trailing alpha that is dropped.
 */
export function cmykToRgb(cmyk: Uint8Array, channels: 4 | 5): Uint8Array {
  const n = Math.floor(cmyk.length / channels);
  const out = new Uint8Array(n * 3);
  for (let i = 0, s = 0, d = 0; i < n; i++, s += channels, d += 3) {
    const nk = 255 - cmyk[s + 3]!;
    // round(a * nk / 255) for integers, exactly: (2 * a * nk + 255) / 510, floored.
    out[d] = Math.floor((2 * (255 - cmyk[s]!) * nk + 255) / 510);
    out[d + 1] = Math.floor((2 * (255 - cmyk[s + 1]!) * nk + 255) / 510);
    out[d + 2] = Math.floor((2 * (255 - cmyk[s + 2]!) * nk + 255) / 510);
  }
  return out;
}

/** Bytes read first from a file: its JPEG or PNG header is almost always within them. */
const HEAD_BYTES = 64 * 1024;

async function readHead(path: string): Promise<Buffer> {
  const f = await open(path, 'r');
  try {
    const b = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await f.read(b, 0, HEAD_BYTES, 0);
    return b.subarray(0, bytesRead);
  } finally {
    await f.close();
  }
}

/** Decode a file or an encoded buffer (JPEG, PNG, WebP, GIF, TIFF, AVIF/HEIF, ...) to 8-bit RGB. */
export async function decodeImage(input: string | Buffer, opts: DecodeOptions = {}): Promise<DecodedImage> {
  const file = typeof input === 'string' ? input : (opts.name ?? '<buffer>');
  const maxPixels = opts.maxPixels ?? PIL_MAX_IMAGE_PIXELS;
  if (!(maxPixels > 0)) throw new Error(`${file}: maxPixels must be positive (or Infinity), got ${maxPixels}`);
  const failOn = opts.failOn ?? 'truncated';

  // A file's header is read from its first bytes, so that the size check and the pixel
  // budget (opts.admit) come before the whole file is in memory.
  const read = async (whole: boolean): Promise<Buffer> => {
    try {
      return whole ? await readFile(input) : await readHead(input as string);
    } catch (e) {
      throw new Error(`${file}: cannot read (${(e as Error).message})`);
    }
  };
  let buf: Buffer | null = typeof input === 'string' ? null : input;
  const head = buf ?? (await read(false));
  if (head.length < HEAD_BYTES) buf = head; // the whole file

  // Header only. JPEG and PNG headers are read here (./header.ts); other formats ask sharp,
  // with its own limit (0x3FFF^2) lifted so that we, not it, decide and can say how large
  // the image claims to be.
  let meta: { format?: string; width?: number; height?: number; cmyk: boolean } | null = readImageHeader(head);
  if (!meta) {
    buf ??= await read(true);
    let m: Metadata;
    try {
      m = await sharp(buf, { limitInputPixels: false, failOn }).metadata();
    } catch (e) {
      throw new Error(`${file}: not a readable image (${shortReason((e as Error).message)})`);
    }
    meta = { format: m.format, width: m.width, height: m.height, cmyk: m.space === 'cmyk' };
  }
  const { width, height, cmyk } = meta;
  if (!width || !height) throw new Error(`${file}: the ${meta.format ?? 'unknown'} header gives no image size`);
  if (width * height > maxPixels) throw new Error(pixelLimitMessage(file, width, height, maxPixels, opts.limitName));
  await opts.admit?.(width, height);

  try {
    // A file not yet read is given to libvips by path: it reads the file as it decodes,
    // instead of holding the whole encoded file in memory beside the pixels.
    let s = sharp(buf ?? (input as string), {
      // Still passed, so the decoder itself is bounded even if a header misled the size check above.
      limitInputPixels: Number.isFinite(maxPixels) ? Math.floor(maxPixels) : false,
      failOn,
      ignoreIcc: true,
      autoOrient: opts.autoOrient ?? true,
      pages: 1,
      page: 0,
    });
    // For CMYK keep libvips from converting through its built-in profile; we want the inks.
    s = cmyk ? s.pipelineColourspace('cmyk').toColourspace('cmyk') : s.toColourspace('srgb').removeAlpha();
    const { data, info } = await s.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const pixels = info.width * info.height;
    const channels: number = info.channels;
    let rgb: Uint8Array;
    if (cmyk && (channels === 4 || channels === 5) && bytes.length === pixels * channels) {
      rgb = cmykToRgb(bytes, channels);
    } else if (!cmyk && channels === 3 && bytes.length === pixels * 3) {
      rgb = bytes;
    } else {
      throw new Error(`unexpected decoder output: ${info.width}x${info.height}x${channels}, ${bytes.length} bytes`);
    }
    return { data: rgb, width: info.width, height: info.height, file };
  } catch (e) {
    throw new Error(`${file}: cannot decode ${meta.format ?? 'image'} (${shortReason((e as Error).message)})`);
  }
}
