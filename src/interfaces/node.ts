// interfaces/node.ts — serves Node `(req, res)` applications with Node's own http machinery, so
// every framework works unchanged: the worker accepts natively and hands each socket to an
// http.Server with `emit('connection')`. Knows the shapes of Express, Koa, Fastify, http.Server.
// Gives that server tusk's protections: keepalive and header_timeout through Node's own options,
// the limit_request_* checks Node lacks, made before the app sees a request, and request_timeout.
// A connection that came through the PROXY protocol shows the client its header named as the
// socket's remoteAddress/remotePort. With certfile set, each socket is wrapped in a server-side
// tls.TLSSocket (the context made once per worker, tls.ts) before the server sees it, as https does.
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { LIMIT_STATUS, REQUEST_TIMEOUT_STATUS, type Settings } from '../config/settings.js';
import type { AddressPair } from '../native.js';
import { RequestCounter } from '../stats.js';

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

/** The settings the node interface applies to the app's server. */
export type NodeServerOptions = Pick<
  Settings,
  | 'keepalive' | 'header_timeout' | 'limit_request_line' | 'limit_request_fields' | 'limit_request_field_size' | 'limit_request_body'
  | 'request_timeout'
>;

/** TLS for the node interface: the TLSSocket options, made once per worker (tls.ts). */
export interface NodeTls {
  options: tls.TLSSocketOptions;
  /** How long a handshake may take before the connection is closed (header_timeout), ms; 0: no limit. */
  handshakeTimeoutMs: number;
}

/** http.Server has these at run time; @types/node knows them only as constructor options. */
type TunableServer = http.Server & { maxHeaderSize?: number; connectionsCheckingInterval: number };

/** A request over a limit: the status it is answered with and the reason in the body. */
interface Refusal {
  status: number;
  reason: string;
}

const LINE_TOO_LONG: Refusal = { status: LIMIT_STATUS.limit_request_line, reason: 'request line too long' };
const TOO_MANY_FIELDS: Refusal = { status: LIMIT_STATUS.limit_request_fields, reason: 'too many header fields' };
const FIELD_TOO_LARGE: Refusal = { status: LIMIT_STATUS.limit_request_field_size, reason: 'header field too large' };
const BODY_TOO_LARGE: Refusal = { status: LIMIT_STATUS.limit_request_body, reason: 'content too large' };
const TOOK_TOO_LONG: Refusal = { status: REQUEST_TIMEOUT_STATUS, reason: 'the request took too long' };

/** How long a refused connection is drained (half-closed, input read and dropped) before it is closed. */
const LINGER_MS = 2000;

/** The limits in the form the per-request check reads them; Infinity is no limit. */
interface Limits {
  /** limit_request_line minus what a request line holds besides method and target: 2 SP, `HTTP/1.1`. */
  target: number;
  /** Twice limit_request_fields: rawHeaders holds name and value. */
  rawHeaders: number;
  /** limit_request_field_size minus `: ` and CRLF, the bytes of a field line besides name and value. */
  nameValue: number;
  body: number;
}

/** A connection on which a request was refused: nothing more on it reaches the app. */
const kRefused = Symbol('tusk.refused');
type Refusable = net.Socket & { [kRefused]?: 'refused' | 'lingering' };

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

const kStarted = Symbol('tusk.started');
const kCounter = Symbol('tusk.counter');
type Counted = http.ServerResponse & { [kStarted]: number; [kCounter]: RequestCounter };

/** A response's 'close': counted as answered when it was written to the end, else as aborted. */
function countClosed(this: Counted): void {
  if (this.writableFinished) this[kCounter].answered(this.statusCode, this[kStarted]);
  else this[kCounter].aborted();
}

/**
 * Hosts a node-interface app in a worker: applies tusk's protections to its server, adopts
 * accepted descriptors as sockets, counts them, and drains gracefully (in-flight requests finish
 * with `Connection: close`, idle keep-alive connections are closed, new requests on open
 * connections are answered and then closed).
 *
 * Per request this costs one wrapped `server.emit` (see guard()) and one shared 'close' listener
 * that counts the response into the worker's figures: no closure and no set of responses. What
 * drain needs (the response a connection is writing) it reads from the connections themselves.
 */
export class NodeHost {
  readonly sockets = new Set<net.Socket>();
  /** Connections the app took over with an 'upgrade' listener (WebSockets): no more HTTP on them. */
  readonly upgraded = new Set<net.Socket>();
  private draining = false;
  private readonly counter = new RequestCounter();

