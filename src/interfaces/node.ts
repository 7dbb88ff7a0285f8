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

/** Describes what the node interface will serve, for the log. */
export function nodeAppKind(app: unknown): string {
  if (isFastify(app)) return 'Fastify instance';
  if (app instanceof http.Server) return 'http.Server';
  if (isKoa(app)) return 'Koa application';
  return 'request listener';
}

export interface NodeServerOptions {
  /** Idle keep-alive timeout in seconds. */
  keepalive: number;
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
