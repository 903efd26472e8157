// Labelled image datasets for training and evaluation, from three layouts:
//
//   ImageFolder   root/<class>/**/*.jpg, as torchvision.datasets.ImageFolder reads it:
//                 class names are the sorted sub-directory names and a class's index is its
//                 position in that order; files are walked recursively in sorted order,
//                 following symlinks (./files.ts). Given the model's classes, directories
//                 are matched to them by name instead (./class_index.ts).
//   list file     kratzert's finetune.py text file: one `path label` per line (label an
//                 integer). The path is everything before the last run of whitespace, so
//                 paths may contain spaces; relative paths are relative to the list file's
//                 directory (kratzert's were relative to the working directory; resolving
//                 them beside the list keeps a dataset movable). Labels are checked against
//                 the class count when it is known; every listed image must exist.
//
// What opening a dataset skipped (files it cannot decode, broken symlinks) or found odd
// (list classes without a line) is in `warnings`, for the caller to print (docs/data.md).
//   IDX           MNIST-style files (./idx.ts): a directory holding train-* and t10k-* files
//                 (Debian's /usr/share/datasets/fashion-mnist/), or an images file whose
//                 labels file sits beside it. Grey images become 3 equal channels (Pillow's
//                 L->RGB) and are resized to the network input whole ('stretch').
//
// A dataset only lists samples; decoding and preprocessing happen in the loader.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { Rng } from '../util/rng.js';
import { classIndex, type ClassIndex } from './class_index.js';
import { listEntries, skippedSummary, walkImageFiles, type Skipped } from './files.js';
import { idxLabelsFileFor, idxSplitFiles, readIdx } from './idx.js';
import type { GreyImage, RgbImage } from './image.js';

/** How the whole image maps to the network input at evaluation time. */
export type Fit = 'preset' | 'stretch';

export interface Dataset {
  readonly kind: 'folder' | 'list' | 'idx';
  /** Where it came from: a directory, list file or IDX images file. */
  readonly root: string;
  readonly size: number;
  /** Class names by index; labels are indices into this list. */
  readonly classes: readonly string[];
  /**
   * 'preset': the model's own preprocessing (resize and centre crop); 'stretch': the whole
   * image resized to the input (small centred images such as Fashion-MNIST).
   */
  readonly fit: Fit;
  label(i: number): number;
  /** A file path, or pixels already in memory. */
  source(i: number): string | RgbImage;
  /**
   * Grey datasets in memory (IDX): sample i's one channel, without a copy. source(i) is
   * this image in RGB; the loader transforms the grey channel once instead (./grey.ts).
   */
  grey?(i: number): GreyImage;
  /** How sample i is named in warnings. */
  name(i: number): string;
  /** What opening it skipped or found odd, one line each, for the caller to print. */
  readonly warnings?: readonly string[];
}

/** The classes of Fashion-MNIST, in label order (zalandoresearch/fashion-mnist README). */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

class FileDataset implements Dataset {
  constructor(
    readonly kind: 'folder' | 'list',
    readonly root: string,
    readonly classes: readonly string[],
    private readonly files: string[],
    private readonly labels: Int32Array,
    readonly warnings: readonly string[] = [],
  ) {}
  readonly fit = 'preset' as const;
  get size(): number {
    return this.files.length;
  }
  label(i: number): number {
    return this.labels[i]!;
  }
  source(i: number): string {
    return this.files[i]!;
  }
  name(i: number): string {
    return this.files[i]!;
  }
}

/**
 * root/<class>/... . `classes` (the training set's names, or the weights' classes) fixes
 * the class indices, so a validation folder indexes classes as the model does; a class
 * directory that matches none of them, or several, is an error. Without it, the sorted
 * directory names are the classes (and must not outnumber `numClasses` when given).
 */
