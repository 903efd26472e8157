// The table of `alexnet export`.
import type { CommandSpec } from '../spec.js';
import { BUILD_OPTIONS } from './shared.js';

export const exportSpec: CommandSpec = {
  name: 'export',
  summary: 'write the model as ONNX (opset 18), for ORT, onnxruntime-web, TensorRT, Triton',
  description:
    'Writes the model as one ONNX file (opset 18, written atomically) that any ONNX runtime can load: with --weights, those weights ' +
    '(classes, input size and global pooling as they were trained, unless given), else seeded random ones. ' +
    "Its input is the preprocessed tensor in the model's layout and its output the logits (softmax is classify's, not the graph's). " +
    'The batch axis is named N, so the file takes any batch size.',
  options: [
    { name: 'out', short: 'o', type: 'string', value: 'FILE', required: true, help: 'where to write the .onnx file' },
    ...BUILD_OPTIONS,
    { name: 'weights', short: 'w', type: 'string', value: 'FILE', defaultText: 'seeded random weights', help: '.pth, .npy, .onnx, .safetensors or Keras .h5 weights, a checkpoint, or a run directory (its best checkpoint)' },
    { name: 'seed', type: 'int', value: 'N', default: 0, min: 0, help: 'seed of the random weights (without --weights)' },
  ],
  json: '{"file", "bytes", "input": {"name", "shape"}, "output": {"name", "shape"}}',
  examples: [
    { command: 'alexnet export --model alexnet_v2 --classes 10 --global-pool --input 256x256 --out slim.onnx', caption: 'An alexnet_v2 with 10 classes for 256x256 input', offline: true },
  ],
};
