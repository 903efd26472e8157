// Shared test helpers.
import { existsSync } from 'node:fs';
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