  constructor(
    readonly server: http.Server,
    options: NodeServerOptions,
    private readonly events: { request(req: http.IncomingMessage, res: http.ServerResponse): void; socketClosed(): void },
    private readonly secure: NodeTls | null = null,
  ) {
    // protect() sets connectionsCheckingInterval, which startConnectionTracking reads.
    const requestTimeoutMs = options.request_timeout * 1000;
    guard(server, protect(server, options), {
      request: (req, res) => {
        if (this.draining) res.shouldKeepAlive = false;
        (res as Counted)[kStarted] = this.counter.begin();
        (res as Counted)[kCounter] = this.counter;
        res.on('close', countClosed); // one shared function, no closure or once() wrapper per request
        if (requestTimeoutMs > 0) limitTime(res, requestTimeoutMs);
        events.request(req, res);
      },
      upgrade: (socket) => {
        if (this.sockets.has(socket)) this.upgraded.add(socket);
      },
    });
    startConnectionTracking(server);
  }

  /**
   * Wraps an accepted descriptor (TCP or unix) in a net.Socket and gives it to the server. `source`
   * is the client a PROXY header named: the socket reports it as its remote end.
   */
  adopt(fd: number, source: AddressPair | null = null): void {
    // Half-open as node:http's own sockets are (http.Server is a net.Server with allowHalfOpen):
    // Node's http layer decides what a client's FIN means, not net's auto-end.
    const raw = new net.Socket({ fd, readable: true, writable: true, allowHalfOpen: true });
    const socket = this.secure ? this.wrapTls(raw) : raw;
    if (source) {
      Object.defineProperties(socket, {
        remoteAddress: { value: source[0], enumerable: true },
        remotePort: { value: source[1], enumerable: true },
        remoteFamily: { value: net.isIPv6(source[0]) ? 'IPv6' : 'IPv4', enumerable: true },
      });
    }
    this.sockets.add(socket);
    this.counter.connection(this.sockets.size, true);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.counter.connection(this.sockets.size, false);
      this.counter.bytes(socket.bytesRead, socket.bytesWritten);
      this.upgraded.delete(socket);
      this.events.socketClosed();
    });
    this.server.emit('connection', socket);
  }

  /**
   * A server-side TLSSocket over an accepted socket. A handshake that fails (or does not finish
   * within header_timeout) closes the connection, and the app never hears of it, as with https.
   */
  private wrapTls(raw: net.Socket): tls.TLSSocket {
    const { options, handshakeTimeoutMs } = this.secure!;
    const socket = new tls.TLSSocket(raw, options);
    const onError = (): void => {
      socket.destroy();
    };
    socket.once('error', onError); // handshake errors: Node's http never sees them
    let timer: NodeJS.Timeout | null = null;
    if (handshakeTimeoutMs > 0) timer = setTimeout(() => socket.destroy(), handshakeTimeoutMs);
    socket.once('secure', () => {
      if (timer) clearTimeout(timer);
      socket.removeListener('error', onError);
    });
    socket.once('close', () => {
      if (timer) clearTimeout(timer);
    });
    return socket;
  }

  /**
   * Graceful shutdown of the connections; the caller exits when `sockets` is empty. Idle
   * keep-alive connections are not closed: a request may be on its way on one. Each next request
   * is answered with `Connection: close`, and a connection that stays idle closes at Node's
   * keep-alive timeout, a race every keep-alive client handles by retrying. A response being
   * written whose head is not out yet (Node keeps it as the socket's `_httpMessage`) is told now;
   * a pipelined one queued behind it keeps its connection open until the next request or the
   * keep-alive timeout, like an idle connection.
   */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    for (const socket of this.sockets) {
      const res = (socket as net.Socket & { _httpMessage?: http.ServerResponse | null })._httpMessage;
      if (res && !res.headersSent) res.shouldKeepAlive = false;
    }
  }
}

/** Returns the http.Server that accepted sockets are handed to. */
export async function nodeServer(app: unknown): Promise<http.Server> {
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
  return server;
}

/**
 * Applies tusk's protections that are Node's own options to a server before any connection
 * reaches it (and before startConnectionTracking reads connectionsCheckingInterval), and returns
 * the limits guard() checks.
 *
 * - keepalive: Node's keepAliveTimeout (Node closes an idle connection about 1 s after it).
 * - header_timeout: Node's headersTimeout, from a head's first byte (or the connection's opening) to
 *   its end; Node answers 408 and closes. Node looks for expired heads only every
 *   connectionsCheckingInterval (30 s by default), so the sweep runs every quarter of the timeout,
 *   at most every second: a slow head is closed between header_timeout and header_timeout + 1 s,
 *   as the engine's one-second tick does. requestTimeout (Node's limit on a whole request, 300 s by
 *   default) is kept, raised to headersTimeout if lower, since Node's sweep would otherwise cut
 *   heads at the smaller of the two.
 * - maxHeaderSize: Node answers 431 itself to a head whose target, field names and values together
 *   reach it. It is made large enough that every head within the limits below gets through to
 *   tusk's own checks: limit_request_line + limit_request_fields * limit_request_field_size (a
 *   limit of 0 counts as Node's default head size, http.maxHeaderSize), and never below Node's default.
 * - maxHeadersCount: limit_request_fields + 1. Node stops collecting field lines (which it does in
 *   batches of up to 31) once it has that many, so rawHeaders still shows a request with too many.
 * - the request limits, which Node lacks: returned for guard().
 */
