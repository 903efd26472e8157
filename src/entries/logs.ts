// alexnet-ts/logs: reading and writing a run's logs: JSON Lines (log.jsonl) and TensorBoard
// event files. Re-exports only, so that moving a module changes a path here and nothing else.
export { JsonlLogger, readJsonl } from '../train/jsonl.js';
export type { JsonlLoggerOptions, ReadJsonlOptions } from '../train/jsonl.js';
export { SummaryWriter } from '../train/tensorboard.js';
export type { SummaryWriterOptions } from '../train/tensorboard.js';
export { readEvents, scalarsByTag } from '../train/tb_reader.js';
export type { ReadEventsOptions, ScalarPoint } from '../train/tb_reader.js';
export type { TbEvent } from '../train/tb_proto.js';
