// Inception modules (Szegedy et al., arXiv:1512.00567): parallel branches on one input,
// concatenated along channels. A module is a table of branches; each branch is a list of
// steps run in order. The model supplies its conv unit (Keras's conv2d_bn, torchvision's
// BasicConv2d), its pools and its concatenation, so naming and padding rules stay the
// model's. Steps run branch by branch, in table order, which is the order Keras creates
// the layers (so automatic names count as in keras_applications).
import { avgPool2d, concat, maxPool2d } from '../layers.js';
import type { Feature, Net } from '../net.js';
import { KerasNames, kerasConvBn } from './keras.js';

/** [filters, kh, kw] (stride 1, 'same'), or with stride and padding. */
export type ConvStep = readonly [number, number, number] | readonly [number, number, number, number, 'same' | 'valid'];
/** A pool of the model's module kind, or branches on the current value concatenated (inception_v3's mixed9/10). */
export type Step = ConvStep | 'avg' | 'max' | { readonly split: readonly Branch[]; readonly name?: string };
export type Branch = readonly Step[];

export interface InceptionUnits {
  conv(x: Feature, filters: number, kernel: [number, number], stride: number, padding: 'same' | 'valid'): Feature;
  pool(x: Feature, kind: 'avg' | 'max'): Feature;
  /** Concatenate along channels; no name means the model's automatic one. */
  concat(xs: Feature[], name?: string): Feature;
}

function runBranch(x: Feature, branch: Branch, u: InceptionUnits): Feature {
  for (const s of branch) {
    if (s === 'avg' || s === 'max') x = u.pool(x, s);
    else if ('split' in s) {
      const from = x;
      x = u.concat(
        s.split.map((b) => runBranch(from, b, u)),
        s.name,
      );
    } else x = u.conv(x, s[0], [s[1], s[2]], s[3] ?? 1, s[4] ?? 'same');
  }
  return x;
}

/** The branches' outputs, in table order (for blocks that do more than concatenate them). */
export function inceptionBranches(x: Feature, branches: readonly Branch[], u: InceptionUnits): Feature[] {
  return branches.map((b) => runBranch(x, b, u));
}

/** One inception module: the branches concatenated along channels under `name`. */
export function inceptionModule(x: Feature, branches: readonly Branch[], name: string, u: InceptionUnits): Feature {
  return u.concat(inceptionBranches(x, branches, u), name);
}

/**
 * Keras's units for one build (keras_applications inception_v3.py, inception_resnet_v2.py):
 * conv2d_bn with automatic names, 3x3 max pools (stride 2, 'valid') and average pools
 * (stride 1, 'same', padding excluded from the mean), concatenation; each output is an
 * end point under its layer name.
 */
export function kerasInceptionUnits(net: Net, ep: Record<string, Feature>, o: { scale: boolean; training: boolean }): InceptionUnits & { names: KerasNames } {
  const names = new KerasNames();
  const at = (name: string, f: Feature) => (ep[name] = f);
  return {
    names,
    conv: (x, filters, kernel, stride, padding) => {
      const act = names.next('activation');
      const n = { conv: names.next('conv2d'), bn: names.next('batch_normalization'), act };
      return at(act, kerasConvBn(net, x, { filters, kernel, stride, padding, names: n, ...o }));
    },
    pool: (x, kind) => {
      const scope = names.next(kind === 'avg' ? 'average_pooling2d' : 'max_pooling2d');
      const p = { scope, kernel: [3, 3] as [number, number], stride: [kind === 'avg' ? 1 : 2, kind === 'avg' ? 1 : 2] as [number, number] };
      // Keras 'same' pooling averages only the pixels inside the image
      return at(scope, kind === 'avg' ? avgPool2d(net, x, { ...p, padding: 'SAME', countIncludePad: false }) : maxPool2d(net, x, { ...p, padding: 'VALID' }));
    },
    concat: (xs, name) => {
      const scope = name ?? names.next('concatenate');
      return at(scope, concat(net, xs, scope));
    },
  };
}

