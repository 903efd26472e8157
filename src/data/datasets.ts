// Labelled image datasets for training and evaluation, from three layouts:
//
//   ImageFolder   root/<class>/**/*.jpg, as torchvision.datasets.ImageFolder reads it:
//                 class names are the sorted sub-directory names and a class's index is its
//                 position in that order; files are walked recursively in sorted order.
//   list file     kratzert's finetune.py text file: one `path label` per line (label an
//                 integer). The path is everything before the last run of whitespace, so
//                 paths may contain spaces; relative paths are relative to the list file's
//                 directory (kratzert's were relative to the working directory; resolving
//                 them beside the list keeps a dataset movable).
//   IDX           MNIST-style files (./idx.ts): a directory holding train-* and t10k-* files
//                 (Debian's /usr/share/datasets/fashion-mnist/), or an images file whose
//                 labels file sits beside it. Grey images become 3 equal channels (Pillow's
//                 L->RGB) and are resized to the network input whole ('stretch').
//
// A dataset only lists samples; decoding and preprocessing happen in the loader.
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { Rng } from '../util/rng.js';
import { isImageFile } from './files.js';
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
}

/** The classes of Fashion-MNIST, in label order (zalandoresearch/fashion-mnist README). */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

async function walkImages(dir: string, out: string[]): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => byName(a.name, b.name));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) await walkImages(p, out);
    else if (e.isFile() && isImageFile(e.name)) out.push(p);
  }
}

class FileDataset implements Dataset {
  constructor(
    readonly kind: 'folder' | 'list',
    readonly root: string,
    readonly classes: readonly string[],
    private readonly files: string[],
    private readonly labels: Int32Array,
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
 * root/<class>/... . `classes` (e.g. the training set's) fixes the class order, so a
 * validation folder indexes classes the same way; a class directory not in it is an error.
 */
export async function imageFolder(root: string, classes?: readonly string[]): Promise<Dataset> {
  const dirs = (await readdir(root, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort(byName);
  if (dirs.length === 0) throw new Error(`${root}: no class directories (expected ${join(root, '<class>', '*.jpg')})`);
  const names = classes ?? dirs;
  if (classes) {
    const unknown = dirs.filter((d) => !classes.includes(d));
    if (unknown.length) throw new Error(`${root}: class ${unknown[0]} is not among the training classes (${classes.slice(0, 5).join(', ')}${classes.length > 5 ? ', ...' : ''})`);
  }
  const files: string[] = [];
  const labels: number[] = [];
  for (const d of dirs) {
    const before = files.length;
    await walkImages(join(root, d), files);
    const idx = names.indexOf(d);
    for (let i = before; i < files.length; i++) labels.push(idx);
  }
  if (files.length === 0) throw new Error(`${root}: no image files in ${dirs.length} class directories`);
  return new FileDataset('folder', root, names, files, Int32Array.from(labels));
}

/** kratzert's list file: `path label` per line. Blank lines are skipped. */
export async function listFile(file: string, numClasses?: number): Promise<Dataset> {
  const text = await readFile(file, 'utf8');
  const base = dirname(resolve(file));
  const files: string[] = [];
  const labels: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const m = /^(.*\S)\s+(\S+)\s*$/.exec(line);
    if (!m) throw new Error(`${file}:${i + 1}: expected "path label", got ${JSON.stringify(line)}`);
    const label = Number(m[2]);
    if (!/^\d+$/.test(m[2]!) || !Number.isSafeInteger(label)) throw new Error(`${file}:${i + 1}: label must be a non-negative integer, got ${JSON.stringify(m[2])}`);
    if (numClasses !== undefined && label >= numClasses) throw new Error(`${file}:${i + 1}: label ${label} is out of range for ${numClasses} classes`);
    const p = m[1]!.trim();
    files.push(isAbsolute(p) ? p : join(base, p));
    labels.push(label);
  });
  if (files.length === 0) throw new Error(`${file}: no "path label" lines`);
  const n = numClasses ?? Math.max(...labels) + 1;
  return new FileDataset('list', file, Array.from({ length: n }, (_, i) => `class_${i}`), files, Int32Array.from(labels));
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
  /** Class names to index by (a validation folder follows the training set's). */
  classes?: readonly string[];
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
    return imageFolder(path, opts.classes);
  }
  if (/-idx\d-ubyte(\.gz)?$/.test(basename(path))) {
    const labels = idxLabelsFileFor(path);
    if (!existsSync(labels)) throw new Error(`${path}: no labels file ${labels} beside it`);
    return idxDataset(path, labels);
  }
  return listFile(path, opts.numClasses);
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

/** Check every label is below the model's number of classes. */
export function checkLabels(ds: Dataset, numClasses: number): void {
  for (let i = 0; i < ds.size; i++) {
    const l = ds.label(i);
    if (l >= numClasses) throw new Error(`${ds.name(i)}: label ${l} (${ds.classes[l] ?? '?'}) is out of range for --classes ${numClasses}`);
  }
}
