// Expected tensor contents written by tools/make_weight_fixtures.py, and the comparison
// the weight tests use: exact values (float16 as raw bits, int64 as decimal strings).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor } from '../../src/tensor.js';
import { FIXTURES } from '../helpers.js';

export const WEIGHTS = join(FIXTURES, 'weights');

export interface ExpectedTensor {
  dtype: string;
  shape: number[];
  data: (number | string)[];
}
export interface ExpectedFile {
  tensors: Record<string, ExpectedTensor>;
  metadata?: Record<string, string>;
}

export const EXPECTED = JSON.parse(readFileSync(join(WEIGHTS, 'expected.json'), 'utf8')) as Record<string, unknown>;

export function expectedFile(name: string): ExpectedFile {
  const e = EXPECTED[name] as ExpectedFile | undefined;
  if (!e) throw new Error(`expected.json has no entry ${name}`);
  return e;
}

export function fixture(name: string): Buffer {
  return readFileSync(join(WEIGHTS, name));
}

export function encodeTensor(t: Tensor): ExpectedTensor {
  const data =
    t.dtype === 'int64' ? [...(t.data as BigInt64Array)].map(String) : [...(t.data as ArrayLike<number> & Iterable<number>)];
  return { dtype: t.dtype, shape: [...t.shape], data };
}

/** Every tensor equal to what Python wrote, and no extra names. */
export function assertTensors(actual: ReadonlyMap<string, Tensor>, expected: ExpectedFile, label: string): void {
  assert.deepEqual([...actual.keys()].sort(), Object.keys(expected.tensors).sort(), `${label}: tensor names`);
  for (const [name, e] of Object.entries(expected.tensors)) {
    assert.deepEqual(encodeTensor(actual.get(name)!), e, `${label}: ${name}`);
  }
}
