// Downloading weight files: streamed to a temporary file beside the target, hashed on
// the way, checked against the expected SHA-256 prefix (torchvision puts the first 8 hex
// digits in its file names: alexnet-owt-7be5be79.pth) or MD5 (Keras's `file_hash` in
// keras_applications, 32 hex digits) and the announced length, and only then renamed into
// place. An interrupted or corrupt transfer leaves no file that looks
// complete.
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { atomicWriteFile } from '../util/fs.js';

export interface DownloadOptions {
  /** Expected hex prefix of the file's SHA-256 ('' to skip the check). */
  sha256Prefix?: string;
  /** Expected MD5 of the file, 32 hex digits. */
  md5?: string;
  /** Called as bytes arrive; total is null when the server sends no Content-Length. */
  onProgress?: (done: number, total: number | null) => void;
  /** Abort after this many milliseconds without data (default 60 s). */
  idleTimeoutMs?: number;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  sha256: string;
  /** The file's MD5, when one was expected. */
  md5?: string;
}

export async function download(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  const wantMd5 = opts.md5?.toLowerCase();
  if (wantMd5 !== undefined && !/^[0-9a-f]{32}$/.test(wantMd5)) throw new Error(`download ${url}: expected MD5 must be 32 hex digits, got ${JSON.stringify(opts.md5)}`);
  const controller = new AbortController();
  const idle = opts.idleTimeoutMs ?? 60_000;
  let timer = setTimeout(() => controller.abort(), idle);
  const poke = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), idle);
  };
  let res: Response;
  try {
    res = await fetch(url, { signal: controller.signal, redirect: 'follow' });
  } catch (e) {
    clearTimeout(timer);
    throw new Error(`download ${url}: ${reason(e)}`);
  }
  if (!res.ok || !res.body) {
    clearTimeout(timer);
    throw new Error(`download ${url}: HTTP ${res.status} ${res.statusText}`.trimEnd());
  }
  const lengthHeader = res.headers.get('content-length');
  const total = lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : null;
  const hash = createHash('sha256');
  const md5 = wantMd5 !== undefined ? createHash('md5') : null;
  let done = 0;
  let digest = '';
  let md5Digest = '';
  const body = res.body;

  // The checks run after the last chunk and before the rename: throwing here makes
  // atomicWriteFile delete its temporary file and leave dest untouched.
  async function* chunks(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        poke();
        hash.update(chunk);
        md5?.update(chunk);
        done += chunk.byteLength;
        opts.onProgress?.(done, total);
        yield chunk;
      }
    } catch (e) {
      throw new Error(`download ${url}: transfer interrupted after ${done} bytes${total !== null ? ` of ${total}` : ''} (${reason(e)})`);
    } finally {
      clearTimeout(timer);
    }
    if (total !== null && done !== total) {
      throw new Error(`download ${url}: truncated: got ${done} bytes, the server announced ${total}`);
    }
    digest = hash.digest('hex');
    const want = (opts.sha256Prefix ?? '').toLowerCase();
    if (want && !digest.startsWith(want)) {
      throw new Error(`download ${url}: SHA-256 ${digest.slice(0, Math.max(8, want.length))}... does not start with ${want}; the file is corrupt or not the expected one`);
    }
    md5Digest = md5?.digest('hex') ?? '';
    if (md5 && md5Digest !== wantMd5) {
      throw new Error(`download ${url}: MD5 ${md5Digest} is not the expected ${wantMd5}; the file is corrupt or not the expected one`);
    }
  }

  await mkdir(dirname(dest), { recursive: true });
  await atomicWriteFile(dest, chunks());
  return { path: dest, bytes: done, sha256: digest, ...(md5 ? { md5: md5Digest } : {}) };
}

function reason(e: unknown): string {
  const err = e as Error & { cause?: Error & { code?: string } };
  if (err.name === 'AbortError') return 'timed out waiting for data';
  const cause = err.cause;
  return cause ? `${err.message}: ${cause.code ?? cause.message}` : err.message;
}
