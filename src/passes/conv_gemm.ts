// Convolutions on small maps, lowered for training to one Gemm over the whole batch.
//
// ORT's Conv runs an im2col and a Gemm per image. On torchvision alexnet at 64x64 (the
// Fashion-MNIST recipe) conv3-conv5 see 3x3 maps, so each image's Gemm has 9 columns
// and MLAS runs far below its speed on big matrices. Here such a conv becomes
//
//   cols = Gather(Reshape(Transpose(Pad(X), NHWC), [N, H'*W', C]), table, axis 1)
//              -> [N, OH*OW, kh*kw, C]: every output pixel's window in the zero-padded
//                 H' x W' image
//   Y    = Gemm(Reshape(cols, [N*OH*OW, kh*kw*C]), W as [M, kh*kw*C], B, transB)
//              -> [N*OH*OW, M], then Transpose back to [N, M, OH, OW]
//
// which does the same products (the padding taps included) as one Gemm with N*OH*OW rows.
// The backward pass follows from the rules of these ops: the weight gradient is one Gemm
// of dY with cols, the input gradient one Gemm of dY with W and the transposed gather of
// src/grad/rules/shape.ts. The window is gathered from the image in NHWC order, so the
// Gather copies runs of C floats rather than single floats from NCHW, and the weights are
// transposed to [M, kh, kw, C] to match. On the whole training step this is faster for
// maps up to 13x13 and not for larger ones (conv2 of alexnet_v2 at 27x27, conv1 of
// torchvision alexnet at 64x64), hence the limit of 13x13 = 169 output pixels
// (docs/design/conv-lowering.md).
//
// Only the training graph is lowered: the inference graph has constant weights, which ORT
// packs once and runs as NCHWc convolutions.
import type { Graph, Node, Value } from '../graph/graph.js';
import * as b from '../graph/build.js';
import { getInt, getInts, isStatic } from '../graph/types.js';
import { padZeros } from '../grad/util.js';
import { tensor } from '../tensor.js';

/** Output pixels per image up to which a conv is lowered (13x13 maps: 169). */
export const SMALL_CONV_PIXELS = 169;

/**
 * The im2col table of a 2-D conv on an already padded H x W image: for output pixel p
 * and kernel tap t = i*kw + j, the pixel y*W + x that the tap reads.
 */
export function im2colTable(H: number, W: number, k: [number, number], strides: [number, number], dilations: [number, number]): { table: BigInt64Array; OH: number; OW: number } {
  const [kh, kw] = k;
  const OH = Math.floor((H - dilations[0] * (kh - 1) - 1) / strides[0]) + 1;
  const OW = Math.floor((W - dilations[1] * (kw - 1) - 1) / strides[1]) + 1;
  const table = new BigInt64Array(OH * OW * kh * kw);
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          table[((oy * OW + ox) * kh + i) * kw + j] = BigInt((oy * strides[0] + i * dilations[0]) * W + ox * strides[1] + j * dilations[1]);
        }
      }
    }
  }
  return { table, OH, OW };
}

/** A Conv that lowerSmallConvs rewrites: 2-D, one group, static shapes, at most `maxPixels` output pixels. */
function eligible(n: Node, maxPixels: number): boolean {
  if (n.op !== 'Conv' || getInt(n.attrs, 'group', 1) !== 1) return false;
  const [x, w] = n.inputs;
  const y = n.outputs[0]!;
  if (!x || !w || x.shape.length !== 4 || !isStatic(x.shape) || !isStatic(w.shape) || !isStatic(y.shape)) return false;
  return (y.shape[2] as number) * (y.shape[3] as number) <= maxPixels;
}

/**
 * Rewrite every eligible Conv of `g` in place as above. Returns the names of the convs
 * lowered, the names of their Gemms and each old output with its replacement. The new
 * nodes are named under the conv's (`<conv>/gemm`...), so layer scopes still hold.
 */
export function lowerSmallConvs(g: Graph, maxPixels = SMALL_CONV_PIXELS): { names: string[]; gemms: string[]; replaced: Map<Value, Value> } {
  const names: string[] = [];
  const gemms: string[] = [];
  const replaced = new Map<Value, Value>();
  for (const n of g.nodes.filter((x) => eligible(x, maxPixels))) {
    const [x, w, bias] = n.inputs as [Value, Value, Value | null | undefined];
    const [N, C, H, W] = x.shape as number[];
    const [M, , kh, kw] = w.shape as number[];
    const strides = getInts(n.attrs, 'strides', [1, 1]) as [number, number];
    const pads = getInts(n.attrs, 'pads', [0, 0, 0, 0]);
    const dil = getInts(n.attrs, 'dilations', [1, 1]) as [number, number];
    const [pt, pl, pb, pr] = pads as [number, number, number, number];
    const [HP, WP] = [H! + pt + pb, W! + pl + pr];
    const { table, OH, OW } = im2colTable(HP, WP, [kh!, kw!], strides, dil);
    const [P, T] = [OH * OW, kh! * kw!];
    const [out] = g.replace(n, () => {
      const padded = pads.some((p) => p !== 0) ? padZeros(x, [0, 0, pt, pl, 0, 0, pb, pr], `${n.name}/x_pad`) : x;
      const pixels = b.reshape(b.transpose(padded, [0, 2, 3, 1], `${n.name}/x_nhwc`), [N!, HP * WP, C!], `${n.name}/x_pixels`);
      const cols = b.gather(pixels, g.constant(tensor('int64', [P, T], table), `${n.name}/im2col`), 1, `${n.name}/cols`); // [N, P, T, C]
      const w2 = b.reshape(b.transpose(w, [0, 2, 3, 1], `${n.name}/w_ohwi`), [M!, T * C!], `${n.name}/w_2d`);
      const y = b.gemm(b.reshape(cols, [N! * P, T * C!], `${n.name}/cols_2d`), w2, bias ?? null, { transB: true, name: `${n.name}/gemm` });
      gemms.push(y.producer!.name);
      const nchw = b.transpose(b.reshape(y, [N!, P, M!], `${n.name}/y_3d`), [0, 2, 1], `${n.name}/y_t`);
      return [b.reshape(nchw, [N!, M!, OH, OW], `${n.name}/y`)];
    });
    names.push(n.name);
    replaced.set(n.outputs[0]!, out!);
  }
  return { names, gemms, replaced };
}
