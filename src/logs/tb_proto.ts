// The subset of TensorFlow's protobuf schema that TensorBoard event files need, with the
// upstream field numbers:
//   tensorflow/core/util/event.proto        Event
//   tensorflow/core/framework/summary.proto Summary, Summary.Value, Summary.Image, HistogramProto
// session_log is written once when a run resumes from a checkpoint: TensorBoard then
// drops the events of the abandoned run past that step (its purge_orphaned_data).
// graph_def carries the model graph (./graphdef.ts), written once per event file.
// Fields we never write (log_message, audio, tensor, ...) are
// left out; protobufjs skips unknown fields when decoding, so files from other writers
// still decode. As in src/graph/onnx_proto.ts, protobufjs does all the wire encoding.
import protobuf from 'protobufjs';

const TB_PROTO = `
syntax = "proto3";
package tensorflow;

message HistogramProto {
  double min = 1;
  double max = 2;
  double num = 3;
  double sum = 4;
  double sum_squares = 5;
  // bucket(i) counts values in [bucket_limit(i-1), bucket_limit(i)); bucket 0 starts at -DBL_MAX.
  repeated double bucket_limit = 6 [packed = true];
  repeated double bucket = 7 [packed = true];
}

message Summary {
  message Image {
    int32 height = 1;
    int32 width = 2;
    // 1 grayscale, 2 grayscale+alpha, 3 RGB, 4 RGBA
    int32 colorspace = 3;
    bytes encoded_image_string = 4;
  }
  message Value {
    string node_name = 7;
    string tag = 1;
    oneof value {
      float simple_value = 2;
      Image image = 4;
      HistogramProto histo = 5;
    }
  }
  repeated Value value = 1;
}

message SessionLog {
  enum SessionStatus {
    STATUS_UNSPECIFIED = 0;
    START = 1;
    STOP = 2;
    CHECKPOINT = 3;
  }
  SessionStatus status = 1;
  string checkpoint_path = 2;
  string msg = 3;
}

message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what {
    string file_version = 3;
    // a serialised GraphDef (./graphdef_proto.ts)
    bytes graph_def = 4;
    Summary summary = 5;
    SessionLog session_log = 7;
  }
}
`;

/** Decoded/encodable shapes of the messages above (snake_case, as protobufjs keepCase gives). */
export interface HistogramProto {
  min: number;
  max: number;
  num: number;
  sum: number;
  sum_squares: number;
  bucket_limit: number[];
  bucket: number[];
}

export interface SummaryImage {
  height: number;
  width: number;
  colorspace: number;
  encoded_image_string: Uint8Array;
}

export interface SummaryValue {
  tag: string;
  simple_value?: number;
  image?: SummaryImage;
  histo?: HistogramProto;
}

export interface SessionLog {
  /** 1 START, 2 STOP, 3 CHECKPOINT (SessionLog.SessionStatus). */
  status: number;
  checkpoint_path?: string;
  msg?: string;
}

export interface TbEvent {
  wall_time: number;
  step: number;
  file_version?: string;
  /** A serialised GraphDef. */
  graph_def?: Uint8Array;
  summary?: { value: SummaryValue[] };
  session_log?: SessionLog;
}

let root: protobuf.Root | null = null;

function tbRoot(): protobuf.Root {
  root ??= protobuf.parse(TB_PROTO, { keepCase: true }).root;
  return root;
}

export function tbType(name: 'Event' | 'Summary' | 'HistogramProto'): protobuf.Type {
  return tbRoot().lookupType(`tensorflow.${name}`);
}

/** Serialise an Event; throws (naming the problem) when the object does not fit the schema. */
export function encodeEvent(ev: TbEvent): Uint8Array {
  const T = tbType('Event');
  const err = T.verify(ev);
  if (err) throw new Error(`encodeEvent: invalid Event (step ${ev.step}): ${err}`);
  return T.encode(T.fromObject(ev)).finish();
}

/** Parse one Event record into plain objects (int64 step as a number). */
export function decodeEvent(data: Uint8Array): TbEvent {
  const T = tbType('Event');
  const msg = T.decode(data);
  const o = T.toObject(msg, { longs: Number, arrays: true, defaults: false, oneofs: false }) as Partial<TbEvent>;
  const ev: TbEvent = { wall_time: o.wall_time ?? 0, step: o.step ?? 0 };
  if (o.file_version !== undefined) ev.file_version = o.file_version;
  if (o.graph_def !== undefined) ev.graph_def = o.graph_def;
  if (o.summary !== undefined) {
    ev.summary = { value: (o.summary.value ?? []).map(normaliseValue) };
  }
  if (o.session_log !== undefined) {
    const l = o.session_log as Partial<SessionLog>;
    ev.session_log = { status: l.status ?? 0, ...(l.checkpoint_path ? { checkpoint_path: l.checkpoint_path } : {}), ...(l.msg ? { msg: l.msg } : {}) };
  }
  return ev;
}

// proto3 drops zero-valued scalars on the wire; put them back so callers see whole messages.
function normaliseValue(v: Partial<SummaryValue>): SummaryValue {
  const out: SummaryValue = { tag: v.tag ?? '' };
  if (v.simple_value !== undefined) out.simple_value = v.simple_value;
  if (v.image !== undefined) {
    const im = v.image as Partial<SummaryImage>;
    out.image = {
      height: im.height ?? 0,
      width: im.width ?? 0,
      colorspace: im.colorspace ?? 0,
      encoded_image_string: im.encoded_image_string ?? new Uint8Array(0),
    };
  }
  if (v.histo !== undefined) {
    const h = v.histo as Partial<HistogramProto>;
    out.histo = {
      min: h.min ?? 0,
      max: h.max ?? 0,
      num: h.num ?? 0,
      sum: h.sum ?? 0,
      sum_squares: h.sum_squares ?? 0,
      bucket_limit: h.bucket_limit ?? [],
      bucket: h.bucket ?? [],
    };
  }
  return out;
}
