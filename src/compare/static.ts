// The columns of the comparison that need no measuring: counted from the model's graph
// and layer table, or copied from its weights entry; and the machine's description.
import { availableParallelism, cpus } from 'node:os';
import * as ort from 'onnxruntime-node';
import { countParams } from '../models/params.js';
import type { ModelSpec } from '../models/types.js';
import type { Machine, PublishedAccuracy } from './types.js';

export interface StaticColumns {
  params: number;
  macs: number;
  fileMB: number;
  depth: number;
  inputSize: [number, number];
  published: PublishedAccuracy | null;
}

/** The published ImageNet figures of the model's first weights entry, with their source. */
export function publishedAccuracy(spec: ModelSpec): PublishedAccuracy | null {
  const m = spec.weights[0]?.meta.metrics;
  return m ? { top1: m.top1, top5: m.top5, source: m.source } : null;
}

/**
 * Parameters (every graph parameter, trainable or not), multiply-accumulates per image
 * (the sum of the layer table's column, as `alexnet summary` prints it), the float32 file
 * size, depth (layer-table rows with parameters) and the input size.
 */
export function staticColumns(spec: ModelSpec, inputSize: [number, number] = spec.defaultImageSize): StaticColumns {
  const m = spec.build({ batch: 1, inputSize });
  const params = countParams(m);
  return {
    params,
    macs: m.layers.reduce((n, l) => n + l.macs, 0),
    fileMB: Math.round(((params * 4) / 2 ** 20) * 10) / 10,
    depth: m.layers.filter((l) => l.params > 0).length,
    inputSize: [...inputSize],
    published: publishedAccuracy(spec),
  };
}

/** The CPU, its logical cores, the ORT threads used and the runtime versions. */
export function machineInfo(threads: number): Machine {
  const cpu = cpus()[0]?.model.trim() || 'unknown CPU';
  return { cpu, cores: availableParallelism(), threads, node: process.versions.node, onnxruntime: ort.env.versions.node ?? ort.env.versions.common };
}

/** The batch size the table sorts by and the chart plots: 16 when timed, else the largest. */
export function referenceBatch(batch: readonly number[]): number {
  return batch.includes(16) ? 16 : Math.max(...batch);
}
