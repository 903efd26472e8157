// Learning-rate schedules against PyTorch's schedulers (tools/gen_schedule_oracle.py:
// StepLR per epoch, CosineAnnealingLR per step, LinearLR warm-up chained with them).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { checkSchedule, learningRate, type ScheduleSpec } from '../../src/optim/schedule.js';
import { generated } from '../helpers.js';

interface Case {
  spec: ScheduleSpec;
  stepsPerEpoch: number;
  totalSteps: number;
  lrs: number[];
}

test('every step of StepLR, CosineAnnealingLR and LinearLR warm-up, as torch.optim.lr_scheduler gives them', (t) => {
  const p = generated(t, 'schedule_oracle.json');
  if (!p) return;
  const { cases } = JSON.parse(readFileSync(p, 'utf8')) as { cases: Record<string, Case> };
  assert.deepEqual(Object.keys(cases).sort(), ['constant_warmup', 'cosine', 'cosine_warmup', 'step']);
  for (const [name, c] of Object.entries(cases)) {
    c.lrs.forEach((want, step) => {
      const got = learningRate(c.spec, step, { stepsPerEpoch: c.stepsPerEpoch, totalSteps: c.totalSteps });
      assert.ok(Math.abs(got - want) <= 1e-12 * want, `${name} step ${step}: ${got} vs torch ${want}`);
    });
  }
});

test('closed forms: constant, step decay at epoch boundaries, cosine end points, warm-up', () => {
  const ctx = { stepsPerEpoch: 10, totalSteps: 100 };
  assert.equal(learningRate({ kind: 'constant', lr: 0.01 }, 57, ctx), 0.01);
  assert.equal(learningRate({ kind: 'step', lr: 0.1, stepEpochs: 3 }, 29, ctx), 0.1);
  assert.ok(Math.abs(learningRate({ kind: 'step', lr: 0.1, stepEpochs: 3 }, 30, ctx) - 0.01) < 1e-15);
  assert.equal(learningRate({ kind: 'cosine', lr: 0.1 }, 0, ctx), 0.1);
  assert.ok(Math.abs(learningRate({ kind: 'cosine', lr: 0.1 }, 50, ctx) - 0.05) < 1e-15);
  assert.ok(learningRate({ kind: 'cosine', lr: 0.1 }, 100, ctx) < 1e-15);
  assert.equal(learningRate({ kind: 'constant', lr: 0.1, warmupSteps: 4 }, 0, ctx), 0.025);
  assert.equal(learningRate({ kind: 'constant', lr: 0.1, warmupSteps: 4 }, 4, ctx), 0.1);
});

test('bad settings are refused with the value', () => {
  assert.throws(() => checkSchedule({ kind: 'constant', lr: 0 }), /lr \(0\) must be a positive number/);
  assert.throws(() => checkSchedule({ kind: 'poly' as 'step', lr: 1 }), /kind \("poly"\) must be constant, step, cosine/);
  assert.throws(() => checkSchedule({ kind: 'step', lr: 1, gamma: 2 }), /gamma \(2\) must be in \(0, 1\]/);
  assert.throws(() => checkSchedule({ kind: 'cosine', lr: 0.1, minLr: 0.2 }), /minLr \(0.2\) must be in \[0, lr 0.1\]/);
});
