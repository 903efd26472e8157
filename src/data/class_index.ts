// Matching an ImageFolder's directory names to a model's classes. A validation folder
// follows the training set's class names; an evaluation folder follows the weights':
// ImageNet's (by WordNet id, the ILSVRC-2012 validation layout, or by label) or the labels
// a run or `weights import --labels` stored. A directory matches a class by an exact name,
// else by the name compared ignoring case and '_' against ' '; matching several classes is
// an error, never a guess.
import { IMAGENET_NUM_CLASSES, imagenetClasses } from '../models/imagenet_classes.js';

export interface ClassIndex {
  /** Class names by index, as reports show them. */
  readonly names: readonly string[];
  /** The indices of the classes a directory name stands for: one, none, or several (ambiguous). */
  lookup(folder: string): number[];
  /** What the classes are, e.g. "the training classes". */
  readonly what: string;
  /** The classes and some of their names, for error messages. */
  readonly describe: string;
}

const loose = (s: string) => s.toLowerCase().replace(/_/g, ' ');

const examples = (names: readonly string[], n = 5) => `${names.slice(0, n).join(', ')}${names.length > n ? ', ...' : ''}`;

function addTo(map: Map<string, number[]>, key: string, i: number): void {
  const list = map.get(key);
  if (!list) map.set(key, [i]);
  else if (!list.includes(i)) list.push(i);
}

/** Classes called by `names[i]` or any of `aliases[i]`; `what` names them in messages, with examples added. */
export function classIndex(names: readonly string[], what: string, aliases: readonly (readonly string[])[] = [], describe = `${what} (${examples(names)})`): ClassIndex {
  const exact = new Map<string, number[]>();
  const relaxed = new Map<string, number[]>();
  names.forEach((name, i) => {
    for (const key of [name, ...(aliases[i] ?? [])]) {
      addTo(exact, key, i);
      addTo(relaxed, loose(key), i);
    }
  });
  return {
    names,
    what,
    describe,
    lookup: (folder) => [...(exact.get(folder) ?? relaxed.get(loose(folder)) ?? [])],
  };
}

/** ImageNet-1k: named by label (torchvision's category names), matched by WordNet id or label. */
export function imagenetClassIndex(): ClassIndex {
  const c = imagenetClasses();
  const labels = c.map((x) => x.label);
  const wnids = c.map((x) => x.wnid);
  const describe = `ImageNet's ${c.length} classes, by WordNet id (${examples(wnids, 3)}) or label (${examples(labels, 3)})`;
  return classIndex(labels, "ImageNet's classes", wnids.map((w) => [w]), describe);
}

/**
 * The classes of weights with `labels` ('imagenet1k' or one label per class, as a weights
 * config stores them; null when the file has none) and `numClasses` outputs, or null when
 * they are unnamed: no labels, labels of another count, or the placeholders class_0, ....
 * Unnamed classes are matched by position (sorted directory i is class i).
 */
export function weightsClassIndex(labels: 'imagenet1k' | readonly string[] | null, numClasses: number): ClassIndex | null {
  if (labels === 'imagenet1k') return numClasses === IMAGENET_NUM_CLASSES ? imagenetClassIndex() : null;
  if (!labels || labels.length !== numClasses || labels.every((l, i) => l === `class_${i}`)) return null;
  return classIndex(labels, "the weights' classes");
}
