import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { cmykToRgb, decodeImage, PIL_MAX_IMAGE_PIXELS, pixelLimitMessage, shortReason } from '../../src/data/decode.js';
import { FIXTURES } from '../helpers.js';
import { preprocessOracle } from './oracle.js';

const IMG = join(FIXTURES, 'images');

// A 6x4 RGB test card: pixel (x, y) = (40x + 3, 60y + 7, 10(x + y) + 100); distinct rows and columns.
const W = 6;
const H = 4;
const card = Buffer.alloc(W * H * 3);
for (let y = 0; y < H; y++) {
  for (let x = 0; x < W; x++) card.set([40 * x + 3, 60 * y + 7, 10 * (x + y) + 100], (y * W + x) * 3);
}
const raw = { raw: { width: W, height: H, channels: 3 as const } };

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

test('decode: PNG fixture sizes and a known pixel', async () => {
  const img = await decodeImage(join(IMG, 'chelsea.png'));
  assert.deepEqual([img.width, img.height, img.data.length], [451, 300, 451 * 300 * 3]);
  assert.equal(img.file, join(IMG, 'chelsea.png'));
  const rocket = await decodeImage(readFileSync(join(IMG, 'rocket.jpg')), { name: 'rocket.jpg' });
  assert.deepEqual([rocket.width, rocket.height, rocket.file], [640, 427, 'rocket.jpg']);
});

test('decode: lossless formats round-trip exactly (PNG, WebP, GIF, TIFF, AVIF)', async () => {
  const encoders: Record<string, (s: Sharp) => Sharp> = {
    png: (s) => s.png(),
    webp: (s) => s.webp({ lossless: true }),
    tiff: (s) => s.tiff({ compression: 'lzw' }),
  };
  // AVIF needs sharp's libheif with an AV1 encoder (the prebuilt binaries have it).
  if (sharp.format.heif.output.buffer) encoders['avif'] = (s) => s.avif({ lossless: true });
  for (const [fmt, enc] of Object.entries(encoders)) {
    const buf = await enc(sharp(card, raw)).toBuffer();
    const img = await decodeImage(buf, { name: `card.${fmt}` });
    assert.deepEqual([img.width, img.height], [W, H], fmt);
    assert.equal(maxDiff(img.data, card), 0, `${fmt} pixels`);
  }
  // GIF is palette-based: 24 colours fit a palette exactly (no dithering needed).
  const gif = await sharp(card, raw).gif({ dither: 0, effort: 10 }).toBuffer();
  const g = await decodeImage(gif, { name: 'card.gif' });
  assert.deepEqual([g.width, g.height], [W, H]);
  assert.ok(maxDiff(g.data, card) <= 2, `gif max diff ${maxDiff(g.data, card)}`);
});

test('decode: lossy JPEG stays close; GIF/TIFF give the first frame only', async () => {
  const jpg = await decodeImage(await sharp(card, raw).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer());
  assert.ok(maxDiff(jpg.data, card) <= 6, `jpeg max diff ${maxDiff(jpg.data, card)}`);
  // Two 6x2 frames stacked: red then blue. Only the red one must come back.
  const frames = Buffer.alloc(W * 4 * 3);
  for (let i = 0; i < W * 4; i++) frames.set(i < W * 2 ? [255, 0, 0] : [0, 0, 255], i * 3);
  const anim = await sharp(frames, { raw: { width: W, height: 4, channels: 3, pageHeight: 2 } }).gif().toBuffer();
  const first = await decodeImage(anim);
  assert.deepEqual([first.width, first.height], [W, 2]);
  assert.ok([...first.data].every((v, i) => v === (i % 3 === 0 ? 255 : 0)));
});

test('decode: grayscale is replicated to RGB', async () => {
  const grey = Buffer.from([0, 7, 128, 255, 30, 60]);
  const png = await sharp(grey, { raw: { width: 3, height: 2, channels: 1 } }).toColourspace('b-w').png().toBuffer();
  assert.equal((await sharp(png).metadata()).channels, 1);
  const img = await decodeImage(png);
  assert.deepEqual([...img.data], [...grey].flatMap((v) => [v, v, v]));
  // Grey + alpha: alpha dropped as well.
  const la = Buffer.from([0, 255, 7, 0, 128, 9, 255, 255]);
  const lapng = await sharp(la, { raw: { width: 2, height: 2, channels: 2 } }).toColourspace('b-w').png().toBuffer();
  assert.deepEqual([...(await decodeImage(lapng)).data], [0, 0, 0, 7, 7, 7, 128, 128, 128, 255, 255, 255]);
});

test('decode: RGBA drops alpha without compositing, like PIL convert("RGB")', async () => {
  // Transparent pixels keep their stored colour (PIL's RGBA->RGB copies R, G, B).
  const rgba = Buffer.from([10, 20, 30, 0, 40, 50, 60, 128, 70, 80, 90, 255, 1, 2, 3, 0]);
  const png = await sharp(rgba, { raw: { width: 2, height: 2, channels: 4 } }).png().toBuffer();
  assert.equal((await sharp(png).metadata()).hasAlpha, true);
  assert.deepEqual([...(await decodeImage(png)).data], [10, 20, 30, 40, 50, 60, 70, 80, 90, 1, 2, 3]);
});

