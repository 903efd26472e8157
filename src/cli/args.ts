// Command-line parsing helpers over node:util's parseArgs, with one-line errors.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { DecodeOptions } from '../data/decode.js';
import { getModel } from '../models/registry.js';
import type { ModelSpec } from '../models/types.js';

/** A mistake in how the command was called: printed as one line, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type Options = NonNullable<ParseArgsConfig['options']>;

export const COMMON: Options = {
  help: { type: 'boolean', short: 'h' },
  verbose: { type: 'boolean' },
  json: { type: 'boolean' },
};

/** Parsed flags: strings for string options, booleans for boolean ones (no multiples). */
export type Values = Record<string, string | boolean | undefined> & { json?: boolean; verbose?: boolean };

export function parse(command: string, argv: string[], options: Options, allowPositionals = false): { values: Values; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options: { ...COMMON, ...options }, strict: true, allowPositionals });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (e) {
    // parseArgs' messages are long and mention internals; keep the gist, on one line.
    const msg = (e as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, '');
    throw new UsageError(`${command}: ${msg} (see alexnet ${command} --help)`);
  }
}

export function int(value: string | boolean | undefined, flag: string, min: number, dflt: number): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (typeof value !== 'string' || !/^-?\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${flag} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function num(value: string | boolean | undefined, flag: string, dflt: number, check?: (n: number) => boolean, what = 'a number'): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n) || (check && !check(n))) {
    throw new UsageError(`--${flag} must be ${what}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** --max-pixels N as decode options: the limit if given, and the flag named in the refusal either way. */
export function maxPixels(v: Values): DecodeOptions {
  const n = int(v['max-pixels'], 'max-pixels', 1, 0);
  return { limitName: '--max-pixels', ...(n ? { maxPixels: n } : {}) };
}

/** 'HxW' (or a single 'S' for SxS). */
export function size(value: string | boolean | undefined, flag: string): [number, number] | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)(?:x(\d+))?$/.exec(String(value));
  if (!m) throw new UsageError(`--${flag} must be HxW, e.g. 224x224, got ${JSON.stringify(value)}`);
  const h = Number(m[1]);
  const w = Number(m[2] ?? m[1]);
  if (h < 1 || w < 1) throw new UsageError(`--${flag} must be positive, got ${value}`);
  return [h, w];
}

export function model(name: string | boolean | undefined, dflt = 'alexnet_v2'): ModelSpec {
  try {
    return getModel(typeof name === 'string' ? name : dflt);
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

/** --classes N: 0 builds the network without its classifier (features). */
export function classes(value: string | boolean | undefined, spec: ModelSpec): number {
  return int(value, 'classes', 0, spec.defaultNumClasses);
}
