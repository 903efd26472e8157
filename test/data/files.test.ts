// Walking folders for images: only formats the bundled sharp decodes are walked, symlinked
// files and directories are followed (with loop protection), and whatever is skipped is
// returned with the reason, so callers can say so.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp, { type FormatEnum } from 'sharp';
import { decodeImage } from '../../src/data/decode.js';
import { expandImagePaths, IMAGE_EXTENSIONS, skippedSummary, walkImageFiles } from '../../src/data/files.js';

const tmp = mkdtempSync(join(tmpdir(), 'files-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const tiny = () => sharp({ create: { width: 4, height: 3, channels: 3, background: { r: 200, g: 10, b: 30 } } });

/** A 2x1 24-bit BMP (BITMAPINFOHEADER), written by hand: sharp cannot write BMP. */
function bmp(): Buffer {
  const row = Buffer.from([0, 0, 255, 0, 255, 0, 0, 0]); // two BGR pixels, padded to 4 bytes
  const b = Buffer.alloc(54 + row.length);
  b.write('BM', 0);
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(2, 18);
  b.writeInt32LE(1, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  b.writeUInt32LE(row.length, 34);
  row.copy(b, 54);
  return b;
}

/** sharp's output format for each walked extension. */
const WRITER: Record<string, keyof FormatEnum | 'avif'> = {
  '.jpg': 'jpeg', '.jpeg': 'jpeg', '.png': 'png', '.webp': 'webp', '.gif': 'gif', '.tif': 'tiff', '.tiff': 'tiff', '.avif': 'avif',
};

test('every walked extension is one the bundled sharp decodes; BMP and HEIC are not walked', async () => {
  assert.deepEqual([...IMAGE_EXTENSIONS].sort(), Object.keys(WRITER).sort());
  const dir = join(tmp, 'formats');
  mkdirSync(dir);
  for (const [ext, fmt] of Object.entries(WRITER)) {
    const p = join(dir, `img${ext}`);
    await tiny().toFormat(fmt).toFile(p);
    const img = await decodeImage(p);
    assert.deepEqual([ext, img.width, img.height], [ext, 4, 3]);
  }
  // sharp's own list of the suffixes it reads: no .bmp, .heic or .heif (its libheif reads AV1 only)
  const suffixes = Object.values(sharp.format).flatMap((f) => (f.input.file ? (f.input.fileSuffix ?? []) : []));
  for (const ext of IMAGE_EXTENSIONS) assert.ok(suffixes.includes(ext), `${ext} is not among sharp's input suffixes`);
  for (const ext of ['.bmp', '.heic', '.heif']) assert.ok(!suffixes.includes(ext), ext);
  writeFileSync(join(dir, 'old.bmp'), bmp());
  await assert.rejects(decodeImage(join(dir, 'old.bmp')), /old\.bmp: not a readable image/);
  writeFileSync(join(dir, 'phone.HEIC'), Buffer.from('000000186674797068656963000000006d696631', 'hex'));
  writeFileSync(join(dir, 'notes.txt'), 'x');
  writeFileSync(join(dir, '.hidden.png'), 'x');

  const r = await walkImageFiles(dir);
  assert.deepEqual(r.files.map((f) => f.slice(dir.length + 1)), ['img.avif', 'img.gif', 'img.jpeg', 'img.jpg', 'img.png', 'img.tif', 'img.tiff', 'img.webp']);
  assert.deepEqual(
    r.skipped.map((s) => [s.path.slice(dir.length + 1), s.reason]),
    [['notes.txt', 'not an image format sharp decodes here (.txt)'], ['old.bmp', 'not an image format sharp decodes here (.bmp)'], ['phone.HEIC', 'not an image format sharp decodes here (.heic)']],
  );
  assert.equal(skippedSummary(r.skipped, dir, 2), 'skipped 3 files: notes.txt (not an image format sharp decodes here (.txt)), old.bmp (not an image format sharp decodes here (.bmp)), and 1 more');
});

test('symlinked files and directories are followed; loops and broken links are skipped and reported', async () => {
  const real = join(tmp, 'real');
  mkdirSync(join(real, 'sub'), { recursive: true });
  await tiny().png().toFile(join(real, 'a.png'));
  await tiny().jpeg().toFile(join(real, 'sub', 'b.jpg'));
  const root = join(tmp, 'linked');
  mkdirSync(root);
  symlinkSync(join(real, 'a.png'), join(root, 'file-link.png'));
  symlinkSync(join(real, 'sub'), join(root, 'dir-link'));
  symlinkSync(join(tmp, 'nowhere.jpg'), join(root, 'broken.jpg'));
  symlinkSync(root, join(root, 'loop')); // a cycle: root/loop -> root
  const r = await walkImageFiles(root);
  assert.deepEqual(r.files, [join(root, 'dir-link', 'b.jpg'), join(root, 'file-link.png')]);
  assert.deepEqual(
    r.skipped.map((s) => [s.path.slice(root.length + 1), s.reason]),
    [['broken.jpg', 'broken symlink'], ['loop', `symlink to a directory already walked (${realpathSync(root)})`]],
  );

  // classify DIR and IMAGE arguments: the same walk; a symlinked file given directly is kept
  const ex = await expandImagePaths([root, join(root, 'file-link.png')]);
  assert.deepEqual(ex.files, [...r.files, join(root, 'file-link.png')]);
  assert.equal(ex.skipped.length, 2);
  const linkedRoot = join(tmp, 'root-link');
  symlinkSync(root, linkedRoot);
  assert.deepEqual((await expandImagePaths([linkedRoot])).files, [join(linkedRoot, 'dir-link', 'b.jpg'), join(linkedRoot, 'file-link.png')]);
  const none = join(tmp, 'none');
  mkdirSync(none);
  writeFileSync(join(none, 'x.bmp'), bmp());
  await assert.rejects(expandImagePaths([none]), /none: no image files \(\.jpg, .*\.avif\); skipped 1 file: x\.bmp \(not an image format sharp decodes here \(\.bmp\)\)/);
});
