// The table of `alexnet run`.
import type { CommandSpec } from '../spec.js';
import { batchOption, BUILD_OPTIONS, THREADS } from './shared.js';

export const runSpec: CommandSpec = {
  name: 'run',
  summary: 'random input through a model with seeded weights; print the predicted classes',
  description:
    "Builds the model with seeded random weights, feeds it uniform random input and prints the input's shape " +
    'and one predicted class per image: a check that a model builds and runs, needing no weights or data.',
  options: [
    ...BUILD_OPTIONS,
    batchOption(2, 'images in the batch'),
    { name: 'seed', type: 'int', value: 'N', default: 0, min: 0, help: 'seed of the weights and of the input' },
    THREADS,
  ],
  json: '{"inputShape": [...], "logitsShape": [...], "predictions": [...]} ("featuresShape" with --classes 0)',
  examples: [
    { command: 'alexnet run --model alexnet_v2 --batch 2 --input 300x400 --classes 50 --global-pool', caption: "TF-slim's demo: a 300x400 batch through alexnet_v2", offline: true },
    { command: 'alexnet run --batch 1 --json', caption: 'One image through alexnet, as JSON', offline: true },
  ],
};
