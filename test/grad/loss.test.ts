// Softmax cross-entropy, softmax and log-softmax gradients (float64), and Dropout's
// training-mode gradient (its mask is random per run, so it is checked against the
// mask the same run returns, not by finite differences).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Graph } from '../../src/graph/graph.js';
import * as b from '../../src/graph/build.js';
import { str } from '../../src/graph/types.js';
import { toOnnx } from '../../src/graph/onnx_writer.js';
import { gradients } from '../../src/grad/index.js';
import { Session } from '../../src/runtime/session.js';
import { tensor } from '../../src/tensor.js';
import { assertGrad } from './fd.js';

const labels = { name: 'labels', shape: [4], dtype: 'int64' as const, data: BigInt64Array.of(2n, 0n, 4n, 2n) };

describe('softmax cross-entropy (float64)', () => {
  for (const reduction of ['mean', 'sum', 'none']) {
    for (const withLogProb of [true, false]) {
      test(`SoftmaxCrossEntropyLoss reduction=${reduction}${withLogProb ? ', with log_prob' : ''}`, async () => {
        await assertGrad({
          name: `sce_${reduction}`,
          inputs: [{ name: 'scores', shape: [4, 5] }, labels],
          build: (g, [s, l]) => g.add('SoftmaxCrossEntropyLoss', [s!, l!], { reduction: str(reduction) }, { outputs: withLogProb ? 2 : 1 })[0]!,
          eps: 1e-6,
          tol: 1e-7,
        });
      });
    }
  }

  test('SoftmaxCrossEntropyLoss with a gradient reaching log_prob (label smoothing)', async () => {
    // (1 - 0.1) * nll + 0.1 * mean(-log_prob): CrossEntropyLoss(label_smoothing=0.1)
    await assertGrad({
      name: 'sce_smoothing',
      inputs: [{ name: 'scores', shape: [4, 5] }, labels],
      build: (g, [s, l]) => {
        const [nll, logp] = g.add('SoftmaxCrossEntropyLoss', [s!, l!], { reduction: str('mean') }, { outputs: 2 });
        const smooth = b.reduce('ReduceMean', logp!, [0, 1], false);
        const c = (x: number, n: string) => g.constant(tensor('float64', [], Float64Array.of(x)), n);
        return b.sub(b.mul(nll!, c(0.9, 'keep')), b.mul(smooth, c(0.1, 'eps')));
      },
      eps: 1e-6,
      tol: 1e-7,
    });
  });

  test('a gradient reaching only log_prob', async () => {
    await assertGrad({
      name: 'sce_logp_only',
      inputs: [{ name: 'scores', shape: [4, 5] }, labels],
      build: (g, [s, l]) => {
        const [, logp] = g.add('SoftmaxCrossEntropyLoss', [s!, l!], { reduction: str('mean') }, { outputs: 2 });
        const r = g.constant(tensor('float64', [4, 5], Float64Array.from({ length: 20 }, (_, i) => (i % 7) - 3)), 'R');
        return b.reduce('ReduceSum', b.mul(logp!, r), [0, 1], false);
      },
      eps: 1e-6,
      tol: 1e-7,
    });
  });

  test('Softmax and LogSoftmax on axis 1', async () => {
    await assertGrad({
      name: 'softmax',
      inputs: [{ name: 'x', shape: [3, 5] }],
      build: (g, [x]) => b.add(b.softmax(x!, 1), g.add1('LogSoftmax', [x!], { axis: { type: 'int', value: 1 } })),
      eps: 1e-6,
      tol: 1e-7,
    });
  });
});

describe('Dropout in training mode', () => {
  test('dX = dY * mask / (1 - ratio), with the mask of the same run', async () => {
    const g = new Graph('dropout');
    const x = g.input('x', { dtype: 'float32', shape: [64, 8] });
    const [y, mask] = b.dropout(x, 0.25, true, { seed: 5 });
    const r = g.constant(tensor('float32', [64, 8], Float32Array.from({ length: 512 }, (_, i) => (i % 13) - 6)), 'R');
    const loss = b.reduce('ReduceSum', b.mul(y, r), [0, 1], false, 'loss');
    const dx = gradients(g, loss, [x]).get(x)!;
    g.output(dx, 'dx');
    g.output(mask!, 'mask');
    const s = await Session.create(toOnnx(g));
    const out = await s.run({ x: tensor('float32', [64, 8], new Float32Array(512).fill(1)) });
    await s.dispose();
    const m = out['mask']!.data as Uint8Array;
    const d = out['dx']!.data as Float32Array;
    let kept = 0;
    for (let i = 0; i < 512; i++) {
      assert.equal(d[i], m[i] ? Math.fround(((i % 13) - 6) * Math.fround(1 / 0.75)) : 0);
      kept += m[i]!;
    }
    assert.ok(kept > 300 && kept < 470, `kept ${kept} of 512 at ratio 0.25`);
  });
});
