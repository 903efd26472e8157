// Section 8's paragraphs: one per row of the model's layer table (`summary`'s rows), in
// plain words: what the layer does, its numbers, and what its output does on this image.
import type { LayerInfo } from '../../nn/net.js';
import { receptiveBox } from '../receptive.js';
import type { Activation } from '../types.js';
import { approx, type Lang, type LayerFacts, type Texts } from './text.js';

export type LayerKind = 'conv' | 'fc' | 'maxPool' | 'lrn' | 'avgPool' | 'globalMean' | 'other';

/** What kind of layer a table row is, for its sentence. */
export function layerKind(l: LayerInfo): LayerKind {
  const s = l.outputShape;
  const oneByOne = s.length === 2 || (s[1] === 1 && s[2] === 1);
  switch (l.op) {
    case 'Conv':
    case 'Conv→Gemm':
      return oneByOne ? 'fc' : 'conv';
    case 'Gemm':
      return 'fc';
    case 'MaxPool':
      return 'maxPool';
    case 'LRN':
      return 'lrn';
    case 'AdaptiveAvgPool':
      return 'avgPool';
    case 'ReduceMean':
      return 'globalMean';
    default:
      return 'other';
  }
}

/** `55×55×64` for NHWC [1, 55, 55, 64]; `4096` for [1, 4096]. */
export function shapeText(shape: readonly (number | string)[]): string {
  return shape.slice(1).join('×');
}

/** A count with its short reading when it is large: `61,100,840 (61.1 million)`. */
export function countText(n: number, lang: Lang): string {
  const exact = n.toLocaleString('en-US');
  if (n < 1e4) return exact;
  return lang === 'ja' ? `${exact}（約${approx(n, lang)}）` : `${exact} (${approx(n, lang)})`;
}

/** The layer's numbers as the texts take them; `size` is the input [height, width]. */
export function layerFacts(l: LayerInfo, lang: Lang, size?: readonly [number, number]): LayerFacts {
  const s = l.outputShape.map(Number);
  const channels = s.at(-1)!;
  const outputs = s.slice(1).reduce((a, b) => a * b, 1);
  return {
    name: l.name,
    kernel: l.kernel.replace(/x/g, '×'),
    stride: l.stride || '1',
    shape: shapeText(l.outputShape),
    params: countText(l.params, lang),
    macs: countText(l.macs, lang),
    rf: l.receptiveField.replace(/x/g, '×'),
    global: l.receptiveField === 'global' || (size !== undefined && coversInput(l.receptiveField, size)),
    channels,
    // a fully connected layer's MACs are outputs × inputs
    inputs: outputs > 0 ? Math.round(l.macs / outputs) : 0,
  };
}

/** A receptive field 'HxW' at least as large as the input. */
function coversInput(rf: string, size: readonly [number, number]): boolean {
  const m = /^(\d+)x(\d+)$/.exec(rf);
  return m !== null && Number(m[1]) >= size[0] && Number(m[2]) >= size[1];
}

/** The activation recorded for a layer: same name, or the same name under the model's scope. */
export function activationOf(layer: string, acts: readonly Activation[]): Activation | undefined {
  return acts.find((a) => a.name === layer) ?? acts.find((a) => a.name.endsWith(`/${layer}`) || layer.endsWith(`/${a.name}`));
}

const num = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2));

/** The sentence about what a layer's output does on this image. */
export function observation(a: Activation, t: Texts, size: readonly [number, number]): string {
  const d = a.tensor.data;
  let zeros = 0;
  for (let i = 0; i < d.length; i++) if (d[i]! <= 0) zeros++;
  const [, h, w] = a.shape.length === 3 ? (a.shape as [number, number, number]) : [0, 1, 1];
  if (h * w === 1) return t.vector(d.length - zeros, d.length);
  const ch = a.topChannels[0] ?? 0;
  let best = 0;
  for (let p = 1; p < h * w; p++) if (d[ch * h * w + p]! > d[ch * h * w + best]!) best = p;
  const row = Math.floor(best / w);
  const col = best % w;
  const box = receptiveBox(row, col, [h, w], a.rf, a.jump, size);
  const zeroPercent = ((100 * zeros) / d.length).toFixed(0);
  return t.spatial({ zeroPercent, channel: ch, mean: num(a.channelMeans[ch] ?? 0), row, col, ...box });
}

export interface Paragraph {
  name: string;
  text: string;
}

/** One paragraph per layer: what it does, its numbers, and (when recorded) its output on this image. */
export function walkthrough(layers: readonly LayerInfo[], acts: readonly Activation[], t: Texts, lang: Lang, size: readonly [number, number], topLabel: string): Paragraph[] {
  return layers.map((l, i) => {
    const f = layerFacts(l, lang, size);
    const kind = layerKind(l);
    const what = kind === 'other' ? t.otherLayer(f, l.op) : t[kind](f);
    const parts = [what, t.facts(f)];
    const a = activationOf(l.name, acts);
    if (i === layers.length - 1 && (kind === 'fc' || kind === 'conv')) parts.push(t.logits(topLabel));
    else if (a) parts.push(observation(a, t, size));
    return { name: l.name, text: parts.join(lang === 'ja' ? '' : ' ') };
  });
}
