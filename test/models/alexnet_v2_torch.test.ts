// Cross-check against PyTorch: tools/make_alexnet_v2_fixture.py builds the same network
// (tools/torch_models.py) with the same seeded weights and input and dumps its logits.
// Ours must match to 1e-4 relative to the largest logit, on the fast Gemm path and on
// the reference Conv path.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { alexnetV2Spec } from '../../src/models/alexnet_v2.js';
import { randomWeights } from '../../src/models/params.js';
import { generate } from '../../src/nn/init.js';
import { modelGraph } from '../../src/models/assemble.js';
import { compileModel } from '../../src/runtime/compile.js';
import type { Session } from '../../src/runtime/session.js';
import { FIXTURES, maxAbs, maxAbsDiff } from '../helpers.js';

interface Case {
  name: string;
  batch: number;
  size: [number, number];
  classes: number;
  spatialSqueeze: boolean;
  globalPool: boolean;
  shape: number[];
  values: number[];
}
const fixture = JSON.parse(readFileSync(join(FIXTURES, 'models', 'alexnet_v2_logits.json'), 'utf8')) as {
  weightSeed: number;
  inputSeed: number;
  cases: Case[];
};

const sessions: Session[] = [];
after(async () => {
  for (const s of sessions) await s.dispose();
});

async function ours(c: Case, lowerToGemm: boolean): Promise<{ shape: readonly number[]; data: Float32Array }> {
  const m = alexnetV2Spec.build({
    numClasses: c.classes,
    inputSize: c.size,
    spatialSqueeze: c.spatialSqueeze,
    globalPool: c.globalPool,
    lowerToGemm,
  });
  const s = await compileModel(modelGraph(m), randomWeights(m, fixture.weightSeed));
  sessions.push(s);
  const [h, w] = c.size;
  const x = generate({ kind: 'uniform', low: 0, high: 1 }, c.batch * h * w * 3, fixture.inputSeed, 'input');
  const out = (await s.run({ input: { dtype: 'float32', shape: [c.batch, h, w, 3], data: x } }))[m.outputName]!;
  return { shape: out.shape, data: out.data as Float32Array };
}

describe('alexnet_v2 matches PyTorch on seeded weights', () => {
  for (const c of fixture.cases) {
    for (const lower of c.name === 'default' ? [true, false] : [true]) {
      test(`${c.name} (${c.batch}x${c.size.join('x')}, ${c.classes || 'no'} classes${lower ? '' : ', reference Conv path'})`, async () => {
        let { shape, data } = await ours(c, lower);
        if (!c.classes) {
          // the fixture keeps the first 64 of 4096 feature channels
          assert.deepEqual(shape, [c.batch, 1, 1, 4096]);
          data = data.filter((_, i) => i % 4096 < 64);
          shape = [c.batch, 1, 1, 64];
        }
        assert.deepEqual(shape, c.shape);
        const tol = 1e-4 * maxAbs(c.values);
        const diff = maxAbsDiff(data, c.values);
        assert.ok(diff <= tol, `max |ours - torch| = ${diff.toExponential(3)} > ${tol.toExponential(3)}`);
        assert.ok(maxAbs(c.values) > 0.01, 'the logits spread enough for the comparison to mean something');
      });
    }
  }
});
