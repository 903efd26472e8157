// Doc tests: comparing a block's stdout with the output block under it, and the summary line.

function lines(s: string): string[] {
  const out = s.split(/\r?\n/).map((l) => l.trimEnd());
  while (out.length && out[out.length - 1] === '') out.pop();
  return out;
}

/** Whether actual[i..] matches expected[j..], where a `...` line matches any run of lines. */
function matches(actual: string[], expected: string[], i = 0, j = 0): boolean {
  for (; j < expected.length; i++, j++) {
    if (expected[j]!.trim() === '...') {
      for (let k = i; k <= actual.length; k++) if (matches(actual, expected, k, j + 1)) return true;
      return false;
    }
    if (i >= actual.length || actual[i] !== expected[j]) return false;
  }
  return i === actual.length;
}

/**
 * null when stdout equals the expected text, else both for a failure message. Lines are
 * compared without trailing whitespace, trailing blank lines are ignored, and a line that
 * is only `...` stands for any number of lines (none included).
 */
export function matchOutput(stdout: string, expected: string): string | null {
  const a = lines(stdout);
  const e = lines(expected);
  if (matches(a, e)) return null;
  const show = (ls: string[]) => (ls.length ? ls.map((l) => `  | ${l}`).join('\n') : '  (nothing)');
  return `expected:\n${show(e)}\ngot:\n${show(a)}`;
}

export interface Tally {
  run: number;
  failed: number;
  substituted: number;
  skipped: string[];
}

export function emptyTally(): Tally {
  return { run: 0, failed: 0, substituted: 0, skipped: [] };
}

/** `doctest: 9 blocks run, 3 substituted, 2 skipped (why; why)`; failures are named when there are any. */
export function summary(t: Tally): string {
  const failed = t.failed ? ` (${t.failed} failed)` : '';
  const reasons = t.skipped.length ? ` (${t.skipped.join('; ')})` : '';
  return `doctest: ${t.run} blocks run${failed}, ${t.substituted} substituted, ${t.skipped.length} skipped${reasons}`;
}
