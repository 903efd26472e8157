// The declarative description of a CLI command: its options, positionals and subcommands.
// One table per command (src/cli/specs/) gives the parseArgs configuration
// (parseConfig), the --help text (help.ts), the value checks (args.ts) and docs/cli.md
// (tools/gen-cli-docs.ts). Tables are plain data: importing one must stay cheap, since
// `alexnet --help` and `alexnet <command> --help` load them and nothing else.

/**
 * How an option's value is read and checked:
 * - boolean: a flag, no value;
 * - string: any text (a path, a URL);
 * - int / number: checked against min, max (int) or range (number);
 * - size: HxW, or S for SxS;
 * - choice: one of `choices`;
 * - list: comma-separated names;
 * - model: a registry model name (the registry's own message lists the valid ones).
 */
export type OptionType = 'boolean' | 'string' | 'int' | 'number' | 'size' | 'choice' | 'list' | 'model';

/** An upper bound known only at run time (e.g. from the core count), with its text for help. */
export interface DynamicBound {
  value: () => number;
  text: string;
}

export interface OptionSpec {
  /** Long name, without the dashes. */
  name: string;
  /** One-letter alias, without the dash. */
  short?: string;
  type: OptionType;
  /** Placeholder of the value in help and docs: N, FILE, HxW. */
  value?: string;
  /** The default: used when the option is absent (int, number) and shown in help. */
  default?: number | string;
  /** The default as help shows it, when it is not a literal ("one per core", "the model's"). */
  defaultText?: string;
  /** One line of help. */
  help: string;
  /** Valid values of a choice option, and the models of a model option (for help). */
  choices?: readonly string[];
  /** int: the smallest value. */
  min?: number;
  /** int: the largest value; a DynamicBound when it depends on the machine. */
  max?: number | DynamicBound;
  /** number: an interval such as '[0, 1)', '(0, inf)'. */
  range?: string;
  /** number: how the error message names the range, when not 'in <range>'. */
  rangeText?: string;
  /** Shown in the synopsis; a string gives the condition ("unless --resume"). */
  required?: true | string;
}

export interface PositionalSpec {
  /** As in the synopsis: IMAGE..., NAME, FILE. */
  name: string;
  help: string;
}

export interface Example {
  /** The command line(s). */
  command: string;
  /** What it does, one line. */
  caption: string;
  /** Runs offline, without weights or data (docs/cli.md shows it as a runnable sh block). */
  offline?: boolean;
}

/** A command, or a subcommand of one (weights download). */
export interface CommandSpec {
  name: string;
  /** One line for `alexnet --help`. */
  summary: string;
  /** A paragraph for `alexnet <command> --help` and docs/cli.md. */
  description?: string;
  positionals?: readonly PositionalSpec[];
  options: readonly OptionSpec[];
  /** Further synopsis lines, e.g. `alexnet train --resume DIR [options]`. */
  alsoUsage?: readonly string[];
  /** The shape of the --json output. */
  json?: string;
  examples?: readonly Example[];
  subcommands?: readonly CommandSpec[];
}

/** Options every command takes. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'help', short: 'h', type: 'boolean', help: "the command's help" },
  { name: 'verbose', type: 'boolean', help: 'stack traces on errors' },
  { name: 'json', type: 'boolean', help: 'machine-readable output' },
];

/** Options of `alexnet` itself, without a command. */
export const TOP_OPTIONS: readonly OptionSpec[] = [
  { name: 'help', short: 'h', type: 'boolean', help: 'list the commands' },
  { name: 'version', short: 'V', type: 'boolean', help: 'print the version of alexnet-ts' },
];

type ParseArgsOption = { type: 'string' | 'boolean'; short?: string };

/** node:util parseArgs' `options` for a table (the global options included). */
export function parseConfig(options: readonly OptionSpec[]): Record<string, ParseArgsOption> {
  const out: Record<string, ParseArgsOption> = {};
  for (const o of [...GLOBAL_OPTIONS, ...options]) {
    out[o.name] = { type: o.type === 'boolean' ? 'boolean' : 'string', ...(o.short ? { short: o.short } : {}) };
  }
  return out;
}

/** The upper bound of an int option as a number, if it has one. */
export function maxOf(o: OptionSpec): number | undefined {
  return typeof o.max === 'object' ? o.max.value() : o.max;
}
