// Datasets: ImageFolder as torchvision indexes it, kratzert's list files, IDX (Debian's
// Fashion-MNIST), validation splits, and the errors that name what is wrong.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { checkLabels, checkTrainingClasses, FASHION_MNIST_CLASSES, imageFolder, listFile, openDataset, splitValidation, subset } from '../../src/data/datasets.js';
import type { RgbImage } from '../../src/data/image.js';
import { FASHION_DIR, fashionMnist } from '../fashion.js';
import { makeImageFolder } from '../image_folder.js';

const tmp = mkdtempSync(join(tmpdir(), 'datasets-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('ImageFolder: sorted classes, recursive sorted files, hidden and non-image entries skipped', async () => {
  const root = join(tmp, 'folder');
  await makeImageFolder(root, 2, 32, ['cat', 'rocket', 'astronaut']);
  mkdirSync(join(root, 'cat', 'more'));
  await makeImageFolder(join(tmp, 'extra'), 1, 32, ['cat']);
  writeFileSync(join(root, 'cat', 'more', 'z.jpg'), Buffer.alloc(0)); // listed; the decoder judges it
  writeFileSync(join(root, 'cat', 'notes.txt'), 'x');
  writeFileSync(join(root, 'cat', '.hidden.jpg'), 'x');
  mkdirSync(join(root, '.cache'));
  const ds = await imageFolder(root);
  assert.equal(ds.kind, 'folder');
  assert.deepEqual(ds.classes, ['astronaut', 'cat', 'rocket']);
  assert.equal(ds.size, 7);
  const rel = Array.from({ length: ds.size }, (_, i) => [ds.name(i).slice(root.length + 1), ds.label(i)]);
  assert.deepEqual(rel, [
    ['astronaut/000.jpg', 0], ['astronaut/001.jpg', 0],
    ['cat/000.jpg', 1], ['cat/001.jpg', 1], ['cat/more/z.jpg', 1],
    ['rocket/000.jpg', 2], ['rocket/001.jpg', 2],
  ]);
  assert.equal(ds.fit, 'preset');
  assert.deepEqual(ds.warnings, ['skipped 1 file: cat/notes.txt (not an image format sharp decodes here (.txt))']);
});

test('ImageFolder made with ln -s: symlinked class directories and image files are followed, loops skipped', async () => {
  const store = join(tmp, 'store');
  await makeImageFolder(store, 2, 32, ['cat', 'rocket']);
  const root = join(tmp, 'linked');
  mkdirSync(join(root, 'rocket'), { recursive: true });
  symlinkSync(join(store, 'cat'), join(root, 'cat')); // a symlinked class directory
  symlinkSync(join(store, 'rocket', '001.jpg'), join(root, 'rocket', 'r1.jpg')); // symlinked files
  symlinkSync(join(store, 'rocket', '000.jpg'), join(root, 'rocket', 'r0.jpg'));
  symlinkSync(join(root, 'rocket'), join(root, 'rocket', 'self')); // a cycle must not hang
  writeFileSync(join(root, 'README.txt'), 'x');
  const ds = await imageFolder(root);
  assert.deepEqual(ds.classes, ['cat', 'rocket']);
  const rel = Array.from({ length: ds.size }, (_, i) => [ds.name(i).slice(root.length + 1), ds.label(i)]);
  assert.deepEqual(rel, [['cat/000.jpg', 0], ['cat/001.jpg', 0], ['rocket/r0.jpg', 1], ['rocket/r1.jpg', 1]]);
  assert.deepEqual(ds.warnings, [
    `skipped 2 files: README.txt (not in a class directory), rocket/self (symlink to a directory already walked (${realpathSync(join(root, 'rocket'))}))`,
  ]);
});

test('a validation folder follows the training classes; an unknown class is an error', async () => {
  const root = join(tmp, 'val');
  await makeImageFolder(root, 1, 32, ['rocket']);
  const ds = await imageFolder(root, ['astronaut', 'cat', 'rocket']);
  assert.deepEqual([ds.label(0)], [2]);
  assert.equal(ds.classes.length, 3);
  await assert.rejects(imageFolder(root, ['astronaut', 'cat']), /val: class rocket is not among the training classes \(astronaut, cat\)/);
  await assert.rejects(openDataset(join(tmp, 'folder'), { split: 't10k', numClasses: 2 }), /folder: 3 class directories for a model of 2 classes/);
  const empty = join(tmp, 'empty');
  mkdirSync(join(empty, 'a'), { recursive: true });
  await assert.rejects(imageFolder(empty), /empty: no image files in 1 class directories/);
  await assert.rejects(imageFolder(join(tmp, 'empty', 'a')), /a: no class directories/);
});

