// A thin wrapper over an onnxruntime-node InferenceSession: our Tensor in and out,
// thread and optimisation options, batched inference, and disposal that is safe to
// call twice. The wrapper must add no measurable cost (see `npm run bench`), so feeds
// and results are passed through without copies beyond what ORT itself makes.
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import type { DType, Tensor, TypedArrayOf } from '../tensor.js';
import { numel, shapeStr } from '../tensor.js';

export interface SessionOptions {
  /**
   * Threads inside one op (ORT's intra_op_num_threads); default one per core this process
   * may use (os.availableParallelism()). ORT's own default can choose a single thread on a
   * 2-core machine, about half the speed (see docs/design/runtime.md).
   */
  threads?: number;
  /** Threads across independent ops (only with executionMode 'parallel'). */
  interOpThreads?: number;
  executionMode?: 'sequential' | 'parallel';
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Write the optimised model here (ORT's optimizedModelFilePath), for a faster next start. */
  optimizedModelPath?: string;
  /**
   * With optimizedModelPath: put initializers of 1 KB or more in this file beside the model
   * (a name relative to it). ORT memory-maps such external data when it loads the model,
   * instead of parsing and copying 240 MB out of the protobuf.
   */
  optimizedExternalData?: string;
  /** ORT's profiler: a JSON trace named <prefix>_<date>.json. */
  profilePrefix?: string;
  logLevel?: 'verbose' | 'info' | 'warning' | 'error' | 'fatal';
  /**
   * Pre-pack constant Gemm/MatMul weights when the session starts (ORT's default). Packing
   * alexnet's weights is most of a cold start, for no measurable gain per batch
   * (docs/design/runtime.md), so a one-shot command may turn it off.
   */
  prepack?: boolean;
  /**
   * Let ORT's intra-op threads busy-wait for work after each op and after a run (ORT's
   * default). Off, they sleep: the training step turns it off because its native update
   * runs right after ORT returns, and ORT's spinning threads would take the cores from it
   * (docs/design/host-update.md).
   */
  spinning?: boolean;
}

const LOG_LEVEL = { verbose: 0, info: 1, warning: 2, error: 3, fatal: 4 } as const;

export function toOrt(t: Tensor): ort.Tensor {
  return new ort.Tensor(t.dtype as ort.Tensor.Type, t.data as ort.Tensor.DataType, t.shape as number[]);
}

export function fromOrt(v: ort.Tensor): Tensor {
  const dtype = v.type as DType;
  return { dtype, shape: [...v.dims], data: v.data as TypedArrayOf<typeof dtype> };
}

export class Session {
  private released = false;

  private constructor(
    readonly ort: ort.InferenceSession,
    readonly inputNames: readonly string[],
    readonly outputNames: readonly string[],
  ) {}

  /** Load a model from ONNX bytes or a file path. */
  static async create(model: Uint8Array | string, opts: SessionOptions = {}): Promise<Session> {
    const o: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: opts.optimization ?? 'all',
      executionMode: opts.executionMode ?? 'sequential',
      logSeverityLevel: LOG_LEVEL[opts.logLevel ?? 'error'],
    };
    o.intraOpNumThreads = opts.threads ?? availableParallelism();
    if (opts.interOpThreads) o.interOpNumThreads = opts.interOpThreads;
    if (opts.optimizedModelPath) o.optimizedModelFilePath = opts.optimizedModelPath;
    const config: Record<string, string> = {};
    if (opts.prepack === false) config['disable_prepacking'] = '1';
    if (opts.spinning === false) config['intra_op.allow_spinning'] = '0';
    if (opts.optimizedExternalData) {
      config['optimized_model_external_initializers_file_name'] = opts.optimizedExternalData;
      config['optimized_model_external_initializers_min_size_in_bytes'] = '1024';
    }
    if (Object.keys(config).length) o.extra = { session: config };
    if (opts.profilePrefix) {
      o.enableProfiling = true;
      o.profileFilePrefix = opts.profilePrefix;
    }
    let s: ort.InferenceSession;
    try {
      s = typeof model === 'string' ? await ort.InferenceSession.create(model, o) : await ort.InferenceSession.create(model, o);
    } catch (e) {
      const what = typeof model === 'string' ? model : `${model.byteLength}-byte model`;
      throw new Error(`onnxruntime could not load ${what}: ${(e as Error).message}`);
    }
    return new Session(s, s.inputNames, s.outputNames);
  }

  /** Run once. Fetches default to every output. */
  async run(feeds: Record<string, Tensor>, fetches?: readonly string[]): Promise<Record<string, Tensor>> {
    if (this.released) throw new Error('session: run after dispose');
    const f: Record<string, ort.Tensor> = {};
    for (const name of this.inputNames) {
      const t = feeds[name];
      if (!t) throw new Error(`session: missing input ${name}; inputs are ${this.inputNames.join(', ')}`);
      f[name] = toOrt(t);
    }
    for (const name of Object.keys(feeds)) {
      if (!this.inputNames.includes(name)) throw new Error(`session: unknown input ${name}; inputs are ${this.inputNames.join(', ')}`);
    }
    const out = fetches ? await this.ort.run(f, fetches as string[]) : await this.ort.run(f);
    const res: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(out)) res[k] = fromOrt(v as ort.Tensor);
    return res;
  }

  /**
   * Run a large batch in slices of `batchSize` along axis 0 of `inputName`, feeding the
   * other inputs unchanged, and stitch the outputs back together along axis 0.
   */
  async runBatched(
    feeds: Record<string, Tensor>,
    inputName: string,
    batchSize: number,
    onBatch?: (done: number, total: number) => void,
  ): Promise<Record<string, Tensor>> {
    const x = feeds[inputName];
    if (!x) throw new Error(`session: missing input ${inputName}`);
    if (!(batchSize >= 1)) throw new Error(`session: batch size must be >= 1, got ${batchSize}`);
    const n = x.shape[0]!;
    const per = numel(x.shape.slice(1));
    const parts: Record<string, Tensor[]> = {};
    for (let i = 0; i < n; i += batchSize) {
      const m = Math.min(batchSize, n - i);
      const data = (x.data as Float32Array).subarray(i * per, (i + m) * per);
      const out = await this.run({ ...feeds, [inputName]: { dtype: x.dtype, shape: [m, ...x.shape.slice(1)], data } as Tensor });
      for (const [k, v] of Object.entries(out)) (parts[k] ??= []).push(v);
      onBatch?.(i + m, n);
    }
    const res: Record<string, Tensor> = {};
    for (const [k, list] of Object.entries(parts)) res[k] = concat0(list, k);
    return res;
  }

  /** Release ORT's native resources. Safe to call more than once. */
  async dispose(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.ort.release();
  }

  endProfiling(): void {
    this.ort.endProfiling();
  }
}

function concat0(list: Tensor[], name: string): Tensor {
  if (list.length === 1) return list[0]!;
  const first = list[0]!;
  const rest = first.shape.slice(1);
  let total = 0;
  for (const t of list) {
    if (t.dtype !== first.dtype || shapeStr(t.shape.slice(1)) !== shapeStr(rest)) {
      throw new Error(`session: output ${name} changes shape across batches: ${shapeStr(first.shape)} vs ${shapeStr(t.shape)}`);
    }
    total += t.data.length;
  }
  const Ctor = first.data.constructor as new (n: number) => Float32Array;
  const data = new Ctor(total);
  let off = 0;
  for (const t of list) {
    data.set(t.data as Float32Array, off);
    off += t.data.length;
  }
  return { dtype: first.dtype, shape: [total / numel(rest), ...rest], data } as Tensor;
}
