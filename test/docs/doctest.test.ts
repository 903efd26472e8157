// Every fenced sh, ts and js block of README.md and docs/**/*.md runs, as docs/doctest.md
// describes: one subtest per block, named file:line, and the counts at the end.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { after, before, test } from 'node:test';
import { emptyTally, summary } from '../../tools/doctest/output.js';
import { parseMarkdown } from '../../tools/doctest/parse.js';
import { DocRunner } from '../../tools/doctest/run.js';
import { createWorkspace, docFiles, ROOT, type Workspace } from '../../tools/doctest/workspace.js';

let ws: Workspace;
const tally = emptyTally();
before(() => {
  ws = createWorkspace();
});
after(() => {
  console.log(summary(tally));
  ws?.dispose();
});

for (const file of docFiles()) {
  const name = relative(ROOT, file);
  const { blocks, errors } = parseMarkdown(readFileSync(file, 'utf8'), name);
  test(name, async (t) => {
    for (const e of errors) {
      await t.test(`${e.file}:${e.line} marker`, () => assert.fail(e.message));
    }
    const runner = new DocRunner(ws, file);
    for (const b of blocks) {
      await t.test(`${b.file}:${b.line} ${b.kind}`, async (st) => {
        const r = await runner.run(b);
        if (r.status === 'skipped') {
          tally.skipped.push(`${b.file}:${b.line} ${r.message}`);
          st.skip(r.message);
          return;
        }
        tally.run++;
        if (r.substituted) tally.substituted++;
        if (r.status === 'failed') {
          tally.failed++;
          assert.fail(r.message);
        }
      });
    }
  });
}
