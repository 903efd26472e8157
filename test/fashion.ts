// Debian's dataset-fashion-mnist, which the training tests read. Like the PyTorch oracles,
// it is skipped locally when missing and a failure under CI=true (.ci/run installs it).
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';

export const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

export function fashionMnist(t: TestContext): string | null {
  if (existsSync(`${FASHION_DIR}/train-images-idx3-ubyte.gz`)) return FASHION_DIR;
  if (process.env['CI']) throw new Error(`missing ${FASHION_DIR}: apt-get install dataset-fashion-mnist`);
  t.skip(`no ${FASHION_DIR}: apt-get install dataset-fashion-mnist`);
  return null;
}
