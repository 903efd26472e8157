// BatchNormalization's gradient rule (src/grad/rules/norm.ts) against finite differences,
// on feature maps and on rows: inference mode with respect to all five inputs; training
// mode (batch statistics by ReduceMean, as src/nn/norm.ts writes them, so the closed form
// applies) with respect to x, gamma and beta; and batch statistics written so that the
// rule does not recognise them, where the chain rule through the ReduceMeans must give
// the same. float64, so the step is 1e-6 and the bound 1e-6 relative. The PyTorch oracle for the same rule
// inside the builder and a whole model is test/grad/bn_oracle.test.ts.
import assert from 'node:assert/strict';
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

/**
 * Batch statistics over every axis but 1 by ReduceMean, fed to an inference-mode node;
 * `plain`: the square as the product of two separate Subs, which the rule does not take
 * for x's own variance.
 */
function trainingForm(x: Value, gamma: Value, beta: Value, eps: number, plain = false): Value {
  const c = x.shape[1] as number;
  const axes = x.shape.length === 4 ? [0, 2, 3] : [0];
  const mean = b.reduce('ReduceMean', x, axes, true);
  const centred = b.sub(x, mean);
  const variance = b.reduce('ReduceMean', b.mul(centred, plain ? b.sub(x, mean) : centred), axes, true);
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
    test(`training mode on [${x}]: x, gamma, beta, by the closed form`, async () => {
      const r = await assertGrad({
        name: `bn_training_${x.length}`,
        inputs: inputs(x, false),
        build: (_g, [xv, gamma, beta]) => trainingForm(xv!, gamma!, beta!, 1e-5),
        eps: 1e-6,
        tol: 1e-6,
      });
      // no backward nodes through the ReduceMeans of the statistics
      assert.ok(r.graph.nodes.some((n) => n.name.endsWith('/centred_b')) && !r.graph.nodes.some((n) => n.name.endsWith('/dVar') || n.name.startsWith('grad/ReduceMean')));
    });
    test(`batch statistics the rule does not recognise, on [${x}]: the chain rule through them`, async () => {
      const r = await assertGrad({
        name: `bn_chain_${x.length}`,
        inputs: inputs(x, false),
        build: (_g, [xv, gamma, beta]) => trainingForm(xv!, gamma!, beta!, 1e-5, true),
        eps: 1e-6,
        tol: 1e-6,
      });
      assert.ok(r.graph.nodes.some((n) => n.name.endsWith('/dVar')) && !r.graph.nodes.some((n) => n.name.endsWith('/centred_b')));
    });
  }
});
