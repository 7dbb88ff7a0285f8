// interfaces/node.ts — serves Node `(req, res)` applications with Node's own http machinery, so
// every framework works unchanged: the worker accepts natively and hands each socket to an
// http.Server with `emit('connection')`. Knows the shapes of Express, Koa, Fastify, http.Server.
import http from 'node:http';
import net from 'node:net';

export type NodeListener = (req: http.IncomingMessage, res: http.ServerResponse) => void;

interface KoaLike {
  callback(): NodeListener;
  use: unknown;
}

interface FastifyLike {
  server: http.Server;
  ready(): PromiseLike<unknown>;
}

function isKoa(app: unknown): app is KoaLike {
  const a = app as KoaLike;
  return typeof app === 'object' && app !== null && typeof a.callback === 'function' && typeof a.use === 'function';
}

function isFastify(app: unknown): app is FastifyLike {
  const a = app as FastifyLike;
  return typeof app === 'object' && app !== null && a.server instanceof net.Server && typeof a.ready === 'function';
}

/** Whether the app has a shape the node interface serves. */
export function isNodeApp(app: unknown): boolean {
  return app instanceof net.Server || isFastify(app) || isKoa(app) || (typeof app === 'function' && app.length !== 1);
}

export interface NodeServerOptions {
  /** Idle keep-alive timeout in seconds. */
  keepalive: number;
}

/**
 * Node starts its connection bookkeeping (idle tracking for closeIdleConnections, the
 * headersTimeout/requestTimeout sweep against slowloris) when a server emits 'listening'. Our
 * servers never call listen(), so start it the same way without firing the app's own
 * 'listening' handlers.
 */
function startConnectionTracking(server: http.Server): void {
  const setup = server.listeners('listening').find((f) => f.name === 'setupConnectionsTracking');
  if (setup) (setup as (this: http.Server) => void).call(server);
}

/**
 * Hosts a node-interface app in a worker: adopts accepted descriptors as sockets, counts them,
 * and drains gracefully (in-flight requests finish with `Connection: close`, idle keep-alive
 * connections are closed, new requests on open connections are answered and then closed).
 */
export class NodeHost {
  readonly sockets = new Set<net.Socket>();
  private readonly inFlight = new Set<http.ServerResponse>();
  private draining = false;

  constructor(
    readonly server: http.Server,
    private readonly events: { request(): void; socketClosed(): void },
  ) {
    startConnectionTracking(server);
    // Runs before the app's own listener, so a response can still be told not to keep alive.
    server.prependListener('request', (_req: http.IncomingMessage, res: http.ServerResponse) => this.onRequest(res));
  }

  /** Wraps an accepted descriptor (TCP or unix) in a net.Socket and gives it to the server. */
  adopt(fd: number): void {
    const socket = new net.Socket({ fd, readable: true, writable: true });
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.events.socketClosed();
    });
    this.server.emit('connection', socket);
  }

  private onRequest(res: http.ServerResponse): void {
    if (this.draining) res.shouldKeepAlive = false;
    this.inFlight.add(res);
    res.once('close', () => this.inFlight.delete(res));
    this.events.request();
  }

  /**
   * Graceful shutdown of the connections; the caller exits when `sockets` is empty. Idle
   * keep-alive connections are not closed: a request may be on its way on one. Each next request
   * is answered with `Connection: close`, and a connection that stays idle closes at Node's
   * keep-alive timeout, a race every keep-alive client handles by retrying.
   */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    for (const res of this.inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
  }
}

/** Returns the http.Server that accepted sockets are handed to. */
export async function nodeServer(app: unknown, options: NodeServerOptions): Promise<http.Server> {
  let server: http.Server;
  if (isFastify(app)) {
    await app.ready();
    server = app.server;
  } else if (app instanceof http.Server) {
    server = app;
  } else if (isKoa(app)) {
    server = http.createServer(app.callback());
  } else if (typeof app === 'function') {
    server = http.createServer(app as NodeListener);
  } else {
    throw new TypeError('the node interface needs a (req, res) function, an http.Server, or a Koa/Fastify/Express app');
  }
  server.keepAliveTimeout = options.keepalive * 1000;
  if (server.headersTimeout <= server.keepAliveTimeout) server.headersTimeout = server.keepAliveTimeout + 1000;
  return server;
}
