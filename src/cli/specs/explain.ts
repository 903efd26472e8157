// The table of `alexnet explain`.
import type { CommandSpec } from '../spec.js';
import { explainUnitsSpec } from './explain_units.js';
import { modelOption, THREADS } from './shared.js';

export const explainSpec: CommandSpec = {
  name: 'explain',
  summary: 'what a model sees in one image: Grad-CAM, occlusion, feature maps, filters, a report',
  description:
    'Runs one image through a model and writes a report a browser opens offline (DIR/index.html and its PNG files): the input as the ' +
    'model sees it, the top-5 classes, Grad-CAM for the top class (and --class), occlusion sensitivity, the feature maps of every layer, ' +
    "the first convolution's filters, the fully convolutional class map, and a walk-through of the layers. Weights: --weights, else the " +
    "model's downloaded weights, else seeded random weights (the report then shows how little the logits vary across inputs). " +
    'docs/explain.md defines each map.',
  positionals: [{ name: 'IMAGE', help: 'an image file (JPEG, PNG, WebP, GIF, TIFF, AVIF)' }],
  options: [
    modelOption(),
    { name: 'weights', short: 'w', type: 'string', value: 'FILE', defaultText: 'the downloaded weights of --model, else random', help: '.pth, .npy, .onnx or .safetensors weights, a checkpoint, or a run directory' },
    { name: 'class', type: 'string', value: 'K|LABEL', help: 'a second class for Grad-CAM: an index, a label (e.g. "tabby") or a WordNet id' },
    { name: 'layer', type: 'string', value: 'NAME', defaultText: 'the last conv ReLU: features.11, conv5, relu5', help: "Grad-CAM's layer: an end point or its ReLU's name" },
    { name: 'patch', type: 'int', value: 'N', default: 32, min: 1, help: 'occlusion square, in input pixels' },
    { name: 'stride', type: 'int', value: 'N', default: 16, min: 1, help: "occlusion square's step" },
    { name: 'out', short: 'o', type: 'string', value: 'DIR', defaultText: 'explain-<image name>', help: 'the report folder' },
    { name: 'lang', type: 'choice', value: 'LANG', default: 'en', choices: ['en', 'ja'], help: "the report's language" },
    { name: 'seed', type: 'int', value: 'N', default: 0, min: 0, help: 'seed of the random weights, without weights' },
    THREADS,
  ],
  json:
    '{"file", "model", "randomWeights", "predictions": [{"index", "wnid", "label", "probability"}], "class", ' +
    '"gradcam": {"layer", "classIndex", "shape": [h, w], "map": [[...]]}, "gradcamClass" (with --class, the same), ' +
    '"occlusion": {"patch", "stride", "shape", "map": [[...]]}, "report": "DIR/index.html"}',
  examples: [
    { command: 'alexnet weights download alexnet\nalexnet explain cat.jpg', caption: 'A report on what AlexNet sees in a photo, in explain-cat/index.html' },
    { command: 'alexnet explain cat.jpg --class "tiger cat" --lang ja', caption: 'Grad-CAM for a chosen class too, the text in Japanese' },
    { command: 'alexnet explain --model alexnet_v2 cat.jpg --json', caption: "Random weights: the maps as JSON, and why every image gets the same class" },
  ],
  subcommands: [explainUnitsSpec],
};
