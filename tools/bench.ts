// `npm run bench`: our figures next to PyTorch's, measured in the same run.
//
//   npm run bench                       infer, classify, memory, explain, train (about 14 minutes)
//   npm run bench -- infer fashion      only the named sections
//
// zoo (every model at batch 1 and 16, 10-20 minutes; ALEXNET_BENCH_MODELS=a,b for
// some) and fashion (three epochs of Fashion-MNIST on both sides, about an hour here) run
// only when named. PyTorch runs as /usr/bin/python3 tools/bench_torch.py with 2 threads
// when torch is installed. Each section runs in its own process with the glibc tunables
// bin/alexnet.js gives the matching command (hugetlb for inference; for training also no
// mmap per buffer and no trimming), and the PyTorch processes it starts inherit them: both
// sides run in the same environment. Sections live in tools/bench/.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { glibcTunables } from '../src/runtime/malloc.js';
import { PYTHON, torchAvailable } from './bench/common.js';

const INFER_TUNABLES = glibcTunables('run');
const TRAIN_TUNABLES = glibcTunables('train');
const SECTIONS: Record<string, { tunables: string; byDefault: boolean; run: () => Promise<void> }> = {
  infer: { tunables: INFER_TUNABLES, byDefault: true, run: async () => (await import('./bench/infer.js')).inferSection() },
  classify: { tunables: INFER_TUNABLES, byDefault: true, run: async () => (await import('./bench/classify.js')).classifySection() },
  memory: { tunables: INFER_TUNABLES, byDefault: true, run: async () => (await import('./bench/memory.js')).memorySection() },
  explain: { tunables: INFER_TUNABLES, byDefault: true, run: async () => (await import('./bench/explain.js')).explainSection() },
  train: { tunables: TRAIN_TUNABLES, byDefault: true, run: async () => (await import('./bench/train.js')).trainSection() },
  zoo: { tunables: INFER_TUNABLES, byDefault: false, run: async () => (await import('./bench/zoo.js')).zooSection() },
  fashion: { tunables: TRAIN_TUNABLES, byDefault: false, run: async () => (await import('./bench/train.js')).fashionSection() },
};

const child = process.env['ALEXNET_BENCH_SECTION'];
if (child) {
  await SECTIONS[child]!.run();
} else {
  const want = process.argv.slice(2);
  for (const w of want) {
    if (!SECTIONS[w]) {
      console.error(`bench: unknown section ${w}; sections: ${Object.keys(SECTIONS).join(', ')}`);
      process.exit(2);
    }
  }
  const torchVersion = torchAvailable() ? spawnSync(PYTHON, ['-c', 'import torch;print(torch.__version__)'], { encoding: 'utf8' }).stdout.trim() : null;
  console.log(`# alexnet-ts bench: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}, onnxruntime-node ${ort.env.versions.node}`);
  console.log(`# PyTorch: ${torchVersion ?? 'not installed (apt-get install python3-torch python3-torchvision libopenblas0-pthread)'}\n`);
  let failed = 0;
  for (const [name, s] of Object.entries(SECTIONS)) {
    if (want.length ? !want.includes(name) : !s.byDefault) continue;
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
      stdio: 'inherit',
      env: { ...process.env, ALEXNET_BENCH_SECTION: name, GLIBC_TUNABLES: s.tunables },
    });
    if (r.status !== 0) {
      console.error(`bench: section ${name} failed (exit ${r.status ?? r.signal})`);
      failed++;
    }
  }
  process.exitCode = failed ? 1 : 0;
}
