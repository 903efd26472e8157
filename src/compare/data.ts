// The user's images for `compare --data`: ImageNet-labelled (WordNet-id folders, or a
// `path label` list of ImageNet indices) for measured top-1/top-5, or any other labelled
// folder for the linear probe; and the scores computed from each model's outputs.
import { readdir, stat } from 'node:fs/promises';
import { imagenetClassIndex } from '../data/class_index.js';
import { imageFolder, listFile } from '../data/datasets.js';
import type { Agreement } from './types.js';

export interface CompareData {
  root: string;
  files: string[];
  labels: Int32Array;
  classes: readonly string[];
  /** Labels are ImageNet-1k indices: measure top-1/top-5; otherwise run the linear probe. */
  imagenet: boolean;
  warnings: readonly string[];
}

const WNID = /^n\d{8}$/;

/** A folder whose sub-folders are all WordNet ids, or a list file, is ImageNet-labelled; any other folder is the user's own classes. */
export async function openCompareData(path: string): Promise<CompareData> {
  const st = await stat(path).catch(() => null);
  if (!st) throw new Error(`--data ${path}: no such file or directory`);
  let imagenet = !st.isDirectory();
  if (st.isDirectory()) {
    const dirs = (await readdir(path, { withFileTypes: true })).filter((e) => e.isDirectory() || e.isSymbolicLink()).map((e) => e.name);
    imagenet = dirs.length > 0 && dirs.every((d) => WNID.test(d));
  }
  const ds = st.isDirectory() ? await imageFolder(path, imagenet ? imagenetClassIndex() : undefined) : await listFile(path, 1000);
  const files = Array.from({ length: ds.size }, (_, i) => ds.source(i) as string);
  const labels = Int32Array.from({ length: ds.size }, (_, i) => ds.label(i));
  return { root: path, files, labels, classes: ds.classes, imagenet, warnings: ds.warnings ?? [] };
}

/** Top-1 and top-5 in percent from each image's 5 best classes (n x 5) and its label. */
export function topAccuracy(top5: Int32Array, labels: Int32Array): { top1: number; top5: number } {
  let h1 = 0;
  let h5 = 0;
  labels.forEach((l, i) => {
    const row = top5.subarray(i * 5, i * 5 + 5);
    if (row[0] === l) h1++;
    if (row.includes(l)) h5++;
  });
  return { top1: (100 * h1) / labels.length, top5: (100 * h5) / labels.length };
}

/** For each pair of models (in the given order), the fraction of images with the same top-1. */
export function agreementTable(top1: ReadonlyMap<string, Int32Array>): Agreement[] {
  const names = [...top1.keys()];
  const out: Agreement[] = [];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const a = top1.get(names[i]!)!;
      const b = top1.get(names[j]!)!;
      const same = a.filter((v, k) => v === b[k]).length;
      out.push({ a: names[i]!, b: names[j]!, agreement: a.length ? same / a.length : 0, images: a.length });
    }
  }
  return out;
}
