// alexnet export: write the model as an ONNX file any ONNX runtime can load.
import { randomWeights } from '../../models/params.js';
import { modelGraph } from '../../models/assemble.js';
import { modelBytes } from '../../runtime/compile.js';
import { atomicWriteFile } from '../../util/fs.js';
import { int, parse, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { bytes } from '../format.js';
import { MODEL_FLAGS, MODEL_USAGE, modelFromFlags } from '../model_flags.js';

export const exportCommand: Command = {
  name: 'export',
  usage: `alexnet export --out model.onnx [--model alexnet_v2] [--input HxW] [--classes N] [--global-pool] [--no-squeeze]
            [--seed N] [--json]
${MODEL_USAGE}
  --out FILE        where to write the .onnx file (written atomically)
  --seed N          seed of the random weights (default 0)`,
  async main(argv, io) {
    const { values: v } = parse('export', argv, { ...MODEL_FLAGS, out: { type: 'string', short: 'o' }, seed: { type: 'string' } });
    const out = v['out'];
    if (typeof out !== 'string') throw new UsageError('export: --out FILE is required');
    const { spec, opts } = modelFromFlags(v);
    const m = spec.build(opts);
    const weights = randomWeights(m, int(v['seed'], 'seed', 0, 0));
    const data = modelBytes(modelGraph(m), weights);
    await atomicWriteFile(out, data);
    const input = m.input;
    const output = m.graph.outputs[0]!;
    if (v.json) {
      io.out(JSON.stringify({ file: out, bytes: data.byteLength, input: { name: input.name, shape: input.shape }, output: { name: output.name, shape: output.value.shape } }) + '\n');
    } else {
      io.out(`wrote ${out} (${bytes(data.byteLength)}): input ${input.name} [${input.shape.join(',')}] -> ${output.name} [${output.value.shape.join(',')}]\n`);
    }
    return 0;
  },
};
