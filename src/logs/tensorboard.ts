// A TensorBoard event-file writer: scalars, histograms, PNG images and the model graph as legacy
// tensorflow.Summary values, each wrapped in a tensorflow.Event and framed as a TFRecord
// (see tb_proto.ts and tfrecord.ts for the formats).
//
// File naming follows TF's EventsWriter (tensorflow/core/util/events_writer.cc):
// events.out.tfevents.<unix seconds>.<hostname>.<pid>.<n>, where TensorBoard only
// requires the "tfevents" part; <n> is a per-process counter so two writers opened in the
// same second never collide. The first record is an Event whose file_version is
// "brain.Event:2", which is how readers recognise the file.
import { closeSync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { histogramProto } from './histogram.js';
import { encodeEvent, type SummaryValue, type TbEvent } from './tb_proto.js';
import { TFRecordWriter } from './tfrecord.js';

export const FILE_VERSION = 'brain.Event:2';

export interface SummaryWriterOptions {
  /** Flush queued events at least this often (seconds). Default 2. */
  flushSecs?: number;
  /** Flush as soon as this many bytes are queued. Default 1 MiB. */
  maxQueueBytes?: number;
  /** Wall clock in milliseconds since the epoch (tests inject a fake). Default Date.now. */
  now?: () => number;
  /** Appended to the file name, e.g. ".train". */
  filenameSuffix?: string;
}

let fileCounter = 0;

// Writers still open at process exit get their queue written (synchronously) so a run
// that ends without close() keeps its last events. One listener for all writers.
const openWriters = new Set<SummaryWriter>();
let exitHook = false;

function flushAllOnExit(): void {
  for (const w of openWriters) {
    try {
      w.flush();
    } catch {
      // exiting anyway; nothing useful to do with the error here
    }
  }
}

function checkStep(step: number, what: string): void {
  if (!Number.isSafeInteger(step) || step < 0) throw new Error(`SummaryWriter.${what}: step must be a non-negative integer, got ${step}`);
}

export class SummaryWriter {
  /** Full path of the event file. */
  readonly path: string;
  private readonly records: TFRecordWriter;
  private fd: number;
  private readonly now: () => number;
  private readonly maxQueueBytes: number;
  private timer: NodeJS.Timeout | null;
  private timerError: unknown = null;

  constructor(readonly logdir: string, opts: SummaryWriterOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.maxQueueBytes = opts.maxQueueBytes ?? 1 << 20;
    const flushSecs = opts.flushSecs ?? 2;
    if (!(flushSecs > 0)) throw new Error(`SummaryWriter: flushSecs must be > 0, got ${flushSecs}`);
    mkdirSync(logdir, { recursive: true });
    const start = this.now(); // one reading: the file name and first record agree
    const secs = Math.floor(start / 1000);
    const name = `events.out.tfevents.${secs}.${hostname()}.${process.pid}.${fileCounter++}${opts.filenameSuffix ?? ''}`;
    this.path = join(logdir, name);
    this.fd = openSync(this.path, 'wx'); // never append to someone else's file
    this.records = new TFRecordWriter(this.fd, this.path);
    this.write({ wall_time: start / 1000, step: 0, file_version: FILE_VERSION });
    this.flush();
    this.timer = setInterval(() => {
      try {
        this.flush();
      } catch (e) {
        // Surfaced by the next call on this writer rather than crashing the process from a timer.
        this.timerError ??= e;
      }
    }, flushSecs * 1000);
    this.timer.unref();
    openWriters.add(this);
    if (!exitHook) {
      process.on('exit', flushAllOnExit);
      exitHook = true;
    }
  }

  get closed(): boolean {
    return this.fd < 0;
  }

  private ensureOpen(what: string): void {
    if (this.fd < 0) throw new Error(`SummaryWriter.${what}: ${this.path} is closed`);
    if (this.timerError) {
      const e = this.timerError;
      this.timerError = null;
      throw new Error(`SummaryWriter: background flush of ${this.path} failed: ${(e as Error).message ?? e}`);
    }
  }

  private write(ev: TbEvent): void {
    this.records.append(encodeEvent(ev));
    if (this.records.bufferedBytes >= this.maxQueueBytes) this.flush();
  }

  private summary(value: SummaryValue, step: number): void {
    this.write({ wall_time: this.now() / 1000, step, summary: { value: [value] } });
  }

  /** A scalar; TensorBoard stores it as float32 (Summary.Value.simple_value). */
  scalar(tag: string, value: number, step: number): void {
    this.ensureOpen('scalar');
    checkStep(step, 'scalar');
    if (typeof value !== 'number') throw new Error(`SummaryWriter.scalar(${tag}): value must be a number, got ${typeof value}`);
    this.summary({ tag, simple_value: value }, step);
  }

  /** A histogram of values with TF's default exponential buckets (see histogram.ts). Throws on NaN/Inf. */
  /** The model graph (a serialised GraphDef, ./graphdef.ts) for TensorBoard's Graphs tab. */
  graph(graphDef: Uint8Array): void {
    this.ensureOpen('graph');
    this.write({ wall_time: this.now() / 1000, step: 0, graph_def: graphDef });
  }

  histogram(tag: string, values: Float32Array | Float64Array | readonly number[], step: number): void {
    this.ensureOpen('histogram');
    checkStep(step, 'histogram');
    this.summary({ tag, histo: histogramProto(values, { label: tag }) }, step);
  }

  /**
   * An already-encoded PNG. height/width must match the PNG's IHDR (TensorBoard shows
   * the declared size); channels is the colorspace: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA.
   */
  image(tag: string, png: Uint8Array, height: number, width: number, step: number, channels = 3): void {
    this.ensureOpen('image');
    checkStep(step, 'image');
    if (![1, 2, 3, 4].includes(channels)) throw new Error(`SummaryWriter.image(${tag}): channels must be 1..4, got ${channels}`);
    const ihdr = pngSize(png);
    if (!ihdr) throw new Error(`SummaryWriter.image(${tag}): data is not a PNG (${png.length} bytes, starts ${Buffer.from(png.subarray(0, 8)).toString('hex')})`);
    if (ihdr.width !== width || ihdr.height !== height) {
      throw new Error(`SummaryWriter.image(${tag}): declared ${width}x${height} but the PNG is ${ihdr.width}x${ihdr.height}`);
    }
    this.summary({ tag, image: { height, width, colorspace: channels, encoded_image_string: png } }, step);
  }

  /**
   * SessionLog START at `step`: a run resumed from a checkpoint at that step. TensorBoard
   * discards events of earlier files with larger steps (the abandoned run's tail).
   */
  sessionStart(step: number, checkpointPath = ''): void {
    this.ensureOpen('sessionStart');
    checkStep(step, 'sessionStart');
    this.write({ wall_time: this.now() / 1000, step, session_log: { status: 1, ...(checkpointPath ? { checkpoint_path: checkpointPath } : {}) } });
  }

  /** Write queued events to the OS. */
  flush(): void {
    if (this.fd < 0) return;
    this.records.flush();
  }

  /** Flush, fsync and close. Idempotent. */
  close(): void {
    if (this.fd < 0) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    openWriters.delete(this);
    const fd = this.fd;
    try {
      this.records.flush();
      fsyncSync(fd);
    } finally {
      this.fd = -1;
      closeSync(fd);
    }
  }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from a PNG's IHDR chunk (PNG spec §11.2.2), or null if not a PNG. */
export function pngSize(png: Uint8Array): { width: number; height: number } | null {
  if (png.length < 24 || PNG_SIGNATURE.some((b, i) => png[i] !== b)) return null;
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  if (String.fromCharCode(png[12]!, png[13]!, png[14]!, png[15]!) !== 'IHDR') return null;
  return { width: v.getUint32(16), height: v.getUint32(20) };
}
