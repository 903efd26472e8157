// The `alexnet` command line. Errors are one line on stderr and a non-zero status (2 for a
// wrong call, 1 for a failure); --verbose adds the stack trace.
//
// Commands load on demand: `alexnet classify` should not pay for the weight readers,
// the training code or protobufjs when it starts (cold start is a measured target), and
// `--help` loads only the option tables (src/cli/specs/), never a command.
import { readFileSync } from 'node:fs';
import { type Command, type Io, UsageError } from './command.js';
import { commandHelp, topHelp } from './help.js';
import type { CommandSpec } from './spec.js';
import { SPECS } from './specs/index.js';

const LOADERS: Record<string, () => Promise<Command>> = {
  classify: async () => (await import('./commands/classify.js')).classifyCommand,
  explain: async () => (await import('./commands/explain.js')).explainCommand,
  weights: async () => (await import('./commands/weights.js')).weightsCommand,
  run: async () => (await import('./commands/run.js')).runCommand,
  summary: async () => (await import('./commands/summary.js')).summaryCommand,
  export: async () => (await import('./commands/export.js')).exportCommand,
  models: async () => (await import('./commands/models.js')).modelsCommand,
  train: async () => (await import('./commands/train.js')).trainCommand,
  eval: async () => (await import('./commands/eval.js')).evalCommand,
  compare: async () => (await import('./commands/compare.js')).compareCommand,
};

/** The version in package.json (two levels up from both src/cli and dist/cli). */
export function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export async function main(argv: string[], io: Io): Promise<number> {
  const verbose = argv.includes('--verbose');
  const [name, ...rest] = argv;
  try {
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      io.out(topHelp(SPECS));
      return name ? 0 : 2;
    }
    if (name === '--version' || name === '-V') {
      io.out(`${version()}\n`);
      return 0;
    }
    const spec: CommandSpec | undefined = SPECS.find((c) => c.name === name);
    if (!spec) throw new UsageError(`unknown command ${JSON.stringify(name)}; commands: ${SPECS.map((c) => c.name).join(', ')}`);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(commandHelp(spec, rest[0]));
      return 0;
    }
    const cmd = await LOADERS[spec.name]!();
    return await cmd.main(rest, io);
  } catch (e) {
    const err = e as Error;
    io.err(`alexnet: ${err.message.split('\n')[0]}\n`);
    if (verbose && err.stack) io.err(err.stack + '\n');
    return err instanceof UsageError ? 2 : 1;
  }
}

const io: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  isTTY: Boolean(process.stderr.isTTY),
  outIsTTY: Boolean(process.stdout.isTTY),
};

export async function cli(): Promise<void> {
  // A reader that stops early (`alexnet summary | head`) closes the pipe: stop quietly,
  // as other Unix tools do, instead of an unhandled EPIPE with a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
  process.exitCode = await main(process.argv.slice(2), io);
}
