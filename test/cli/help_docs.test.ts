// The option tables (src/cli/specs/) against what is derived from them: --help, docs/cli.md,
// the parser, the library's lists and defaults; and help that loads no heavy module.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { AUGMENT_MODES } from '../../src/data/augment.js';
import { INIT_SCHEMES } from '../../src/models/params.js';
import { getModel, listModels } from '../../src/models/registry.js';
import { parse } from '../../src/cli/args.js';
import { trainField } from '../../src/cli/commands/train.js';
import { commandHelp } from '../../src/cli/help.js';
import { GLOBAL_OPTIONS, type CommandSpec, parseConfig } from '../../src/cli/spec.js';
import { SPECS } from '../../src/cli/specs/index.js';
import { MODEL_NAMES } from '../../src/cli/specs/shared.js';
import { TRAIN_CHOICES, trainSpec } from '../../src/cli/specs/train.js';
import { RESUMABLE_OVERRIDES, resolveConfig } from '../../src/train/config.js';
import { NAN_POLICIES } from '../../src/train/guard.js';
import { SCHEDULE_KINDS } from '../../src/optim/schedule.js';
import { OPTIMIZERS } from '../../src/optim/optimizers.js';
import { CLI_DOCS, renderCliDocs } from '../../tools/gen-cli-docs.js';
import { alexnet } from './cli_helpers.js';

/** Every command and subcommand with its path ("weights import"). */
const all: [string, CommandSpec][] = SPECS.flatMap((s) => [[s.name, s] as [string, CommandSpec], ...(s.subcommands ?? []).map((c): [string, CommandSpec] => [`${s.name} ${c.name}`, c])]);

