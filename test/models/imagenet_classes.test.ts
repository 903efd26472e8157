import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { imagenetClasses, parseClassesTsv } from '../../src/models/imagenet_classes.js';
import { ROOT } from '../helpers.js';

test('labels: 1000 ImageNet classes in index order with spot checks', () => {
  const classes = imagenetClasses();
  assert.equal(classes.length, 1000);
  assert.ok(classes.every((c, i) => c.index === i));
  assert.deepEqual(classes[0], { index: 0, wnid: 'n01440764', label: 'tench' });
  assert.deepEqual(classes[281], { index: 281, wnid: 'n02123045', label: 'tabby' });
  assert.equal(classes[652]!.label, 'military uniform');
  assert.deepEqual(classes[967], { index: 967, wnid: 'n07920052', label: 'espresso' });
  assert.deepEqual(classes[999], { index: 999, wnid: 'n15075141', label: 'toilet tissue' });
  // The wnids are the sorted synsets, all distinct.
  const wnids = classes.map((c) => c.wnid);
  assert.deepEqual([...wnids].sort(), wnids);
  assert.equal(new Set(wnids).size, 1000);
  assert.equal(imagenetClasses(), classes, 'cached');
  assert.ok(Object.isFrozen(classes) && Object.isFrozen(classes[0]));
});

// The project's shared data sits beside the checkout; a clone elsewhere has only the
// packaged copy, which the spot checks above cover.
const SHARED = join(ROOT, '..', 'shared', 'data', 'imagenet_classes.tsv');
test('labels: the packaged asset is the shared list', { skip: existsSync(SHARED) ? false : `${SHARED} is not here` }, () => {
  const asset = readFileSync(join(ROOT, 'assets', 'imagenet_classes.tsv'), 'utf8');
  assert.equal(asset, readFileSync(SHARED, 'utf8'));
});

test('labels: parse errors name the file and line', () => {
  assert.throws(() => parseClassesTsv('idx\twnid\tlabel\n', 'x.tsv'), /x\.tsv: expected the header "index<TAB>wnid<TAB>label", got "idx\\twnid\\tlabel"/);
  assert.throws(() => parseClassesTsv('index\twnid\tlabel\n0\tn01440764\ttench\n2\tn01443537\tgoldfish\n', 'x.tsv', 2), /x\.tsv:3: expected "1<TAB>nXXXXXXXX<TAB>label", got "2\\tn01443537\\tgoldfish"/);
  assert.throws(() => parseClassesTsv('index\twnid\tlabel\n0\tn01440764\ttench\n', 'x.tsv'), /x\.tsv: 1 classes, expected 1000/);
  assert.deepEqual(parseClassesTsv('index\twnid\tlabel\r\n0\tn01440764\ttench\r\n', 'x.tsv', 1), [{ index: 0, wnid: 'n01440764', label: 'tench' }]);
});
