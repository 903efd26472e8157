// Doc tests: the loopback HTTP server a `server NAME=path` marker starts. It serves one
// file at http://127.0.0.1:<port>/<basename>, with its length, for the one block.
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';

export interface FileServer {
  url: string;
  sha256: string;
  close(): Promise<void>;
}

const hashes = new Map<string, Promise<string>>();

/** The SHA-256 of a file as lower-case hex, computed once per process. */
export function sha256File(path: string): Promise<string> {
  let h = hashes.get(path);
  if (!h) {
    h = new Promise((resolve, reject) => {
      const hash = createHash('sha256');
      createReadStream(path).on('data', (d) => hash.update(d)).on('error', reject).on('end', () => resolve(hash.digest('hex')));
    });
    hashes.set(path, h);
  }
  return h;
}

export async function serveFile(path: string): Promise<FileServer> {
  const size = statSync(path).size;
  const name = basename(path);
  const server: Server = createServer((req, res) => {
    if (req.url !== `/${encodeURIComponent(name)}`) {
      res.writeHead(404).end(`only /${name} is served here\n`);
      return;
    }
    res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(path).pipe(res);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/${encodeURIComponent(name)}`,
    sha256: await sha256File(path),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
