// Text formatting for CLI output.

export function thousands(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** numpy-style tuple, e.g. (2, 300, 400, 3). */
export function tuple(shape: readonly (number | string)[]): string {
  return `(${shape.join(', ')})`;
}

/** numpy-style int vector, e.g. [39 39]. */
export function vector(values: readonly number[]): string {
  return `[${values.join(' ')}]`;
}

/** A left/right aligned text table. Columns whose header starts with '>' are right-aligned. */
export function table(headers: string[], rows: string[][]): string {
  const right = headers.map((h) => h.startsWith('>'));
  const heads = headers.map((h) => h.replace(/^>/, ''));
  const widths = heads.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(heads), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}
