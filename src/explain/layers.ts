// Which end point Grad-CAM reads, by the names users know.
//
// Our conv end points are post-ReLU (the layer builders fuse the ReLU), so the names of
// the ReLU modules in the reference frameworks are aliases of them: torchvision's
// AlexNet numbers its ReLUs features.1, 4, 7, 9, 11 (torchvision/models/alexnet.py,
// AlexNet.features), Caffe's deploy.prototxt names them relu1 ... relu7 (in place on
// conv1 ... fc7), and slim's conv2d includes the ReLU (alexnet_v2/conv5 is post-ReLU).
// alexnet_v2's end points may also be named without the `alexnet_v2/` scope.
import type { BuiltModel } from '../models/types.js';
import type { Feature } from '../nn/net.js';

/** The model's Grad-CAM default: the last convolution's ReLU (the choice). */
const DEFAULT_LAYER: Record<string, string> = {
  alexnet: 'features.11',
  alexnet_v2: 'conv5',
  bvlc_alexnet: 'relu5',
};

const ALIASES: Record<string, Record<string, string>> = {
  alexnet: { 'features.1': 'features.0', 'features.4': 'features.3', 'features.7': 'features.6', 'features.9': 'features.8', 'features.11': 'features.10' },
  bvlc_alexnet: { relu1: 'conv1', relu2: 'conv2', relu3: 'conv3', relu4: 'conv4', relu5: 'conv5', relu6: 'fc6', relu7: 'fc7' },
};

const spatial = (f: Feature) => f.value.shape.length === 4;

/** Spatial end points and their aliases: what --layer accepts. */
export function layerChoices(m: BuiltModel): string[] {
  const eps = Object.keys(m.endPoints).filter((k) => spatial(m.endPoints[k]!));
  const aliases = Object.entries(ALIASES[m.name] ?? {})
    .filter(([, ep]) => eps.includes(ep))
    .map(([a]) => a);
  const short = eps.filter((k) => k.startsWith(`${m.name}/`)).map((k) => k.slice(m.name.length + 1));
  return [...new Set([...eps, ...aliases, ...short])];
}

/** The default layer's name: the last convolution's ReLU, else the last spatial end point before the classifier. */
export function defaultLayer(m: BuiltModel): string {
  const d = DEFAULT_LAYER[m.name];
  if (d) return d;
  // the last spatial end point that is neither a pool nor the logits
  const eps = Object.keys(m.endPoints).filter((k) => spatial(m.endPoints[k]!) && !/pool|logits|predictions|fc8/i.test(k));
  const pick = eps.at(-1);
  if (!pick) throw new Error(`${m.name}: no spatial end point for Grad-CAM`);
  return pick;
}

/** The end point a layer name reads, or an error listing the valid names. */
export function resolveLayer(m: BuiltModel, layer: string): { name: string; endPoint: string; feature: Feature } {
  const candidates = [ALIASES[m.name]?.[layer], layer, `${m.name}/${layer}`].filter((c): c is string => c !== undefined);
  for (const c of candidates) {
    const f = m.endPoints[c];
    if (f && spatial(f)) return { name: layer, endPoint: c, feature: f };
  }
  throw new Error(`${m.name} has no spatial layer ${JSON.stringify(layer)}; valid layers: ${layerChoices(m).join(', ')}`);
}
