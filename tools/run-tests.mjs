#!/usr/bin/env node
// `npm test`: generate the large PyTorch fixtures when Debian's torch is present, then
// run every test/**/*.test.ts with Node's built-in runner through tsx.
//
//   npm test                      all tests
//   npm test -- test/graph        only files under a path (or a single file)
//
// Generators are tools/gen_*.py; each writes into test/.generated/ (not committed) and
// is skipped when its stamp file is newer than the script. Tests that need generated
// files fail under CI=true when they are missing, and skip with a message otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const generated = join(root, 'test', '.generated');
const python = '/usr/bin/python3';

function hasTorch() {
  if (!existsSync(python)) return false;
  return spawnSync(python, ['-c', 'import torch, torchvision'], { stdio: 'ignore' }).status === 0;
}

function generateFixtures() {
  const gens = readdirSync(join(root, 'tools')).filter((f) => /^gen_.*\.py$/.test(f)).sort();
  if (gens.length === 0) return;
  if (!hasTorch()) {
    console.error(`run-tests: ${python} has no torch; skipping fixture generators (${gens.join(', ')})`);
    return;
  }
  mkdirSync(generated, { recursive: true });
  for (const g of gens) {
    const script = join(root, 'tools', g);
    const stamp = join(generated, `${g}.stamp`);
    if (existsSync(stamp) && statSync(stamp).mtimeMs > statSync(script).mtimeMs) continue;
    console.error(`run-tests: ${python} tools/${g} --out test/.generated`);
    const r = spawnSync(python, [script, '--out', generated], { stdio: 'inherit', cwd: root });
    if (r.status !== 0) {
      console.error(`run-tests: tools/${g} failed with status ${r.status}`);
      process.exit(1);
    }
    writeFileSync(stamp, new Date().toISOString() + '\n');
  }
}

function findTests(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (!e.name.startsWith('.') && e.name !== 'fixtures') out.push(...findTests(p));
    } else if (e.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const targets = args.length ? args.map((a) => join(root, a)) : [join(root, 'test')];
const files = targets.flatMap((t) => (statSync(t).isDirectory() ? findTests(t) : [t])).sort();
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}
generateFixtures();
// glibc's transparent huge pages for large mallocs, as bin/alexnet.js sets them
// (src/runtime/malloc.ts): ORT copies 200 MB of weights when a session starts, and
// first-touch page faults on 4 KB pages make that several times slower.
const tunables = [process.env.GLIBC_TUNABLES, 'glibc.malloc.hugetlb=1'].filter(Boolean).join(':');
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...files.map((f) => relative(root, f))], {
  stdio: 'inherit',
  cwd: root,
  env: { ...process.env, GLIBC_TUNABLES: tunables },
});
process.exit(r.status ?? 1);