export async function imageFolder(root: string, classes?: readonly string[] | ClassIndex, numClasses?: number): Promise<Dataset> {
  const skipped: Skipped[] = [];
  const entries = await listEntries(root, skipped);
  for (const e of entries) if (e.kind === 'file') skipped.push({ path: e.path, reason: 'not in a class directory' });
  const dirs = entries.filter((e) => e.kind === 'dir').map((e) => e.name);
  if (dirs.length === 0) throw new Error(`${root}: no class directories (expected ${join(root, '<class>', '*.jpg')})`);
  const index = classes && 'lookup' in classes ? classes : classes ? classIndex(classes, 'the training classes') : null;
  if (!index && numClasses !== undefined && dirs.length > numClasses) {
    throw new Error(`${root}: ${dirs.length} class directories for a model of ${numClasses} classes`);
  }
  const dirIndex = index ? matchDirectories(root, dirs, index) : dirs.map((_, i) => i);
  const files: string[] = [];
  const labels: number[] = [];
  for (const [k, d] of dirs.entries()) {
    const walked = await walkImageFiles(join(root, d));
    files.push(...walked.files);
    skipped.push(...walked.skipped);
    for (let i = 0; i < walked.files.length; i++) labels.push(dirIndex[k]!);
  }
  const warnings = skipped.length ? [skippedSummary(skipped, root)] : [];
  if (files.length === 0) throw new Error(`${root}: no image files in ${dirs.length} class directories${warnings.length ? `; ${warnings[0]}` : ''}`);
  return new FileDataset('folder', root, index ? index.names : dirs, files, Int32Array.from(labels), warnings);
}

/** The class index of each directory; an error names the directories that match no class, or several. */
function matchDirectories(root: string, dirs: readonly string[], index: ClassIndex): number[] {
  const found = dirs.map((d) => index.lookup(d));
  const unknown = dirs.filter((_, k) => found[k]!.length === 0);
  if (unknown.length) {
    const list = `${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? `, ... (${unknown.length} in all)` : ''}`;
    throw new Error(`${root}: ${unknown.length === 1 ? `class ${list} is` : `classes ${list} are`} not among ${index.describe}`);
  }
  const k = found.findIndex((f) => f.length > 1);
  if (k >= 0) {
    const which = found[k]!.map((i) => `${i} ${index.names[i]}`).join(', ');
    throw new Error(`${root}: class ${dirs[k]} matches several of ${index.what} (${which}); rename the directory to one of them`);
  }
  return found.map((f) => f[0]!);
}

/**
 * kratzert's list file: `path label` per line; blank lines are skipped. The class count is
 * `numClasses`, else the number of `names`, and a label outside it is an error; when
 * neither is given it is the largest label + 1, and labels no line has are reported in
 * `warnings` (a typo such as 7 for 1 would otherwise add classes silently). Every listed
 * image must exist: a missing one is an error naming its line, before any decoding.
 */
export async function listFile(file: string, numClasses?: number, names?: readonly string[]): Promise<Dataset> {
  const text = await readFile(file, 'utf8');
  const base = dirname(resolve(file));
  const count = numClasses ?? names?.length;
  const files: string[] = [];
  const labels: number[] = [];
  const lines: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const m = /^(.*\S)\s+(\S+)\s*$/.exec(line);
    if (!m) throw new Error(`${file}:${i + 1}: expected "path label", got ${JSON.stringify(line)}`);
    const label = Number(m[2]);
    if (!/^\d+$/.test(m[2]!) || !Number.isSafeInteger(label)) throw new Error(`${file}:${i + 1}: label must be a non-negative integer, got ${JSON.stringify(m[2])}`);
    if (count !== undefined && label >= count) throw new Error(`${file}:${i + 1}: label ${label} is out of range 0..${count - 1} (${count} classes)`);
    const p = m[1]!.trim();
    files.push(isAbsolute(p) ? p : join(base, p));
    labels.push(label);
    lines.push(i + 1);
  });
  if (files.length === 0) throw new Error(`${file}: no "path label" lines`);
  await requireFiles(file, files, lines);
  const n = count ?? labels.reduce((a, b) => Math.max(a, b), 0) + 1;
  const warnings: string[] = [];
  if (count === undefined) {
    const used = new Set(labels);
    const gaps = Array.from({ length: n }, (_, c) => c).filter((c) => !used.has(c));
    const shown = gaps.length > 10 ? `${gaps.slice(0, 10).join(', ')}, ... (${gaps.length} in all)` : gaps.join(', ');
    if (gaps.length) warnings.push(`${file}: no line has label ${shown} of the ${n} classes taken from the largest label (${n - 1}); give the number of classes to check the labels against it`);
  }
  const classNames = Array.from({ length: n }, (_, i) => names?.[i] ?? `class_${i}`);
  return new FileDataset('list', file, classNames, files, Int32Array.from(labels), warnings);
}

