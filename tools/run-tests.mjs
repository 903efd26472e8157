#!/usr/bin/env node
// `npm test`: build dist/, generate the large PyTorch fixtures when Debian's torch is
// present, then run every test/**/*.test.ts with Node's built-in runner through tsx.
//
//   npm test                      all tests, the doc tests included
//   npm run test:fast             the edit-test loop: all but the files in SLOW (no PyTorch
//                                 oracles, no training runs, no doc tests) and no generators
//   npm test -- test/graph        only files under a path (or a single file); --fast applies too
//
// dist/ is built because bin/alexnet.js (the CLI tests) and the doc tests run the compiled
// code. tsconfig.json makes tsc incremental (its state in dist/.tsbuildinfo), so after
// `npm ci`, whose prepare script built dist/, this is a check that writes nothing.
//
// Generators are tools/gen_*.py; each writes into test/.generated/ (not committed) and
// is skipped when its stamp file is newer than the script. Tests that need generated
// files fail under CI=true when they are missing, and skip with a message otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
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

// Left out by --fast: the PyTorch oracles, the training runs and the doc tests, the slowest
// files of the suite. A file or a folder, relative to the repo.
const SLOW = [
  'test/classify/parity.test.ts', // PyTorch oracle: classify's probabilities
  'test/cli/classify.test.ts', // PyTorch oracle: classify from the seeded .pth/.npy/.onnx
  'test/cli/explain.test.ts', // explain through the CLI: random weights, the report
  'test/cli/explain_units.test.ts', // explain units through the CLI, random bvlc_alexnet weights
  'test/cli/train.test.ts', // training runs through the CLI
  'test/cli/train_zoo.test.ts', // training runs through the CLI: every Keras model
  'test/compare/isolate.test.ts', // compare: models measured in child processes, the CLI
  'test/compare/plot.test.ts', // compare's chart in headless Chromium
  'test/compare/probe.test.ts', // compare: alexnet features of the test photos, linear probes
  'test/explain/explain.test.ts', // explain on random weights: three sessions of alexnet_v2
  'test/explain/oracle.test.ts', // PyTorch oracle: Grad-CAM and occlusion maps
  'test/explain/report_browser.test.ts', // explain on a photo, then its report in Chromium
  'test/explain/units.test.ts', // the units gallery against a brute-force pass, random alexnet weights
  'test/docs', // doc tests: the package packed, README's download and training examples
  'test/grad/bn_oracle.test.ts', // PyTorch oracle: batch norm in training mode, a layer and a small model
  'test/grad/oracle.test.ts', // PyTorch oracle: gradients of the three models
  'test/hub/download.test.ts', // Keras .h5 downloads converted through h5wasm (its WASM takes seconds to load)
  'test/nn/layers_torch.test.ts', // PyTorch oracle: layer builders forward and backward
  'test/models/alexnet_v2_torch.test.ts', // PyTorch oracle: logits
  'test/models/inception_resnet_v2.test.ts', // keras_applications oracle: logits
  'test/models/inception_v3.test.ts', // keras_applications oracle: logits, gradients
  'test/models/mobilenet.test.ts', // keras_applications oracle: logits, gradients
  'test/models/resnet50.test.ts', // keras_applications oracle: logits, gradients
  'test/models/torch_parity.test.ts', // PyTorch oracle: logits
  'test/models/inception_v3_torchvision.test.ts', // torchvision oracle: logits
  'test/models/mobilenet_v2.test.ts', // torchvision oracle: logits and gradients
  'test/models/resnet50_torchvision.test.ts', // torchvision oracle: logits and gradients
  'test/models/squeezenet1_1.test.ts', // torchvision oracle: logits
  'test/models/torchvision_train.test.ts', // training runs of the torchvision models
  'test/models/vgg16_torchvision.test.ts', // torchvision oracle: logits
  'test/models/vgg.test.ts', // keras_applications oracle: logits
  'test/models/xception.test.ts', // keras_applications oracle: logits
  'test/train/bn.test.ts', // training steps with batch norm: running statistics, checkpoint and resume
  'test/train/loop.test.ts', // training runs
  'test/weights/h5.test.ts', // Keras .h5 files through h5wasm (its WASM takes seconds to load)
];

function isSlow(file) {
  const rel = relative(root, file);
  return SLOW.some((s) => rel === s || rel.startsWith(s + '/'));
}

/** dist/ files whose source is gone (moved or deleted): tsc never removes them, and they would be packed. */
function removeStaleOutput(dir = join(root, 'dist')) {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      removeStaleOutput(p);
      continue;
    }
    const m = /^(.*)\.(js|js\.map|d\.ts)$/.exec(relative(join(root, 'dist'), p));
    if (m && !existsSync(join(root, 'src', `${m[1]}.ts`))) rmSync(p);
  }
}

function build() {
  removeStaleOutput();
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) {
    console.error(`run-tests: tsc -p tsconfig.json failed with status ${r.status}`);
    process.exit(1);
  }
}

const argv = process.argv.slice(2);
const fast = argv.includes('--fast');
const args = argv.filter((a) => a !== '--fast');
const missing = SLOW.filter((s) => !existsSync(join(root, s)));
if (missing.length) {
  console.error(`run-tests: SLOW in tools/run-tests.mjs names ${missing.join(', ')}, which do not exist; update the list`);
  process.exit(1);
}
const targets = args.length ? args.map((a) => join(root, a)) : [join(root, 'test')];
const files = targets
  .flatMap((t) => (statSync(t).isDirectory() ? findTests(t) : [t]))
  .filter((f) => !fast || !isSlow(f))
  .sort();
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}
build();
if (!fast) generateFixtures();
// glibc's transparent huge pages for large mallocs, as bin/alexnet.js sets them
// (src/runtime/malloc.ts): ORT copies 200 MB of weights when a session starts, and
// first-touch page faults on 4 KB pages make that several times slower.
const tunables = [process.env.GLIBC_TUNABLES, 'glibc.malloc.hugetlb=1'].filter(Boolean).join(':');
// One test file per core: Node's default, one fewer, leaves a core of a 2-core machine idle
// while a single-threaded file runs. Most files wait on child processes, sessions or I/O
// for much of their time, so the full suite gains too, training files included
// (docs/testing.md).
const concurrency = [`--test-concurrency=${availableParallelism()}`];
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...concurrency, ...files.map((f) => relative(root, f))], {
  stdio: 'inherit',
  cwd: root,
  env: { ...process.env, GLIBC_TUNABLES: tunables },
});
process.exit(r.status ?? 1);
