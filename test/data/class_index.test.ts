// Folder names matched to a model's classes: ImageNet by WordNet id or label, other
// weights by their labels, exactly or ignoring case and '_' for ' ' when that is unambiguous.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { classIndex, imagenetClassIndex, weightsClassIndex } from '../../src/data/class_index.js';
import { type Dataset, imageFolder } from '../../src/data/datasets.js';
import { FIXTURES } from '../helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'class-index-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('ImageNet: WordNet ids and labels, in either spelling', () => {
  const inet = imagenetClassIndex();
  assert.equal(inet.names.length, 1000);
  assert.deepEqual([inet.names[1], inet.names[281]], ['goldfish', 'tabby']);
  for (const [folder, index] of [['n01443537', 1], ['n02123045', 281], ['goldfish', 1], ['great_white_shark', 2], ['Great White Shark', 2], ['crane', 517], ['crane_bird', 134]] as const) {
    assert.deepEqual(inet.lookup(folder), [index], folder);
  }
  assert.deepEqual(inet.lookup('n99999999'), []);
  assert.match(inet.describe, /^ImageNet's 1000 classes, by WordNet id \(n01440764, n01443537, n01484850, \.\.\.\) or label \(tench, goldfish, great white shark, \.\.\.\)$/);
});

test("the weights' labels: 'imagenet1k' (as imported weights store it) or a list; placeholders match by position", () => {
  assert.deepEqual(weightsClassIndex('imagenet1k', 1000)!.lookup('n02123045'), [281]);
  assert.equal(weightsClassIndex('imagenet1k', 10), null);
  assert.equal(weightsClassIndex(null, 1000), null);
  assert.equal(weightsClassIndex(['class_0', 'class_1', 'class_2'], 3), null);
  assert.equal(weightsClassIndex(['cat', 'dog'], 3), null);
  const named = weightsClassIndex(['Cat', 'cat', 'ice_cream'], 3)!;
  assert.deepEqual([named.lookup('cat'), named.lookup('CAT'), named.lookup('ice cream')], [[1], [0, 1], [2]]);
  assert.equal(named.describe, "the weights' classes (Cat, cat, ice_cream)");
  assert.equal(classIndex(['a', 'b', 'c', 'd', 'e', 'f'], 'the training classes').describe, 'the training classes (a, b, c, d, e, ...)');
});

test('an ImageFolder of WordNet ids or labels takes ImageNet indices; unknown and ambiguous folders are errors', async () => {
  const root = join(tmp, 'val');
  const put = (dir: string, ...files: string[]) => {
    mkdirSync(join(root, dir), { recursive: true });
    files.forEach((f, i) => copyFileSync(join(FIXTURES, 'images', f), join(root, dir, `${i}.png`)));
  };
  put('goldfish', 'chelsea.png', 'coffee.png');
  put('n02123045', 'chelsea.png');
  const labels = (d: Dataset) => Array.from({ length: d.size }, (_, i) => d.label(i));
  const inet = await imageFolder(root, imagenetClassIndex());
  assert.equal(inet.classes.length, 1000);
  assert.deepEqual(labels(inet), [1, 1, 281]);
  const named = classIndex(['goldfish', 'Goldfish', 'n02123045'], "the weights' classes");
  assert.deepEqual(labels(await imageFolder(root, named)), [0, 0, 2]);
  put('GOLDFISH', 'coffee.png');
  await assert.rejects(imageFolder(root, named), /val: class GOLDFISH matches several of the weights' classes \(0 goldfish, 1 Goldfish\)/);
  rmSync(join(root, 'GOLDFISH'), { recursive: true });
  put('cat', 'chelsea.png');
  put('dog', 'chelsea.png');
  await assert.rejects(
    imageFolder(root, imagenetClassIndex()),
    /val: classes cat, dog are not among ImageNet's 1000 classes, by WordNet id \(n01440764, n01443537, n01484850, \.\.\.\) or label \(tench, goldfish, great white shark, \.\.\.\)/,
  );
});
