// Doc tests, step 2: the package as a user installs it, made once per test run.
//
// dist/ is brought up to date (tsc is incremental, so this is a check when `npm test`
// already built it), then the files `npm pack` would publish (package.json `files`, read
// from `npm pack --dry-run --json`) are copied into <tmp>/pkg/node_modules/alexnet-ts. The
// package's dependencies, and @types/node for consumers, are symlinks into the repo's
// node_modules; the compiled C addon (what the package's install script builds) is a
// symlink to the repo's build/. Nothing is downloaded or installed.
//
// Every markdown file then gets a scratch directory holding a package.json, a tsconfig.json
// (a strict consumer project) and a node_modules symlink to that shared tree, so `npx
// alexnet` and `import ... from 'alexnet-ts'` resolve to the packed copy.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');
export const PACKAGE = 'alexnet-ts';

export interface Workspace {
  /** The repository the package is packed from. */
  root: string;
  /** Everything the doc tests write; removed by dispose() unless DOCTEST_KEEP is set. */
  tmp: string;
  /** Shared node_modules: the packed package, its dependencies, .bin/alexnet. */
  nodeModules: string;
  /** A directory for PATH holding the `alexnet` command. */
  binDir: string;
  /** The TypeScript compiler's entry script (the repo's). */
  tsc: string;
  /** Preload that keeps every block's processes on the loopback interface. */
  netGuard: string;
  dispose(): void;
}

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** The paths `npm pack` would put in the tarball, relative to the package root. */
export function packedFiles(root: string): string[] {
  const out = run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], root);
  const [info] = JSON.parse(out) as { files: { path: string }[] }[];
  if (!info?.files.length) throw new Error(`npm pack --dry-run listed no files in ${root}`);
  return info.files.map((f) => f.path);
}

function link(target: string, at: string): void {
  mkdirSync(dirname(at), { recursive: true });
  symlinkSync(target, at);
}

/** Build dist/, copy the published files and link the dependencies. */
export function createWorkspace(root = ROOT): Workspace {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  run(process.execPath, [tsc, '-p', 'tsconfig.json'], root);
  const tmp = mkdtempSync(join(tmpdir(), 'alexnet-doctest-'));
  const nodeModules = join(tmp, 'pkg', 'node_modules');
  const pkgDir = join(nodeModules, PACKAGE);
  for (const f of packedFiles(root)) {
    mkdirSync(dirname(join(pkgDir, f)), { recursive: true });
    copyFileSync(join(root, f), join(pkgDir, f));
  }
  if (existsSync(join(root, 'build'))) link(join(root, 'build'), join(pkgDir, 'build'));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; bin?: Record<string, string> };
  for (const dep of [...Object.keys(pkg.dependencies ?? {}), '@types/node']) {
    const at = join(root, 'node_modules', dep);
    if (!existsSync(at)) throw new Error(`dependency ${dep} is not in ${join(root, 'node_modules')}; run npm install in the repo`);
    link(at, join(nodeModules, dep));
  }
  const binDir = join(tmp, 'bin');
  for (const [name, file] of Object.entries(pkg.bin ?? {})) {
    link(join(pkgDir, file), join(nodeModules, '.bin', name));
    link(join(pkgDir, file), join(binDir, name));
  }
  return {
    root,
    tmp,
    nodeModules,
    binDir,
    tsc,
    netGuard: join(root, 'tools', 'doctest', 'net_guard.mjs'),
    dispose() {
      if (!process.env['DOCTEST_KEEP']) rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** The consumer project a markdown file's blocks run in: `<tmp>/docs/<README.md>/`. */
export function scratchDir(ws: Workspace, mdFile: string): string {
  const rel = relative(ws.root, mdFile);
  const name = (rel.startsWith('..') ? basename(mdFile) : rel).replace(/[^A-Za-z0-9._-]+/g, '_');
  const dir = join(ws.tmp, 'docs', name);
  mkdirSync(join(dir, '.doctest'), { recursive: true });
  mkdirSync(join(dir, 'home'), { recursive: true });
  link(ws.nodeModules, join(dir, 'node_modules'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'doctest-consumer', private: true, type: 'module' }, null, 2) + '\n');
  const compilerOptions = {
    strict: true,
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    types: ['node'],
    skipLibCheck: false,
    noEmitOnError: true,
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: [] }, null, 2) + '\n');
  return dir;
}

/** README.md and docs/**\/*.md of the repo, sorted. */
export function docFiles(root = ROOT): string[] {
  const out = [join(root, 'README.md')];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.md')) out.push(p);
    }
  };
  if (existsSync(join(root, 'docs'))) walk(join(root, 'docs'));
  return out.sort();
}