function protect(server: http.Server, o: NodeServerOptions): Limits {
  const s = server as TunableServer;
  s.keepAliveTimeout = o.keepalive * 1000;
  const headersMs = Math.ceil(o.header_timeout * 1000);
  s.headersTimeout = headersMs;
  if (headersMs > 0) {
    if (s.requestTimeout > 0 && s.requestTimeout < headersMs) s.requestTimeout = headersMs;
    const sweep = Math.max(50, Math.min(1000, Math.floor(headersMs / 4)));
    s.connectionsCheckingInterval = Math.min(s.connectionsCheckingInterval, sweep);
  }
  const nodeDefault = http.maxHeaderSize;
  const largestHead = (o.limit_request_line || nodeDefault) + o.limit_request_fields * (o.limit_request_field_size || nodeDefault);
  s.maxHeaderSize = Math.max(s.maxHeaderSize ?? 0, nodeDefault, largestHead + 1);
  s.maxHeadersCount = o.limit_request_fields + 1;
  return {
    target: o.limit_request_line === 0 ? Infinity : o.limit_request_line - 10,
    rawHeaders: o.limit_request_fields * 2,
    nameValue: o.limit_request_field_size === 0 ? Infinity : o.limit_request_field_size - 4,
    body: o.limit_request_body === 0 ? Infinity : o.limit_request_body,
  };
}

/**
 * The request limits Node lacks, checked when Node has parsed a head and before the app's
 * 'request' (or 'checkContinue') listeners run: server.emit is wrapped for this server only, and
 * `admitted` is told of each request and upgrade that passes (before the app's listeners: a response can
 * still be told not to keep alive). A
 * refused request never reaches the app and is not counted for max_requests; it gets its status,
 * `Connection: close` and a one-line text body, and its connection is half-closed and drained for
 * up to LINGER_MS before it is closed, so that unread input cannot turn the close into a reset that
 * destroys the answer. Requests that follow it on the connection (pipelined) are dropped.
 *
 * Node's parser keeps no raw bytes, so the sizes are rebuilt from what it hands over, with the
 * single spaces its strict parser requires: a request line is `METHOD SP target SP HTTP/1.x`, a
 * field line `name: value CRLF`. Whitespace around a value is not seen (Node trims it), so a field
 * line padded with extra spaces or tabs counts without them; the engine counts every byte.
 *
 * A chunked body is counted as Node decodes it, by wrapping that request's push(): nothing is
 * buffered and the app reads the body as usual. The piece that goes past limit_request_body and
 * everything after it (its end included) are withheld from the app, which sees the request abort
 * when the connection closes; the client gets 413 if no byte of the response has been written yet,
 * else the connection is closed, as the engine does.
 */
/** What guard() tells the host of each request it lets through. */
interface Admitted {
  request(req: http.IncomingMessage, res: http.ServerResponse): void;
  /** An Upgrade the app's 'upgrade' listeners take over (Node emits it only when there are some). */
  upgrade(socket: net.Socket): void;
}

