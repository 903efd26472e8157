// ImageNet-1k (ILSVRC-2012) class names, read from the package's assets/imagenet_classes.tsv
// (index, WordNet id, label; see ../shared/data/README.md for where the names come from).
// The index order is the one torchvision, Keras and Caffe use: the 1000 synsets sorted by wnid.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface ImagenetClass {
  index: number;
  /** WordNet synset id, e.g. 'n02123045'. */
  wnid: string;
  /** Short human-readable name (torchvision's category names), e.g. 'tabby'. */
  label: string;
}

export const IMAGENET_NUM_CLASSES = 1000;

// Two levels up from this module is the package root both for src/models/imagenet_classes.ts
// (run under tsx) and for dist/models/imagenet_classes.js (compiled), and `files` in
// package.json ships assets/.
const TSV_URL = new URL('../../assets/imagenet_classes.tsv', import.meta.url);

let cache: readonly ImagenetClass[] | null = null;

/** Parse an index/wnid/label TSV with a header line; throws naming the file and line on any inconsistency. */
export function parseClassesTsv(text: string, file: string, expected = IMAGENET_NUM_CLASSES): ImagenetClass[] {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines.shift();
  if (header !== 'index\twnid\tlabel') {
    throw new Error(`${file}: expected the header "index<TAB>wnid<TAB>label", got ${JSON.stringify(header)}`);
  }
  const out: ImagenetClass[] = [];
  for (const [i, line] of lines.entries()) {
    const cols = line.split('\t');
    const index = Number(cols[0]);
    const wnid = cols[1] ?? '';
    const label = cols[2] ?? '';
    if (cols.length !== 3 || index !== i || !/^n\d{8}$/.test(wnid) || label === '') {
      throw new Error(`${file}:${i + 2}: expected "${i}<TAB>nXXXXXXXX<TAB>label", got ${JSON.stringify(line)}`);
    }
    out.push({ index, wnid, label });
  }
  if (out.length !== expected) throw new Error(`${file}: ${out.length} classes, expected ${expected}`);
  return out;
}

/** The 1000 ImageNet classes in model output order (read once, then cached; treat as read-only). */
export function imagenetClasses(): readonly ImagenetClass[] {
  if (!cache) {
    const file = fileURLToPath(TSV_URL);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`${file}: cannot read the ImageNet class list (${(e as Error).message})`);
    }
    cache = Object.freeze(parseClassesTsv(text, file).map((c) => Object.freeze(c)));
  }
  return cache;
}

let labels: readonly string[] | null = null;

/** The 1000 ImageNet class names (torchvision's) in model output order. */
export function imagenetLabels(): readonly string[] {
  return (labels ??= Object.freeze(imagenetClasses().map((c) => c.label)));
}
