// The small cuts of the command line: --version, the same default model everywhere, the
// model's layout in summary's heading, messages that say what is wrong, usage errors
// (exit 2) for input sizes and numbers out of range.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ROOT } from '../helpers.js';
import { alexnet, alexnetBin } from './cli_helpers.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

describe('alexnet --version', () => {
  test('--version and -V print the version in package.json', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await alexnet([flag]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `${pkg.version}\n`);
      assert.equal(r.stderr, '');
    }
    const bin = await alexnetBin(['--version']);
    assert.equal(bin.stdout, `${pkg.version}\n`);
  });

  test('--help lists it', async () => {
    const r = await alexnet(['--help']);
    assert.match(r.stdout, /-V, --version/);
  });
});