test("kratzert's list file: path label per line, spaces in paths, relative to the list", async () => {
  const dir = join(tmp, 'list');
  mkdirSync(join(dir, 'images'), { recursive: true });
  const abs = join(tmp, 'abs-dog.jpg');
  for (const f of [join(dir, 'images', 'my cat.jpg'), abs, join(dir, 'x.png'), join(dir, 'a.jpg')]) writeFileSync(f, 'x');
  const list = join(dir, 'train.txt');
  writeFileSync(list, `images/my cat.jpg 3\n\n${abs}\t1\r\nx.png  0  \na.jpg 2\n`);
  const ds = await listFile(list);
  assert.equal(ds.kind, 'list');
  assert.equal(ds.size, 4);
  assert.deepEqual([ds.name(0), ds.name(1), ds.name(2)], [join(dir, 'images', 'my cat.jpg'), abs, join(dir, 'x.png')]);
  assert.deepEqual([ds.label(0), ds.label(1), ds.label(2), ds.label(3)], [3, 1, 0, 2]);
  assert.deepEqual(ds.classes, ['class_0', 'class_1', 'class_2', 'class_3']);
  assert.deepEqual(ds.warnings, []);
  writeFileSync(list, 'a.jpg 1\nb.jpg cat\n');
  await assert.rejects(listFile(list), /train\.txt:2: label must be a non-negative integer, got "cat"/);
  writeFileSync(list, 'a.jpg 1\nnolabel\n');
  await assert.rejects(listFile(list), /train\.txt:2: expected "path label", got "nolabel"/);
});

test('list file labels: checked against a known class count, else max + 1 with gaps reported', async () => {
  const dir = join(tmp, 'labels');
  mkdirSync(dir);
  for (const f of ['a.jpg', 'b.jpg', 'c.jpg']) writeFileSync(join(dir, f), 'x');
  const list = join(dir, 'train.txt');
  writeFileSync(list, 'a.jpg 0\nb.jpg 1\nc.jpg 7\n');
  // known count (--classes, the weights' config or labels): out of range is an error
  await assert.rejects(listFile(list, 3), /train\.txt:3: label 7 is out of range 0\.\.2 \(3 classes\)/);
  await assert.rejects(openDataset(list, { split: 't10k', numClasses: 3 }), /train\.txt:3: label 7 is out of range 0\.\.2 \(3 classes\)/);
  // class names given: their number is the class count, and they name the classes
  await assert.rejects(listFile(list, undefined, ['cat', 'dog']), /train\.txt:3: label 7 is out of range 0\.\.1 \(2 classes\)/);
  writeFileSync(list, 'a.jpg 0\nb.jpg 1\n');
  assert.deepEqual((await listFile(list, undefined, ['cat', 'dog', 'fox'])).classes, ['cat', 'dog', 'fox']);
  // unknown count: the largest label + 1, and the classes without a line are reported
  writeFileSync(list, 'a.jpg 0\nb.jpg 1\nc.jpg 7\n');
  const ds = await listFile(list);
  assert.equal(ds.classes.length, 8);
  assert.deepEqual(ds.warnings, [`${list}: no line has label 2, 3, 4, 5, 6 of the 8 classes taken from the largest label (7); give the number of classes to check the labels against it`]);
});

test('list file: missing images are an error naming the lines, before any decoding', async () => {
  const dir = join(tmp, 'missing');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'a.jpg'), 'x');
  const list = join(dir, 'val.txt');
  writeFileSync(list, 'a.jpg 0\nb.jpg 1\na.jpg 1\nsub 0\nc.jpg 0\n');
  await assert.rejects(listFile(list), new RegExp(`val\\.txt:2: no such image ${join(dir, 'b.jpg')} \\(and 2 more: lines 4 \\(not a file\\), 5\\)`));
});

