// The `alexnet` command line. Errors are one line on stderr and a non-zero status;
// --verbose adds the stack trace.
import { UsageError } from './args.js';
import type { Command, Io } from './command.js';
import { classifyCommand } from './commands/classify.js';
import { exportCommand } from './commands/export.js';
import { modelsCommand } from './commands/models.js';
import { runCommand } from './commands/run.js';
import { summaryCommand } from './commands/summary.js';
import { weightsCommand } from './commands/weights.js';

const COMMANDS: Command[] = [classifyCommand, weightsCommand, runCommand, summaryCommand, exportCommand, modelsCommand];

function help(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'alexnet: AlexNet on Node.js (ONNX Runtime), no Python',
    '',
    'usage: alexnet <command> [options]      alexnet <command> --help',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    'global options: --verbose (stack traces on errors), --json (machine-readable output)',
  ].join('\n');
}

export async function main(argv: string[], io: Io): Promise<number> {
  const verbose = argv.includes('--verbose');
  const [name, ...rest] = argv;
  try {
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      io.out(help() + '\n');
      return name ? 0 : 2;
    }
    const cmd = COMMANDS.find((c) => c.name === name);
    if (!cmd) throw new UsageError(`unknown command ${JSON.stringify(name)}; commands: ${COMMANDS.map((c) => c.name).join(', ')}`);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(`usage: ${cmd.usage}\n`);
      return 0;
    }
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
};

export async function cli(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2), io);
}
