// alexnet-ts/logs: reading and writing a run's logs: JSON Lines (log.jsonl) and TensorBoard
// event files. Re-exports only, so that moving a module changes a path here and nothing else.
export { JsonlLogger, readJsonl } from '../logs/jsonl.js';
export type { JsonlLoggerOptions, ReadJsonlOptions } from '../logs/jsonl.js';
export { SummaryWriter } from '../logs/tensorboard.js';
export type { SummaryWriterOptions } from '../logs/tensorboard.js';
export { readEvents, scalarsByTag } from '../logs/tb_reader.js';
export type { ReadEventsOptions, ScalarPoint } from '../logs/tb_reader.js';
export type { TbEvent } from '../logs/tb_proto.js';
export { toGraphDef } from '../logs/graphdef.js';
export type { GraphDefOptions } from '../logs/graphdef.js';
export { decodeGraphDef, encodeGraphDef } from '../logs/graphdef_proto.js';
export type { AttrValue, GraphDef, NodeDef, ShapeProto } from '../logs/graphdef_proto.js';
