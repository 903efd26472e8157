#!/usr/bin/env node
// Builds the optional native kernels (native/sgd.c -> build/Release/alexnet_native.node)
// with the node-gyp that ships inside npm. package.json's install script runs it, so
// `npm install` and `npm ci` build them where a C compiler is present; without one this
// prints why and exits 0, and training keeps its update in the ONNX graph (same results,
// slower: src/runtime/native.ts). `--strict` (npm run build:native) fails instead.
//
// Offline, node-gyp must find Node's headers locally: npm passes its `nodedir` setting as
// npm_config_nodedir; otherwise the headers beside this Node (<prefix>/include/node) are
// used when they exist.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const strict = process.argv.includes('--strict');

function fail(why, details = '') {
  const msg = `alexnet-ts: the native SGD kernels were not built (${why}); training will run its update inside the ONNX graph, which is slower. Install a C compiler (gcc, make, python3) and run \`npm run build:native\`.${details ? `\n${details}` : ''}`;
  if (strict) {
    console.error(msg);
    process.exit(1);
  }
  console.warn(msg);
  process.exit(0);
}

function nodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  if (process.env.npm_execpath) candidates.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((p) => p && existsSync(p));
}

const gyp = nodeGyp();
if (!gyp) fail('no node-gyp found beside npm');
const args = [gyp, 'rebuild'];
if (!process.env.npm_config_nodedir) {
  const prefix = join(dirname(process.execPath), '..');
  if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
}
const r = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (r.status !== 0) {
  const lines = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').filter((l) => /error|ERR!/i.test(l)).slice(0, 6).join('\n');
  fail(`node-gyp exited with ${r.status ?? r.signal}`, lines);
}
if (!existsSync(join(root, 'build', 'Release', 'alexnet_native.node'))) fail('node-gyp reported success but build/Release/alexnet_native.node is missing');
