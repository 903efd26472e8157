// Crash-safe file replacement: readers see either the old file or the complete new one.
//
// The recipe is the POSIX one (see rename(2) and fsync(2)): write a temporary file in
// the same directory (rename is only atomic within a filesystem), fsync it so its data
// is on disk before the name points at it, rename over the target, then fsync the
// directory so the rename itself survives a crash.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export type WriteSource = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

async function writeAll(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  // fh.write may write less than asked (large buffers, signals); loop until done.
  let off = 0;
  while (off < chunk.length) {
    const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
    if (bytesWritten <= 0) throw new Error(`write returned ${bytesWritten}`);
    off += bytesWritten;
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
    if (data instanceof Uint8Array) {
      await writeAll(fh, data);
    } else if (Symbol.asyncIterator in data) {
      for await (const chunk of data) await writeAll(fh, chunk);
    } else {
      for (const chunk of data) await writeAll(fh, chunk);
    }
    await fh.sync();
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

async function syncDir(dir: string): Promise<void> {
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
