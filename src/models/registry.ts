// Models by name. Registering a name twice is an error; asking for an unknown name
// lists the valid ones.
import { alexnetSpec } from './alexnet.js';
import { alexnetV2Spec } from './alexnet_v2.js';
import { bvlcAlexnetSpec } from './bvlc_alexnet.js';
import { inceptionResnetV2Spec } from './inception_resnet_v2.js';
import { inceptionV3Spec } from './inception_v3.js';
import { inceptionV3TorchvisionSpec } from './inception_v3_torchvision.js';
import { mobilenetSpec } from './mobilenet.js';
import { mobilenetV2Spec } from './mobilenet_v2.js';
import { resnet50Spec } from './resnet50.js';
import { resnet50TorchvisionSpec } from './resnet50_torchvision.js';
import { squeezenet11Spec } from './squeezenet1_1.js';
import type { ModelSpec } from './types.js';
import { vgg16Spec, vgg19Spec } from './vgg.js';
import { vgg16TorchvisionSpec } from './vgg16_torchvision.js';
import { xceptionSpec } from './xception.js';

const models = new Map<string, ModelSpec>();

export function registerModel(spec: ModelSpec): void {
  if (models.has(spec.name)) throw new Error(`model ${spec.name} is already registered`);
  models.set(spec.name, spec);
}

export function getModel(name: string): ModelSpec {
  const spec = models.get(name);
  if (!spec) throw new Error(`unknown model ${JSON.stringify(name)}; valid models: ${listModels().join(', ')}`);
  return spec;
}

export function listModels(): string[] {
  return [...models.keys()];
}

registerModel(alexnetV2Spec);
registerModel(alexnetSpec);
registerModel(bvlcAlexnetSpec);
registerModel(vgg16Spec);
registerModel(vgg19Spec);
registerModel(resnet50Spec);
registerModel(inceptionV3Spec);
registerModel(xceptionSpec);
registerModel(inceptionResnetV2Spec);
registerModel(mobilenetSpec);
registerModel(vgg16TorchvisionSpec);
registerModel(squeezenet11Spec);
registerModel(resnet50TorchvisionSpec);
registerModel(mobilenetV2Spec);
registerModel(inceptionV3TorchvisionSpec);
