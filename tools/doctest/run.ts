// Doc tests, step 3: run the blocks of one markdown file, in order, in its scratch
// directory, applying the markers (docs/doctest.md).
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { matchOutput } from './output.js';
import type { Block } from './parse.js';
import { serveFile, type FileServer } from './server.js';
import { scratchDir, type Workspace } from './workspace.js';

export interface BlockResult {
  status: 'passed' | 'failed' | 'skipped';
  /** The skip reason, or what failed. */
  message: string;
  /** Whether the block ran with help: a `sub`, `fixture` or `server` marker. */
  substituted: boolean;
  stdout: string;
  stderr: string;
}

/** A block's processes are killed after this long. */
export const BLOCK_TIMEOUT_MS = 10 * 60_000;

interface Proc {
  /** What ran: the block's kind, or tsc for a ts block that did not compile. */
  what: string;
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Run a command in its own process group; the group is killed when it exits or times out. */
function exec(what: string, cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Proc> {
  return new Promise((resolvePromise, reject) => {
    const p = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const killGroup = (sig: NodeJS.Signals) => {
      try { process.kill(-p.pid!, sig); } catch { /* already gone */ }
    };
    const timer = setTimeout(() => { timedOut = true; killGroup('SIGKILL'); }, BLOCK_TIMEOUT_MS);
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('exit', () => killGroup('SIGKILL')); // background processes a block left behind
    p.on('close', (status, signal) => {
      clearTimeout(timer);
      resolvePromise({ what, status, signal, stdout, stderr, timedOut });
    });
  });
}

function describeExit(p: Proc): string {
  if (p.timedOut) return `${p.what} timed out after ${BLOCK_TIMEOUT_MS / 1000} s`;
  return `${p.what} exited with ${p.signal ?? `status ${p.status}`}`;
}

/** Runs the blocks of one markdown file; create one per file and call run() in block order. */
export class DocRunner {
  readonly dir: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly ws: Workspace, mdFile: string) {
    this.dir = scratchDir(ws, mdFile);
    const home = join(this.dir, 'home');
    const inherited = Object.entries(process.env).filter(([k]) => !/^(npm_|NODE_TEST_CONTEXT$|NODE_OPTIONS$|ALEXNET_HOME$)/i.test(k));
    this.env = {
      ...Object.fromEntries(inherited),
      HOME: home,
      ALEXNET_HOME: join(home, '.cache', 'alexnet-ts'),
      PATH: [ws.binDir, dirname(process.execPath), process.env['PATH'] ?? ''].join(':'),
      NODE_OPTIONS: `--import=${pathToFileURL(ws.netGuard).href}`,
      npm_config_offline: 'true',
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    };
  }

  /** A repo-relative path from a marker, which must exist and stay inside the repo. */
  private repoPath(p: string): string {
    const abs = resolve(this.ws.root, p);
    if (isAbsolute(p) || relative(this.ws.root, abs).startsWith('..')) throw new Error(`${p}: give a path relative to the repository`);
    if (!existsSync(abs)) throw new Error(`${p} does not exist in ${this.ws.root}`);
    return abs;
  }

  /**
   * Why the block is skipped when a marker's file is a PyTorch fixture that was never
   * generated (test/.generated, no torch here), as the tests do; under CI=true it is a failure.
   */
  private missingOracle(block: Block): string | null {
    if (process.env['CI']) return null;
    for (const m of block.markers) {
      if ((m.kind === 'fixture' || m.kind === 'server') && m.path.startsWith('test/.generated/') && !existsSync(join(this.ws.root, m.path))) {
        return `no ${m.path}: npm test generates it with /usr/bin/python3 and torch`;
      }
    }
    return null;
  }

  /** Copy fixtures, start servers and rewrite the code as the markers say. */
  private async prepare(block: Block, servers: FileServer[]): Promise<string> {
    const vars = new Map<string, string>();
    for (const m of block.markers) {
      if (m.kind === 'fixture') {
        const to = resolve(this.dir, m.name);
        if (relative(this.dir, to).startsWith('..') || isAbsolute(m.name)) throw new Error(`fixture name ${m.name} must stay inside the scratch directory`);
        mkdirSync(dirname(to), { recursive: true });
        cpSync(this.repoPath(m.path), to, { recursive: true, dereference: true });
      } else if (m.kind === 'server') {
        const s = await serveFile(this.repoPath(m.path));
        servers.push(s);
        vars.set(`server:${m.name}`, s.url).set(`sha256:${m.name}`, s.sha256);
      }
    }
    let code = block.code;
    for (const m of block.markers) {
      if (m.kind !== 'sub') continue;
      if (!code.includes(m.from)) throw new Error(`sub: ${JSON.stringify(m.from)} is not in the block`);
      const to = m.to.replace(/\{\{([a-z0-9]+:[^}]+)\}\}/gi, (_, key: string) => {
        const v = vars.get(key);
        if (v === undefined) throw new Error(`sub: unknown {{${key}}}; defined here: ${[...vars.keys()].map((k) => `{{${k}}}`).join(', ') || 'none (add a server marker)'}`);
        return v;
      });
      code = code.split(m.from).join(to);
    }
    return code;
  }

