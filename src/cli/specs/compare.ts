// The table of `alexnet compare`.
import type { CommandSpec } from '../spec.js';
import { THREADS } from './shared.js';

export const compareSpec: CommandSpec = {
  name: 'compare',
  summary: 'models side by side on this machine: size, compute, speed, memory, accuracy; a chart',
  description:
    'Compares models: parameters, multiply-accumulates, float32 file size, depth, input size and published ImageNet accuracy, ' +
    'then, measured on this machine, ms/image and images/s at each --batch (median of timed runs after a warm-up), peak RSS and cold start, ' +
    'each model in a fresh process. Weights come from --weights-dir or the downloads in $ALEXNET_HOME; a model without weights runs with seeded random weights ' +
    'and its accuracy cells say "no weights". With --data, ImageNet-labelled images (WordNet-id folders or a `path label` list) give measured top-1/top-5; ' +
    "any other labelled folder gives a linear probe on each model's penultimate features. The table is sorted by speed and names the CPU and thread settings (docs/compare.md).",
  options: [
    { name: 'models', type: 'list', value: 'A,B,...', defaultText: 'every model', help: 'the models to compare (see alexnet models)' },
    { name: 'batch', type: 'list', value: 'N,N,...', defaultText: '1,16', help: 'batch sizes to time' },
    { name: 'data', type: 'string', value: 'DIR', help: 'labelled images: ImageNet WordNet-id folders or a `path label` list (top-1/top-5), or any class folders (linear probe)' },
    { name: 'weights-dir', type: 'string', value: 'DIR', help: 'one weights file per model, named <model>.<ext> (alexnet.pth, bvlc_alexnet.npy); otherwise the downloads' },
    { name: 'plot', type: 'string', value: 'FILE', help: 'write the accuracy-against-speed chart as FILE.svg or FILE.png' },
    { name: 'input', type: 'size', value: 'HxW', defaultText: "each model's own", help: "input size for every model (raised to a model's smallest)" },
    { name: 'runs', type: 'int', value: 'N', default: 5, min: 1, help: 'timed runs per batch size (the median is reported)' },
    { name: 'warmup', type: 'int', value: 'N', default: 2, min: 0, help: 'untimed runs per batch size before the timed ones' },
    { name: 'seed', type: 'int', value: 'N', default: 0, min: 0, help: "seed of the random weights, the timing input and the probe's split" },
    THREADS,
    { name: 'json', type: 'boolean', help: 'print the result as JSON' },
  ],
  json:
    '{"machine": {"cpu", "cores", "threads", "node", "onnxruntime"}, "models": [{"name", "params", "macs", "fileMB", "depth", "inputSize": [h, w], ' +
    '"published": {"top1", "top5", "source"}, "msPerImage": {"1": x, "16": y}, "imagesPerSec": {...}, "peakRssMB", "coldStartS", "weights", ' +
    '"top1", "top5", "probeTop1", "probeSeconds"}], "agreement": [{"a", "b", "agreement", "images"}]} (cells that do not apply are null)',
  examples: [
    { command: 'alexnet compare --models alexnet,bvlc_alexnet --batch 1 --input 127 --runs 2', caption: 'Two models at a small input, quickly (seeded weights unless downloaded)', offline: true },
    { command: 'alexnet compare --plot compare.svg', caption: 'Every model, and the chart' },
    { command: 'alexnet compare --data my_photos/ --json', caption: 'Which backbone suits my classes: a linear probe per model, as JSON' },
  ],
};
