// The table of `alexnet weights` and its subcommands.
import type { CommandSpec } from '../spec.js';
import { modelOption } from './shared.js';

const download: CommandSpec = {
  name: 'download',
  summary: "fetch a published weights file by name, check its hash, convert it to safetensors in $ALEXNET_HOME/weights",
  description:
    "Fetches NAME's published file (progress on stderr), checks the hash its source publishes (torchvision's SHA-256 prefix, Keras's MD5), " +
    'converts it once to safetensors with a JSON config ' +
    'in $ALEXNET_HOME/weights (default ~/.cache/alexnet-ts), and builds the ORT-optimised model so the first classify starts warm.',
  positionals: [{ name: 'NAME', help: 'a weights entry of alexnet models: alexnet or bvlc_alexnet' }],
  options: [
    { name: 'url', type: 'string', value: 'URL', help: "fetch from a mirror of the same file instead (the entry's hash is checked)" },
    { name: 'sha256', type: 'string', value: 'PREFIX', defaultText: "the entry's hash", help: "expected prefix of the file's SHA-256, checked instead of the entry's hash" },
    { name: 'allow-unverified', type: 'boolean', help: 'take a file nothing verifies: an entry whose source publishes no hash (bvlc_alexnet), without --sha256' },
    { name: 'force', type: 'boolean', help: 'fetch again even if the weights are cached' },
    { name: 'keep-original', type: 'boolean', help: 'keep the downloaded file in $ALEXNET_HOME/downloads' },
  ],
  json: '{"name", "model", "file", "numClasses"}, or {"name", "file", "cached": true} when already cached',
  examples: [{ command: 'alexnet weights download alexnet', caption: "The ImageNet weights of torchvision's alexnet" }],
};

const importSpec: CommandSpec = {
  name: 'import',
  summary: 'convert a .pth, .npy, .onnx, .safetensors or Keras .h5 file for a model to safetensors + JSON config',
  description:
    'Reads a weight file in any supported format (pickles are parsed, never executed), maps its tensors to the model, checks every shape, ' +
    'and writes safetensors with a JSON config beside it. Written to $ALEXNET_HOME/weights/<model>.safetensors, it is what classify uses by default, offline.',
  positionals: [{ name: 'FILE', help: 'the weight file' }],
  options: [
    { ...modelOption('the model the weights are for'), required: true, default: undefined },
    { name: 'out', short: 'o', type: 'string', value: 'FILE.safetensors', defaultText: "where `weights download` puts the model's weights, so a plain classify uses them", help: 'where to write (the JSON config goes beside it)' },
    { name: 'labels', type: 'string', value: 'FILE', defaultText: "ImageNet's for 1000 classes, else class_<i>", help: 'one class label per line, for weights with other classes than ImageNet\'s' },
  ],
  json: '{"file", "model", "numClasses", "params"}',
  examples: [
    { command: 'alexnet weights import bvlc_alexnet.npy --model bvlc_alexnet --out bvlc.safetensors', caption: "Convert kratzert's Caffe weights" },
    { command: 'alexnet weights import alexnet-owt-7be5be79.pth --model alexnet', caption: 'Install a file fetched elsewhere into $ALEXNET_HOME, so that a plain classify works offline' },
  ],
};

const list: CommandSpec = {
  name: 'list',
  summary: 'list the weights in $ALEXNET_HOME/weights, and the size of the classify cache',
  description:
    'Lists the weights, then the ORT-optimised models classify keeps in $ALEXNET_HOME/cache (about 230 MB per weights file): their total size and bound. ' +
    'Past the bound, $ALEXNET_CACHE_MB megabytes (default 2048), the least recently used are removed.',
  options: [],
  json: '[{"name", "model", "classes", "file"}]',
  examples: [{ command: 'alexnet weights list', caption: 'What is cached (nothing yet in a fresh $ALEXNET_HOME)', offline: true }],
};

const clearCache: CommandSpec = {
  name: 'clear-cache',
  summary: 'remove the ORT-optimised models classify keeps in $ALEXNET_HOME/cache',
  description: 'Frees the disk space of the classify cache; the weights stay. The next classify with a weights file builds its entry again (a few seconds).',
  options: [],
  json: '{"removed", "bytes"}',
  examples: [{ command: 'alexnet weights clear-cache', caption: 'Empty the classify cache', offline: true }],
};

export const weightsSpec: CommandSpec = {
  name: 'weights',
  summary: 'download pretrained weights by name, import any weight file, list the cache, clear the classify cache',
  description: 'Everything ends up in the bundle format: safetensors with a JSON config beside it (model, classes, labels, preprocessing).',
  options: [],
  subcommands: [download, importSpec, list, clearCache],
};
