// Inference speed of alexnet_v2: our Session wrapper, raw onnxruntime-node on the
// same ONNX bytes, and PyTorch on the same network.
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { table } from '../../src/cli/format.js';
import { alexnetV2Spec } from '../../src/models/alexnet_v2.js';
import { randomWeights } from '../../src/models/params.js';
import { generate } from '../../src/nn/init.js';
import { modelGraph } from '../../src/models/assemble.js';
import { modelBytes } from '../../src/runtime/compile.js';
import { Session } from '../../src/runtime/session.js';
import { f1, timePair, torch } from './common.js';

export async function inferSection(): Promise<void> {
  const threads = availableParallelism();
  console.log(`## alexnet_v2 inference, 224x224, random weights (ONNX Runtime, ${threads} threads, as the Session default)\n`);
  const m = alexnetV2Spec.build({ numClasses: 1000 });
  const bytes = modelBytes(modelGraph(m), randomWeights(m, 0));
  const ours = await Session.create(bytes);
  const raw = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: threads });
  const torchRows = torch(['infer', '--batches', '1,16']);
  const rows: string[][] = [];
  for (const batch of [1, 16]) {
    const shape = [batch, 224, 224, 3];
    const data = generate({ kind: 'uniform', low: 0, high: 1 }, batch * 224 * 224 * 3, 1, 'input');
    const [oursT, rawT] = await timePair(
      () => ours.run({ input: { dtype: 'float32', shape, data } }),
      () => raw.run({ input: new ort.Tensor('float32', data, shape) }),
      batch,
    );
    const pt = torchRows.find((r) => r['batch'] === batch);
    const ptMs = pt ? Number(pt['msPerImage']) : NaN;
    rows.push([
      String(batch),
      f1(oursT.msPerImage),
      f1(oursT.imagesPerSec),
      f1(rawT.msPerImage),
      (oursT.msPerImage / rawT.msPerImage).toFixed(3),
      pt ? f1(ptMs) : 'n/a',
      pt ? f1(Number(pt['imagesPerSec'])) : 'n/a',
      pt ? `${(ptMs / oursT.msPerImage).toFixed(2)}x` : 'n/a',
    ]);
  }
  await ours.dispose();
  await raw.release();
  console.log(
    table(['batch', '>ours ms/img', '>ours img/s', '>raw ORT ms/img', '>ours/raw', '>PyTorch ms/img', '>PyTorch img/s', '>vs PyTorch'], rows),
  );
  console.log('\nours/raw: the wrapper\'s overhead, timed alternately with raw ORT (1.000 = none). PyTorch: Debian torch 1.13,');
  console.log('2 threads, OpenBLAS, best of fc-as-conv and fc-as-linear, run just before. vs PyTorch: its ms/img over ours.\n');
}
