// A small ExplainResult with known values, for the report's tests (no model run).
import type { ExplainResult } from '../../src/explain/types.js';
import { float32 } from '../../src/tensor.js';

function ramp(n: number, f: (i: number) => number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => f(i));
}

function gradientImage(width: number, height: number): { data: Uint8Array; width: number; height: number } {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([(x * 255) / (width - 1), (y * 255) / (height - 1), 128], (y * width + x) * 3);
  return { data, width, height };
}

/** Two spatial end points ([4,8,8] and [2,4,4]), a vector one ([10]), 3×3 maps, random weights. */
export function fixtureResult(over: Partial<ExplainResult> = {}): ExplainResult {
  const act = (name: string, c: number, h: number, w: number, rf: number, jump: number) => {
    const data = ramp(c * h * w, (i) => Math.max(0, Math.sin(i * 0.7)) * (1 + Math.floor(i / (h * w))));
    const means = ramp(c, (k) => data.subarray(k * h * w, (k + 1) * h * w).reduce((a, b) => a + b, 0) / (h * w));
    const top = [...means.keys()].sort((a, b) => means[b]! - means[a]!);
    return { name, shape: [c, h, w], rf: [rf, rf] as [number, number], jump: [jump, jump] as [number, number], tensor: float32([c, h, w], data), channelMeans: means, topChannels: top };
  };
  const vec = ramp(10, (i) => i - 4);
  return {
    file: '/photos/cat <1>.png',
    model: 'alexnet',
    randomWeights: true,
    seed: 7,
    input: { tensor: float32([1, 3, 32, 32]), display: gradientImage(32, 32), original: gradientImage(40, 30), preprocess: 'torchvision' },
    predictions: [
      { index: 3, wnid: 'n00000003', label: 'tabby <cat> & "friends"', probability: 0.5 },
      { index: 1, label: 'dog', probability: 0.25 },
    ],
    class: 3,
    numClasses: 10,
    gradcam: [{ layer: 'features.11', endPoint: 'features.10', classIndex: 3, shape: [4, 4], map: ramp(16, (i) => i / 15) }],
    occlusion: { patch: 16, stride: 8, classIndex: 3, shape: [3, 3], map: ramp(9, (i) => (i - 2) / 20), base: 0.5 },
    activations: [
      act('features.0', 4, 8, 8, 11, 4),
      act('features.2', 2, 4, 4, 19, 8),
      { name: 'classifier.1', shape: [10], rf: [32, 32], jump: [1, 1], tensor: float32([10], vec), channelMeans: vec, topChannels: [9, 8, 7] },
    ],
    filters: { name: 'features.0.weight', tensor: float32([4, 3, 3, 3], ramp(108, (i) => Math.cos(i))), layout: 'OIHW', channelOrder: 'rgb' },
    fcn: { size: [64, 64], classIndex: 3, shape: [2, 2], map: Float32Array.of(-1, 0, 1, 2), jump: [32, 32], rf: [195, 195] },
    logitSpread: { inputs: 9, acrossInputs: 0.001, acrossClasses: 0.02, argmax: [3, 3, 3, 3, 3, 3, 3, 3, 3] },
    ...over,
  };
}
