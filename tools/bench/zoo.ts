// Every model of the zoo: ms/image at batch 1 and 16, ours (onnxruntime-node through
// compile with batch norms folded, seeded weights) next to PyTorch in the same run, and the
// peak RSS of `alexnet classify` on one image.
//
// PyTorch runs torchvision's own models for the torchvision names, keras_applications'
// code on tools/keras_torch.py for the Keras ones, and tools/torch_models.py's alexnet_v2
// and bvlc_alexnet; eval mode, no_grad, 2 threads (tools/bench_torch.py zoo).
// ALEXNET_BENCH_MODELS=a,b limits the section to those models.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { table } from '../../src/cli/format.js';
import { modelGraph } from '../../src/models/assemble.js';
import { randomWeights } from '../../src/models/params.js';
import { getModel, listModels } from '../../src/models/registry.js';
import { modelSource, sourceParams } from '../../src/models/source.js';
import type { ModelSpec } from '../../src/models/types.js';
import { generate } from '../../src/nn/init.js';
import { modelBytes } from '../../src/runtime/compile.js';
import { Session } from '../../src/runtime/session.js';
import { BUNDLE_FORMAT, saveBundle } from '../../src/weights/bundle.js';
import { classifyRss, f1, median, photoPath, torchServer, type TorchServer } from './common.js';

const BATCHES = [1, 16] as const;
/** Seconds of interleaved timing per model and batch (both sides), after the warm-up. */
const BUDGET_S = 4;
const MIN_SAMPLES = 3;

/**
 * Medians of ms per call, ours and PyTorch's, interleaved: one warm-up call each (two when
 * it is quick), then rounds of `block` calls per side until each has MIN_SAMPLES and the
 * budget is spent. Quick calls run in blocks whose first call is not counted (the other
 * side's threads may still be spinning, see common.ts timePair); a call of half a second or
 * more stands alone.
 */
async function interleave(ours: () => Promise<number>, theirs: (() => Promise<number>) | null): Promise<[number, number]> {
  let est = Math.max(await ours(), theirs ? await theirs() : 0);
  if (est < 1000) est = Math.max(await ours(), theirs ? await theirs() : 0);
  const block = est < 50 ? 4 : est < 500 ? 2 : 1;
  const a: number[] = [];
  const b: number[] = [];
  const run = async (fn: () => Promise<number>, into: number[]) => {
    for (let i = 0; i < block + (block > 1 ? 1 : 0); i++) {
      const ms = await fn();
      if (block === 1 || i > 0) into.push(ms);
    }
  };
  const start = performance.now();
  while (a.length < MIN_SAMPLES || performance.now() - start < BUDGET_S * 1000) {
    await run(ours, a);
    if (theirs) await run(theirs, b);
  }
  return [median(a), theirs ? median(b) : NaN];
}

interface ZooRow {
  name: string;
  cells: string[];
}

async function benchModel(spec: ModelSpec, tmp: string, image: string): Promise<ZooRow> {
  const m = spec.build();
  const params = sourceParams(spec, m);
  const weights = randomWeights(m, 0);
  const file = join(tmp, `${spec.name}.safetensors`);
  await saveBundle(file, weights, { format: BUNDLE_FORMAT, model: spec.name, numClasses: 1000, preprocess: spec.preprocess, labels: 'imagenet1k' });
  const session = await Session.create(modelBytes(modelGraph(m), weights));
  const [h, w] = spec.defaultImageSize;
  const layout = spec.inputLayout;
  let pt: TorchServer | null = null;
  const times: string[] = [];
  try {
    pt = await torchServer(['zoo', '--model', spec.name, '--size', String(h), '--layout', layout]);
    for (const batch of BATCHES) {
      const shape = layout === 'NHWC' ? [batch, h, w, 3] : [batch, 3, h, w];
      const data = generate({ kind: 'uniform', low: 0, high: 1 }, batch * h * w * 3, 1, 'input');
      const ours = async () => {
        const t = performance.now();
        await session.run({ input: { dtype: 'float32', shape, data } });
        return performance.now() - t;
      };
      const torch = pt ? async () => Number((await pt!.ask(String(batch)))['ms']) : null;
      const [o, t] = await interleave(ours, torch);
      times.push(f1(o / batch), pt ? f1(t / batch) : 'n/a', pt ? (o / t).toFixed(2) : 'n/a');
    }
  } finally {
    pt?.close();
    await session.dispose();
  }
  // the first run builds the ORT-optimised model in $ALEXNET_HOME/cache, the second starts from it
  const home = join(tmp, 'home');
  const args = [image, '--model', spec.name, '--weights', file];
  const first = classifyRss(args, home, join(tmp, 'rss'));
  const cached = classifyRss(args, home, join(tmp, 'rss'));
  rmSync(file, { force: true });
  const size = `${h}x${w}`;
  return { name: spec.name, cells: [spec.name, modelSource(spec), size, (params / 1e6).toFixed(1), ...times, first.toFixed(0), cached.toFixed(0)] };
}

export async function zooSection(): Promise<void> {
  const only = process.env['ALEXNET_BENCH_MODELS'];
  const names = only ? only.split(',').map((n) => getModel(n.trim()).name) : listModels();
  console.log(`## zoo: ${names.length} models, ms/image at batch ${BATCHES.join(' and ')}, seeded weights; peak RSS of classify\n`);
  // other load on the machine skews both sides, PyTorch's OpenMP threads most: the ratios want a quiet machine
  console.log(`Load average at the start: ${loadavg().map((l) => l.toFixed(1)).join(' ')}.\n`);
  const tmp = mkdtempSync(join(tmpdir(), 'alexnet-bench-zoo-'));
  const rows: string[][] = [];
  try {
    const image = join(tmp, 'one.jpg');
    await sharp(photoPath('chelsea.png')).jpeg({ quality: 90 }).toFile(image);
    for (const name of names) {
      const t = performance.now();
      const r = await benchModel(getModel(name), tmp, image);
      rows.push(r.cells);
      console.error(`zoo: ${name} in ${((performance.now() - t) / 1000).toFixed(0)} s`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const head = ['model', 'source', 'input', '>params M'];
  for (const b of BATCHES) head.push(`>ours b${b}`, `>PyTorch b${b}`, `>ours/PT b${b}`);
  head.push('>classify MB', '>cached MB');
  console.log(table(head, rows));
  console.log('\nms/image, medians of calls interleaved with PyTorch\'s (ORT one thread per core; PyTorch 2 threads, eval, no_grad).');
  console.log('ours/PT < 1: ours faster; the issue\'s target at batch 16 for the torchvision models is at most 0.77.');
  console.log('PyTorch: torchvision\'s models; Keras models as keras_applications builds them on tools/keras_torch.py (kernels');
  console.log('kept in Keras\'s layouts, batch norms not fused); alexnet_v2 and bvlc_alexnet from tools/torch_models.py.');
  console.log('classify MB: peak RSS of `alexnet classify one.jpg --weights bundle` building the ORT cache; cached MB: the next run.\n');
}
