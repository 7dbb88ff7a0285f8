// interfaces/listen.ts — listen() capture: most Node servers start themselves (`app.listen(3000)`,
// `fastify.listen()`, `http.createServer(h).listen()`, @hono/node-server's `serve()`). In a worker,
// tusk replaces `net.Server.prototype.listen` before the app loads, so the server the app starts is
// served on tusk's listeners (the master's binds, accepted natively and shared by every worker)
// instead of binding a port of its own. The app's listen callback and 'listening' event fire, and
// `server.address()` tells where it is really served.
//
// Which server is served, when an app listens more than once:
// - the first server to listen is the app's server, served on tusk's binds;
// - a later server that asks for the same port (Fastify binding 'localhost' on both ::1 and
//   127.0.0.1, say) is the same app on another address: it is told it listens, and serves nothing;
// - a later server on a port of its own (a metrics or admin port) really listens there, in the
//   worker of slot 0 only, so that no two workers fight over the port and its traffic is never
//   split between workers; the other workers' copies are told they listen and serve nothing. The
//   slot-0 worker retries a port still held by the worker it replaces (a reload);
// - a server that asks for port 0 really listens, in every worker, on a port of its own.
// Every decision is logged once per worker.
import net from 'node:net';
import { log } from '../log.js';
import type { SocketInfo } from '../native.js';

/** What a listen() call asked for, as people write it. */
interface Wanted {
  port: number | null;
  host: string | null;
  path: string | null;
  text: string;
}

type ListenFn = (this: net.Server, ...args: unknown[]) => net.Server;

/** Retry interval for a slot-0 extra server whose port is still held by the worker it replaces. */
const BUSY_RETRY_MS = 100;

function describeWanted(args: unknown[]): Wanted {
  const first = args[0];
  let port: number | null = null;
  let host: string | null = null;
  let path: string | null = null;
  if (typeof first === 'object' && first !== null) {
    const o = first as { port?: unknown; host?: unknown; path?: unknown };
    if (o.port !== undefined) port = Number(o.port);
    if (typeof o.host === 'string') host = o.host;
    if (typeof o.path === 'string') path = o.path;
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    port = Number(first);
    if (typeof args[1] === 'string') host = args[1];
  } else if (typeof first === 'string') {
    path = first;
  } else if (first === undefined || typeof first === 'function') {
    port = 0;
  }
  const text = path !== null ? `unix:${path}` : port !== null ? `${host ?? ''}:${port}` : 'a handle';
  return { port, host, path, text };
}

/** A stand-in for a listening handle: the server looks bound where tusk serves it. */
function fakeHandle(address: SocketInfo | undefined, onClose: () => void): object {
  return {
    getsockname(out: Record<string, unknown>): number {
      if (address?.family === 'IPv4' || address?.family === 'IPv6') {
        out.address = address.address;
        out.family = address.family;
        out.port = address.port;
      }
      return 0;
    },
    close(callback?: () => void): void {
      onClose();
      if (callback) process.nextTick(callback);
    },
    ref(): void {},
    unref(): void {},
  };
}

function announce(server: net.Server, handle: object, address: SocketInfo | undefined, callback: unknown): void {
  const s = server as net.Server & { _handle: unknown; _pipeName?: string };
  s._handle = handle;
  if (address?.family === 'unix') s._pipeName = address.path; // address() answers the path
  if (typeof callback === 'function') server.once('listening', callback as () => void);
  process.nextTick(() => server.emit('listening'));
}

export interface ListenCapture {
  /** The app's server, once the app has called listen(); null until then. */
  readonly server: net.Server | null;
  /** Resolves with the app's server when it listens; rejects after `ms`. */
  wait(ms: number): Promise<net.Server>;
  /** From now on a listen() is an extra server (tusk is serving an exported app). */
  serveExported(): void;
  /** Closes the extra servers that really listen (at the start of a drain). */
  closeExtras(): void;
}

