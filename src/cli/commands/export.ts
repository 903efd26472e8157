// alexnet export: write the model as an ONNX file any ONNX runtime can load.
import { modelGraph } from '../../models/assemble.js';
import { randomWeights } from '../../models/params.js';
import type { BuiltModel } from '../../models/types.js';
import type { Tensor } from '../../tensor.js';
import { modelBytes } from '../../runtime/compile.js';
import { atomicWriteFile } from '../../util/fs.js';
import { type Args, parse, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { bytes } from '../format.js';
import { modelFromFlags } from '../model_flags.js';
import { exportSpec } from '../specs/export.js';
import { type Status, terminalStatus } from '../status.js';

export const exportCommand: Command = {
  name: 'export',
  async main(argv, io) {
    const a = parse('export', argv, exportSpec);
    const out = a.required('out');
    const status = terminalStatus(io, 'export');
    const { data, m } = await exportModel(a, out, status).finally(() => status.done());
    const input = m.input;
    const output = m.graph.outputs[0]!;
    if (a.flag('json')) {
      io.out(JSON.stringify({ file: out, bytes: data.byteLength, input: { name: input.name, shape: input.shape }, output: { name: output.name, shape: output.value.shape } }) + '\n');
    } else {
      io.out(`wrote ${out} (${bytes(data.byteLength)}): input ${input.name} [${input.shape.join(',')}] -> ${output.name} [${output.value.shape.join(',')}]\n`);
    }
    return 0;
  },
};

/** Build the model (with the weights' classes, input size and pooling when --weights is given) and write it. */
async function exportModel(a: Args, out: string, status: Status): Promise<{ data: Uint8Array; m: BuiltModel }> {
  const { spec, opts } = modelFromFlags(a);
  const file = a.str('weights');
  let weights: Map<string, Tensor> | null = null;
  if (file !== undefined) {
    status.phase(`reading ${file}`);
    // the model as the weights were trained: their classes, input size and pooling, unless given
    const { loadWeights } = await import('../../hub/load.js');
    const loaded = await loadWeights(spec.name, file);
    const c = loaded.config;
    if (a.has('classes') && opts.numClasses !== c.numClasses) {
      throw new UsageError(`export: --classes ${opts.numClasses} differs from ${loaded.file}, which has ${c.numClasses} classes`);
    }
    opts.numClasses = c.numClasses;
    if (!a.has('input')) opts.inputSize = c.inputSize;
    if (c.globalPool) opts.globalPool = true;
    weights = loaded.weights;
  }
  status.phase(`building ${spec.name}`);
  const m = spec.build(opts);
  const data = modelBytes(modelGraph(m), weights ?? randomWeights(m, a.int('seed')!));
  status.phase(`writing ${out}`);
  await atomicWriteFile(out, data);
  return { data, m };
}
