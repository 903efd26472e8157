// Run the CLI as a user does: a child process, stdout, stderr and exit status.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers.js';

export interface CliResult {
  status: number | null;
  /** The signal that ended the process (e.g. SIGKILL), or null. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The TypeScript sources through tsx (no build needed). */
export function alexnet(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runNode(['--import', 'tsx', join(ROOT, 'src', 'cli', 'bin.ts'), ...args], env);
}

/**
 * The CLI's main() in this process, output captured: for checks that end before any work
 * (argument validation), where a child process would only add its start-up time.
 */
export async function alexnetHere(args: string[]): Promise<Omit<CliResult, 'signal'>> {
  const { main } = await import('../../src/cli/main.js');
  let stdout = '';
  let stderr = '';
  const status = await main(args, { out: (s) => void (stdout += s), err: (s) => void (stderr += s), isTTY: false, outIsTTY: false });
  return { status, stdout, stderr };
}

/** alexnet() with the child process handed to `started` (to send it signals). */
export function alexnetWith(args: string[], started: (p: ChildProcess) => void): Promise<CliResult> {
  return runNode(['--import', 'tsx', join(ROOT, 'src', 'cli', 'bin.ts'), ...args], {}, started);
}

/** The installed launcher, bin/alexnet.js, over the compiled dist/. */
export function alexnetBin(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runNode([join(ROOT, 'bin', 'alexnet.js'), ...args], env);
}

function runNode(args: string[], env: Record<string, string>, started?: (p: ChildProcess) => void): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env } });
    started?.(p);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}