/**
 * Installs the capture. `addresses` are tusk's listeners (what the app's server reports as its
 * address); `slotOf` tells this worker's slot (extra servers listen only in slot 0); `onAppClose` runs
 * when the app closes its own server.
 */
export function captureListen(addresses: SocketInfo[], slotOf: () => number | null, onAppClose: () => void): ListenCapture {
  const original = net.Server.prototype.listen as unknown as ListenFn;
  const primary = addresses.find((a) => a.family === 'IPv4' || a.family === 'IPv6') ?? addresses[0];
  let appServer: net.Server | null = null;
  let appWanted: Wanted | null = null;
  let exported = false;
  const extras = new Set<net.Server>();
  const waiters: Array<(server: net.Server) => void> = [];

  function listenForReal(server: net.Server, args: unknown[], wanted: Wanted): void {
    extras.add(server);
    server.once('close', () => extras.delete(server));
    const retry = (err: NodeJS.ErrnoException): void => {
      if (err.code !== 'EADDRINUSE' || !extras.has(server)) {
        if (server.listenerCount('error') === 1) log.error(`A second server could not listen on ${wanted.text}: ${err.message}`);
        return;
      }
      setTimeout(() => {
        if (extras.has(server)) original.apply(server, args.filter((a) => typeof a !== 'function'));
      }, BUSY_RETRY_MS).unref();
    };
    // While the worker this one replaces still holds the port, keep trying, quietly.
    server.prependListener('error', retry);
    server.once('listening', () => server.removeListener('error', retry));
    original.apply(server, args);
  }

  const listen = function (this: net.Server, ...args: unknown[]): net.Server {
    const wanted = describeWanted(args);
    const callback = args.findLast((a) => typeof a === 'function');
    const slot = slotOf();
    if (appServer === null && !exported) {
      appServer = this;
      appWanted = wanted;
      const where = addresses.map((a) => (a.family === 'unix' ? `unix:${a.path ?? ''}` : `${a.address}:${a.port}`)).join(', ');
      const line = `The app's server (it asked for ${wanted.text}) is served on ${where}`;
      if (slot === 0) log.info(line);
      else log.debug(line);
      announce(this, fakeHandle(primary, onAppClose), primary, callback);
      for (const resolve of waiters.splice(0)) resolve(this);
      return this;
    }
    if (wanted.port === 0 && wanted.path === null) {
      log.debug(`A second server listens on a port of its own in each worker (it asked for ${wanted.text})`);
      listenForReal(this, args, wanted);
      return this;
    }
    if (appWanted !== null && wanted.port !== null && wanted.port === appWanted.port) {
      log.debug(`A second server asked for the app's port (${wanted.text}); tusk's binds serve the app already`);
      announce(this, fakeHandle(primary, () => {}), primary, callback);
      return this;
    }
    if (slot === 0) {
      log.info(`A second server listens on ${wanted.text} for real, in worker slot 0 only`);
      listenForReal(this, args, wanted);
    } else {
      log.debug(`A second server asked for ${wanted.text}; it is served by the worker of slot 0 only`);
      announce(this, fakeHandle(undefined, () => {}), undefined, callback);
    }
    return this;
  };
  net.Server.prototype.listen = listen as unknown as typeof net.Server.prototype.listen;

  return {
    get server() {
      return appServer;
    },
    wait(ms) {
      if (appServer) return Promise.resolve(appServer);
      return new Promise((resolve, reject) => {
        // 0 waits forever.
        const timer = ms > 0 ? setTimeout(() => reject(new Error(`no server listened within ${ms} ms`)), ms) : null;
        waiters.push((server) => {
          if (timer) clearTimeout(timer);
          resolve(server);
        });
      });
    },
    serveExported() {
      exported = true;
    },
    closeExtras() {
      for (const server of extras) {
        extras.delete(server);
        server.close();
      }
    },
  };
}
