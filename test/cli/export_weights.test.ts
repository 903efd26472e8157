// alexnet export --weights: the ONNX file holds the given weights and computes the same
// logits as the library's model with them; the class count comes from the weights.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadWeights } from '../../src/hub/load.js';
import { compileModel } from '../../src/runtime/compile.js';
import { Session } from '../../src/runtime/session.js';
import { getModel } from '../../src/models/registry.js';
import { generated } from '../helpers.js';
import { alexnet } from './cli_helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'alexnet-export-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('export --weights: the file computes the weights\' logits; --classes must agree with them', async (t) => {
  const npy = generated(t, 'bvlc_alexnet_seeded.npy');
  if (!npy) return;
  const out = join(tmp, 'bvlc.onnx');
  const r = await alexnet(['export', '--model', 'bvlc_alexnet', '--weights', npy, '--out', out, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { input: { shape: (string | number)[] }; output: { name: string; shape: (string | number)[] } };
  assert.deepEqual(j.input.shape, ['N', 3, 227, 227]);
  assert.deepEqual([j.output.name, j.output.shape], ['logits', ['N', 1000]]);

  const x = { dtype: 'float32' as const, shape: [2, 3, 227, 227], data: Float32Array.from({ length: 2 * 3 * 227 * 227 }, (_, i) => Math.sin(i * 0.001) * 50) };
  const exported = await Session.create(out, { threads: 2 });
  const got = (await exported.run({ input: x }))['logits']!.data as Float32Array;
  await exported.dispose();
  const { weights } = await loadWeights('bvlc_alexnet', npy);
  const ref = await compileModel(getModel('bvlc_alexnet').build(), weights, { threads: 2 });
  const want = (await ref.run({ input: x }))['logits']!.data as Float32Array;
  await ref.dispose();
  assert.equal(got.length, 2000);
  const scale = Math.max(...want.map(Math.abs));
  const diff = Math.max(...got.map((v, i) => Math.abs(v - want[i]!)));
  assert.ok(diff <= 1e-5 * scale, `max |diff| ${diff} against logits up to ${scale}`);

  const wrong = await alexnet(['export', '--model', 'bvlc_alexnet', '--weights', npy, '--classes', '10', '--out', join(tmp, 'x.onnx')]);
  assert.equal(wrong.status, 2);
  assert.equal(wrong.stderr, `alexnet: export: --classes 10 differs from ${npy}, which has 1000 classes\n`);
});
