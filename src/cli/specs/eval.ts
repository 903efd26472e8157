// The table of `alexnet eval`.
import type { CommandSpec } from '../spec.js';
import { batchOption, maxPixelsOption, modelOption, PER_CORE_MAX, THREADS } from './shared.js';

export const evalSpec: CommandSpec = {
  name: 'eval',
  summary: 'top-1, top-5, loss and confusion matrix of weights on a labelled dataset',
  description:
    'Evaluates weights on a labelled dataset through the plain inference graph: top-1, top-5 (top-k below 5 classes), ' +
    'mean cross-entropy, and the confusion matrix (printed up to 30 classes; always in --json). ' +
    'Images that fail to decode are skipped and counted.',
  options: [
    modelOption(),
    { name: 'weights', short: 'w', type: 'string', value: 'FILE', defaultText: "the model's download (alexnet weights download NAME)", help: "weight file, checkpoint directory (ckpt-<step>/), or a training run's --out directory (its best checkpoint by validation top-1, else the newest)" },
    { name: 'data', type: 'string', value: 'PATH', required: true, help: 'ImageFolder, list file ("path label" per line), or IDX (a directory gives its t10k split)' },
    { name: 'input', type: 'size', value: 'HxW', defaultText: "the one the weights were trained at, else the model's", help: 'input size' },
    { name: 'global-pool', type: 'boolean', defaultText: 'as the weights were trained', help: 'alexnet_v2: average fc7 over space' },
    { name: 'classes', type: 'int', value: 'N', min: 1, defaultText: "the weights'", help: 'classes of the last layer' },
    batchOption(32, 'images per inference batch'),
    { name: 'limit', type: 'int', value: 'N', min: 1, help: 'evaluate a seeded random subset of N images' },
    THREADS,
    maxPixelsOption('skip'),
    { name: 'workers', type: 'int', value: 'N', default: 1, min: 0, max: PER_CORE_MAX, help: 'image decoding threads (0 decodes on the main thread)' },
  ],
  json: '{"images", "top1", "top5", "k", "loss", "skipped", "classes": [...], "confusion": [[...]], "weights"}',
  examples: [
    { command: 'alexnet eval --weights runs/ft --data photos_val/', caption: "A training run's best checkpoint on a validation folder" },
    { command: 'alexnet eval --model alexnet --weights alexnet.safetensors --data val/ --limit 1000 --json', caption: 'ImageNet weights on 1000 images of a validation set, as JSON' },
  ],
};
