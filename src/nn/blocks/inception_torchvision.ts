// torchvision's Inception v3 modules (Szegedy et al. 2015, arXiv:1512.00567) as
// torchvision/models/inception.py builds them: BasicConv2d (conv without bias,
// BatchNorm eps 0.001, ReLU) and InceptionA-E, InceptionAux, with the state-dict names
// (Mixed_5b.branch5x5_1.conv.weight, Mixed_5b.branch5x5_1.bn.running_mean, ...).
// Their average pools count the padding (F.avg_pool2d's count_include_pad=True), where
// Keras's InceptionV3 pools `same` without it; with Keras's numbered layer names that is
// why Keras's modules are another builder.
import { avgPool2d, concat, globalAvgPool, linear, maxPool2d, type Padding } from '../layers.js';
import type { Feature, Net } from '../net.js';
import { normal, torchDefault } from '../torch_init.js';
import { convBn } from './conv_bn.js';

export interface InceptionOptions {
  /** The module's state-dict prefix, e.g. 'Mixed_5b'. */
  scope: string;
  training: boolean;
}

type Kernel = number | [number, number];

/**
 * BasicConv2d `<name>.conv` + `<name>.bn` + ReLU; `pad` is [ph, pw] as torch gives it.
 * Inception3.__init__ draws conv weights from trunc_normal_(std, a=-2, b=2): bounds at
 * ±2 are 20 or more standard deviations out, so N(0, std) (std 0.1 unless a layer says).
 */
export function basicConv2d(net: Net, x: Feature, name: string, filters: number, k: Kernel, o: { training: boolean; stride?: number; pad?: [number, number]; stddev?: number }): Feature {
  const [kh, kw] = typeof k === 'number' ? [k, k] : k;
  const [ph, pw] = o.pad ?? [0, 0];
  const padding: Padding = [ph, pw, ph, pw];
  const s = o.stride ?? 1;
  return convBn(net, x, {
    conv: `${name}.conv`,
    bn: `${name}.bn`,
    filters,
    kernel: [kh, kw],
    stride: [s, s],
    padding,
    weights: normal(`${name}.conv.weight`, o.stddev ?? 0.1),
    activation: 'relu',
    eps: 0.001,
    training: o.training,
  });
}

function pools(net: Net, x: Feature, scope: string): { avg3: () => Feature; max3s2: () => Feature } {
  return {
    // F.avg_pool2d(x, kernel_size=3, stride=1, padding=1): count_include_pad defaults to True
    avg3: () => avgPool2d(net, x, { scope: `${scope}.avg_pool`, kernel: [3, 3], stride: [1, 1], padding: 1, countIncludePad: true }),
    max3s2: () => maxPool2d(net, x, { scope: `${scope}.max_pool`, kernel: [3, 3], stride: [2, 2], padding: 'VALID' }),
  };
}

/** InceptionA (Mixed_5b-d): 1x1, 5x5, double 3x3 and pool branches at 35x35. */
export function inceptionA(net: Net, x: Feature, o: InceptionOptions & { poolFeatures: number }): Feature {
  const c = (y: Feature, n: string, f: number, k: Kernel, pad?: [number, number]) => basicConv2d(net, y, `${o.scope}.${n}`, f, k, { training: o.training, ...(pad ? { pad } : {}) });
  const b1 = c(x, 'branch1x1', 64, 1);
  const b5 = c(c(x, 'branch5x5_1', 48, 1), 'branch5x5_2', 64, 5, [2, 2]);
  const b3 = c(c(c(x, 'branch3x3dbl_1', 64, 1), 'branch3x3dbl_2', 96, 3, [1, 1]), 'branch3x3dbl_3', 96, 3, [1, 1]);
  const bp = c(pools(net, x, o.scope).avg3(), 'branch_pool', o.poolFeatures, 1);
  return concat(net, [b1, b5, b3, bp], o.scope);
}

/** InceptionB (Mixed_6a): the grid reduction 35x35 → 17x17. */
export function inceptionB(net: Net, x: Feature, o: InceptionOptions): Feature {
  const c = (y: Feature, n: string, f: number, k: Kernel, stride = 1, pad?: [number, number]) => basicConv2d(net, y, `${o.scope}.${n}`, f, k, { training: o.training, stride, ...(pad ? { pad } : {}) });
  const b3 = c(x, 'branch3x3', 384, 3, 2);
  const bd = c(c(c(x, 'branch3x3dbl_1', 64, 1), 'branch3x3dbl_2', 96, 3, 1, [1, 1]), 'branch3x3dbl_3', 96, 3, 2);
  return concat(net, [b3, bd, pools(net, x, o.scope).max3s2()], o.scope);
}