function guard(server: http.Server, limits: Limits, admitted: Admitted): void {
  const emit = server.emit as (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean;
  server.emit = function guardedEmit(this: http.Server, event: string | symbol, req?: unknown, second?: unknown): boolean {
    if (event === 'request' || event === 'checkContinue') {
      if (!admit(req as http.IncomingMessage, second as http.ServerResponse, limits)) return true;
      admitted.request(req as http.IncomingMessage, second as http.ServerResponse);
      return emit.call(this, event, req, second);
    }
    if (event === 'upgrade' || event === 'connect') {
      if (!admitUpgrade(req as http.IncomingMessage, second as Refusable, limits)) return true;
      admitted.upgrade(second as net.Socket);
    }
    return Reflect.apply(emit, this, arguments);
  };
}

/** Whether a request may reach the app; refuses it (and says false) when it is over a limit. */
function admit(req: http.IncomingMessage, res: http.ServerResponse, limits: Limits): boolean {
  const socket = req.socket as Refusable;
  if (socket[kRefused] !== undefined) return false;
  const refusal = overLimit(req, limits);
  if (refusal !== null) {
    refuse(socket, res, refusal);
    return false;
  }
  if (limits.body !== Infinity && req.headers['transfer-encoding'] !== undefined) countBody(req, res, limits.body);
  return true;
}

/** The same for an Upgrade or CONNECT request, which Node hands over with its socket and no response. */
function admitUpgrade(req: http.IncomingMessage, socket: Refusable, limits: Limits): boolean {
  if (socket[kRefused] === undefined) {
    const refusal = overLimit(req, limits);
    if (refusal === null) return true;
    socket[kRefused] = 'refused';
    socket.write(rawResponse(refusal));
  }
  socket.resume(); // Node's parser has let go of the socket: read and drop its input while lingering
  linger(socket);
  return false;
}

function overLimit(req: http.IncomingMessage, limits: Limits): Refusal | null {
  if ((req.method as string).length + (req.url as string).length > limits.target) return LINE_TOO_LONG;
  const raw = req.rawHeaders;
  if (raw.length > limits.rawHeaders) return TOO_MANY_FIELDS;
  if (limits.nameValue !== Infinity) {
    for (let i = 0; i < raw.length; i += 2) if (raw[i].length + raw[i + 1].length > limits.nameValue) return FIELD_TOO_LARGE;
  }
  if (limits.body !== Infinity) {
    const length = req.headers['content-length'];
    if (length !== undefined && Number(length) > limits.body) return BODY_TOO_LARGE;
  }
  return null;
}

/** Answers a request the app has not seen (in order, after any earlier response on the connection). */
function refuse(socket: Refusable, res: http.ServerResponse, refusal: Refusal): void {
  socket[kRefused] = 'refused';
  // Node calls destroySoon() once a Connection: close response has been written.
  socket.destroySoon = () => linger(socket);
  const body = `${refusal.reason}\n`;
  res.shouldKeepAlive = false;
  res.writeHead(refusal.status, ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', String(body.length), 'Connection', 'close']);
  res.end(body);
}

/** Counts a chunked body as Node decodes it; over `limit`, refuses the request. */
function countBody(req: http.IncomingMessage, res: http.ServerResponse, limit: number): void {
  const push = req.push;
  let received = 0;
  req.push = function countedPush(this: http.IncomingMessage, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (received > limit) return true; // refused: the app gets no more of it, not even its end
    if (chunk !== null) {
      received += (chunk as Buffer).length;
      if (received > limit) {
        refuseBody(req.socket as Refusable, res);
        return true;
      }
    }
    return push.call(this, chunk, encoding);
  };
}

/** A body went past limit_request_body while the app was serving its request. */
function refuseBody(socket: Refusable, res: http.ServerResponse): void {
  socket[kRefused] = 'refused';
  socket.destroySoon = () => linger(socket);
  if (res.writableEnded) {
    linger(socket); // the app's whole answer is written: it goes first, then the close
  } else if (res.headersSent || res.socket !== socket) {
    socket.destroy(); // part of a response (the app's, or an earlier one) is on the wire
  } else {
    socket.write(rawResponse(BODY_TOO_LARGE));
    linger(socket);
  }
}

/** request_timeout for one request: a timer, cleared when the response closes (finished or not). */
function limitTime(res: http.ServerResponse, ms: number): void {
  const timer = setTimeout(() => timeOut(res), ms);
  res.once('close', () => clearTimeout(timer));
}

/**
 * request_timeout: the app has not finished its response in time. The client gets the timeout
 * status with `Connection: close` when nothing of the response is out yet (and this response is the
 * one the connection is writing), else only the close; either way the connection closes, so the app
 * sees what Node shows for a client that leaves: 'aborted' (when the body was still coming) and
 * 'close' on req, 'close' on res, and its later writes are dropped.
 */
function timeOut(res: http.ServerResponse): void {
  const socket = res.req.socket;
  if (socket.destroyed) return;
  if (res.headersSent || res.socket !== socket) {
    socket.destroy();
    return;
  }
  socket.write(rawResponse(TOOK_TOO_LONG));
  socket.destroySoon();
}

/** A refusal written straight to the socket, for when there is no fresh response object to use. */
function rawResponse(refusal: Refusal): string {
  const body = `${refusal.reason}\n`;
  return `HTTP/1.1 ${refusal.status} ${http.STATUS_CODES[refusal.status]}\r\nDate: ${new Date().toUTCString()}\r\n` +
    `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
}

/** Half-closes a refused connection and drops its input until the client closes or LINGER_MS pass. */
function linger(socket: Refusable): void {
  if (socket[kRefused] === 'lingering' || socket.destroyed) return;
  socket[kRefused] = 'lingering';
  socket.end();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  socket.once('close', () => clearTimeout(timer));
}
