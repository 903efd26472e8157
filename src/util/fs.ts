// Crash-safe file writing: readers see either the old file or the complete new one.
//
// The recipe is the POSIX one (see rename(2) and fsync(2)): write a temporary file in
// the same directory (rename is only atomic within a filesystem), fsync it so its data
// is on disk before the name points at it, rename over the target, then fsync the
// directory so the rename itself survives a crash. atomicWriteFile does that for one
// file; writers of a whole directory (src/train/checkpoint.ts) use writeFileSynced for
// each file in a temporary directory, rename the directory and call syncDir.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export type WriteSource = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/** At most this many bytes per write call, so a write hook can fire inside a large buffer. */
const MAX_WRITE = 1 << 26;

export interface SyncedWriteOptions {
  /** File mode of the new file (default 0o644). */
  mode?: number;
  /**
   * Called once, when half of the bytes are written and synced (tests use it to kill the
   * process in the middle of a write). Needs data of known size: a buffer or an array of chunks.
   */
  midway?: () => void;
}

function knownSize(data: WriteSource): number | null {
  if (data instanceof Uint8Array) return data.length;
  if (Array.isArray(data)) return (data as Uint8Array[]).reduce((n, c) => n + c.length, 0);
  return null;
}

/** Write every chunk of `data` to fh, then fsync it. */
async function writeAndSync(fh: FileHandle, data: WriteSource, midway?: () => void): Promise<void> {
  const total = knownSize(data);
  if (midway && total === null) throw new Error('writeFileSynced: midway needs data of known size (a buffer or an array of chunks)');
  let written = 0;
  let fired = !midway;
  const writeAll = async (chunk: Uint8Array) => {
    // fh.write may write less than asked (large buffers, signals); loop until done.
    let off = 0;
    while (off < chunk.length) {
      const { bytesWritten } = await fh.write(chunk, off, Math.min(chunk.length - off, MAX_WRITE));
      if (bytesWritten <= 0) throw new Error(`write returned ${bytesWritten}`);
      off += bytesWritten;
      written += bytesWritten;
      if (!fired && written * 2 >= total!) {
        fired = true;
        await fh.sync();
        midway!();
      }
    }
  };
  if (data instanceof Uint8Array) {
    await writeAll(data);
  } else if (Symbol.asyncIterator in data) {
    for await (const chunk of data) await writeAll(chunk);
  } else {
    for (const chunk of data) await writeAll(chunk);
  }
  await fh.sync();
}

/**
 * Create `path` (it must not exist yet), write `data` (one buffer, a list of chunks written
 * in order and never concatenated, or an async iterable) and fsync it before returning.
 * Not atomic by itself: on failure a partial file stays.
 */
export async function writeFileSynced(path: string, data: WriteSource, opts: SyncedWriteOptions = {}): Promise<void> {
  const fh = await open(path, 'wx', opts.mode ?? 0o644);
  try {
    await writeAndSync(fh, data, opts.midway);
  } finally {
    await fh.close();
  }
}

/**
 * Atomically replace `path` with `data`: one buffer, a list of chunks (written in order,
 * never concatenated), or an async iterable (e.g. a download stream). On failure the
 * temporary file is removed and `path` is untouched.
 */
export async function atomicWriteFile(path: string, data: WriteSource, mode = 0o644): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', mode);
  let ok = false;
  try {
    await writeAndSync(fh, data);
    ok = true;
  } finally {
    await fh.close();
    if (!ok) await unlink(tmp).catch(() => undefined);
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDir(dir);
}

/** fsync a directory, so that a rename or a new entry in it survives a crash. */
export async function syncDir(dir: string): Promise<void> {
  let dh: FileHandle | undefined;
  try {
    dh = await open(dir, 'r');
    await dh.sync();
  } catch (err) {
    // Some platforms (Windows) and filesystems refuse to open or fsync a directory;
    // the rename has happened, only its durability is best-effort there.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw err;
  } finally {
    await dh?.close();
  }
}
