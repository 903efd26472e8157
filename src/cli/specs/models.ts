// The table of `alexnet models`.
import type { CommandSpec } from '../spec.js';

export const modelsSpec: CommandSpec = {
  name: 'models',
  summary: 'list the models and their pretrained weights',
  description:
    'Lists the models the other commands build: where each comes from (keras_applications, torchvision, slim or caffe), its input size and channel order, its parameters and the names of its pretrained weights. Parameters are counted as the source counts them: Keras models include the batch norms\' moving mean and variance (model.summary()\'s total), torchvision models count the trainable parameters only (their running statistics are buffers).',
  options: [],
  json: '[{"name", "source", "inputSize": [H, W], "params", "weights": [{"name", "url", "sha256", "format", "preprocess", "meta"}], "description", "definedIn", "channels", "minSize": [H, W], "preprocess", "trainableParams", "nonTrainableParams", "totalParams"}]',
  examples: [
    { command: 'alexnet models', caption: 'Every model, its source, input size, parameters and weights', offline: true },
    { command: 'alexnet models --json', caption: 'The same with the weights entries (URL, hash, preprocessing), as JSON', offline: true },
  ],
};
