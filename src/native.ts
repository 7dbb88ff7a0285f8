// native.ts — the typed seam to the C++ addon. Everything the addon exports is declared here and
// nowhere else; addon-load.ts finds and opens it (build/Release first, then prebuilds/), on first use.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { loadAddon } from './addon-load.js';
import type { NativeAccessFormat } from './access-format.js';
import type { TlsMaterial } from './tls.js';

/** A listening socket made or adopted by the addon. */
export interface SocketInfo {
  fd: number;
  family: 'IPv4' | 'IPv6' | 'unix' | 'unknown';
  address?: string;
  port?: number;
  path?: string;
}

/** An exit status collected by `reap`. */
export interface ExitStatus {
  pid: number;
  /** Exit code, or null when the process was killed by a signal. */
  code: number | null;
  /** Signal number that killed the process, or null. */
  signal: number | null;
}

export interface SpawnOptions {
  file: string;
  args: string[];
  env: string[];
  /** fds[i] becomes descriptor 3 + i in the child; every other descriptor above 2 is closed. */
  fds: number[];
  /** Signal the child receives when the master dies (PR_SET_PDEATHSIG); 0 for none. */
  deathSignal: number;
  /** Groups, gid and uid the child switches to before exec (in that order); null to keep the master's. */
  identity?: { uid: number; gid: number; groups: number[] } | null;
  /** The directory the child execs in; absent: the master's. */
  cwd?: string;
  /** Descriptors that become the child's stdout and stderr (capture_output); else it shares the master's. */
  stdout?: number;
  stderr?: number;
}

/** A user database entry (getpwnam_r / getpwuid_r). */
export interface UserRecord {
  uid: number;
  gid: number;
  name: string;
}

/** A group database entry (getgrnam_r / getgrgid_r). */
export interface GroupRecord {
  gid: number;
  name: string;
}

export interface Acceptor {
  start(): void;
  pause(): void;
  close(): void;
}

export interface EngineOptions {
  limitRequestLine: number;
  limitRequestFields: number;
  limitRequestFieldSize: number;
  /** Largest request body in bytes; 0 for no limit. */
  limitRequestBody: number;
  keepaliveMs: number;
  headerTimeoutMs: number;
  maxConnections: number;
  /** The worker's stats block (src/stats.ts), counted into by the engine; absent: a private one. */
  stats?: ArrayBuffer;
  /** Log every answered request in this format (access-format.ts). */
  accessLog?: NativeAccessFormat;
  /** request_timeout in ms (0: none) and the status a request past it gets. */
  requestTimeoutMs: number;
  timeoutStatus: number;
  /** forwarded_allow_ips entries. */
  forwardedAllowIps: string[];
  /** secure_scheme_headers as [name, value, ...]. */
  secureSchemeHeaders: string[];
  /** Every connection starts with a PROXY header from a peer in proxyAllowIps. */
  proxyProtocol: boolean;
  proxyAllowIps: string[];
  /** Serve TLS on every listener with this material (tls.ts); absent: plain HTTP. */
  tls?: TlsMaterial;
}

/** The node interface's acceptor puts the PROXY protocol gate in front when proxyProtocol is set. */
export interface AcceptorOptions {
  proxyProtocol: boolean;
  proxyAllowIps: string[];
  /** How long the PROXY header may take to arrive. */
  headerTimeoutMs: number;
}

/** [address, port] of a peer or client; ["", 0] for a unix socket's peer. */
export type AddressPair = [string, number];

/** The forwarded-headers rule, for requests the node interface parses (the engine has it built in). */
/** The access log's formatter for the node interface (native/http/access_log_wrap.h). */
export interface AccessFormat {
  /** Lower-case names of the request headers, then the response headers, whose values `line` takes. */
  readonly requestHeaders: string[];
  readonly responseHeaders: string[];
  /** One line, newline included (a byte string); `headerValues` per requestHeaders then responseHeaders, '' for none. */
  line(peer: string, method: string, target: string, versionMinor: number, status: number, bytes: number, micros: number, headerValues: string[]): string;
}

export interface Forwarded {
  /** [client address, port, secure] of a request from `peerAddress` with these raw headers. */
  resolve(peerAddress: string | undefined, peerPort: number | undefined, rawHeaders: string[]): [string, number, boolean];
  /** Whether a peer at `address` is trusted ("" or undefined: a unix socket, always trusted). */
  trusts(address: string | undefined): boolean;
}

/** What the engine calls; one `request` call per request. */
export interface EngineHandlers {
  request(id: number, hasBody: boolean): void;
  /** A piece of the body (null when empty); `last` on the final call. */
  body(id: number, chunk: Buffer | null, last: boolean): void;
  /** Output below the high-water mark again, after write() returned 0. */
  drain(id: number): void;
  /** The connection closed before the response ended. */
  abort(id: number): void;
  /** Draining and the last connection has closed. */
  idle(): void;
  /** With options.accessLog: the access log's lines of one loop turn (a byte string). */
  accessLog?(lines: string): void;
}

