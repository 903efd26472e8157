// The subset of TensorFlow's GraphDef schema that TensorBoard's Graphs tab reads, with the
// upstream field numbers:
//   tensorflow/core/framework/graph.proto        GraphDef
//   tensorflow/core/framework/node_def.proto     NodeDef
//   tensorflow/core/framework/attr_value.proto   AttrValue, AttrValue.ListValue
//   tensorflow/core/framework/tensor_shape.proto TensorShapeProto
//   tensorflow/core/framework/versions.proto     VersionDef
// An Event carries the serialised GraphDef in its graph_def field (bytes, field 4).
import protobuf from 'protobufjs';

const GRAPH_PROTO = `
syntax = "proto3";
package tensorflow;

message TensorShapeProto {
  message Dim {
    int64 size = 1;
    string name = 2;
  }
  repeated Dim dim = 2;
  bool unknown_rank = 3;
}

message AttrValue {
  message ListValue {
    repeated bytes s = 2;
    repeated int64 i = 3 [packed = true];
    repeated float f = 4 [packed = true];
    repeated TensorShapeProto shape = 7;
  }
  oneof value {
    bytes s = 2;
    int64 i = 3;
    float f = 4;
    bool b = 5;
    TensorShapeProto shape = 7;
    ListValue list = 1;
  }
}

message NodeDef {
  string name = 1;
  string op = 2;
  repeated string input = 3;
  string device = 4;
  map<string, AttrValue> attr = 5;
}

message VersionDef {
  int32 producer = 1;
  int32 min_consumer = 2;
}

message GraphDef {
  repeated NodeDef node = 1;
  VersionDef versions = 4;
}
`;

export interface ShapeProto {
  dim?: { size: number; name?: string }[];
  unknown_rank?: boolean;
}

export interface AttrValue {
  s?: Uint8Array;
  i?: number;
  f?: number;
  b?: boolean;
  shape?: ShapeProto;
  list?: { s?: Uint8Array[]; i?: number[]; f?: number[]; shape?: ShapeProto[] };
}

export interface NodeDef {
  name: string;
  op: string;
  input: string[];
  attr: Record<string, AttrValue>;
}

export interface GraphDef {
  node: NodeDef[];
  versions?: { producer: number; min_consumer?: number };
}

let root: protobuf.Root | null = null;

function graphDefType(): protobuf.Type {
  root ??= protobuf.parse(GRAPH_PROTO, { keepCase: true }).root;
  return root.lookupType('tensorflow.GraphDef');
}

/** Serialise a GraphDef; throws (naming the problem) when the object does not fit the schema. */
export function encodeGraphDef(g: GraphDef): Uint8Array {
  const T = graphDefType();
  const err = T.verify(g);
  if (err) throw new Error(`encodeGraphDef: invalid GraphDef: ${err}`);
  return T.encode(T.fromObject(g)).finish();
}

/** Parse a serialised GraphDef into plain objects (int64 as numbers). */
export function decodeGraphDef(data: Uint8Array): GraphDef {
  const T = graphDefType();
  const o = T.toObject(T.decode(data), { longs: Number, arrays: true, objects: true, defaults: false }) as GraphDef;
  for (const n of o.node) {
    n.input ??= [];
    n.attr ??= {};
  }
  return o;
}