/** InceptionC (Mixed_6b-e): factorised 7x7 branches at 17x17. */
export function inceptionC(net: Net, x: Feature, o: InceptionOptions & { channels7x7: number }): Feature {
  const c = (y: Feature, n: string, f: number, k: Kernel, pad?: [number, number]) => basicConv2d(net, y, `${o.scope}.${n}`, f, k, { training: o.training, ...(pad ? { pad } : {}) });
  const c7 = o.channels7x7;
  const b1 = c(x, 'branch1x1', 192, 1);
  let b7 = c(x, 'branch7x7_1', c7, 1);
  b7 = c(c(b7, 'branch7x7_2', c7, [1, 7], [0, 3]), 'branch7x7_3', 192, [7, 1], [3, 0]);
  let bd = c(x, 'branch7x7dbl_1', c7, 1);
  bd = c(c(bd, 'branch7x7dbl_2', c7, [7, 1], [3, 0]), 'branch7x7dbl_3', c7, [1, 7], [0, 3]);
  bd = c(c(bd, 'branch7x7dbl_4', c7, [7, 1], [3, 0]), 'branch7x7dbl_5', 192, [1, 7], [0, 3]);
  const bp = c(pools(net, x, o.scope).avg3(), 'branch_pool', 192, 1);
  return concat(net, [b1, b7, bd, bp], o.scope);
}

/** InceptionD (Mixed_7a): the grid reduction 17x17 → 8x8. */
export function inceptionD(net: Net, x: Feature, o: InceptionOptions): Feature {
  const c = (y: Feature, n: string, f: number, k: Kernel, stride = 1, pad?: [number, number]) => basicConv2d(net, y, `${o.scope}.${n}`, f, k, { training: o.training, stride, ...(pad ? { pad } : {}) });
  const b3 = c(c(x, 'branch3x3_1', 192, 1), 'branch3x3_2', 320, 3, 2);
  let b7 = c(x, 'branch7x7x3_1', 192, 1);
  b7 = c(c(b7, 'branch7x7x3_2', 192, [1, 7], 1, [0, 3]), 'branch7x7x3_3', 192, [7, 1], 1, [3, 0]);
  b7 = c(b7, 'branch7x7x3_4', 192, 3, 2);
  return concat(net, [b3, b7, pools(net, x, o.scope).max3s2()], o.scope);
}

/** InceptionE (Mixed_7b, 7c): expanded 1x3/3x1 branches at 8x8. */
export function inceptionE(net: Net, x: Feature, o: InceptionOptions): Feature {
  const c = (y: Feature, n: string, f: number, k: Kernel, pad?: [number, number]) => basicConv2d(net, y, `${o.scope}.${n}`, f, k, { training: o.training, ...(pad ? { pad } : {}) });
  const split = (y: Feature, n: string) => concat(net, [c(y, `${n}a`, 384, [1, 3], [0, 1]), c(y, `${n}b`, 384, [3, 1], [1, 0])], `${o.scope}.${n}`);
  const b1 = c(x, 'branch1x1', 320, 1);
  const b3 = split(c(x, 'branch3x3_1', 384, 1), 'branch3x3_2');
  const bd = split(c(c(x, 'branch3x3dbl_1', 448, 1), 'branch3x3dbl_2', 384, 3, [1, 1]), 'branch3x3dbl_3');
  const bp = c(pools(net, x, o.scope).avg3(), 'branch_pool', 192, 1);
  return concat(net, [b1, b3, bd, bp], o.scope);
}

/**
 * InceptionAux (AuxLogits) on Mixed_6e's 17x17 map: 5x5/3 average pool, 1x1 and 5x5
 * convs, global average pool, fc. torchvision runs it only in training mode.
 */
export function inceptionAux(net: Net, x: Feature, o: InceptionOptions & { numClasses: number }): Feature {
  let y = avgPool2d(net, x, { scope: `${o.scope}.avg_pool`, kernel: [5, 5], stride: [3, 3], padding: 'VALID', countIncludePad: true });
  y = basicConv2d(net, y, `${o.scope}.conv0`, 128, 1, { training: o.training });
  y = basicConv2d(net, y, `${o.scope}.conv1`, 768, 5, { training: o.training, stddev: 0.01 });
  y = globalAvgPool(net, y, `${o.scope}.avgpool`);
  // fc: weight trunc_normal_(std=0.001), bias nn.Linear's default
  return linear(net, y, { scope: `${o.scope}.fc`, units: o.numClasses, activation: null, weightLayout: 'OI', weights: normal(`${o.scope}.fc.weight`, 0.001), biases: torchDefault(`${o.scope}.fc.bias`)(768) });
}
