// Tiny ImageFolders of real photos for the data and training tests: one class per fixture
// photo (cat, coffee, astronaut, rocket), each image a different crop of it, written as
// JPEG with sharp, so training sees real decoding and real, learnable differences.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { FIXTURES } from './helpers.js';

export const PHOTO_CLASSES = { astronaut: 'astronaut.png', cat: 'chelsea.png', coffee: 'coffee.png', rocket: 'rocket.jpg' } as const;

/**
 * root/<class>/<i>.jpg for each class, `perClass` crops of `size` pixels (square) taken at
 * positions spread over the photo. Returns the file paths in ImageFolder order.
 */
export async function makeImageFolder(root: string, perClass: number, size = 96, classes: readonly (keyof typeof PHOTO_CLASSES)[] = ['astronaut', 'cat', 'coffee', 'rocket']): Promise<string[]> {
  const files: string[] = [];
  for (const c of classes) {
    const dir = join(root, c);
    mkdirSync(dir, { recursive: true });
    const src = join(FIXTURES, 'images', PHOTO_CLASSES[c]);
    const meta = await sharp(src).metadata();
    const side = Math.min(meta.width!, meta.height!);
    for (let i = 0; i < perClass; i++) {
      // crops of 60-90% of the shorter side, sliding diagonally
      const crop = Math.round(side * (0.6 + (0.3 * i) / Math.max(1, perClass - 1)));
      const left = Math.round(((meta.width! - crop) * i) / Math.max(1, perClass - 1));
      const top = Math.round(((meta.height! - crop) * (perClass - 1 - i)) / Math.max(1, perClass - 1));
      const out = join(dir, `${String(i).padStart(3, '0')}.jpg`);
      await sharp(src).extract({ left, top, width: crop, height: crop }).resize(size, size).jpeg({ quality: 90 }).toFile(out);
      files.push(out);
    }
  }
  return files;
}

/** Put the fixture's truncated JPEG into a class directory under `name`. */
export function addCorruptImage(root: string, cls: string, name = 'broken.jpg'): string {
  const p = join(root, cls, name);
  copyFileSync(join(FIXTURES, 'images', 'truncated.jpg'), p);
  return p;
}
