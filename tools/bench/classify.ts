// classify, end to end: a folder of 64 photos at batch 16 (decode included), next to
// torchvision + PIL doing the same job; and the cold start of `alexnet classify one.jpg`
// as a whole process, weights cached, next to a PyTorch script doing the same.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createClassifier } from '../../src/classify/classifier.js';
import { table } from '../../src/cli/format.js';
import { expandImagePaths } from '../../src/data/files.js';
import { f1, median, PHOTOS, photoPath, PYTHON, ROOT, seedAlexnet, torch, torchAvailable, torchServer } from './common.js';

const ROUNDS = 8;


/** 64 JPEGs of camera-like sizes cut from the fixture photos (quality 90). */
async function makeFolder(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const sizes = [[500, 375], [640, 427], [375, 500], [800, 600]] as const;
  for (let i = 0; i < 64; i++) {
    const [w, h] = sizes[i % sizes.length]!;
    const src = photoPath(PHOTOS[Math.floor(i / 4) % PHOTOS.length]!);
    await sharp(src).resize(w, h, { fit: 'cover', position: i % 3 === 0 ? 'left' : i % 3 === 1 ? 'centre' : 'right' }).jpeg({ quality: 90 }).toFile(join(dir, `img${String(i).padStart(2, '0')}.jpg`));
  }
}

/** Median wall time of a whole command, after one warm-up run. */
function wall(cmd: string, args: string[], env: NodeJS.ProcessEnv, runs = 5): number {
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const t = performance.now();
    const r = spawnSync(cmd, args, { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
    if (i > 0) times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

export async function classifySection(): Promise<void> {
  console.log('## classify: torchvision alexnet, end to end (decode, preprocess, batch 16, softmax, top-5)\n');
  const tmp = mkdtempSync(join(tmpdir(), 'alexnet-bench-'));
  const home = join(tmp, 'home');
  const folder = join(tmp, 'photos');
  const prevHome = process.env['ALEXNET_HOME'];
  process.env['ALEXNET_HOME'] = home;
  try {
    await makeFolder(folder);
    await seedAlexnet(home);
    const { files } = await expandImagePaths([folder]);

    // Passes over the folder alternate between ours and PyTorch (one pass each with 0 and 2
    // DataLoader workers), round after round: this machine's speed drifts by up to 1.5x over
    // minutes, and interleaving keeps that drift out of the ratio. Medians per side; PyTorch
    // is credited with its faster worker setting.
    const clf = await createClassifier({ model: 'alexnet', batchSize: 16 });
    const pt = await torchServer(['classify', '--folder', folder, '--batch', '16']);
    const ours: number[] = [];
    const theirs: Record<string, number[]> = { '0': [], '2': [] };
    try {
      await clf.classify(files); // warm-up
      for (const w of Object.keys(theirs)) await pt?.ask(w);
      for (let round = 0; round < ROUNDS; round++) {
        for (let i = 0; i < 2; i++) {
          const t = performance.now();
          await clf.classify(files);
          ours.push((files.length * 1000) / (performance.now() - t));
        }
        for (const w of Object.keys(theirs)) if (pt) theirs[w]!.push(files.length / Number((await pt.ask(w))['seconds']));
      }
    } finally {
      pt?.close();
      await clf.dispose();
    }
    const oursRate = median(ours);
    const [bestWorkers, ptRate] = pt ? Object.entries(theirs).map(([w, r]) => [w, median(r)] as const).reduce((a, b) => (b[1] > a[1] ? b : a)) : ['', NaN];
    const rows = [[`${files.length} JPEGs`, f1(oursRate), pt ? f1(ptRate) : 'n/a', pt ? `${(oursRate / ptRate).toFixed(2)}x` : 'n/a']];
    console.log(table(['job', '>ours img/s', '>PyTorch img/s', '>ours/PyTorch'], rows));
    console.log(`\nMedians of ${ROUNDS} interleaved rounds (ours ${ROUNDS * 2} passes, PyTorch ${ROUNDS} per setting); ours ${ours.map((r) => r.toFixed(0)).join(' ')}.`);
    if (pt) {
      console.log(`PyTorch: PIL + torchvision transforms, DataLoader with ${bestWorkers} workers (the faster of 0 and 2), 2 threads; ${theirs[bestWorkers]!.map((r) => r.toFixed(0)).join(' ')}.\n`);
    }

    // Cold start: the whole process, weights converted and the optimised model cached.
    const one = join(folder, 'img05.jpg');
    const env: NodeJS.ProcessEnv = { ...process.env, ALEXNET_HOME: home };
    delete env['GLIBC_TUNABLES']; // the launcher sets it itself, as for a user
    const oursMs = wall(process.execPath, [join(ROOT, 'bin', 'alexnet.js'), 'classify', one], env);
    let ptMs = NaN;
    let pthMs = NaN;
    if (torchAvailable()) {
      const pth = join(tmp, 'alexnet.pth');
      torch(['save-alexnet', '--out', pth]);
      ptMs = wall(PYTHON, [join(ROOT, 'tools', 'bench_torch.py'), 'classify-one', '--weights', pth, '--image', one], env);
      // the same .pth given to us: the warm-up run builds its ORT cache, the timed runs use it
      pthMs = wall(process.execPath, [join(ROOT, 'bin', 'alexnet.js'), 'classify', one, '--weights', pth], env);
    }
    const row = (what: string, ms: number) => [what, Number.isNaN(ms) ? 'n/a' : (ms / 1000).toFixed(2), Number.isNaN(ptMs) ? 'n/a' : (ptMs / 1000).toFixed(2), Number.isNaN(ptMs) || Number.isNaN(ms) ? 'n/a' : `${(ptMs / ms).toFixed(1)}x`];
    console.log(table(['cold start: classify one.jpg', '>ours s', '>PyTorch s', '>PyTorch/ours'], [row('whole process, weights cached', oursMs), row('--weights alexnet.pth, cache built', pthMs)]));
    console.log('\nMedian of 5 runs after a warm-up run. Ours: bin/alexnet.js with the ORT-optimised model cached in $ALEXNET_HOME; PyTorch loads the .pth each time.\n');
  } finally {
    if (prevHome === undefined) delete process.env['ALEXNET_HOME'];
    else process.env['ALEXNET_HOME'] = prevHome;
    rmSync(tmp, { recursive: true, force: true });
  }
}
