// The layering of src/ (docs/design/README.md): a module imports only from its own layer
// or lower ones, and no import cycle exists between modules.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers.js';

const SRC = join(ROOT, 'src');

/** Low to high; folders (or top-level files) of one rank may import each other. */
const RANK: Record<string, number> = {
  tensor: 0, util: 0,
  graph: 1,
  grad: 2, runtime: 2,
  passes: 3,
  nn: 4,
  models: 5,
  weights: 6, data: 6,
  optim: 7, logs: 7,
  explain: 8,
  train: 9,
  hub: 10,
  classify: 11, compare: 11,
  entries: 12, index: 12,
  cli: 13,
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const layerOf = (file: string) => relative(SRC, file).split(sep)[0]!.replace(/\.(ts|js)$/, '');

/** Relative imports of a module (static, dynamic and re-exports), as .ts paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)].map((m) => m[1]!);
  return specs.map((s) => normalize(join(dirname(file), s)).replace(/\.js$/, '.ts'));
}

const files = sources(SRC);
const graph = new Map(files.map((f) => [f, importsOf(f)]));

test('every src folder has a layer, and no module imports a higher layer', () => {
  const unknown = [...new Set(files.map(layerOf))].filter((l) => !(l in RANK));
  assert.deepEqual(unknown, [], 'folders missing from RANK (and from docs/design/README.md)');
  const upward: string[] = [];
  for (const [file, deps] of graph) {
    for (const dep of deps) {
      if (RANK[layerOf(dep)]! > RANK[layerOf(file)]!) upward.push(`${relative(SRC, file)} imports ${relative(SRC, dep)}`);
    }
  }
  assert.deepEqual(upward, []);
});

test('no import cycles between modules', () => {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (f: string, path: string[]) => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') {
      cycles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(SRC, p)).join(' -> '));
      return;
    }
    state.set(f, 'open');
    for (const d of graph.get(f) ?? []) if (graph.has(d)) visit(d, [...path, f]);
    state.set(f, 'done');
  };
  for (const f of files) visit(f, []);
  assert.deepEqual(cycles, []);
});
