// Inception-ResNet blocks (Szegedy et al., arXiv:1602.07261) as
// keras_applications/inception_resnet_v2.py writes inception_resnet_block: inception
// branches concatenated (`<name>_mixed`), a 1x1 Conv2D with bias back to the input's
// channels (`<name>_conv`), the scaled residual x + scale·up (Keras's Lambda `<name>`),
// then a ReLU (`<name>_ac`) unless the block is linear.
import { add, relu } from '../layers.js';
import { dims, type Feature, type Net } from '../net.js';
import { type Branch, inceptionBranches, type InceptionUnits } from './inception.js';
import { kerasConvBn } from './keras.js';

export interface InceptionResnetBlockOptions {
  /** block35_1, block17_20, block8_10 ...: block_type + '_' + block_idx. */
  name: string;
  branches: readonly Branch[];
  /** Scale of the residual: 0.17 (block35), 0.1 (block17), 0.2 (block8), 1 for the last. */
  scale: number;
  activation: 'relu' | null;
}

export function inceptionResnetBlock(net: Net, x: Feature, u: InceptionUnits, o: InceptionResnetBlockOptions): Feature {
  const mixed = u.concat(inceptionBranches(x, o.branches, u), `${o.name}_mixed`);
  const up = kerasConvBn(net, mixed, {
    filters: dims(x).c,
    kernel: [1, 1],
    names: { conv: `${o.name}_conv`, bn: null, act: null },
    scale: true,
    training: false, // no BatchNormalization: the conv has a bias
  });
  const y = add(net, [x, up], o.name, { scales: [1, o.scale] });
  return o.activation ? relu(net, y, `${o.name}_ac`) : y;
}
