// Command-line parsing over node:util's parseArgs, driven by a command's option table
// (src/cli/specs/): every given value is read and checked here, before the command does
// any work, and a mistake is one line naming the flag and what it takes.
import { parseArgs } from 'node:util';
import type { DecodeOptions } from '../data/decode.js';
import { getModel } from '../models/registry.js';
import type { ModelSpec } from '../models/types.js';
import { UsageError } from './command.js';
import { type CommandSpec, GLOBAL_OPTIONS, maxOf, type OptionSpec, parseConfig } from './spec.js';

export { UsageError };

type Value = string | number | boolean | string[] | [number, number];

/** The parsed command line: given values, checked and converted per the table. */
export class Args {
  constructor(
    readonly command: string,
    private readonly table: ReadonlyMap<string, OptionSpec>,
    private readonly values: ReadonlyMap<string, Value>,
    readonly positionals: string[],
  ) {}

  /** The option's converted value if it was given (undefined otherwise). */
  given(name: string): Value | undefined {
    this.spec(name);
    return this.values.get(name);
  }

  has(name: string): boolean {
    return this.given(name) !== undefined;
  }

  flag(name: string): boolean {
    return this.given(name) === true;
  }

  str(name: string): string | undefined {
    return this.typed(name, ['string', 'choice', 'model']) as string | undefined;
  }

  /** An int option: the given value, else the table's default. */
  int(name: string): number | undefined {
    return this.typed(name, ['int']) as number | undefined;
  }

  /** A number option: the given value, else the table's default. */
  num(name: string): number | undefined {
    return this.typed(name, ['number']) as number | undefined;
  }

  size(name: string): [number, number] | undefined {
    return this.typed(name, ['size']) as [number, number] | undefined;
  }

  list(name: string): string[] | undefined {
    return this.typed(name, ['list']) as string[] | undefined;
  }

  /** The value of a required option, or "<command>: --NAME VALUE is required". */
  required(name: string): string {
    const v = this.str(name);
    if (v === undefined) throw new UsageError(`${this.command}: --${name} ${this.spec(name).value ?? ''} is required`);
    return v;
  }

  private spec(name: string): OptionSpec {
    const o = this.table.get(name);
    if (!o) throw new Error(`${this.command} has no option --${name} in its table`);
    return o;
  }

  private typed(name: string, types: OptionSpec['type'][]): Value | undefined {
    const o = this.spec(name);
    if (!types.includes(o.type)) throw new Error(`--${name} is a ${o.type} option, not ${types.join('/')}`);
    return this.values.get(name) ?? (typeof o.default === 'number' || o.type === 'string' || o.type === 'model' || o.type === 'choice' ? o.default : undefined);
  }
}

/**
 * Parse argv against a command's table; it takes positionals if the table lists some.
 * `command` names the command in messages ("weights import").
 * A negative number after an option that takes a value is that option's value
 * (`--batch -1` reads as `--batch=-1`, so the range check answers, not parseArgs).
 */
export function parse(command: string, argv: string[], spec: CommandSpec): Args {
  const { options } = spec;
  const allowPositionals = Boolean(spec.positionals?.length);
  const table = new Map([...GLOBAL_OPTIONS, ...options].map((o) => [o.name, o]));
  let r: ReturnType<typeof parseArgs>;
  try {
    r = parseArgs({ args: joinNegatives(argv, [...table.values()]), options: parseConfig(options), strict: true, allowPositionals });
  } catch (e) {
    // parseArgs' messages are long and mention internals; keep the gist, on one line.
    const msg = (e as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, '');
    throw new UsageError(`${command}: ${msg} (see alexnet ${command} --help)`);
  }
  const values = new Map<string, Value>();
  for (const [name, raw] of Object.entries(r.values)) {
    if (raw === undefined || Array.isArray(raw)) continue;
    values.set(name, convert(table.get(name)!, raw));
  }
  return new Args(command, table, values, r.positionals);
}

