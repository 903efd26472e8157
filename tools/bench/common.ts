// Shared pieces of the benchmark: timing loops and the PyTorch runner.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const PYTHON = '/usr/bin/python3';

export interface Timing {
  msPerImage: number;
  imagesPerSec: number;
}

function median(times: number[]): number {
  const s = [...times].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

const timing = (msPerBatch: number, batch: number): Timing => ({ msPerImage: msPerBatch / batch, imagesPerSec: (1000 * batch) / msPerBatch });

/** Median time of fn over at least minIters runs and minSeconds, after warm-up. */
export async function timeIt(fn: () => Promise<unknown>, batch: number, minSeconds = 3, minIters = 5, warmup = 2): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minIters || performance.now() - start < minSeconds * 1000) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return timing(median(times), batch);
}

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

export const f1 = (n: number) => n.toFixed(1);
