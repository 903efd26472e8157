import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { decodeImage } from '../../src/data/decode.js';
import { readImageHeader } from '../../src/data/header.js';
import { FIXTURES } from '../helpers.js';

const IMG = join(FIXTURES, 'images');
const card = Buffer.alloc(40 * 30 * 3, 77);
const raw = { raw: { width: 40, height: 30, channels: 3 as const } };

test('header: JPEG and PNG sizes agree with sharp, CMYK is seen, progressive and EXIF files too', async () => {
  const files: [string, Buffer][] = [
    ['rocket.jpg', readFileSync(join(IMG, 'rocket.jpg'))],
    ['coffee.png', readFileSync(join(IMG, 'coffee.png'))],
    ['astronaut.png', readFileSync(join(IMG, 'astronaut.png'))],
    ['progressive.jpg', await sharp(card, raw).jpeg({ progressive: true }).toBuffer()],
    ['grey.jpg', await sharp(card, raw).greyscale().jpeg().toBuffer()],
    ['cmyk.jpg', await sharp(card, raw).toColourspace('cmyk').jpeg().toBuffer()],
    ['exif.jpg', await sharp(card, raw).jpeg().withMetadata({ orientation: 6 }).toBuffer()],
    ['palette.png', await sharp(card, raw).png({ palette: true }).toBuffer()],
  ];
  for (const [name, b] of files) {
    const h = readImageHeader(b);
    const m = await sharp(b).metadata();
    assert.ok(h, name);
    assert.deepEqual([h.format, h.width, h.height, h.cmyk], [m.format, m.width, m.height, m.space === 'cmyk'], name);
  }
  assert.equal(readImageHeader(files[5]![1])!.cmyk, true);
});

test('header: anything unusual is left to sharp (null)', async () => {
  const rocket = readFileSync(join(IMG, 'rocket.jpg'));
  // cut before the start of scan: libjpeg could not read this header either
  const sos = rocket.indexOf(Buffer.from([0xff, 0xda]));
  assert.ok(sos > 0);
  const sosEnd = sos + 2 + rocket.readUInt16BE(sos + 2);
  assert.equal(readImageHeader(rocket.subarray(0, sosEnd - 1)), null);
  assert.ok(readImageHeader(rocket.subarray(0, sosEnd)));
  assert.equal(readImageHeader(readFileSync(join(IMG, 'truncated.jpg'))), null);
  assert.equal(readImageHeader(await sharp(card, raw).webp().toBuffer()), null);
  assert.equal(readImageHeader(Buffer.from('not an image')), null);
  assert.equal(readImageHeader(readFileSync(join(IMG, 'coffee.png')).subarray(0, 20)), null);
  // a JPEG whose frame header says height 0 (defined later by a DNL marker)
  const zero = Buffer.from(rocket);
  const sof = zero.indexOf(Buffer.from([0xff, 0xc0]));
  assert.ok(sof > 0, 'rocket.jpg is baseline');
  zero[sof + 5] = 0;
  zero[sof + 6] = 0;
  assert.equal(readImageHeader(zero), null);
});

test('header: a JPEG bomb is refused from our header read, with the same message', async () => {
  const b = await sharp(card, raw).jpeg().toBuffer();
  const sof = b.indexOf(Buffer.from([0xff, 0xc0]));
  b.writeUInt16BE(60000, sof + 5);
  b.writeUInt16BE(60000, sof + 7);
  await assert.rejects(decodeImage(b, { name: 'bomb.jpg' }), /^Error: bomb\.jpg: 60000x60000 = 3600 Mpixels exceeds the limit of 178 Mpixels/);
});
