// Builders that join or pad feature maps: element-wise add (residuals, InceptionResNetV2's
// scaled residual), channel concat (inception modules) and Keras's ZeroPadding2D.
import * as b from '../graph/build.js';
import type { Value } from '../graph/graph.js';
import { type Activation, applyActivation } from './common.js';
import { batchOne, dims, type Feature, type Layout, type Net, nhwcShape, rfStr } from './net.js';

/** The layout every input already has, else NCHW (where convolutions run). */
function commonLayout(xs: Feature[]): Layout {
  return xs.every((x) => x.layout === 'NHWC') ? 'NHWC' : 'NCHW';
}

/** The largest receptive field and jump among the inputs. */
function widest(xs: Feature[]): { rf: [number, number]; jump: [number, number] } {
  return {
    rf: [Math.max(...xs.map((x) => x.rf[0])), Math.max(...xs.map((x) => x.rf[1]))],
    jump: [Math.max(...xs.map((x) => x.jump[0])), Math.max(...xs.map((x) => x.jump[1]))],
  };
}

function recordMerge(net: Net, scope: string, op: string, out: Feature): void {
  net.record({ name: scope, op, kernel: '', stride: '', padding: '', outputShape: batchOne(nhwcShape(out)), params: 0, macs: 0, receptiveField: rfStr(out) });
}

export interface AddOptions {
  /** A constant factor per input (InceptionResNetV2's `x + scale * up`); default 1 each. */
  scales?: number[];
  activation?: Activation;
}

/** Element-wise sum of same-shaped feature maps (Keras's Add, torchvision's `out += identity`). */
export function add(net: Net, xs: Feature[], scope: string, opts: AddOptions = {}): Feature {
  if (xs.length < 2) throw new Error(`${scope}: add needs at least 2 inputs, got ${xs.length}`);
  const shapes = xs.map((x) => nhwcShape(x).join(','));
  if (shapes.some((s) => s !== shapes[0])) throw new Error(`${scope}: add needs equal shapes (NHWC), got ${shapes.map((s) => `[${s}]`).join(' ')}`);
  const scales = opts.scales ?? xs.map(() => 1);
  if (scales.length !== xs.length) throw new Error(`${scope}: ${xs.length} inputs but ${scales.length} scales`);
  const layout = commonLayout(xs);
  const terms = xs.map((x, i) => {
    const v = net.as(x, layout);
    return scales[i] === 1 ? v : b.mul(v, b.f32(net.g, scales[i]!, `${scope}/scale_${i}`), `${scope}/mul_${i}`);
  });
  let y = terms.reduce((acc, t, i) => b.add(acc, t, i === terms.length - 1 ? `${scope}/Add` : `${scope}/add_${i}`));
  y = applyActivation(y, opts.activation ?? null, scope);
  const { rf, jump } = widest(xs);
  const out = net.feature(y, layout, rf, jump);
  recordMerge(net, scope, 'Add', out);
  return out;
}

/** Concatenation along channels, in the order given (Keras's Concatenate, torch.cat(dim=1)). */
export function concat(net: Net, xs: Feature[], scope: string): Feature {
  if (xs.length < 1) throw new Error(`${scope}: concat needs at least 1 input`);
  const spatial = xs.map((x) => nhwcShape(x).slice(0, 3).join(','));
  if (spatial.some((s) => s !== spatial[0])) throw new Error(`${scope}: concat needs equal N,H,W, got ${xs.map((x) => `[${nhwcShape(x).join(',')}]`).join(' ')}`);
  const layout = commonLayout(xs);
  const y: Value = b.concat(xs.map((x) => net.as(x, layout)), layout === 'NHWC' ? 3 : 1, `${scope}/concat`);
  const { rf, jump } = widest(xs);
  const out = net.feature(y, layout, rf, jump);
  recordMerge(net, scope, 'Concat', out);
  return out;
}

/**
 * Keras's ZeroPadding2D with pads [top, left, bottom, right] (MobileNet's ((0,1),(0,1))
 * is [0, 0, 1, 1]): ONNX Pad in constant mode.
 */
export function zeroPad2d(net: Net, x: Feature, pads: [number, number, number, number], scope: string): Feature {
  dims(x);
  const [t, l, bo, r] = pads;
  const onnxPads = x.layout === 'NHWC' ? [0, t, l, 0, 0, bo, r, 0] : [0, 0, t, l, 0, 0, bo, r];
  const y = b.pad(x.value, onnxPads, 0, `${scope}/Pad`);
  const out = net.feature(y, x.layout, x.rf, x.jump);
  net.record({
    name: scope,
    op: 'Pad',
    kernel: '',
    stride: '',
    padding: pads.join(','),
    outputShape: batchOne(nhwcShape(out)),
    params: 0,
    macs: 0,
    receptiveField: rfStr(out),
  });
  return out;
}
