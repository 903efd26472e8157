// Append-only JSON Lines log (https://jsonlines.org): one JSON object per line, each
// line handed to the OS with its own write(2), so a crash loses at most the line being
// written and `tail -f` sees progress as it happens.
//
// JSON has no NaN or Infinity, and JSON.stringify would silently turn a diverged loss
// into null; we write non-finite numbers as the strings "NaN", "Infinity" and
// "-Infinity" instead so the log shows what happened. BigInts are written as numbers
// when exactly representable, else as decimal strings.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';

function replacer(_key: string, v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  return v;
}

export interface JsonlLoggerOptions {
  /** Add a `time` field (unix seconds) to records that have none. Default true. */
  timestamps?: boolean;
  /** Clock in ms since the epoch; default Date.now. */
  now?: () => number;
}

export class JsonlLogger {
  private fd: number;
  private readonly now: () => number;
  private readonly timestamps: boolean;
  private count = 0;

  constructor(readonly path: string, opts: JsonlLoggerOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.timestamps = opts.timestamps ?? true;
    this.fd = openSync(path, 'a');
  }

  /** Lines written so far by this logger. */
  get lines(): number {
    return this.count;
  }

  log(record: Record<string, unknown>): void {
    if (this.fd < 0) throw new Error(`JsonlLogger: ${this.path} is closed`);
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw new Error(`JsonlLogger(${this.path}): a record must be a plain object, got ${Array.isArray(record) ? 'array' : typeof record}`);
    }
    const obj = this.timestamps && !('time' in record) ? { time: this.now() / 1000, ...record } : record;
    const line = Buffer.from(JSON.stringify(obj, replacer) + '\n', 'utf8');
    let off = 0;
    while (off < line.length) off += writeSync(this.fd, line, off, line.length - off);
    this.count++;
  }

  close(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    closeSync(fd);
  }
}

export interface ReadJsonlOptions {
  /**
   * Ignore a final line that has no newline and does not parse: the trace of a writer
   * killed mid-line. Default false: throw like any other bad line.
   */
  allowPartialTail?: boolean;
}

/** Parse every line of a JSONL file; blank lines are skipped. Throws naming file:line and the text. */
export function readJsonl(path: string, opts: ReadJsonlOptions = {}): Record<string, unknown>[] {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const last = i === lines.length - 1; // no trailing newline after it
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      if (last && opts.allowPartialTail) break;
      const shown = line.length > 120 ? line.slice(0, 120) + '…' : line;
      throw new Error(`${path}:${i + 1}: invalid JSON${last ? ' (last line, no newline: truncated?)' : ''}: ${(e as Error).message}: ${shown}`);
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      throw new Error(`${path}:${i + 1}: expected a JSON object, got ${JSON.stringify(v)}`);
    }
    out.push(v as Record<string, unknown>);
  }
  return out;
}
