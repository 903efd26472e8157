// The table of `alexnet classify`.
import type { CommandSpec } from '../spec.js';
import { batchOption, maxPixelsOption, modelOption, THREADS } from './shared.js';

export const classifySpec: CommandSpec = {
  name: 'classify',
  summary: 'ImageNet classes of images or folders, with pretrained weights',
  description:
    'Classifies images with pretrained weights: by default the ones `alexnet weights download NAME` keeps in $ALEXNET_HOME ' +
    '(~/.cache/alexnet-ts). The first run with a weights file builds an ORT-optimised model in $ALEXNET_HOME/cache, so later runs start fast. ' +
    'Results are printed as each batch finishes. A file that fails to decode is reported and the others are still classified; the exit status is then 1. ' +
    'Images are decoded a few at a time, at most 100 M pixels at once (a larger image alone), so memory does not grow with the number of images.',
  positionals: [{ name: 'IMAGE... | DIR', help: 'image files (JPEG, PNG, WebP, GIF, TIFF, AVIF) or folders, walked recursively' }],
  options: [
    modelOption('the model (alexnet_v2 has no published weights)'),
    { name: 'weights', short: 'w', type: 'string', value: 'FILE', defaultText: 'the downloaded weights of --model', help: ".pth, .npy, .onnx, .safetensors or Keras .h5 weights, a checkpoint, or a run directory (its best checkpoint; the run's class names label the output)" },
    { name: 'top', type: 'int', value: 'K', default: 5, min: 1, help: 'predictions per image; 1000 gives all' },
    batchOption(16, 'images per inference batch'),
    THREADS,
    maxPixelsOption('refuse'),
    { name: 'no-cache', type: 'boolean', help: 'do not keep the ORT-optimised model in $ALEXNET_HOME/cache' },
    { name: 'jsonl', type: 'boolean', help: 'one JSON object per image and line, as in --json, printed as each batch finishes (--json prints one array at the end)' },
  ],
  json:
    '[{"file", "predictions": [{"index", "wnid", "label", "probability"}]}]; a file that fails gives {"file", "error"}',
  examples: [
    { command: 'alexnet weights download alexnet\nalexnet classify cat.jpg', caption: 'The five most likely ImageNet classes of a photo' },
    { command: 'alexnet classify photos/ --top 1 --json', caption: 'The best class of every image in a folder, as JSON' },
    { command: 'alexnet classify --model bvlc_alexnet --weights bvlc_alexnet.npy cat.jpg', caption: "Classify with Caffe's weights from a file" },
  ],
};