function joinNegatives(argv: string[], options: OptionSpec[]): string[] {
  const takesValue = new Set(options.filter((o) => o.type !== 'boolean').flatMap((o) => [`--${o.name}`, ...(o.short ? [`-${o.short}`] : [])]));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if (takesValue.has(a) && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(a.startsWith('--') ? `${a}=${next}` : `${a}${next}`);
      i++;
    } else if (a === '--') {
      out.push(...argv.slice(i));
      break;
    } else out.push(a);
  }
  return out;
}

function convert(o: OptionSpec, raw: string | boolean): Value {
  if (typeof raw === 'boolean') return raw;
  switch (o.type) {
    case 'int':
      return readInt(o, raw);
    case 'number':
      return readNumber(o, raw);
    case 'size':
      return size(raw, o.name)!;
    case 'choice':
      if (!o.choices!.includes(raw)) throw new UsageError(`--${o.name} must be one of ${o.choices!.join(', ')}, got ${JSON.stringify(raw)}`);
      return raw;
    case 'model':
      return model(raw).name;
    case 'list':
      return raw.split(',').map((x) => x.trim()).filter(Boolean);
    default:
      return raw;
  }
}

function readInt(o: OptionSpec, raw: string): number {
  const n = Number(raw);
  const min = o.min ?? 0;
  const isInt = /^-?\d+$/.test(raw) && Number.isSafeInteger(n);
  if (!isInt || (n < min && o.max === undefined)) throw new UsageError(`--${o.name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  const max = maxOf(o);
  if (max !== undefined && (n < min || n > max)) {
    const why = typeof o.max === 'object' ? ` (${o.max.text})` : '';
    throw new UsageError(`--${o.name} must be an integer from ${min} to ${max}${why}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** '[0, 1)', '(0, inf)': the bounds and whether each is included. */
export function interval(range: string): { lo: number; hi: number; loIn: boolean; hiIn: boolean } {
  const m = /^([[(])\s*(-?inf|-?[\d.e+-]+)\s*,\s*(-?inf|-?[\d.e+-]+)\s*([\])])$/.exec(range);
  if (!m) throw new Error(`bad range ${JSON.stringify(range)}`);
  const bound = (s: string) => (s.endsWith('inf') ? (s.startsWith('-') ? -Infinity : Infinity) : Number(s));
  return { lo: bound(m[2]!), hi: bound(m[3]!), loIn: m[1] === '[', hiIn: m[4] === ']' };
}

function readNumber(o: OptionSpec, raw: string): number {
  const n = Number(raw);
  let ok = raw.trim() !== '' && Number.isFinite(n);
  if (ok && o.range) {
    const r = interval(o.range);
    ok = (r.loIn ? n >= r.lo : n > r.lo) && (r.hiIn ? n <= r.hi : n < r.hi);
  }
  if (!ok) throw new UsageError(`--${o.name} must be ${o.rangeText ?? (o.range ? `in ${o.range}` : 'a number')}, got ${JSON.stringify(raw)}`);
  return n;
}

/** --max-pixels N as decode options: the limit if given, and the flag named in the refusal either way. */
export function maxPixels(a: Args): DecodeOptions {
  const n = a.int('max-pixels');
  return { limitName: '--max-pixels', ...(n !== undefined ? { maxPixels: n } : {}) };
}

export function size(value: string | undefined, flag: string): [number, number] | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)(?:x(\d+))?$/.exec(value);
  if (!m) throw new UsageError(`--${flag} must be HxW, e.g. 224x224, got ${JSON.stringify(value)}`);
  const h = Number(m[1]);
  const w = Number(m[2] ?? m[1]);
  if (h < 1 || w < 1) throw new UsageError(`--${flag} must be positive, got ${value}`);
  return [h, w];
}

/** The registry's model of that name; an unknown name is a usage error listing the valid ones. */
export function model(name: string): ModelSpec {
  try {
    return getModel(name);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Refuse inputs the network cannot take, before building anything. */
export function checkMinSize(spec: ModelSpec, hw: [number, number]): void {
  const [mh, mw] = spec.minSize;
  if (hw[0] < mh || hw[1] < mw) {
    throw new UsageError(
      `--input ${hw[0]}x${hw[1]} is smaller than ${spec.name}'s minimum of ${mh}x${mw} (${spec.minSizeReason})`,
    );
  }
}