/** The native HTTP engine of one worker; every per-request method takes the request id. */
export interface Engine {
  start(): void;
  pause(): void;
  drain(): void;
  connections(): number;
  method(id: number): string | undefined;
  target(id: number): string | undefined;
  version(id: number): number | undefined;
  /** The value of a header (name in lower case), repeated lines joined with ", "; undefined when absent. */
  header(id: number, lowerName: string): string | undefined;
  /** [name, value, name, value, ...] as received. */
  headers(id: number): string[] | undefined;
  /** The connection's peer: the source its PROXY header named, else the socket's peer. */
  peer(id: number): AddressPair | undefined;
  /** The client through trusted proxies (X-Forwarded-For, Forwarded); the peer when none says. */
  client(id: number): AddressPair | undefined;
  /** Whether a trusted proxy says the request came over https. */
  secure(id: number): boolean | undefined;
  readBody(id: number): boolean;
  pauseBody(id: number, paused: boolean): boolean;
  /** A whole response in one call; false when the request is gone. */
  respond(id: number, status: number, headers: string[] | null, body: Body | null): boolean;
  /** length -1: unknown (chunked on HTTP/1.1). */
  writeHead(id: number, status: number, headers: string[] | null, length: number): boolean;
  /** 1 written, 0 written but wait for `drain`, -1 the request is gone. */
  write(id: number, chunk: Body): number;
  end(id: number, chunk?: Body | null): boolean;
  destroy(id: number): boolean;
  /**
   * The application failed the request: a 500 with `Connection: close` when no byte of the response
   * was queued, else (a stream already begun) the connection is closed at once. No abort event
   * follows. False when the request is gone.
   */
  fail(id: number): boolean;
  /** The access records not handed to `accessLog` yet ('' when none); for a worker about to exit. */
  takeAccessLog(): string;
}

export type Body = string | ArrayBufferView | ArrayBuffer;

export interface Addon {
  listenTcp(host: string, port: number, backlog: number, reusePort: boolean): SocketInfo;
  listenUnix(path: string, backlog: number): SocketInfo;
  adoptListener(fd: number): SocketInfo;
  closeFd(fd: number): void;
  spawn(options: SpawnOptions): number;
  heartbeatCreate(dir: string): number;
  heartbeatNotify(fd: number, mode: number): void;
  /** [ctime seconds, ctime nanoseconds, mode bits] */
  heartbeatCheck(fd: number): [number, number, number];
  /** Maps a stats file (MAP_SHARED) as an ArrayBuffer, unmapped when collected. */
  statsMap(fd: number, bytes: number): ArrayBuffer;
  /** The stats block's layout (src/stats.ts types it). */
  statsLayout(): unknown;
  lookupUser(nameOrUid: string | number): UserRecord | null;
  lookupGroup(nameOrGid: string | number): GroupRecord | null;
  /** gid and every group that lists the user (getgrouplist). */
  groupList(userName: string, gid: number): number[];
  chownFd(fd: number, uid: number, gid: number): void;
  /**
   * The read end of a non-blocking pipe that gets one byte each time the process receives
   * `signal` (a native handler, which runs even while the event loop is blocked). Once per signal.
   */
  signalPipe(signal: number): number;
  reap(pid: number): ExitStatus | null;
  /** Some exited child not yet reaped (left a zombie for reap), else 0. */
  peekExited(): number;
  parentPid(): number;
  /** One datagram to a unix socket ('@name': abstract), as sd_notify sends to NOTIFY_SOCKET. */
  notify(socketPath: string, message: string): void;
  /** The process has a controlling terminal and is in its foreground process group. */
  inForeground(): boolean;
  /** dup2(from, to). */
  redirectFd(from: number, to: number): void;
  /** The access log's formatter (native/http/access_log.h), for the node interface's lines. */
  AccessFormat: new (format: NativeAccessFormat) => AccessFormat;
  /** `sources` (with proxyProtocol): the client each connection's PROXY header named, or null. */
  Acceptor: new (fds: number[], onConnections: (fds: number[], sources?: (AddressPair | null)[]) => void, options?: AcceptorOptions) => Acceptor;
  Engine: new (fds: number[], options: EngineOptions, handlers: EngineHandlers) => Engine;
  Forwarded: new (allowIps: string[], secureSchemeHeaders: string[]) => Forwarded;
  /** null when every entry is an IP or CIDR (or `*`), else what is wrong with the first bad one. */
  checkAddressList(entries: string[]): string | null;
  /** For bench/micro.mjs: each runs one hot piece `n` times inside C++. */
  bench: {
    parse(request: Buffer, n: number): number;
    head(status: number, headers: string[], contentLength: number, n: number): number;
    call(fn: (id: number, hasBody: boolean) => void, n: number): void;
  };
}

/** The package root: the folder holding package.json, binding.gyp and build/. */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

let loaded: Addon | undefined;

/** Opens the addon now (once); a BootError of one line when it cannot. The CLI calls it early. */
export function requireAddon(): Addon {
  return (loaded ??= loadAddon(packageRoot) as Addon);
}

/**
 * The addon, opened on first use. The CLI opens it before it imports anything else, so that a
 * failure is one line whichever module would have used it first.
 */
export const addon: Addon = new Proxy({} as Addon, {
  get: (_target, key) => requireAddon()[key as keyof Addon],
});
