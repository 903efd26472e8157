// alexnet summary: the layer table (shapes, parameters, multiply-accumulates, receptive field).
import type { Dim } from '../../graph/types.js';
import { paramCounts } from '../../models/params.js';
import { parse } from '../args.js';
import type { Command } from '../command.js';
import { table, thousands } from '../format.js';
import { modelFromFlags } from '../model_flags.js';
import { summarySpec } from '../specs/summary.js';

export const summaryCommand: Command = {
  name: 'summary',
  async main(argv, io) {
    const a = parse('summary', argv, summarySpec);
    const { spec, opts, inputSize } = modelFromFlags(a);
    const m = spec.build({ ...opts, batch: 1 });
    const counts = paramCounts(m);
    const { totalParams } = counts;
    const totalMacs = m.layers.reduce((n, l) => n + l.macs, 0);
    const input = spec.inputLayout === 'NHWC' ? [1, ...inputSize, 3] : [1, 3, ...inputSize];
    if (a.flag('json')) {
      io.out(JSON.stringify({ model: spec.name, input, layers: m.layers, ...counts, totalMacs }) + '\n');
      return 0;
    }
    // Layer shapes are recorded NHWC (LayerInfo); the table shows them in the model's layout.
    const inLayout = (shape: readonly Dim[]) => (spec.inputLayout === 'NCHW' && shape.length === 4 ? [shape[0]!, shape[3]!, shape[1]!, shape[2]!] : shape);
    const rows = m.layers.map((l) => [
      l.name,
      l.op,
      [l.kernel, l.stride && `/${l.stride}`, l.padding && ` ${l.padding}`].join(''),
      `[${inLayout(l.outputShape).join(',')}]`,
      thousands(l.params),
      thousands(l.macs),
      l.receptiveField,
    ]);
    io.out(`${spec.name}: ${spec.description}\ninput [${input.join(',')}] (${spec.inputLayout})\n\n`);
    io.out(table(['layer', 'op', 'kernel/stride pad', `output (${spec.inputLayout})`, '>params', '>MACs', '>RF'], rows) + '\n\n');
    const split = counts.nonTrainableParams ? ` (${thousands(counts.trainableParams)} trainable, ${thousands(counts.nonTrainableParams)} non-trainable)` : '';
    io.out(`total: ${thousands(totalParams)} parameters${split} (${((totalParams * 4) / 2 ** 20).toFixed(1)} MB as float32), `);
    io.out(`${thousands(totalMacs)} multiply-accumulates per image (${(totalMacs / 1e9).toFixed(2)} GMACs)\n`);
    return 0;
  },
};
