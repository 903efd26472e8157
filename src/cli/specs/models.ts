// The table of `alexnet models`.
import type { CommandSpec } from '../spec.js';

export const modelsSpec: CommandSpec = {
  name: 'models',
  summary: 'list the models and their pretrained weights',
  description: 'Lists the models the other commands build, with their input size, channel order and the names of their pretrained weights.',
  options: [],
  json: '[{"name", "description", "source", "input": [H, W], "minSize": [H, W], "weights": [{"name", "url", "sha256", "format", "preprocess", "meta"}]}]',
  examples: [
    { command: 'alexnet models', caption: 'The three models', offline: true },
    { command: 'alexnet models --json', caption: 'The same with the weights entries (URL, hash, preprocessing), as JSON', offline: true },
  ],
};
