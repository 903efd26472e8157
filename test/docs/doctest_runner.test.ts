// The doc-test runner itself (tools/doctest): the parser, the output comparison, and a run
// of the markdown files in test/fixtures/doctest (blocks that pass, blocks that must fail).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { emptyTally, matchOutput, summary } from '../../tools/doctest/output.js';
import { parseMarkdown, parseMarker, tokenize } from '../../tools/doctest/parse.js';
import { DocRunner, type BlockResult } from '../../tools/doctest/run.js';
import { createWorkspace, type Workspace } from '../../tools/doctest/workspace.js';
import { FIXTURES } from '../helpers.js';

const DIR = join(FIXTURES, 'doctest');
const parse = (name: string) => parseMarkdown(readFileSync(join(DIR, name), 'utf8'), name);

test('tokenize: quoted strings with escapes, bare words', () => {
  assert.deepEqual(tokenize(' sub "a \\"b\\" \\\\c" "" x=y/z '), ['sub', 'a "b" \\c', '', 'x=y/z']);
  assert.throws(() => tokenize('skip "why'), /unterminated string in "skip \\"why"/);
});

test('parseMarker: each kind, and what it refuses', () => {
  assert.deepEqual(parseMarker(' skip "needs a GPU" '), { kind: 'skip', reason: 'needs a GPU' });
  assert.deepEqual(parseMarker('sub "--epochs 10" "--epochs 1"'), { kind: 'sub', from: '--epochs 10', to: '--epochs 1' });
  assert.deepEqual(parseMarker('fixture photos/cat.jpg=test/fixtures/images/chelsea.png'), { kind: 'fixture', name: 'photos/cat.jpg', path: 'test/fixtures/images/chelsea.png' });
  assert.deepEqual(parseMarker('server w=test/.generated/alexnet_seeded.pth'), { kind: 'server', name: 'w', path: 'test/.generated/alexnet_seeded.pth' });
  assert.deepEqual(parseMarker('output'), { kind: 'output' });
  assert.throws(() => parseMarker('skip ""'), /skip needs one quoted reason/);
  assert.throws(() => parseMarker('sub "" "x"'), /sub takes two quoted strings/);
  assert.throws(() => parseMarker('fixture a b'), /fixture takes one NAME=repo\/relative\/path, got "a b"/);
  assert.throws(() => parseMarker('retry 3'), /unknown marker "retry"; valid: skip, sub, fixture, server, output/);
});

test('parseMarkdown: kinds, lines, markers, output blocks, nested and indented fences, deep in a list too', () => {
  const md = [
    '# t', // 1
    '<!-- doctest: sub "a" "b" -->', // 2
    '```sh', // 3
    'echo a', // 4
    '```', // 5
    '<!-- doctest: output -->', // 6
    '```text', // 7
    'b', // 8
    '```', // 9
    '````markdown', // 10
    '```sh', // 11
    '<!-- doctest: skip "inside a fence: text" -->', // 12
    '```', // 13
    '````', // 14
    '- a list item:', // 15
    '  ```ts', // 16
    '  const x: number = 1;', // 17
    '    console.log(x);', // 18
    '  ```', // 19
    '~~~json', // 20
    '{}', // 21
    '~~~', // 22
    '  - nested:', // 23
    '      ```sh', // 24
    '      echo deep', // 25
    '      ```', // 26
  ].join('\n');
  const { blocks, errors } = parseMarkdown(md, 'x.md');
  assert.deepEqual(errors, []);
  assert.equal(blocks.length, 3);
  assert.deepEqual(blocks[0], {
    file: 'x.md', line: 3, lang: 'sh', kind: 'sh', code: 'echo a\n',
    markers: [{ kind: 'sub', from: 'a', to: 'b' }], expect: { line: 7, text: 'b\n' },
  });
  assert.deepEqual(blocks[1], { file: 'x.md', line: 16, lang: 'ts', kind: 'ts', code: 'const x: number = 1;\n  console.log(x);\n', markers: [] });
  assert.deepEqual(blocks[2], { file: 'x.md', line: 24, lang: 'sh', kind: 'sh', code: 'echo deep\n', markers: [] });
});

test('parseMarkdown: misplaced and malformed markers are errors with their lines', () => {
  const { blocks, errors } = parse('markers.md');
  assert.deepEqual(errors.map((e) => [e.line, e.message]), [
    [3, 'skip needs one quoted reason: <!-- doctest: skip "why" -->'],
    [8, 'unknown marker "retry"; valid: skip, sub, fixture, server, output'],
    [13, 'a doctest marker must be on the lines right before a fenced block'],
    [20, 'markers on a text block, which never runs'],
    [25, 'an output block does not run (text, a plain fence); this one is sh'],
  ]);
  // the blocks still parse; the broken markers are dropped
  assert.deepEqual(blocks.map((b) => [b.line, b.markers.length]), [[4, 0], [9, 0], [15, 0]]);
});

test('matchOutput: exact lines, trailing whitespace ignored, ... for any lines', () => {
  assert.equal(matchOutput('a\nb  \n\n', 'a\nb\n'), null);
  assert.equal(matchOutput('a\nx\ny\nb\n', 'a\n...\nb\n'), null);
  assert.equal(matchOutput('a\nb\n', 'a\n...\nb\n'), null);
  assert.equal(matchOutput('a\nb\nc\n', '...\nc\n'), null);
  assert.equal(matchOutput('a\nb\n', 'a\n'), 'expected:\n  | a\ngot:\n  | a\n  | b');
  assert.equal(matchOutput('', 'a\n'), 'expected:\n  | a\ngot:\n  (nothing)');
  assert.equal(matchOutput('a\nb\n', 'a\n...\nc\n'), 'expected:\n  | a\n  | ...\n  | c\ngot:\n  | a\n  | b');
});

test('summary: counts, failures and skip reasons', () => {
  const t = emptyTally();
  assert.equal(summary(t), 'doctest: 0 blocks run, 0 substituted, 0 skipped');
  Object.assign(t, { run: 9, failed: 1, substituted: 3, skipped: ['README.md:37 runs the tests', 'a.md:2 needs a GPU'] });
  assert.equal(summary(t), 'doctest: 9 blocks run (1 failed), 3 substituted, 2 skipped (README.md:37 runs the tests; a.md:2 needs a GPU)');
});

describe('running the fixture markdown', () => {
  let ws: Workspace;
  before(() => {
    ws = createWorkspace();
  });
  after(() => ws?.dispose());

  const runAll = async (name: string): Promise<[number, BlockResult][]> => {
    const { blocks, errors } = parse(name);
    assert.deepEqual(errors, []);
    const runner = new DocRunner(ws, join(DIR, name));
    const out: [number, BlockResult][] = [];
    for (const b of blocks) out.push([b.line, await runner.run(b)]);
    return out;
  };

  test('pass.md: every block passes; sub, fixture and server markers apply; the skip is reported', async () => {
    const results = await runAll('pass.md');
    const failed = results.filter(([, r]) => r.status === 'failed').map(([line, r]) => `${line}: ${r.message}\n${r.stderr}`);
    assert.deepEqual(failed, []);
    const byLine = new Map(results);
    assert.equal(byLine.get(8)!.stdout, 'one\n1\n2\n3\n4\n5\n');
    assert.equal(byLine.get(24)!.stdout, 'two\n'); // the file the block before wrote
    const sub = byLine.get(30)!;
    assert.equal(sub.substituted, true);
    assert.match(sub.stdout, /^hello\nfixture copied\nhome \/.*\/home\/\.cache\/alexnet-ts\n$/);
    assert.equal(byLine.get(39)!.stdout, '200 true\n');
    assert.deepEqual(results.map(([, r]) => r.status), ['passed', 'passed', 'passed', 'passed', 'passed', 'passed', 'skipped']);
    assert.deepEqual(results.map(([, r]) => r.substituted), [false, false, true, true, false, false, false]);
    assert.equal(results.at(-1)![1].message, 'shows a skipped block');
  });

  test('fail.md: a failing command, an output mismatch, a type error, the network, a stale sub, a missing fixture', async () => {
    const results = await runAll('fail.md');
    assert.ok(results.every(([, r]) => r.status === 'failed'), results.map(([l, r]) => `${l} ${r.status}`).join(', '));
    const msg = results.map(([, r]) => r.message);
    assert.match(msg[0]!, /^sh exited with status 1\n/);
    assert.equal(results[0]![1].stdout, 'before\n');
    assert.equal(msg[1], 'stdout differs from the output block at line 16:\nexpected:\n  | expected\ngot:\n  | actual');
    assert.match(msg[2]!, /^tsc exited with status 1\n.*L20\.ts\(3,7\): error TS2322: Type 'string\[\]' is not assignable to type 'number'\./);
    assert.match(msg[3]!, /^js exited with status 1\n[^]*doctest: connection to example\.com:443 refused; blocks reach only 127\.0\.0\.1 \(use a server marker\)/);
    assert.equal(msg[4], 'sub: "ABSENT" is not in the block');
    assert.equal(msg[5], 'test/fixtures/no-such-file does not exist in ' + ws.root);
  });
});