/** Every listed image must be a file: an error naming the first missing one's line, and how many more. */
async function requireFiles(list: string, files: readonly string[], lines: readonly number[]): Promise<void> {
  const bad: { i: number; what: string }[] = [];
  const BATCH = 64; // stat calls in flight
  for (let start = 0; start < files.length; start += BATCH) {
    const kinds = await Promise.all(files.slice(start, start + BATCH).map((f) => stat(f).then((st) => (st.isFile() ? null : 'not a file'), () => 'missing')));
    kinds.forEach((k, j) => k && bad.push({ i: start + j, what: k }));
  }
  if (bad.length === 0) return;
  const [first, ...rest] = bad;
  const more = rest.slice(0, 5).map((b) => `${lines[b.i]}${b.what === 'missing' ? '' : ` (${b.what})`}`);
  const tail = rest.length ? ` (and ${rest.length} more: line${rest.length > 1 ? 's' : ''} ${more.join(', ')}${rest.length > 5 ? ', ...' : ''})` : '';
  const what = first!.what === 'missing' ? `no such image ${files[first!.i]}` : `${files[first!.i]} is not a file`;
  throw new Error(`${list}:${lines[first!.i]}: ${what}${tail}`);
}

class IdxDataset implements Dataset {
  readonly kind = 'idx' as const;
  readonly fit = 'stretch' as const;
  private readonly pixels: number;
  constructor(
    readonly root: string,
    readonly classes: readonly string[],
    private readonly images: Uint8Array,
    private readonly labels: Uint8Array,
    private readonly h: number,
    private readonly w: number,
  ) {
    this.pixels = h * w;
  }
  get size(): number {
    return this.labels.length;
  }
  label(i: number): number {
    return this.labels[i]!;
  }
  grey(i: number): GreyImage {
    return { data: this.images.subarray(i * this.pixels, (i + 1) * this.pixels), width: this.w, height: this.h };
  }
  source(i: number): RgbImage {
    const grey = this.images.subarray(i * this.pixels, (i + 1) * this.pixels);
    const rgb = new Uint8Array(this.pixels * 3);
    for (let p = 0, d = 0; p < this.pixels; p++, d += 3) rgb[d] = rgb[d + 1] = rgb[d + 2] = grey[p]!;
    return { data: rgb, width: this.w, height: this.h };
  }
  name(i: number): string {
    return `${this.root}#${i}`;
  }
}

/** An IDX images file (uint8 [N, H, W]) and its labels file (uint8 [N]). */
export async function idxDataset(imagesFile: string, labelsFile = idxLabelsFileFor(imagesFile)): Promise<Dataset> {
  const [img, lab] = await Promise.all([readIdx(imagesFile), readIdx(labelsFile)]);
  if (!(img.data instanceof Uint8Array) || img.dims.length !== 3) throw new Error(`${imagesFile}: expected uint8 images [N, H, W], got ${img.data.constructor.name} [${img.dims.join(', ')}]`);
  if (!(lab.data instanceof Uint8Array) || lab.dims.length !== 1) throw new Error(`${labelsFile}: expected uint8 labels [N], got ${lab.data.constructor.name} [${lab.dims.join(', ')}]`);
  if (img.dims[0] !== lab.dims[0]) throw new Error(`${imagesFile} has ${img.dims[0]} images but ${labelsFile} has ${lab.dims[0]} labels`);
  const n = Math.max(...lab.data) + 1;
  const fashion = /fashion/i.test(imagesFile) && n === 10;
  const classes = fashion ? FASHION_MNIST_CLASSES : Array.from({ length: n }, (_, i) => String(i));
  return new IdxDataset(imagesFile, classes, img.data, lab.data, img.dims[1]!, img.dims[2]!);
}

export interface OpenOptions {
  /** Which split of an IDX directory: 'train' for training data, 't10k' for validation and evaluation. */
  split: 'train' | 't10k';
  /** Classes to index by: a validation folder follows the training set's names, an evaluation the weights' classes. */
  classes?: readonly string[] | ClassIndex;
  numClasses?: number;
}

