// The downloader against a local HTTP server on 127.0.0.1: a good file, a wrong hash
// (SHA-256 prefix or MD5), a truncated transfer, a 404. Nothing that looks complete may be left behind on failure.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { download } from '../../src/weights/download.js';
import { loopbackServer } from '../helpers.js';

const payload = randomBytes(300_000);
const sha = createHash('sha256').update(payload).digest('hex');
const md5 = createHash('md5').update(payload).digest('hex');
let server: Awaited<ReturnType<typeof loopbackServer>>;
let base = '';
const dir = mkdtempSync(join(tmpdir(), 'alexnet-dl-'));

before(async () => {
  server = await loopbackServer((req, res) => {
    if (req.url === '/good.bin') {
      res.writeHead(200, { 'content-length': payload.length });
      res.end(payload);
    } else if (req.url === '/chunked.bin') {
      res.writeHead(200); // no content-length: chunked transfer
      res.write(payload.subarray(0, 1000));
      res.end(payload.subarray(1000));
    } else if (req.url === '/truncated.bin') {
      res.writeHead(200, { 'content-length': payload.length });
      res.write(payload.subarray(0, 5000), () => res.socket?.destroy());
    } else {
      res.writeHead(404, 'Not Found');
      res.end('no such file');
    }
  });
  base = server.base;
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Files in dir besides the given ones (temporary files must not survive). */
const leftovers = (keep: string[] = []) => readdirSync(dir).filter((f) => !keep.includes(f));

describe('download', () => {
  test('a good file: written whole, hash checked, progress reported', async () => {
    const seen: [number, number | null][] = [];
    const dest = join(dir, 'good.bin');
    const r = await download(`${base}/good.bin`, dest, { sha256Prefix: sha.slice(0, 8), onProgress: (d, t) => seen.push([d, t]) });
    assert.equal(r.bytes, payload.length);
    assert.equal(r.sha256, sha);
    assert.deepEqual(readFileSync(dest), payload);
    assert.deepEqual(seen.at(-1), [payload.length, payload.length]);
    assert.deepEqual(leftovers(['good.bin']), []);
  });

  test('no Content-Length (chunked): still complete', async () => {
    const dest = join(dir, 'chunked.bin');
    const r = await download(`${base}/chunked.bin`, dest, { sha256Prefix: sha.slice(0, 8) });
    assert.equal(r.bytes, payload.length);
    assert.deepEqual(readFileSync(dest), payload);
    rmSync(dest);
  });

  test('a wrong hash: refused, no file', async () => {
    const dest = join(dir, 'wrong.bin');
    await assert.rejects(download(`${base}/good.bin`, dest, { sha256Prefix: 'deadbeef' }), {
      message: `download ${base}/good.bin: SHA-256 ${sha.slice(0, 8)}... does not start with deadbeef; the file is corrupt or not the expected one`,
    });
    assert.equal(existsSync(dest), false);
    assert.deepEqual(leftovers(['good.bin']), []);
  });

  test('MD5 (Keras file_hash): a match is kept and reported, a mismatch refused with no file left', async () => {
    const dest = join(dir, 'md5.bin');
    const r = await download(`${base}/good.bin`, dest, { md5: md5.toUpperCase() });
    assert.deepEqual([r.bytes, r.sha256, r.md5], [payload.length, sha, md5]);
    assert.deepEqual(readFileSync(dest), payload);
    rmSync(dest);
    const wrong = '64373286793e3c8b2b4e3219cbf3544b';
    await assert.rejects(download(`${base}/good.bin`, dest, { md5: wrong }), {
      message: `download ${base}/good.bin: MD5 ${md5} is not the expected ${wrong}; the file is corrupt or not the expected one`,
    });
    assert.equal(existsSync(dest), false);
    assert.deepEqual(leftovers(['good.bin']), []);
    await assert.rejects(download(`${base}/good.bin`, dest, { md5: 'abc' }), { message: `download ${base}/good.bin: expected MD5 must be 32 hex digits, got "abc"` });
  });

  test('a truncated transfer: refused, no file', async () => {
    const dest = join(dir, 'truncated.bin');
    await assert.rejects(download(`${base}/truncated.bin`, dest), /download .*truncated\.bin: (transfer interrupted after \d+ bytes of 300000|truncated: got 5000 bytes, the server announced 300000)/);
    assert.equal(existsSync(dest), false);
    assert.deepEqual(leftovers(['good.bin']), []);
  });

  test('a 404: the status in the message, no file', async () => {
    const dest = join(dir, 'missing.bin');
    await assert.rejects(download(`${base}/missing.bin`, dest), { message: `download ${base}/missing.bin: HTTP 404 Not Found` });
    assert.equal(existsSync(dest), false);
  });

  test('no server: a clear error', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await assert.rejects(download(`http://127.0.0.1:${port}/x.pth`, join(dir, 'x.pth')), {
      message: `download http://127.0.0.1:${port}/x.pth: fetch failed: ECONNREFUSED`,
    });
  });
});