test('decode: CMYK JPEG uses Pillow\'s formula, not an ICC transform', async () => {
  const cmykJpeg = await sharp(card, raw).toColourspace('cmyk').jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer();
  assert.equal((await sharp(cmykJpeg).metadata()).space, 'cmyk');
  const img = await decodeImage(cmykJpeg, { name: 'card-cmyk.jpg' });
  // The inks as stored, through (255 - ink) * (255 - K) / 255.
  const inks = await sharp(cmykJpeg).pipelineColourspace('cmyk').toColourspace('cmyk').raw().toBuffer();
  assert.deepEqual(img.data, cmykToRgb(new Uint8Array(inks), 4));
  // sharp's own route (through a CMYK ICC profile) would give other colours.
  const viaIcc = new Uint8Array(await sharp(cmykJpeg).raw().toBuffer());
  assert.ok(maxDiff(img.data, viaIcc) > 10);
  // Hand-checked: C=0 M=159 Y=235 K=48 -> 207, 78, 16 (what PIL gives).
  assert.deepEqual([...cmykToRgb(new Uint8Array([0, 159, 235, 48]), 4)], [207, 78, 16]);
  assert.deepEqual([...cmykToRgb(new Uint8Array([0, 0, 0, 0, 9, 255, 255, 255, 255, 9]), 5)], [255, 255, 255, 0, 0, 0]);
});

test('decode: cmykToRgb equals Pillow for every (ink, K) pair', (t) => {
  const o = preprocessOracle(t);
  if (!o) return;
  assert.deepEqual(cmykToRgb(o.u8('cmyk/input').data, 4), o.u8('cmyk/rgb').data);
});

test('decode: a CMYK JPEG written by PIL decodes as PIL decodes it', async (t) => {
  const o = preprocessOracle(t);
  if (!o) return;
  const ref = o.u8('cmyk/jpeg_rgb');
  const img = await decodeImage(Buffer.from(o.u8('cmyk/jpeg').data), { name: 'pil-cmyk.jpg' });
  assert.deepEqual([img.height, img.width, 3], ref.shape);
  assert.equal(maxDiff(img.data, ref.data), 0);
});

test('decode: 16-bit PNG keeps the high byte', async () => {
  const u16 = new Uint16Array([0x80ff, 0x00ff, 0xffff, 0x7f80, 0, 257]);
  const png = await sharp(u16, { raw: { width: 2, height: 1, channels: 3 } }).toColourspace('rgb16').png().toBuffer();
  assert.equal((await sharp(png).metadata()).depth, 'ushort');
  assert.deepEqual([...(await decodeImage(png)).data], [0x80, 0x00, 0xff, 0x7f, 0, 1]);
});

test('decode: EXIF orientation 6 is applied by default, and can be turned off', async () => {
  const jpg = await sharp(card, raw).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).withMetadata({ orientation: 6 }).toBuffer();
  assert.equal((await sharp(jpg).metadata()).orientation, 6);
  const upright = await decodeImage(jpg);
  assert.deepEqual([upright.width, upright.height], [H, W]);
  // Orientation 6 means "rotate 90 degrees clockwise to display": the stored bottom-left
  // pixel (0, H-1) becomes the displayed top-left, and the stored top-left becomes top-right.
  const px = (d: Uint8Array, w: number, x: number, y: number) => [...d.subarray((y * w + x) * 3, (y * w + x) * 3 + 3)];
  const near = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]!) <= 6);
  assert.ok(near(px(upright.data, H, 0, 0), px(card, W, 0, H - 1)), `${px(upright.data, H, 0, 0)}`);
  assert.ok(near(px(upright.data, H, H - 1, 0), px(card, W, 0, 0)), `${px(upright.data, H, H - 1, 0)}`);
  const stored = await decodeImage(jpg, { autoOrient: false });
  assert.deepEqual([stored.width, stored.height], [W, H]);
  assert.ok(maxDiff(stored.data, card) <= 6);
});

