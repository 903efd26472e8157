// TFRecord framing (tensorflow/core/lib/io/record_writer.h and the TFRecord format docs):
//
//   uint64  length          little-endian byte count of data
//   uint32  masked_crc32c(length bytes)
//   byte    data[length]
//   uint32  masked_crc32c(data)
//
// TensorBoard event files are exactly a sequence of these, each data being an
// encoded tensorflow.Event. The writer buffers framed records and appends them to a
// file descriptor; the reader checks every CRC and reports the byte offset of the
// first bad or truncated record, since a silent skip would hide corrupted logs.
import { writeSync } from 'node:fs';
import { crc32c, maskCrc } from './crc32c.js';

export const HEADER_BYTES = 12; // length + length CRC
export const FOOTER_BYTES = 4; // data CRC

/** One framed record: header, data and footer, ready to append. */
export function frameRecord(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + data.length + FOOTER_BYTES);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskCrc(crc32c(out.subarray(0, 8))), 8);
  out.set(data, HEADER_BYTES);
  out.writeUInt32LE(maskCrc(crc32c(data)), HEADER_BYTES + data.length);
  return out;
}

/**
 * Appends framed records to an open file descriptor. Records queue in memory until
 * flush(), so a training step never waits on the disk for a log line; the owner decides
 * when to flush (SummaryWriter does so on a timer, on size and on close).
 */
export class TFRecordWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private written = 0;

  constructor(
    private readonly fd: number,
    /** For error messages. */
    readonly path: string,
  ) {}

  /** Bytes queued but not yet written. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** Bytes handed to the OS so far. */
  get bytesWritten(): number {
    return this.written;
  }

  append(data: Uint8Array): void {
    const rec = frameRecord(data);
    this.pending.push(rec);
    this.pendingBytes += rec.length;
  }

  /** Write everything queued; loops over short writes. */
  flush(): void {
    if (this.pending.length === 0) return;
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    let off = 0;
    while (off < all.length) {
      const n = writeSync(this.fd, all, off, all.length - off);
      if (n <= 0) throw new Error(`${this.path}: write returned ${n} at file offset ${this.written + off}`);
      off += n;
    }
    this.written += all.length;
    this.pending = [];
    this.pendingBytes = 0;
  }
}

export class TFRecordError extends Error {
  constructor(
    readonly source: string,
    /** Byte offset of the start of the offending record. */
    readonly offset: number,
    /** Index of the offending record (0-based). */
    readonly record: number,
    detail: string,
  ) {
    super(`${source}: record ${record} at byte ${offset}: ${detail}`);
    this.name = 'TFRecordError';
  }
}

export interface TFRecord {
  /** Byte offset of the record's header in the file. */
  offset: number;
  data: Uint8Array;
}

export interface ReadRecordsOptions {
  /** Name for error messages (usually the path). */
  source?: string;
  /**
   * Stop quietly at an incomplete final record instead of throwing. Useful when reading
   * a file that a live writer is still appending to: TF's own reader treats a short tail
   * the same way. CRC mismatches always throw.
   */
  allowPartialTail?: boolean;
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}

/** Split a buffer into records, verifying both CRCs of every record. */
export function readRecords(buf: Uint8Array, opts: ReadRecordsOptions = {}): TFRecord[] {
  const source = opts.source ?? '<buffer>';
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: TFRecord[] = [];
  let off = 0;
  while (off < view.length) {
    const idx = out.length;
    const left = view.length - off;
    if (left < HEADER_BYTES) {
      if (opts.allowPartialTail) break;
      throw new TFRecordError(source, off, idx, `truncated header: ${left} of ${HEADER_BYTES} bytes present (file is ${view.length} bytes)`);
    }
    const lenCrc = view.readUInt32LE(off + 8);
    const wantLenCrc = maskCrc(crc32c(view.subarray(off, off + 8)));
    if (lenCrc !== wantLenCrc) {
      throw new TFRecordError(source, off, idx, `length CRC mismatch: stored ${hex(lenCrc)}, computed ${hex(wantLenCrc)} (length field ${view.readBigUInt64LE(off)})`);
    }
    const len64 = view.readBigUInt64LE(off);
    const need = BigInt(HEADER_BYTES + FOOTER_BYTES) + len64;
    if (need > BigInt(left)) {
      if (opts.allowPartialTail) break;
      throw new TFRecordError(source, off, idx, `truncated record: needs ${need} bytes (data length ${len64}), only ${left} left (file is ${view.length} bytes)`);
    }
    const len = Number(len64);
    const data = view.subarray(off + HEADER_BYTES, off + HEADER_BYTES + len);
    const dataCrc = view.readUInt32LE(off + HEADER_BYTES + len);
    const wantDataCrc = maskCrc(crc32c(data));
    if (dataCrc !== wantDataCrc) {
      throw new TFRecordError(source, off, idx, `data CRC mismatch: stored ${hex(dataCrc)}, computed ${hex(wantDataCrc)} (data length ${len})`);
    }
    out.push({ offset: off, data });
    off += HEADER_BYTES + len + FOOTER_BYTES;
  }
  return out;
}
