// `npm run bench`: our figures next to PyTorch's, measured in the same run.
//
//   npm run bench                 every section
//   npm run bench -- infer        only the named sections
//
// PyTorch runs as /usr/bin/python3 tools/bench_torch.py with 2 threads when torch is
// installed. Both sides run with the same environment (GLIBC_TUNABLES=
// glibc.malloc.hugetlb=1, as bin/alexnet.js sets it). Sections live in tools/bench/.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import * as ort from 'onnxruntime-node';
import { PYTHON, torchAvailable } from './bench/common.js';
import { classifySection } from './bench/classify.js';
import { inferSection } from './bench/infer.js';

const SECTIONS: Record<string, () => Promise<void>> = { infer: inferSection, classify: classifySection };

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
for (const [name, run] of Object.entries(SECTIONS)) if (want.length === 0 || want.includes(name)) await run();
