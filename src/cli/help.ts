// The --help text of a command, rendered from its table (src/cli/specs/). The pieces
// (synopsis, option label, default and range) are shared with tools/gen-cli-docs.ts,
// which renders the same tables as docs/cli.md.
import { type CommandSpec, GLOBAL_OPTIONS, type OptionSpec, TOP_OPTIONS } from './spec.js';

const WIDTH = 100;
const LABEL = 24;

/** `-w, --weights FILE` */
export function optionLabel(o: OptionSpec): string {
  return `${o.short ? `-${o.short}, ` : ''}--${o.name}${o.value ? ` ${o.value}` : ''}`;
}

/** The label in a help column: long-only options line up with the long names of the others. */
function helpLabel(o: OptionSpec): string {
  return o.short ? optionLabel(o) : `    ${optionLabel(o)}`;
}

/** The default as help shows it, or undefined. */
export function defaultOf(o: OptionSpec): string | undefined {
  return o.defaultText ?? (o.default === undefined ? undefined : String(o.default));
}

/** The allowed values of an option in words, or undefined. */
export function allowedOf(o: OptionSpec): string | undefined {
  if (o.choices) return `one of ${o.choices.join(', ')}`;
  if (o.type === 'int' && o.max !== undefined) return `${o.min ?? 0} to ${typeof o.max === 'object' ? o.max.text : o.max}`;
  if (o.type === 'int' && (o.min ?? 0) !== 0) return `>= ${o.min}`;
  if (o.type === 'number' && o.range) return o.rangeText ?? `in ${o.range}`;
  return undefined;
}

/** One synopsis line: required options first, then [options], then the positionals. */
export function synopsis(spec: CommandSpec, path: string): string {
  const required = spec.options.filter((o) => o.required).map((o) => `--${o.name} ${o.value ?? ''}`.trimEnd());
  return ['alexnet', path, ...required, '[options]', ...(spec.positionals ?? []).map((p) => p.name)].join(' ');
}

/** All synopsis lines of a command, its subcommands' included (its own too when it takes arguments: explain IMAGE). */
export function usageLines(spec: CommandSpec, path = spec.name): string[] {
  const own = !spec.subcommands || spec.positionals?.length ? [synopsis(spec, path), ...(spec.alsoUsage ?? [])] : [];
  return [...own, ...(spec.subcommands ?? []).flatMap((s) => usageLines(s, `${path} ${s.name}`))];
}

/** Words to lines of at most `width` characters. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  // '>= 1' stays on one line.
  for (const word of text.replace(/>= /g, '>=\u00a0').split(/[ \t\n]+/).filter(Boolean).map((w) => w.replace(/\u00a0/g, ' '))) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}

/** A two-column list: label, then text wrapped beside it (or under it when the label is long). */
function columns(rows: [string, string][]): string[] {
  const out: string[] = [];
  for (const [label, text] of rows) {
    const body = wrap(text, WIDTH - LABEL);
    const head = `  ${label}`;
    if (head.length < LABEL) out.push(head.padEnd(LABEL) + (body[0] ?? ''), ...body.slice(1).map((l) => ' '.repeat(LABEL) + l));
    else out.push(head, ...body.map((l) => ' '.repeat(LABEL) + l));
  }
  return out;
}

function optionText(o: OptionSpec): string {
  const facts = [defaultOf(o) !== undefined ? `default ${defaultOf(o)}` : '', allowedOf(o) ?? '', o.required ? `required${typeof o.required === 'string' ? ` ${o.required}` : ''}` : ''].filter(Boolean);
  return facts.length ? `${o.help} (${facts.join('; ')})` : o.help;
}

function section(spec: CommandSpec, path: string): string[] {
  const lines: string[] = [];
  if (spec.description) lines.push(...wrap(spec.description, WIDTH), '');
  if (spec.positionals?.length) lines.push('arguments:', ...columns(spec.positionals.map((p) => [p.name, p.help])), '');
  if (spec.options.length) lines.push('options:', ...columns(spec.options.map((o) => [helpLabel(o), optionText(o)])), '');
  if (spec.json) lines.push(...wrap(`--json prints ${spec.json}`, WIDTH), '');
  if (spec.examples?.length) {
    lines.push('examples:');
    for (const e of spec.examples) lines.push(`  # ${e.caption}`, ...e.command.split('\n').map((c) => `  ${c}`));
    lines.push('');
  }
  return lines.length ? lines : [`alexnet ${path}: ${spec.summary}`, ''];
}

/** `alexnet <command> --help`, or `alexnet weights <sub> --help` with `sub`. */
export function commandHelp(spec: CommandSpec, sub?: string): string {
  const subSpec = spec.subcommands?.find((s) => s.name === sub);
  const [first, ...rest] = subSpec ? usageLines(subSpec, `${spec.name} ${subSpec.name}`) : usageLines(spec);
  const lines = [`usage: ${first}`, ...rest.map((l) => `       ${l}`), ''];
  if (subSpec) lines.push(`${subSpec.summary}.`, '', ...section(subSpec, `${spec.name} ${subSpec.name}`));
  else {
    lines.push(`${spec.summary}.`, '', ...section(spec, spec.name).filter((l, i, a) => !(l === '' && a[i - 1] === '')));
    for (const s of spec.subcommands ?? []) lines.push(`alexnet ${spec.name} ${s.name}: ${s.summary}.`, '', ...section(s, `${spec.name} ${s.name}`));
  }
  lines.push(globalLine());
  return lines.flatMap((l) => (l.length > WIDTH && !l.startsWith(' ') ? wrap(l, WIDTH) : [l])).join('\n') + '\n';
}

function globalLine(): string {
  return `global options: ${GLOBAL_OPTIONS.map((o) => `${optionLabel(o)} (${o.help})`).join(', ')}`;
}

/** `alexnet --help`: the commands and their one-line summaries. */
export function topHelp(specs: readonly CommandSpec[]): string {
  const w = Math.max(...specs.map((c) => c.name.length));
  return [
    'alexnet: AlexNet on Node.js (ONNX Runtime), no Python',
    '',
    'usage: alexnet <command> [options]      alexnet <command> --help',
    '',
    ...specs.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    `options: ${TOP_OPTIONS.map((o) => `${optionLabel(o)} (${o.help})`).join(', ')}`,
    globalLine(),
    '',
  ].join('\n');
}
