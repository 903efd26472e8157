// Which family a model comes from, and its parameter count as that family counts it.
import { paramCounts } from './params.js';
import type { BuiltModel, ModelSpec } from './types.js';

export const MODEL_SOURCES = ['keras_applications', 'torchvision', 'slim', 'caffe'] as const;
export type ModelSource = (typeof MODEL_SOURCES)[number];

/** The family from ModelSpec.source, the file that defines the architecture. */
export function modelSource(spec: ModelSpec): ModelSource {
  const s = spec.source;
  if (s.startsWith('keras_applications/')) return 'keras_applications';
  if (s.startsWith('torchvision/')) return 'torchvision';
  if (s.includes('research/slim/')) return 'slim';
  if (s.startsWith('Caffe ')) return 'caffe';
  throw new Error(`${spec.name}: source "${s}" names none of ${MODEL_SOURCES.join(', ')}`);
}

/**
 * The parameter count the source publishes: Keras's model.summary() total (batch norms'
 * moving statistics included); torchvision's num_params (trainable only, its running
 * statistics are buffers). slim's and Caffe's AlexNets have no batch norm, so both agree.
 */
export function sourceParams(spec: ModelSpec, built: BuiltModel = spec.build()): number {
  const c = paramCounts(built);
  return modelSource(spec) === 'torchvision' ? c.trainableParams : c.totalParams;
}
