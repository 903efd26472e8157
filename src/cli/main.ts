// The `alexnet` command line. Errors are one line on stderr and a non-zero status;
// --verbose adds the stack trace.
//
// Commands load on demand: `alexnet classify` should not pay for the weight readers,
// the training code or protobufjs when it starts (cold start is a measured target).
import { UsageError } from './args.js';
import type { Command, Io } from './command.js';

interface Entry {
  name: string;
  summary: string;
  load: () => Promise<Command>;
}

const COMMANDS: Entry[] = [
  { name: 'classify', summary: 'ImageNet classes of images or folders, with pretrained weights', load: async () => (await import('./commands/classify.js')).classifyCommand },
  { name: 'weights', summary: 'download pretrained weights by name, import any weight file, list the cache', load: async () => (await import('./commands/weights.js')).weightsCommand },
  { name: 'run', summary: 'random input through a model with seeded weights; print the predicted classes', load: async () => (await import('./commands/run.js')).runCommand },
  { name: 'summary', summary: 'layer table: output shapes, parameters, multiply-accumulates, receptive fields', load: async () => (await import('./commands/summary.js')).summaryCommand },
  { name: 'export', summary: 'write the model as ONNX (opset 18), for ORT, onnxruntime-web, TensorRT, Triton', load: async () => (await import('./commands/export.js')).exportCommand },
  { name: 'models', summary: 'list the models and their pretrained weights', load: async () => (await import('./commands/models.js')).modelsCommand },
  { name: 'train', summary: 'train or fine-tune on an image folder, a list file or IDX data; checkpoints, resume, logs', load: async () => (await import('./commands/train.js')).trainCommand },
  { name: 'eval', summary: 'top-1, top-5, loss and confusion matrix of weights on a labelled dataset', load: async () => (await import('./commands/eval.js')).evalCommand },
];

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
    const entry = COMMANDS.find((c) => c.name === name);
    if (!entry) throw new UsageError(`unknown command ${JSON.stringify(name)}; commands: ${COMMANDS.map((c) => c.name).join(', ')}`);
    const cmd = await entry.load();
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
  outIsTTY: Boolean(process.stdout.isTTY),
};

export async function cli(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2), io);
}
