#!/usr/bin/env node
// Launcher for the `alexnet` command.
//
// On Linux it re-executes Node once with glibc's transparent-huge-page tunable: ORT copies
// the 200 MB of weights when a session starts from ONNX bytes, and first-touch page faults
// on 4 KB pages make that several times slower (docs/design/runtime.md).
// Commands that start from ORT's memory-mapped cache or allocate little (classify, summary,
// models, help) skip it: there the second process start costs more than it saves.
// Set ALEXNET_NO_REEXEC=1 to skip it always.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The malloc settings per command (train adds more) live in src/runtime/malloc.ts.
// Any command's --help is light too: it prints from the option tables and loads nothing else.
const LIGHT = new Set(['classify', 'summary', 'models', 'help', '--help', '-h', '--version', '-V', undefined]);
const env = process.env;
const args = process.argv.slice(2);
const reexec =
  process.platform === 'linux' &&
  !env.ALEXNET_NO_REEXEC &&
  !LIGHT.has(args[0]) &&
  !args.includes('--help') &&
  !args.includes('-h') &&
  !(env.GLIBC_TUNABLES ?? '').includes('glibc.malloc.hugetlb');
if (reexec) {
  const { glibcTunables } = await import('../dist/runtime/malloc.js');
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...env, GLIBC_TUNABLES: [env.GLIBC_TUNABLES, glibcTunables(process.argv[2])].filter(Boolean).join(':') },
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    else process.exit(code ?? 1);
  });
} else {
  await import('../dist/cli/bin.js');
}
