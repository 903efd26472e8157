// Shared test helpers.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export const ROOT = join(import.meta.dirname, '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures');
export const GENERATED = join(ROOT, 'test', '.generated');

/**
 * Path of a file written by a tools/gen_*.py generator. When it is missing the test is
 * skipped, except under CI=true, where a missing oracle is a failure.
 */
export function generated(t: TestContext, name: string): string | null {
  const p = join(GENERATED, name);
  if (existsSync(p)) return p;
  if (process.env['CI']) throw new Error(`missing generated fixture ${p}; run npm test with /usr/bin/python3 and torch installed`);
  t.skip(`no ${name}: install python3-torch and run npm test to generate it`);
  return null;
}

/** Largest absolute difference between two arrays of the same length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** An HTTP server on 127.0.0.1 (a free port) for download tests; `base` is its URL. */
export async function loopbackServer(handler: RequestListener): Promise<{ base: string; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Answer with a file and its length. */
export function sendFile(res: ServerResponse, path: string): void {
  res.writeHead(200, { 'content-length': statSync(path).size });
  createReadStream(path).pipe(res);
}
