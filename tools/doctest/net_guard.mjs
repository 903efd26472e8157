// Preloaded (NODE_OPTIONS=--import) into every Node process a doc-test block starts: a
// connection to anything but the loopback interface fails with this message, so an
// example that would download from the network fails instead, until a `server` marker
// (docs/doctest.md) points it at the runner's 127.0.0.1 server. Unix sockets are local.
import net from 'node:net';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '[::1]']);
const connect = net.Socket.prototype.connect;

net.Socket.prototype.connect = function guardedConnect(...args) {
  // Node's own callers pass [options, callback] normalised into one array.
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const opts = typeof first === 'object' && first !== null ? first : { port: first, host: typeof args[1] === 'string' ? args[1] : undefined };
  const host = opts.host ?? 'localhost';
  if (!opts.path && !LOOPBACK.has(host)) {
    const err = new Error(`doctest: connection to ${host}:${opts.port} refused; blocks reach only 127.0.0.1 (use a server marker)`);
    process.nextTick(() => this.destroy(err));
    return this;
  }
  return connect.apply(this, args);
};