test('decode: truncated and corrupt files give one-line errors naming the file', async () => {
  const truncated = join(IMG, 'truncated.jpg');
  await assert.rejects(decodeImage(truncated), (e: Error) => {
    assert.match(e.message, /^.*truncated\.jpg: not a readable image \(.*premature end of JPEG image.*\)$/);
    assert.ok(!e.message.includes('\n'), e.message);
    return true;
  });
  // Cut inside the entropy-coded data: sharp would return a partly grey image; we refuse.
  const rocket = readFileSync(join(IMG, 'rocket.jpg'));
  await assert.rejects(decodeImage(rocket.subarray(0, 60000), { name: 'rocket-cut.jpg' }), /^Error: rocket-cut\.jpg: cannot decode jpeg \(.*premature end of JPEG image\)$/);
  const coffee = readFileSync(join(IMG, 'coffee.png'));
  await assert.rejects(decodeImage(coffee.subarray(0, 200000), { name: 'coffee-cut.png' }), /^Error: coffee-cut\.png: cannot decode png \(.+\)$/);
  await assert.rejects(decodeImage(Buffer.from('not an image at all')), /^Error: <buffer>: not a readable image \(Input buffer contains unsupported image format\)$/);
  await assert.rejects(decodeImage(join(IMG, 'missing.png')), /missing\.png: cannot read \(ENOENT/);
});

test('decode: a fake HEIC gives one short line naming the file, with libvips\' first and last reason', async () => {
  // An ftyp box that says HEIC, then 0xff bytes: libheif reports some 25 "bad seek" lines.
  const ftyp = Buffer.from('\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic', 'latin1');
  const fake = Buffer.concat([ftyp, Buffer.alloc(3000, 0xff)]);
  await assert.rejects(decodeImage(fake, { name: 'x.heic' }), (e: Error) => {
    assert.match(e.message, /^x\.heic: not a readable image \(Input buffer has corrupt header: source: bad seek to 4294967351 \.\.\. heif: Invalid input: .*\)$/);
    assert.ok(!e.message.includes('\n'), e.message);
    assert.ok(e.message.length <= 'x.heic: not a readable image ()'.length + 200, `${e.message.length} characters: ${e.message}`);
    return true;
  });
  // A text file named .heic.
  const dir = mkdtempSync(join(tmpdir(), 'alexnet-decode-'));
  try {
    const text = join(dir, 'x.heic');
    writeFileSync(text, 'hello, not an image\n');
    await assert.rejects(decodeImage(text), new RegExp(`^Error: ${text.replace(/[.\\/]/g, '\\$&')}: not a readable image \\(Input buffer contains unsupported image format\\)$`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // A long line is cut to 200 characters, marked with an ellipsis; repeats and blank lines go.
  assert.equal(shortReason('a'.repeat(300)), `${'a'.repeat(199)}…`);
  assert.equal(shortReason('first\nsame\nsame\nlast'), 'first ... last');
  assert.equal(shortReason('only\n\n'), 'only');
});

function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/** A PNG file from its IHDR fields, extra chunks and the uncompressed scanlines. */
function png(width: number, height: number, colourType: number, chunks: Buffer[], scanlines: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = colourType;
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, pngChunk('IHDR', ihdr), ...chunks, pngChunk('IDAT', deflateSync(scanlines)), pngChunk('IEND', Buffer.alloc(0))]);
}

/** A PNG whose header claims width x height (RGB); the pixel data is a few zero bytes. */
function pngHeader(width: number, height: number): Buffer {
  return png(width, height, 2, [], Buffer.alloc(64));
}

test('decode: a palette PNG\'s transparent entry keeps its colour (PIL convert("RGB"))', async () => {
  const plte = pngChunk('PLTE', Buffer.from([200, 10, 20, 30, 40, 50]));
  const trns = pngChunk('tRNS', Buffer.from([0])); // palette entry 0 fully transparent
  const file = png(2, 1, 3, [plte, trns], Buffer.from([0, 0, 1])); // filter byte, indices 0 1
  assert.equal((await sharp(file).metadata()).hasAlpha, true);
  assert.deepEqual([...(await decodeImage(file)).data], [200, 10, 20, 30, 40, 50]);
});

test('decode: decompression bombs are refused from the header, before decoding', async () => {
  assert.equal(PIL_MAX_IMAGE_PIXELS, 178956970);
  await assert.rejects(
    decodeImage(pngHeader(100000, 100000), { name: 'bomb.png' }),
    /^Error: bomb\.png: 100000x100000 = 10000 Mpixels exceeds the limit of 178 Mpixels \(a possible decompression bomb; raise maxPixels to at least 10000000000 to allow it\)$/,
  );
  // The message names the setting as the caller exposes it (the CLI: its flag).
  await assert.rejects(
    decodeImage(pngHeader(100000, 100000), { name: 'bomb.png', limitName: '--max-pixels' }),
    /^Error: bomb\.png: 100000x100000 = 10000 Mpixels exceeds the limit of 178 Mpixels \(a possible decompression bomb; raise --max-pixels to at least 10000000000 to allow it\)$/,
  );
  // Just over PIL's limit is refused too (PIL would only warn below twice the limit).
  await assert.rejects(decodeImage(pngHeader(17896, 10000), { name: 'big.png' }), /big\.png: 17896x10000 = 178960000 pixels exceeds the limit of 178956970 pixels/);
  // A tiny limit on a real image.
  await assert.rejects(decodeImage(join(IMG, 'coffee.png'), { maxPixels: 1000 }), /coffee\.png: 600x400 = 240000 pixels exceeds the limit of 1000 pixels/);
  const ok = await decodeImage(join(IMG, 'coffee.png'), { maxPixels: 240000 });
  assert.equal(ok.width * ok.height, 240000);
  assert.equal(pixelLimitMessage('x.png', 3000, 3000, 2_000_000).split(' (')[0], 'x.png: 3000x3000 = 9 Mpixels exceeds the limit of 2 Mpixels');
  await assert.rejects(decodeImage(join(IMG, 'coffee.png'), { maxPixels: 0 }), /coffee\.png: maxPixels must be positive \(or Infinity\), got 0/);
});
