// Doc tests, step 1: find the fenced code blocks of a markdown file and the
// `<!-- doctest: ... -->` markers on the lines right before them. The syntax is described
// in docs/doctest.md.
//
// Fences follow CommonMark: three or more backticks or tildes, closed by a fence of the
// same character at least as long; an indented opening fence (a block in a list item) has
// that indentation removed from its lines. Any indentation is accepted, so a block nested
// deep in a list is still found. Markers inside a fence are text, not markers.

/** How a block runs: a shell script, TypeScript compiled as a consumer, plain ES module, or not at all. */
export type BlockKind = 'sh' | 'ts' | 'js' | 'inert';

const KINDS: Record<string, BlockKind> = {
  sh: 'sh', bash: 'sh', shell: 'sh',
  ts: 'ts', typescript: 'ts',
  js: 'js', javascript: 'js', mjs: 'js',
};

export type Marker =
  | { kind: 'skip'; reason: string }
  | { kind: 'sub'; from: string; to: string }
  | { kind: 'fixture'; name: string; path: string }
  | { kind: 'server'; name: string; path: string }
  | { kind: 'output' };

export const MARKER_KINDS = ['skip', 'sub', 'fixture', 'server', 'output'] as const;

export interface Block {
  /** The markdown file, as given to parseMarkdown. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The info string's first word, lower case ('' for a plain fence). */
  lang: string;
  kind: BlockKind;
  code: string;
  markers: Marker[];
  /** The block after an `output` marker that this block's stdout must match. */
  expect?: { line: number; text: string };
}

export interface ParseError {
  file: string;
  line: number;
  message: string;
}

export interface ParsedDoc {
  blocks: Block[];
  errors: ParseError[];
}

const FENCE = /^( *)(`{3,}|~{3,})(.*)$/;
const MARKER = /^\s*<!--\s*doctest:(.*?)-->\s*$/;

/** Split a marker's arguments: double-quoted strings (with \" and \\ escapes) or bare words. */
export function tokenize(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (/\s/.test(s[i]!)) { i++; continue; }
    if (s[i] === '"') {
      let tok = '';
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        tok += s[i++];
      }
      if (i >= s.length) throw new Error(`unterminated string in ${JSON.stringify(s.trim())}`);
      i++;
      out.push(tok);
    } else {
      const start = i;
      while (i < s.length && !/\s/.test(s[i]!)) i++;
      out.push(s.slice(start, i));
    }
  }
  return out;
}

function namedPath(kind: 'fixture' | 'server', args: string[]): Marker {
  const m = args.length === 1 ? /^([^=\s]+)=(\S+)$/.exec(args[0]!) : null;
  if (!m) throw new Error(`${kind} takes one NAME=repo/relative/path, got ${JSON.stringify(args.join(' '))}`);
  return { kind, name: m[1]!, path: m[2]! };
}

/** One marker from the text between `doctest:` and `-->`. */
export function parseMarker(body: string): Marker {
  const [kind, ...args] = tokenize(body);
  switch (kind) {
    case 'skip':
      if (args.length !== 1 || !args[0]!.trim()) throw new Error('skip needs one quoted reason: <!-- doctest: skip "why" -->');
      return { kind, reason: args[0]! };
    case 'sub':
      if (args.length !== 2 || !args[0]) throw new Error('sub takes two quoted strings: <!-- doctest: sub "FROM" "TO" -->');
      return { kind, from: args[0]!, to: args[1]! };
    case 'fixture':
    case 'server':
      return namedPath(kind, args);
    case 'output':
      if (args.length) throw new Error(`output takes no arguments, got ${JSON.stringify(args.join(' '))}`);
      return { kind };
    default:
      throw new Error(`unknown marker ${JSON.stringify(kind ?? '')}; valid: ${MARKER_KINDS.join(', ')}`);
  }
}

interface Fence {
  line: number;
  indent: number;
  char: string;
  len: number;
  lang: string;
  body: string[];
}

/** The fences of a markdown text, each with the marker lines right above it. */
function scan(text: string, file: string, errors: ParseError[]): { fence: Fence; markers: { line: number; marker: Marker }[] }[] {
  const lines = text.split(/\r?\n/);
  const out: { fence: Fence; markers: { line: number; marker: Marker }[] }[] = [];
  let pending: { line: number; marker: Marker }[] = [];
  let open: Fence | null = null;
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (open) {
      const close = FENCE.exec(raw);
      if (close && close[2]![0] === open.char && close[2]!.length >= open.len && !close[3]!.trim()) open = null;
      else open.body.push(raw.replace(new RegExp(`^ {0,${open.indent}}`), ''));
      return;
    }
    const m = MARKER.exec(raw);
    if (m) {
      try { pending.push({ line, marker: parseMarker(m[1]!) }); }
      catch (e) { errors.push({ file, line, message: (e as Error).message }); }
      return;
    }
    const f = FENCE.exec(raw);
    if (f && !(f[2]![0] === '`' && f[3]!.includes('`'))) {
      open = { line, indent: f[1]!.length, char: f[2]![0]!, len: f[2]!.length, lang: (f[3]!.trim().split(/\s+/)[0] ?? '').toLowerCase(), body: [] };
      out.push({ fence: open, markers: pending });
      pending = [];
      return;
    }
    for (const p of pending) errors.push({ file, line: p.line, message: 'a doctest marker must be on the lines right before a fenced block' });
    pending = [];
  });
  for (const p of pending) errors.push({ file, line: p.line, message: 'a doctest marker must be on the lines right before a fenced block' });
  if (open) errors.push({ file, line: (open as Fence).line, message: 'fenced block is never closed' });
  return out;
}

/** The blocks of a markdown file, output blocks attached to the runnable block they check. */
export function parseMarkdown(text: string, file: string): ParsedDoc {
  const errors: ParseError[] = [];
  const blocks: Block[] = [];
  let last: Block | null = null;
  for (const { fence, markers } of scan(text, file, errors)) {
    const kind = KINDS[fence.lang] ?? 'inert';
    const code = fence.body.join('\n') + (fence.body.length ? '\n' : '');
    const isOutput = markers.some((m) => m.marker.kind === 'output');
    const fail = (message: string) => errors.push({ file, line: fence.line, message });
    if (isOutput) {
      if (markers.length > 1) fail('an output marker stands alone before its block');
      else if (kind !== 'inert') fail(`an output block does not run (text, a plain fence); this one is ${fence.lang}`);
      else if (!last) fail('output marker with no runnable block before it');
      else if (last.expect) fail(`block at line ${last.line} already has an output block (line ${last.expect.line})`);
      else last.expect = { line: fence.line, text: code };
      continue;
    }
    if (kind === 'inert') {
      if (markers.length) fail(`markers on a ${fence.lang || 'plain'} block, which never runs`);
      continue;
    }
    const ms = markers.map((m) => m.marker);
    if (ms.some((m) => m.kind === 'skip') && ms.length > 1) fail('skip stands alone: a skipped block takes no other marker');
    const block: Block = { file, line: fence.line, lang: fence.lang, kind, code, markers: ms };
    blocks.push(block);
    last = block;
  }
  return { blocks, errors };
}
