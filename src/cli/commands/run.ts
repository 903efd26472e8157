// alexnet run: the slim note's demo. Random uniform input through a model with seeded
// random weights; prints the input shape and one predicted class per image.
import { randomWeights } from '../../models/params.js';
import { generate } from '../../nn/init.js';
import { modelGraph } from '../../models/assemble.js';
import { compileModel } from '../../runtime/compile.js';
import { argmaxRows, numel } from '../../tensor.js';
import { parse } from '../args.js';
import type { Command } from '../command.js';
import { tuple, vector } from '../format.js';
import { modelFromFlags } from '../model_flags.js';
import { runSpec } from '../specs/run.js';

export const runCommand: Command = {
  name: 'run',
  async main(argv, io) {
    const a = parse('run', argv, runSpec);
    const { spec, opts, inputSize } = modelFromFlags(a);
    const batch = a.int('batch')!;
    const seed = a.int('seed')!;
    const threads = a.int('threads');
    const m = spec.build(opts);
    const session = await compileModel(modelGraph(m), randomWeights(m, seed), threads ? { threads } : {});
    try {
      const shape = spec.inputLayout === 'NHWC' ? [batch, ...inputSize, 3] : [batch, 3, ...inputSize];
      const x = generate({ kind: 'uniform', low: 0, high: 1 }, numel(shape), seed, 'input');
      const y = (await session.run({ input: { dtype: 'float32', shape, data: x } }))[m.outputName]!;
      const data = y.data as Float32Array;
      const classes = y.shape[y.shape.length - 1]!;
      // A spatial map of logits (--no-squeeze) is averaged over space first, as slim's eval does.
      const perImage = numel(y.shape.slice(1)) / classes;
      const mean = new Float32Array(batch * classes);
      for (let i = 0; i < data.length; i++) {
        const img = Math.floor(i / (perImage * classes));
        mean[img * classes + (i % classes)]! += data[i]! / perImage;
      }
      const predictions = argmaxRows(mean, classes);
      if (a.flag('json')) {
        const key = m.outputName === 'logits' ? 'logitsShape' : 'featuresShape';
        io.out(JSON.stringify({ inputShape: shape, [key]: y.shape, predictions }) + '\n');
      } else {
        io.out(`${tuple(shape)}\n`);
        io.out(m.outputName === 'logits' ? `${vector(predictions)}\n` : `features ${tuple(y.shape)}\n`);
      }
      return 0;
    } finally {
      await session.dispose();
    }
  },
};
