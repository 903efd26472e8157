// Minimal zip reader for torch checkpoints and .npz files.
//
// Layout per PKWARE's APPNOTE.TXT: the end of central directory record (EOCD, 4.3.16)
// sits at the end of the file, optionally preceded by a ZIP64 EOCD locator (4.3.15)
// pointing at a ZIP64 EOCD record (4.3.14); the central directory (4.3.12) lists every
// entry with its local header offset; a local header (4.3.7) precedes the data. ZIP64
// extra fields (4.5.3) carry 64-bit sizes/offsets when the 32-bit ones are 0xFFFFFFFF.
// torch's PyTorchStreamWriter (caffe2/serialize/inline_container.cc) writes stored
// entries aligned to 64 bytes, so stored data is returned as a zero-copy subarray.
import { crc32, inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflate. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc32: number;
  readonly localHeaderOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const MAX_COMMENT = 0xffff;
// Node cannot hold a larger Buffer anyway; refuse before inflating towards it.
const MAX_ENTRY = 2 ** 31 - 1;

export class ZipArchive {
  readonly entries = new Map<string, ZipEntry>();
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.readDirectory();
  }

  private fail(msg: string): never {
    throw new Error(`${this.file}: ${msg}`);
  }

  private u16(p: number): number {
    this.need(p, 2);
    return this.view.getUint16(p, true);
  }
  private u32(p: number): number {
    this.need(p, 4);
    return this.view.getUint32(p, true);
  }
  private u64(p: number): number {
    this.need(p, 8);
    const v = this.view.getBigUint64(p, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`zip: 64-bit value ${v} at byte ${p} is out of range`);
    return Number(v);
  }
  private need(p: number, n: number): void {
    if (p < 0 || p + n > this.bytes.length) this.fail(`zip truncated: needs bytes ${p}..${p + n}, file has ${this.bytes.length}`);
  }

  private findEocd(): number {
    const b = this.bytes;
    const lowest = Math.max(0, b.length - 22 - MAX_COMMENT);
    for (let p = b.length - 22; p >= lowest; p--) {
      if (b[p] === 0x50 && b[p + 1] === 0x4b && b[p + 2] === 0x05 && b[p + 3] === 0x06) {
        // The comment must run exactly to the end of the file, else this is data that
        // happens to contain the signature.
        if (p + 22 + this.u16(p + 20) === b.length) return p;
      }
    }
    return this.fail(`not a zip archive or truncated: no end of central directory record (file has ${b.length} bytes)`);
  }

  private readDirectory(): void {
    const eocd = this.findEocd();
    let count = this.u16(eocd + 10);
    let cdSize = this.u32(eocd + 12);
    let cdOffset = this.u32(eocd + 16);
    if (this.u16(eocd + 4) !== 0 || this.u16(eocd + 6) !== 0) this.fail('zip: multi-disk archives are not supported');
    const loc = eocd - 20;
    if (loc >= 0 && this.u32(loc) === SIG_EOCD64_LOCATOR) {
      const rec = this.u64(loc + 8);
      if (this.u32(rec) !== SIG_EOCD64) this.fail(`zip: ZIP64 locator points at byte ${rec}, which is not a ZIP64 end record`);
      count = this.u64(rec + 32);
      cdSize = this.u64(rec + 40);
      cdOffset = this.u64(rec + 48);
    }
    if (cdOffset + cdSize > eocd) this.fail(`zip: central directory at ${cdOffset}+${cdSize} overlaps its end record at ${eocd}`);
    if (count * 46 > cdSize) this.fail(`zip: ${count} entries cannot fit a ${cdSize}-byte central directory`);
    let p = cdOffset;
    for (let i = 0; i < count; i++) {
      if (this.u32(p) !== SIG_CENTRAL) this.fail(`zip: bad central directory entry ${i} at byte ${p}`);
      const flags = this.u16(p + 8);
      const method = this.u16(p + 10);
      const crc = this.u32(p + 16);
      let compressedSize = this.u32(p + 20);
      let size = this.u32(p + 24);
      const nameLen = this.u16(p + 28);
      const extraLen = this.u16(p + 30);
      const commentLen = this.u16(p + 32);
      let localHeaderOffset = this.u32(p + 42);
      this.need(p + 46, nameLen + extraLen + commentLen);
      const name = new TextDecoder().decode(this.bytes.subarray(p + 46, p + 46 + nameLen));
      // ZIP64 extended information: only the fields whose 32-bit values are saturated, in this order.
      let e = p + 46 + nameLen;
      const extraEnd = e + extraLen;
      while (e + 4 <= extraEnd) {
        const id = this.u16(e);
        const len = this.u16(e + 2);
        if (e + 4 + len > extraEnd) this.fail(`zip: entry ${name}: extra field overruns its header`);
        if (id === 0x0001) {
          let q = e + 4;
          const take = (): number => {
            if (q + 8 > e + 4 + len) this.fail(`zip: entry ${name}: short ZIP64 extra field`);
            const v = this.u64(q);
            q += 8;
            return v;
          };
          if (size === 0xffffffff) size = take();
          if (compressedSize === 0xffffffff) compressedSize = take();
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
        }
        e += 4 + len;
      }
      if (flags & 1) this.fail(`zip: entry ${name} is encrypted`);
      if (this.entries.has(name)) this.fail(`zip: duplicate entry ${name}`);
      this.entries.set(name, { name, method, compressedSize, size, crc32: crc, localHeaderOffset });
      p = extraEnd + commentLen;
    }
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Entry contents: a subarray of the archive for stored entries, inflated for deflate. CRC-checked. */
  read(name: string): Uint8Array {
    const e = this.entries.get(name);
    if (!e) return this.fail(`zip: no entry ${name}`);
    const h = e.localHeaderOffset;
    if (this.u32(h) !== SIG_LOCAL) this.fail(`zip: entry ${name}: no local header at byte ${h}`);
    // The local extra field may differ from the central one (torch pads it for alignment).
    const start = h + 30 + this.u16(h + 26) + this.u16(h + 28);
    if (start + e.compressedSize > this.bytes.length) {
      this.fail(`truncated: ${name} needs ${e.compressedSize} bytes at ${start}, file has ${this.bytes.length}`);
    }
    const raw = this.bytes.subarray(start, start + e.compressedSize);
    let data: Uint8Array;
    if (e.method === 0) {
      if (e.size !== e.compressedSize) this.fail(`zip: stored entry ${name} has size ${e.size} != ${e.compressedSize}`);
      data = raw;
    } else if (e.method === 8) {
      if (e.size > MAX_ENTRY) this.fail(`zip: entry ${name} inflates to ${e.size} bytes, too large`);
      try {
        data = inflateRawSync(raw, { maxOutputLength: Math.max(1, e.size) });
      } catch (err) {
        return this.fail(`zip: entry ${name}: cannot inflate: ${(err as Error).message}`);
      }
      if (data.length !== e.size) this.fail(`zip: entry ${name} inflated to ${data.length} bytes, directory says ${e.size}`);
    } else {
      return this.fail(`zip: entry ${name} uses compression method ${e.method}; only stored (0) and deflate (8) are supported`);
    }
    const crc = crc32(data) >>> 0;
    if (crc !== e.crc32) this.fail(`zip: entry ${name} is corrupt: CRC32 ${hex(crc)}, directory says ${hex(e.crc32)}`);
    return data;
  }
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5) && (bytes[3] === 4 || bytes[3] === 6);
}

export function openZip(bytes: Uint8Array, file = '<zip>'): ZipArchive {
  return new ZipArchive(bytes, file);
}
