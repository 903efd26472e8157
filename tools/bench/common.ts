// Shared pieces of the benchmark: timing loops and the PyTorch runner.
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomWeights } from '../../src/models/params.js';
import { getModel } from '../../src/models/registry.js';
import { BUNDLE_FORMAT, saveBundle } from '../../src/weights/bundle.js';

export const ROOT = join(import.meta.dirname, '..', '..');

/** The test photos the bench cuts and scales its images from. */
export const PHOTOS = ['chelsea.png', 'coffee.png', 'rocket.jpg', 'astronaut.png'];
export const photoPath = (name: string) => join(ROOT, 'test', 'fixtures', 'images', name);

/** Seeded torchvision alexnet weights where `alexnet weights download alexnet` puts them, in the $ALEXNET_HOME `home`. */
export async function seedAlexnet(home: string): Promise<void> {
  await saveBundle(join(home, 'weights', 'alexnet.safetensors'), randomWeights(getModel('alexnet').build(), 0), {
    format: BUNDLE_FORMAT, model: 'alexnet', numClasses: 1000, preprocess: 'torchvision', labels: 'imagenet1k',
  });
}
export const PYTHON = '/usr/bin/python3';

export interface Timing {
  msPerImage: number;
  imagesPerSec: number;
}

const timing = (msPerBatch: number, batch: number): Timing => ({ msPerImage: msPerBatch / batch, imagesPerSec: (1000 * batch) / msPerBatch });

/**
 * Two functions timed in alternating blocks (a a a a, b b b b, ...), so a change in
 * machine load affects both medians alike: the ratio between them is what this is for.
 * Blocks, not single calls: after a run, ORT's pool threads keep spinning for a while, and
 * with calls alternating they competed with the other session's run (both medians came out
 * slower). The first call of each block is not counted.
 */
export async function timePair(a: () => Promise<unknown>, b: () => Promise<unknown>, batch: number, minSeconds = 6, minIters = 8, block = 4): Promise<[Timing, Timing]> {
  const ta: number[] = [];
  const tb: number[] = [];
  const runBlock = async (fn: () => Promise<unknown>, into: number[] | null) => {
    for (let i = 0; i <= block; i++) {
      const t = performance.now();
      await fn();
      if (i > 0 && into) into.push(performance.now() - t);
    }
  };
  await runBlock(a, null);
  await runBlock(b, null);
  const start = performance.now();
  while (ta.length < minIters || performance.now() - start < minSeconds * 1000) {
    await runBlock(a, ta);
    await runBlock(b, tb);
  }
  return [timing(median(ta), batch), timing(median(tb), batch)];
}

let torchChecked: boolean | undefined;
export function torchAvailable(): boolean {
  torchChecked ??= existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  return torchChecked;
}

/** Run tools/bench_torch.py and collect its JSON lines. */
export function torch(args: string[]): Record<string, number | string>[] {
  if (!torchAvailable()) return [];
  const r = spawnSync(PYTHON, [join(ROOT, 'tools', 'bench_torch.py'), ...args], { encoding: 'utf8', cwd: ROOT, maxBuffer: 1 << 24 });
  if (r.status !== 0) {
    console.error(`bench_torch.py ${args.join(' ')} failed:\n${r.stderr}`);
    return [];
  }
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, number | string>);
}

/**
 * A long-lived tools/bench_torch.py task that answers one JSON line per request line, so
 * that its measurements can be interleaved with ours (see classify.ts). Resolves once the
 * task has printed its first line (loaded and ready); null without torch.
 */
export interface TorchServer {
  ask(line: string): Promise<Record<string, number | string>>;
  close(): void;
}

export async function torchServer(args: string[]): Promise<TorchServer | null> {
  if (!torchAvailable()) return null;
  const child = spawn(PYTHON, [join(ROOT, 'tools', 'bench_torch.py'), ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting: ((o: Record<string, number | string>) => void)[] = [];
  const failed = new Promise<never>((_, reject) => child.on('exit', (code) => reject(new Error(`bench_torch.py ${args.join(' ')} exited with ${code}`))));
  failed.catch(() => undefined);
  createInterface({ input: child.stdout! }).on('line', (l) => waiting.shift()?.(JSON.parse(l) as Record<string, number | string>));
  const next = () => Promise.race([new Promise<Record<string, number | string>>((r) => waiting.push(r)), failed]);
  await next(); // the ready line
  return {
    ask(line) {
      const reply = next();
      child.stdin!.write(`${line}\n`);
      return reply;
    },
    close() {
      child.stdin!.end();
    },
  };
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

export const f1 = (n: number) => n.toFixed(1);

/** Peak RSS in MB of `alexnet classify ARGS` as a user runs it (the launcher, its tunables). */
export function classifyRss(args: string[], home: string, rssFile: string): number {
  writeFileSync(rssFile, '');
  const env: NodeJS.ProcessEnv = { ...process.env, ALEXNET_HOME: home, ALEXNET_BENCH_RSS_FILE: rssFile };
  delete env['GLIBC_TUNABLES']; // the launcher sets it itself, as for a user
  const hook = join(ROOT, 'tools', 'bench', 'maxrss.mjs');
  const r = spawnSync(process.execPath, ['--import', hook, join(ROOT, 'bin', 'alexnet.js'), 'classify', ...args], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`alexnet classify ${args.join(' ')} failed: ${r.stderr}`);
  const kb = readFileSync(rssFile, 'utf8').trim().split('\n').map(Number);
  return Math.max(...kb) / 1024;
}