test('a training set needs images of at least 2 classes', async () => {
  const root = join(tmp, 'one');
  await makeImageFolder(root, 2, 32, ['cat']);
  const ds = await imageFolder(root);
  assert.throws(() => checkTrainingClasses(ds), new RegExp(`${root}: 1 class \\(cat\\); training needs at least 2 classes`));
  const val = await imageFolder(root, ['astronaut', 'cat']); // evaluating one class is fine
  assert.throws(() => checkTrainingClasses(val), new RegExp(`${root}: images of 1 of 2 classes \\(cat\\); training needs at least 2 classes`));
  checkTrainingClasses(await imageFolder(join(tmp, 'folder')));
});

test('subsets, seeded validation splits and label checks', async () => {
  const root = join(tmp, 'split');
  await makeImageFolder(root, 5, 32, ['cat', 'coffee']);
  const ds = await imageFolder(root);
  const a = splitValidation(ds, 0.3, 7);
  const b = splitValidation(ds, 0.3, 7);
  const names = (d: typeof ds) => Array.from({ length: d.size }, (_, i) => d.name(i));
  assert.equal(a.val.size, 3);
  assert.equal(a.train.size, 7);
  assert.deepEqual(names(a.val), names(b.val));
  assert.deepEqual([...names(a.train), ...names(a.val)].sort(), names(ds).sort());
  assert.notDeepEqual(names(splitValidation(ds, 0.3, 8).val), names(a.val));
  const s = subset(ds, [9, 0]);
  assert.deepEqual([s.label(0), s.label(1), s.name(1)], [1, 0, ds.name(0)]);
  assert.throws(() => subset(ds, [10]), /subset: index 10 out of range for 10 samples/);
  assert.throws(() => splitValidation(ds, 0.01, 0), /validation fraction 0.01 of 10 samples leaves 0 for validation/);
  assert.throws(() => checkLabels(ds, 1), /coffee\/000\.jpg: label 1 \(coffee\) is out of range for --classes 1/);
});

test('IDX: the train and t10k splits of Fashion-MNIST, grey to RGB, by directory or by file', async (t) => {
  if (!fashionMnist(t)) return;
  const train = await openDataset(FASHION_DIR, { split: 'train' });
  const test10k = await openDataset(FASHION_DIR, { split: 't10k' });
  assert.equal(train.kind, 'idx');
  assert.equal(train.fit, 'stretch');
  assert.equal(train.size, 60000);
  assert.equal(test10k.size, 10000);
  assert.deepEqual(train.classes, FASHION_MNIST_CLASSES);
  assert.deepEqual([0, 1, 2, 3, 4].map((i) => train.label(i)), [9, 0, 0, 3, 0]);
  const img = test10k.source(0) as RgbImage;
  assert.deepEqual([img.width, img.height, img.data.length], [28, 28, 28 * 28 * 3]);
  // row 14 as numpy reads it, each grey value in R, G and B
  const row = Array.from({ length: 28 }, (_, x) => img.data[(14 * 28 + x) * 3]!);
  assert.deepEqual(row.slice(12, 16), [98, 136, 110, 109]);
  assert.deepEqual([img.data[(14 * 28 + 13) * 3 + 1], img.data[(14 * 28 + 13) * 3 + 2]], [136, 136]);
  assert.equal(test10k.name(5), `${FASHION_DIR}/t10k-images-idx3-ubyte.gz#5`);
  const byFile = await openDataset(`${FASHION_DIR}/t10k-images-idx3-ubyte.gz`, { split: 'train' });
  assert.equal(byFile.size, 10000);
  assert.equal(byFile.label(4), 6);
});

test('openDataset: missing paths and IDX directories without the split', async () => {
  await assert.rejects(openDataset(join(tmp, 'nope'), { split: 'train' }), /nope: no such file or directory/);
  const dir = join(tmp, 'idxonly');
  mkdirSync(dir);
  const { encodeIdx } = await import('../../src/data/idx.js');
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), encodeIdx([1, 2, 2], new Uint8Array(4)));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), encodeIdx([1], new Uint8Array(1)));
  await assert.rejects(openDataset(dir, { split: 't10k' }), /idxonly: an IDX directory without the t10k split/);
  assert.equal((await openDataset(dir, { split: 'train' })).size, 1);
});
