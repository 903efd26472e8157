// Peak memory of classify over folders of huge photos: four 8000x6000 PNGs linked 1, 16,
// 32 and 64 times, `alexnet classify DIR` as a user runs it (weights and ORT cache ready)
// next to torchvision + PIL doing the same pass in one process. Decoding is bounded by
// pixels in flight (src/data/pixel_budget.ts) and each worker holds one decoded image, so
// the peak should not grow with the number of images once the model has run (from the
// second batch on, its working set is resident while the next images decode).
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { table } from '../../src/cli/format.js';
import { classifyRss, PHOTOS, photoPath, seedAlexnet, torch, torchAvailable } from './common.js';

const WIDTH = 8000;
const HEIGHT = 6000;
const DISTINCT = 4;
const COUNTS = [1, 16, 32, 64] as const;

/** A fixture photo scaled to WIDTH x HEIGHT with seeded grain, so the PNG does not shrink to a few MB (about 100 MB each). */
async function hugePhoto(i: number, out: string): Promise<void> {
  const src = photoPath(PHOTOS[i % PHOTOS.length]!);
  const rgb = await sharp(src).removeAlpha().resize(WIDTH, HEIGHT, { fit: 'fill' }).raw().toBuffer();
  let s = i + 1;
  for (let k = 0; k < rgb.length; k++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    rgb[k] = Math.min(255, rgb[k]! + ((s >>> 29) & 3));
  }
  await sharp(rgb, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).png({ compressionLevel: 3 }).toFile(out);
}

export async function memorySection(): Promise<void> {
  console.log(`## memory: peak RSS of classify over folders of ${WIDTH}x${HEIGHT} PNGs (alexnet, batch 16)\n`);
  const tmp = mkdtempSync(join(tmpdir(), 'alexnet-bench-mem-'));
  try {
    const home = join(tmp, 'home');
    await seedAlexnet(home);
    const photos: string[] = [];
    for (let i = 0; i < DISTINCT; i++) {
      photos.push(join(tmp, `photo${i}.png`));
      await hugePhoto(i, photos[i]!);
    }
    // the first run builds the ORT cache; every measured run starts from it
    classifyRss([photoPath('chelsea.png')], home, join(tmp, 'rss'));
    const rows: string[][] = [];
    for (const n of COUNTS) {
      const dir = join(tmp, `n${n}`);
      mkdirSync(dir);
      for (let k = 0; k < n; k++) symlinkSync(photos[k % DISTINCT]!, join(dir, `img${String(k).padStart(2, '0')}.png`));
      const ours = classifyRss([dir, '--top', '1'], home, join(tmp, 'rss'));
      const theirs = torchAvailable() ? Number(torch(['classify-peak', '--folder', dir, '--batch', '16'])[0]!['peakRssMB']) : NaN;
      const ratio = Number.isNaN(theirs) ? 'n/a' : (ours / theirs).toFixed(2);
      rows.push([String(n), (n * WIDTH * HEIGHT / 1e9).toFixed(2), ours.toFixed(0), Number.isNaN(theirs) ? 'n/a' : theirs.toFixed(0), ratio]);
    }
    console.log(table(['>images', '>Gpixels', '>ours peak MB', '>PyTorch peak MB', '>ours/PyTorch'], rows));
    const mb = photos.map((p) => statSync(p).size / 1e6).sort((a, b) => a - b);
    console.log(`\nOurs: bin/alexnet.js classify DIR, ${DISTINCT} distinct PNGs (${mb[0]!.toFixed(0)}-${mb[mb.length - 1]!.toFixed(0)} MB) linked as many times as the row says, ORT cache built; 2 workers.`);
    console.log('PyTorch: PIL + torchvision transforms, DataLoader without workers, 2 threads; the same folders.\n');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
