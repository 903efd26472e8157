// The table of `alexnet explain units`.
import type { CommandSpec } from '../spec.js';
import { batchOption, modelOption, THREADS } from './shared.js';

export const explainUnitsSpec: CommandSpec = {
  name: 'units',
  summary: "the images of a folder that excite each channel of a layer most, cropped to the receptive field (Zeiler & Fergus, fig. 2)",
  description:
    "Streams the folder's images through the model in batches (a progress bar on stderr) and keeps, for every channel of --layer, the " +
    "--top images whose largest response in that channel is highest. Writes a gallery a browser opens offline (DIR/index.html): per " +
    'channel its top images, each cropped to the receptive field of its strongest position and framed. Memory holds the top images ' +
    'of each channel, not the folder. Weights as for explain.',
  positionals: [{ name: 'DIR', help: 'a folder of images (subfolders included)' }],
  options: [
    modelOption(),
    { name: 'weights', short: 'w', type: 'string', value: 'FILE', defaultText: 'the downloaded weights of --model, else random', help: '.pth, .npy, .onnx or .safetensors weights, a checkpoint, or a run directory' },
    { name: 'layer', type: 'string', value: 'NAME', defaultText: 'the last conv ReLU: features.11, conv5, relu5', help: 'the layer whose channels are shown: an end point or its ReLU\'s name' },
    { name: 'top', type: 'int', value: 'N', default: 9, min: 1, max: 100, help: 'images per channel' },
    batchOption(16, 'images per forward pass'),
    { name: 'out', short: 'o', type: 'string', value: 'DIR', defaultText: 'units-<layer>', help: 'the gallery folder' },
    { name: 'lang', type: 'choice', value: 'LANG', default: 'en', choices: ['en', 'ja'], help: "the gallery's language" },
    { name: 'seed', type: 'int', value: 'N', default: 0, min: 0, help: 'seed of the random weights, without weights' },
    THREADS,
  ],
  json: '{"model", "layer", "shape": [channels, h, w], "rf", "files", "failed": [{"file", "error"}], "units": [[{"file", "value", "row", "col", "box": {"x0", "x1", "y0", "y1"}}]], "report"}',
  examples: [
    { command: 'alexnet explain units photos/ --layer conv5 --model bvlc_alexnet', caption: "The 9 photos that excite each of conv5's 256 channels most" },
    { command: 'alexnet explain units photos/ --layer features.4 --top 4 --lang ja', caption: 'A lower layer, 4 photos per channel, the text in Japanese' },
  ],
};