describe('docs/cli.md', () => {
  test('is what tools/gen-cli-docs.ts writes from the tables', () => {
    const onDisk = readFileSync(CLI_DOCS, 'utf8');
    assert.ok(onDisk === renderCliDocs(), 'docs/cli.md differs from the option tables: run npm run docs:cli');
  });

  test('names every command, subcommand and option', () => {
    const docs = readFileSync(CLI_DOCS, 'utf8');
    for (const [path, spec] of all) {
      assert.ok(docs.includes(`alexnet ${path}`), path);
      for (const o of [...spec.options, ...GLOBAL_OPTIONS]) assert.ok(docs.includes(`\`--${o.name}`), `${path} --${o.name}`);
    }
  });

  test('runnable examples (sh blocks) need no weights or data', () => {
    const docs = readFileSync(CLI_DOCS, 'utf8');
    const sh = [...docs.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
    assert.ok(sh.length >= 5);
    for (const block of sh) assert.doesNotMatch(block, /^alexnet (classify|train|eval|weights download|weights import)\b(?!.* --help)/m, block);
  });
});

describe('--help', () => {
  test("every option of a command's table is in its help, with its default and range", () => {
    for (const [path, spec] of all) {
      const [cmd, sub] = path.split(' ');
      const help = commandHelp(SPECS.find((s) => s.name === cmd)!, sub);
      assert.ok(help.startsWith(`usage: alexnet ${path}`), path);
      for (const o of spec.options) {
        assert.match(help, new RegExp(`--${o.name}\\b`), `${path} --${o.name}`);
        const text = help.replace(/\s+/g, ' ');
        assert.ok(text.includes(`${o.help.replace(/\s+/g, ' ')}`), `${path} --${o.name} help`);
        if (o.default !== undefined) assert.ok(text.includes(`${o.help} (default ${o.default}`), `${path} --${o.name} default`);
      }
    }
  });

  test('classify --help describes --threads and its range', async () => {
    const r = await alexnet(['classify', '--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^ {6}--threads N +ONNX Runtime intra-op threads \(default one per core; 1 to 4 per core\)$/m);
    assert.match(r.stdout, /^ {6}--batch N +images per inference batch \(default 16; 1 to 4096\)$/m);
  });

  test('weights download --help is the help of the subcommand', async () => {
    const r = await alexnet(['weights', 'download', '--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^usage: alexnet weights download \[options\] NAME\n/);
    assert.match(r.stdout, /--sha256 PREFIX/);
    assert.doesNotMatch(r.stdout, /--labels/);
  });

  test('help loads the tables only: no onnxruntime, sharp or protobufjs', async () => {
    for (const argv of [['--help'], ['classify', '--help'], ['train', '--help'], ['weights', 'import', '--help'], ['--version']]) {
      const r = await alexnet(argv, { NODE_DEBUG: 'module' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /node_modules/, 'NODE_DEBUG=module logs module loads');
      assert.doesNotMatch(r.stderr, /node_modules\/(onnxruntime-node|onnxruntime-common|sharp|protobufjs)\//, argv.join(' '));
    }
  });
});

describe('the tables and the code they describe', () => {
  test('the parseArgs config has every option, with its alias and type', () => {
    for (const [path, spec] of all) {
      const cfg = parseConfig(spec.options);
      for (const o of spec.options) assert.deepEqual(cfg[o.name], { type: o.type === 'boolean' ? 'boolean' : 'string', ...(o.short ? { short: o.short } : {}) }, `${path} --${o.name}`);
      assert.deepEqual(Object.keys(cfg).sort(), [...new Set([...GLOBAL_OPTIONS, ...spec.options].map((o) => o.name))].sort(), path);
    }
  });

  test('aliases are unique within a command', () => {
    for (const [path, spec] of all) {
      const shorts = [...GLOBAL_OPTIONS, ...spec.options].flatMap((o) => (o.short ? [o.short] : []));
      assert.equal(new Set(shorts).size, shorts.length, path);
    }
  });

  test('values are read by the table: types, defaults, aliases', () => {
    const a = parse('train', ['-m', 'alexnet_v2', '--lr', '1e-3', '--input', '256', '--train-layers', 'fc8, fc7', '--flip'], trainSpec);
    assert.equal(a.str('model'), 'alexnet_v2');
    assert.equal(a.num('lr'), 0.001);
    assert.deepEqual(a.size('input'), [256, 256]);
    assert.deepEqual(a.list('train-layers'), ['fc8', 'fc7']);
    assert.equal(a.flag('flip'), true);
    assert.equal(a.int('epochs'), 10, 'the default');
    assert.equal(a.given('epochs'), undefined, 'not given');
  });

  test('model names are the registry', () => {
    assert.deepEqual([...MODEL_NAMES].sort(), listModels().sort());
  });

  test("train's choices are the library's lists", () => {
    assert.deepEqual(TRAIN_CHOICES.optimizer, OPTIMIZERS);
    assert.deepEqual(TRAIN_CHOICES.schedule, SCHEDULE_KINDS);
    assert.deepEqual(TRAIN_CHOICES.init, INIT_SCHEMES);
    assert.deepEqual(TRAIN_CHOICES.augment, AUGMENT_MODES);
    assert.deepEqual(TRAIN_CHOICES['nan-policy'], NAN_POLICIES);
  });

  test("train's options are training options, and their defaults are src/train/config.ts's", () => {
    const dflt = (n: string) => trainSpec.options.find((o) => o.name === n)!.default as number;
    const cfg = resolveConfig({ model: 'alexnet', data: 'd', out: 'o', epochs: dflt('epochs'), batch: dflt('batch'), lr: dflt('lr') }, getModel('alexnet'), ['a', 'b'], 1e-4) as unknown as Record<string, unknown>;
    const fields = new Set<string>([...Object.keys(cfg), ...RESUMABLE_OVERRIDES]);
    for (const o of trainSpec.options) {
      const field = trainField(o.name);
      if (field === null) continue;
      assert.ok(fields.has(field), `--${o.name} sets ${field}, which train() does not take`);
      if (o.default === undefined) continue;
      const actual = cfg[field];
      assert.equal(Array.isArray(actual) ? actual.join(',') : actual, o.default, `--${o.name}`);
    }
  });
});