/** Detect the layout of `path` and open it (see the header comment). */
export async function openDataset(path: string, opts: OpenOptions): Promise<Dataset> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new Error(`${path}: no such file or directory`);
  }
  if (st.isDirectory()) {
    const idx = idxSplitFiles(path, opts.split);
    if (idx) return idxDataset(idx.images, idx.labels);
    if (idxSplitFiles(path, opts.split === 'train' ? 't10k' : 'train')) {
      throw new Error(`${path}: an IDX directory without the ${opts.split} split (${opts.split}-images-idx3-ubyte[.gz])`);
    }
    return imageFolder(path, opts.classes, opts.numClasses);
  }
  if (/-idx\d-ubyte(\.gz)?$/.test(basename(path))) {
    const labels = idxLabelsFileFor(path);
    if (!existsSync(labels)) throw new Error(`${path}: no labels file ${labels} beside it`);
    return idxDataset(path, labels);
  }
  return listFile(path, opts.numClasses, opts.classes && 'lookup' in opts.classes ? opts.classes.names : opts.classes);
}

/** The samples at `indices` of a dataset, as a dataset. */
export function subset(ds: Dataset, indices: readonly number[]): Dataset {
  const idx = Int32Array.from(indices);
  for (const i of idx) if (i < 0 || i >= ds.size) throw new Error(`subset: index ${i} out of range for ${ds.size} samples`);
  return {
    kind: ds.kind,
    root: ds.root,
    classes: ds.classes,
    fit: ds.fit,
    size: idx.length,
    label: (i) => ds.label(idx[i]!),
    source: (i) => ds.source(idx[i]!),
    ...(ds.grey ? { grey: (i: number) => ds.grey!(idx[i]!) } : {}),
    name: (i) => ds.name(idx[i]!),
  };
}

/** A seeded random subset of n samples (in dataset order), or the dataset when it has no more. */
export function randomSubset(ds: Dataset, n: number, seed: number, stream: string): Dataset {
  if (n >= ds.size) return ds;
  const idx = new Rng(seed, 0, stream).shuffle(Array.from({ length: ds.size }, (_, i) => i)).slice(0, n);
  return subset(ds, idx.sort((a, b) => a - b));
}

/**
 * Hold out a fraction of a dataset for validation: a seeded permutation, the last
 * round(fraction * size) samples for validation and the rest for training, each in
 * original order.
 */
export function splitValidation(ds: Dataset, fraction: number, seed: number): { train: Dataset; val: Dataset } {
  if (!(fraction > 0 && fraction < 1)) throw new Error(`validation fraction must be in (0, 1), got ${fraction}`);
  const nVal = Math.round(fraction * ds.size);
  if (nVal < 1 || nVal >= ds.size) throw new Error(`validation fraction ${fraction} of ${ds.size} samples leaves ${nVal} for validation and ${ds.size - nVal} for training`);
  const perm = new Rng(seed, 0, 'val-split').shuffle(Array.from({ length: ds.size }, (_, i) => i));
  const val = perm.slice(ds.size - nVal).sort((a, b) => a - b);
  const train = perm.slice(0, ds.size - nVal).sort((a, b) => a - b);
  return { train: subset(ds, train), val: subset(ds, val) };
}

/**
 * A training set needs images of at least 2 classes: with one, the softmax cross-entropy
 * is 0 whatever the weights, and nothing is learnt.
 */
export function checkTrainingClasses(ds: Dataset): void {
  const seen = new Set<number>();
  for (let i = 0; i < ds.size && seen.size < 2; i++) seen.add(ds.label(i));
  if (seen.size >= 2) return;
  const names = [...seen].map((c) => ds.classes[c] ?? `class_${c}`).join(', ');
  const what = ds.classes.length === seen.size ? `${seen.size} class` : `images of ${seen.size} of ${ds.classes.length} classes`;
  throw new Error(`${ds.root}: ${what} (${names}); training needs at least 2 classes`);
}

/** Check every label is below the model's number of classes. */
export function checkLabels(ds: Dataset, numClasses: number): void {
  for (let i = 0; i < ds.size; i++) {
    const l = ds.label(i);
    if (l >= numClasses) throw new Error(`${ds.name(i)}: label ${l} (${ds.classes[l] ?? '?'}) is out of range for --classes ${numClasses}`);
  }
}
