// Run a MeasureJob in a fresh Node process (./child.ts): the same loaders as this process
// (tsx in tests), the same environment (the glibc malloc settings of src/runtime/malloc.ts),
// results over IPC with structured clone so typed arrays arrive whole.
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MeasureJob, MeasureProgress, MeasureResult, Prepared } from './measure.js';
import type { ComparePhase } from './types.js';

/** The child module beside this one: child.ts under tsx, child.js in dist. */
function childModule(): string {
  const ts = fileURLToPath(new URL('./child.ts', import.meta.url));
  return existsSync(ts) && import.meta.url.endsWith('.ts') ? ts : fileURLToPath(new URL('./child.js', import.meta.url));
}

/** The module loaders this process was started with (--import tsx and the like), and nothing else (not --test). */
function loaderArgs(): string[] {
  const out: string[] = [];
  const a = process.execArgv;
  for (let i = 0; i < a.length; i++) {
    const arg = a[i]!;
    if (/^--(import|require|loader|experimental-loader)$/.test(arg) && i + 1 < a.length) out.push(arg, a[++i]!);
    else if (/^--(import|require|loader|experimental-loader|conditions)=/.test(arg)) out.push(arg);
  }
  return out;
}

export function measureInChild(job: MeasureJob, prepared: Prepared, progress: MeasureProgress): Promise<MeasureResult> {
  return new Promise((resolve, reject) => {
    const child = fork(childModule(), [], { execArgv: loaderArgs(), serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    child.on('message', (m: { type: string; phase?: string; done?: number; total?: number; result?: MeasureResult; message?: string }) => {
      if (m.type === 'progress') progress(m.phase as ComparePhase, m.done!, m.total!);
      else if (m.type === 'result') (settled = true), resolve(m.result!);
      else if (m.type === 'error') (settled = true), reject(new Error(`${job.model}: ${m.message}`));
    });
    child.on('error', (e) => settled || ((settled = true), reject(e)));
    child.on('exit', (code, signal) => {
      if (!settled) reject(new Error(`${job.model}: the measuring process ended (${signal ?? `exit status ${code}`}) before its result`));
    });
    child.send({ job, prepared });
  });
}