  private async execute(block: Block, code: string): Promise<Proc> {
    const base = join(this.dir, '.doctest', `L${block.line}`);
    if (block.kind === 'sh') {
      writeFileSync(`${base}.sh`, code);
      return exec('sh', 'bash', ['-e', '-o', 'pipefail', `${base}.sh`], this.dir, this.env);
    }
    if (block.kind === 'js') {
      writeFileSync(`${base}.mjs`, code);
      return exec('js', process.execPath, [`${base}.mjs`], this.dir, this.env);
    }
    writeFileSync(`${base}.ts`, code);
    writeFileSync(`${base}.tsconfig.json`, JSON.stringify({ extends: '../tsconfig.json', files: [`L${block.line}.ts`] }) + '\n');
    const tsc = await exec('tsc', process.execPath, [this.ws.tsc, '-p', `${base}.tsconfig.json`, '--pretty', 'false'], this.dir, { ...this.env, NODE_OPTIONS: '' });
    if (tsc.status !== 0) return { ...tsc, stdout: '', stderr: tsc.stdout + tsc.stderr };
    return exec('ts', process.execPath, [`${base}.js`], this.dir, this.env);
  }

  async run(block: Block): Promise<BlockResult> {
    const substituted = block.markers.some((m) => m.kind === 'sub' || m.kind === 'fixture' || m.kind === 'server');
    const skip = block.markers.find((m) => m.kind === 'skip');
    if (skip) return { status: 'skipped', message: skip.reason, substituted: false, stdout: '', stderr: '' };
    const oracle = this.missingOracle(block);
    if (oracle) return { status: 'skipped', message: oracle, substituted: false, stdout: '', stderr: '' };
    const servers: FileServer[] = [];
    try {
      const code = await this.prepare(block, servers);
      const p = await this.execute(block, code);
      const failed = (message: string): BlockResult => ({ status: 'failed', message, substituted, stdout: p.stdout, stderr: p.stderr });
      if (p.status !== 0) return failed(`${describeExit(p)}\n${tail(p.stderr)}`);
      if (block.expect) {
        const diff = matchOutput(p.stdout, block.expect.text);
        if (diff) return failed(`stdout differs from the output block at line ${block.expect.line}:\n${diff}`);
      }
      return { status: 'passed', message: '', substituted, stdout: p.stdout, stderr: p.stderr };
    } catch (e) {
      return { status: 'failed', message: (e as Error).message, substituted, stdout: '', stderr: '' };
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  }
}

/** The last lines of a long stream, for a failure message. */
function tail(s: string, lines = 40): string {
  const all = s.trimEnd().split('\n');
  return (all.length > lines ? ['...', ...all.slice(-lines)] : all).join('\n');
}
