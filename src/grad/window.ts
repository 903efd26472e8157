// Sliding-window attributes (Conv, ConvTranspose, pools) as the gradient rules need them,
// and the ConvTranspose settings that map an output gradient back onto an input of a
// given size.
import type { Node } from '../graph/graph.js';
import { getInt, getInts } from '../graph/types.js';

export interface Window2d {
  kernel: [number, number];
  strides: [number, number];
  /** ONNX order: [top, left, bottom, right]. */
  pads: [number, number, number, number];
  dilations: [number, number];
  group: number;
}

export function window2d(node: Node, kernelFromW?: readonly (number | string)[]): Window2d {
  const a = node.attrs;
  const k = getInts(a, 'kernel_shape', kernelFromW ? kernelFromW.slice(2).map(Number) : []);
  if (k.length !== 2) throw new Error(`${node.name} (${node.op}): only 2-D windows have gradient rules, got kernel [${k}]`);
  const s = getInts(a, 'strides', [1, 1]);
  const p = getInts(a, 'pads', [0, 0, 0, 0]);
  const d = getInts(a, 'dilations', [1, 1]);
  return {
    kernel: [k[0]!, k[1]!],
    strides: [s[0]!, s[1]!],
    pads: [p[0]!, p[1]!, p[2]!, p[3]!],
    dilations: [d[0]!, d[1]!],
    group: getInt(a, 'group', 1),
  };
}

/**
 * ConvTranspose pads and output_padding that give exactly `size` outputs from `out`
 * inputs, for a forward window (k, s, d) with pads (begin, end) along one axis.
 *
 * ConvTranspose gives s(out-1) + op + (k-1)d + 1 - begin - end. A floor-mode forward
 * window leaves r = (size + begin + end - eff) mod s trailing rows unused, so op = r:
 * alexnet_v2's conv1 at 224 has r = (224 - 11) mod 4 = 1, and without it dX would be
 * 223 wide. A ceil-mode pool can overshoot instead; the excess is cropped by adding it
 * to the end pad.
 */
export function transposeFit(size: number, out: number, k: number, s: number, d: number, begin: number, end: number): { begin: number; end: number; outputPadding: number } {
  const full = s * (out - 1) + (k - 1) * d + 1 - begin - end;
  if (full <= size) return { begin, end, outputPadding: size - full };
  return { begin, end: end + (full - size), outputPadding: 0 };
}
