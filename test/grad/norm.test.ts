// BatchNormalization's gradient rule (src/grad/rules/norm.ts) against finite differences:
// in inference mode with respect to all five inputs, on feature maps and on rows, and in
// training mode, where the batch's mean and variance (ReduceMeans of x, as
// src/nn/norm.ts writes them) feed the node, with respect to x, gamma and beta. float64,
// so the step is 1e-6 and the bound 1e-6 relative. The PyTorch oracle for the same rule
// inside the builder and a whole model is test/grad/bn_oracle.test.ts.
import { describe, test } from 'node:test';
import * as b from '../../src/graph/build.js';
import type { Value } from '../../src/graph/graph.js';
import { generate } from '../../src/nn/init.js';
import { assertGrad, type FdInput } from './fd.js';

const positive = (n: number, name: string) => Float64Array.from(generate({ kind: 'uniform', low: 0.3, high: 2 }, n, 5, name));

function inputs(x: number[], stats: boolean): FdInput[] {
  const c = x[1]!;
  const list: FdInput[] = [
    { name: 'x', shape: x },
    { name: 'gamma', shape: [c], data: Float64Array.from(generate({ kind: 'uniform', low: 0.5, high: 1.5 }, c, 5, 'gamma')) },
    { name: 'beta', shape: [c] },
  ];
  if (stats) list.push({ name: 'mean', shape: [c] }, { name: 'variance', shape: [c], data: positive(c, 'variance') });
  return list;
}

/** The training-mode form: batch statistics over every axis but 1, fed to the node. */
function trainingForm(x: Value, gamma: Value, beta: Value, eps: number): Value {
  const c = x.shape[1] as number;
  const axes = x.shape.length === 4 ? [0, 2, 3] : [0];
  const mean = b.reduce('ReduceMean', x, axes, true);
  const centred = b.sub(x, mean);
  const variance = b.reduce('ReduceMean', b.mul(centred, centred), axes, true);
  return b.batchNorm(x, gamma, beta, b.reshape(mean, [c]), b.reshape(variance, [c]), { epsilon: eps });
}

describe('BatchNormalization gradient (float64)', () => {
  for (const x of [[2, 3, 2, 3], [5, 4]]) {
    test(`inference mode on [${x}]: x, gamma, beta, mean and variance`, async () => {
      await assertGrad({
        name: `bn_inference_${x.length}`,
        inputs: inputs(x, true),
        build: (_g, [xv, gamma, beta, mean, variance]) => b.batchNorm(xv!, gamma!, beta!, mean!, variance!, { epsilon: 1e-3 }),
        eps: 1e-6,
        tol: 1e-6,
      });
    });
    test(`training mode on [${x}]: x through the batch statistics, gamma, beta`, async () => {
      await assertGrad({
        name: `bn_training_${x.length}`,
        inputs: inputs(x, false),
        build: (_g, [xv, gamma, beta]) => trainingForm(xv!, gamma!, beta!, 1e-5),
        eps: 1e-6,
        tol: 1e-6,
      });
    });
  }
});
