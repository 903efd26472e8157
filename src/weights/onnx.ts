// Initializers of an ONNX model as tensors.
//
// TensorProto semantics per onnx/onnx.proto: data is either `raw_data` (little-endian,
// row-major) or one typed repeated field chosen by data_type -- float_data for FLOAT,
// double_data for DOUBLE, int64_data for INT64, and int32_data for INT32, INT8, UINT8,
// BOOL and FLOAT16 (the latter as raw half bits in the low 16 bits). data_location
// EXTERNAL means the bytes live in another file named by external_data['location'].
import { ONNX_TO_DTYPE } from '../graph/ops/math.js';
import { onnxType } from '../graph/onnx_proto.js';
import type { DType, Tensor, TypedArrayOf } from '../tensor.js';
import { BYTES_PER_ELEMENT, numel, shapeStr } from '../tensor.js';
import { checkShape, setOwn, typedFromBytes } from './typed.js';

// protobufjs decodes int64 as Long objects when the `long` package is present, else numbers.
interface Long {
  toString(): string;
}

interface TensorProtoMsg {
  name?: string;
  dims?: (number | Long)[];
  data_type?: number;
  raw_data?: Uint8Array;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: (number | Long)[];
  double_data?: number[];
  uint64_data?: (number | Long)[];
  data_location?: number;
  external_data?: { key?: string; value?: string }[];
}

interface ModelProtoMsg {
  ir_version?: number | Long;
  producer_name?: string;
  producer_version?: string;
  opset_import?: unknown[];
  graph?: { initializer?: TensorProtoMsg[] };
  metadata_props?: { key?: string; value?: string }[];
}

export interface OnnxWeights {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

function big(v: number | Long): bigint {
  return typeof v === 'number' ? BigInt(v) : BigInt(v.toString());
}

/** Decode bytes as a ModelProto, or throw naming the file. */
export function decodeOnnxModel(bytes: Uint8Array, file = '<onnx>'): ModelProtoMsg {
  let m: ModelProtoMsg;
  try {
    m = onnxType('ModelProto').decode(bytes) as unknown as ModelProtoMsg;
  } catch (err) {
    throw new Error(`${file}: not a valid ONNX model: ${(err as Error).message}`);
  }
  // A ModelProto always has an IR version, a graph and an opset; a truncated file
  // or unrelated protobuf typically lacks one of them.
  if (!m.ir_version || !m.graph || !m.opset_import?.length) {
    throw new Error(`${file}: not a valid ONNX model (missing ${!m.ir_version ? 'ir_version' : !m.graph ? 'graph' : 'opset_import'})`);
  }
  return m;
}

function fromTyped<D extends DType>(dtype: D, n: number, p: TensorProtoMsg, what: string): TypedArrayOf<D> {
  const check = (len: number, field: string) => {
    if (len !== n) throw new Error(`${what}: ${field} has ${len} values, dims need ${n}`);
  };
  switch (dtype) {
    case 'float32':
      check(p.float_data?.length ?? 0, 'float_data');
      return Float32Array.from(p.float_data ?? []) as TypedArrayOf<D>;
    case 'float64':
      check(p.double_data?.length ?? 0, 'double_data');
      return Float64Array.from(p.double_data ?? []) as TypedArrayOf<D>;
    case 'int64':
      check(p.int64_data?.length ?? 0, 'int64_data');
      return BigInt64Array.from((p.int64_data ?? []).map(big)) as TypedArrayOf<D>;
    case 'int32':
      check(p.int32_data?.length ?? 0, 'int32_data');
      return Int32Array.from(p.int32_data ?? []) as TypedArrayOf<D>;
    case 'float16':
      check(p.int32_data?.length ?? 0, 'int32_data');
      return Uint16Array.from(p.int32_data ?? []) as TypedArrayOf<D>;
    case 'int8':
      check(p.int32_data?.length ?? 0, 'int32_data');
      return Int8Array.from(p.int32_data ?? []) as TypedArrayOf<D>;
    default: // uint8, bool
      check(p.int32_data?.length ?? 0, 'int32_data');
      return Uint8Array.from(p.int32_data ?? []) as TypedArrayOf<D>;
  }
}

export function tensorFromProto(p: TensorProtoMsg, file: string): Tensor {
  const name = p.name ?? '';
  const what = `${file}: initializer ${name}`;
  if (p.data_location === 1) {
    const loc = p.external_data?.find((e) => e.key === 'location')?.value ?? '?';
    throw new Error(
      `${what} stores its data in external file ${JSON.stringify(loc)}; external data is not supported, save the model with all tensors inside the .onnx file`,
    );
  }
  const dtype = ONNX_TO_DTYPE[p.data_type ?? 0];
  if (!dtype) throw new Error(`${what} has unsupported ONNX data_type ${p.data_type}`);
  const shape = checkShape((p.dims ?? []).map(big), what);
  const n = numel(shape);
  const raw = p.raw_data;
  if (raw && raw.length > 0) {
    const need = n * BYTES_PER_ELEMENT[dtype];
    if (raw.length !== need) throw new Error(`${what}: ${dtype} ${shapeStr(shape)} needs ${need} bytes of raw_data, found ${raw.length}`);
    return { dtype, shape, data: typedFromBytes(dtype, raw, n, false, what) };
  }
  return { dtype, shape, data: fromTyped(dtype, n, p, what) };
}

/** Initializers of an ONNX model, plus metadata_props and producer as metadata. */
export function readOnnx(bytes: Uint8Array, file = '<onnx>'): OnnxWeights {
  const m = decodeOnnxModel(bytes, file);
  const tensors = new Map<string, Tensor>();
  for (const p of m.graph!.initializer ?? []) {
    const name = p.name ?? '';
    if (tensors.has(name)) throw new Error(`${file}: duplicate initializer ${name}`);
    tensors.set(name, tensorFromProto(p, file));
  }
  const metadata: Record<string, string> = {};
  if (m.producer_name) metadata['producer_name'] = m.producer_name;
  if (m.producer_version) metadata['producer_version'] = m.producer_version;
  for (const kv of m.metadata_props ?? []) if (kv.key) setOwn(metadata, kv.key, kv.value ?? '');
  return { tensors, metadata };
}
