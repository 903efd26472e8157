// explain, end to end: `alexnet explain photo.jpg` for torchvision's alexnet with every
// section of the report, as a whole process, the weights cached in $ALEXNET_HOME as
// `alexnet weights download` leaves them (a bundle). Target: at most 5 s on 2 cores.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { table } from '../../src/cli/format.js';
import { getModel } from '../../src/models/registry.js';
import { randomWeights } from '../../src/models/params.js';
import { BUNDLE_FORMAT, cachedWeightsPath, saveBundle } from '../../src/weights/bundle.js';
import { median, photoPath, ROOT } from './common.js';

const RUNS = 5;

export async function explainSection(): Promise<void> {
  console.log('## explain: torchvision alexnet, every section of the report, end to end\n');
  const tmp = mkdtempSync(join(tmpdir(), 'alexnet-bench-explain-'));
  const home = join(tmp, 'home');
  try {
    const photo = join(tmp, 'photo.jpg');
    await sharp(photoPath('chelsea.png')).resize(640, 427, { fit: 'cover' }).jpeg({ quality: 90 }).toFile(photo);
    const m = getModel('alexnet').build();
    const prevHome = process.env['ALEXNET_HOME'];
    process.env['ALEXNET_HOME'] = home;
    try {
      await saveBundle(cachedWeightsPath('alexnet'), randomWeights(m, 0), { format: BUNDLE_FORMAT, model: 'alexnet', numClasses: 1000, preprocess: 'torchvision', labels: 'imagenet1k' });
    } finally {
      if (prevHome === undefined) delete process.env['ALEXNET_HOME'];
      else process.env['ALEXNET_HOME'] = prevHome;
    }
    const env: NodeJS.ProcessEnv = { ...process.env, ALEXNET_HOME: home };
    delete env['GLIBC_TUNABLES']; // the launcher sets it itself, as for a user
    // GNU time, where there is one, adds the CPU time (user + system) of the whole process
    // tree: on a busy machine the wall time says more about the neighbours than about us.
    const gnuTime = existsSync('/usr/bin/time');
    const command = [process.execPath, join(ROOT, 'bin', 'alexnet.js'), 'explain', photo, '--out', join(tmp, 'report')];
    const times: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
      const t = performance.now();
      const r = gnuTime ? spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', ...command], { env, encoding: 'utf8' }) : spawnSync(command[0]!, command.slice(1), { env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`alexnet explain failed: ${r.stderr}`);
      if (i === 0) continue; // the first run warms the page cache
      times.push(performance.now() - t);
      const m = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
      if (m) cpu.push((Number(m[1]) + Number(m[2])) * 1000);
    }
    const s = median(times) / 1000;
    const c = cpu.length ? (median(cpu) / 1000).toFixed(2) : 'n/a';
    console.log(table(['job', '>wall s', '>CPU s', '>target s'], [['alexnet explain photo.jpg (640x427 JPEG), weights cached', s.toFixed(2), c, '≤ 5 (wall)']]));
    console.log(`\nMedians of ${RUNS} runs after a warm-up run: wall ${times.map((t) => (t / 1000).toFixed(2)).join(' ')} s; CPU ${cpu.map((t) => (t / 1000).toFixed(2)).join(' ')} s; load average ${loadavg()[0]!.toFixed(1)} at the end.`);
    console.log('Grad-CAM, 169 occluded images, every feature map, the fully convolutional map and the report (PNGs, HTML).\n');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
