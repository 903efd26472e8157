// Reads the arrays tools/gen_preprocess_oracle.py writes into test/.generated/preprocess/
// (and tools/gen_keras_preprocess_oracle.py into keras_preprocess/, in the same layout).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { generated } from '../helpers.js';

interface Entry {
  file: string;
  dtype: 'uint8' | 'float32';
  shape: number[];
}

export interface Oracle {
  u8(key: string): { data: Uint8Array; shape: number[] };
  f32(key: string): { data: Float32Array; shape: number[] };
}

/** The preprocessing oracle in test/.generated/<folder>, or null when the test was skipped (no torch outside CI). */
export function preprocessOracle(t: TestContext, folder = 'preprocess'): Oracle | null {
  const index = generated(t, `${folder}/oracle.json`);
  if (!index) return null;
  const dir = dirname(index);
  const entries = JSON.parse(readFileSync(index, 'utf8')) as Record<string, Entry>;
  const read = (key: string, dtype: Entry['dtype']) => {
    const e = entries[key];
    if (!e || e.dtype !== dtype) throw new Error(`oracle.json has no ${dtype} entry ${key}`);
    const buf = readFileSync(join(dir, e.file));
    return { buf, shape: e.shape };
  };
  return {
    u8(key) {
      const { buf, shape } = read(key, 'uint8');
      return { data: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), shape };
    },
    f32(key) {
      const { buf, shape } = read(key, 'float32');
      const copy = new Uint8Array(buf); // own, aligned buffer
      return { data: new Float32Array(copy.buffer, 0, copy.byteLength / 4), shape };
    },
  };
}

/** Mean and max absolute difference. */
export function diffStats(a: ArrayLike<number>, b: ArrayLike<number>): { mean: number; max: number } {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    sum += d;
    if (d > max) max = d;
  }
  return { mean: sum / a.length, max };
}
