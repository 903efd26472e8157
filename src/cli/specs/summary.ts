// The table of `alexnet summary`.
import type { CommandSpec } from '../spec.js';
import { BUILD_OPTIONS } from './shared.js';

export const summarySpec: CommandSpec = {
  name: 'summary',
  summary: 'layer table: output shapes, parameters, multiply-accumulates, receptive fields',
  description:
    "Prints every layer of the model: its operation, kernel, stride and padding, output shape (batch 1, in the model's layout), " +
    'parameters, multiply-accumulates per image and receptive field, then the totals.',
  options: BUILD_OPTIONS,
  json:
    '{"model", "input": [...], "layers": [{"name", "op", "kernel", "stride", "padding", "outputShape" (NHWC), "params", "macs", "receptiveField"}], "trainableParams", "nonTrainableParams", "totalParams" (their sum, as Keras counts), "totalMacs"}',
  examples: [
    { command: 'alexnet summary', caption: 'The layers of alexnet at 224x224', offline: true },
    { command: 'alexnet summary --model alexnet_v2 --input 300x400 --global-pool --json', caption: 'The layers of alexnet_v2 on a 300x400 input, as JSON', offline: true },
  ],
};
