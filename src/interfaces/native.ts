// interfaces/native.ts — tusk's own interface, the shortest path from the engine to JavaScript:
// request fields are read from the engine only when asked for, and a response is one native call.
//
//   export default function handle(req, res) {
//     if (req.method === 'GET' && req.url === '/') return res.end('Hello, World!');
//     res.status = 404;
//     res.end('not found');
//   }
//
// Serve it with `tusk --interface native app.js`.
import type { Body, Engine } from '../native.js';
import type { EngineHost } from './engine.js';

/** Header fields from [name, value, ...]: names in lower case, repeated ones joined with ", " ("; " for cookie). */
export function headerRecord(flat: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i]!.toLowerCase();
    const value = flat[i + 1]!;
    out[name] = name in out ? `${out[name]}${name === 'cookie' ? '; ' : ', '}${value}` : value;
  }
  return out;
}

/** A request as the native interface sees it. Fields are read from the engine on first use. */
export class NativeRequest {
  private _method?: string;
  private _url?: string;
  private _headers?: Record<string, string>;
  private _body?: Promise<Buffer>;

  constructor(
    /** The engine's id for this request. */
    readonly id: number,
    /** Whether a body follows the head. */
    readonly hasBody: boolean,
    private readonly host: EngineHost,
  ) {}

  get method(): string {
    return (this._method ??= this.host.engine.method(this.id) ?? '');
  }

  /** The request-target as sent: path and query, e.g. "/items?id=2". */
  get url(): string {
    return (this._url ??= this.host.engine.target(this.id) ?? '');
  }

  /** "1.1" or "1.0". */
  get httpVersion(): string {
    return `1.${this.host.engine.version(this.id) ?? 1}`;
  }

  /** One header's value (case-insensitive name); repeated lines are joined with ", ". */
  header(name: string): string | undefined {
    return this.host.engine.header(this.id, name.toLowerCase());
  }

  /** Every header, names in lower case, repeated ones joined. */
  get headers(): Record<string, string> {
    return (this._headers ??= headerRecord(this.host.engine.headers(this.id) ?? []));
  }

  /** [name, value, ...] exactly as received. */
  get rawHeaders(): string[] {
    return this.host.engine.headers(this.id) ?? [];
  }

  /**
   * The client's address: the peer, or the client a trusted proxy names (X-Forwarded-For or
   * Forwarded from a peer in forwarded_allow_ips; the PROXY protocol's source). "" for a unix socket.
   */
  get remoteAddress(): string {
    return this.host.engine.client(this.id)?.[0] ?? '';
  }

  /** The client's port; 0 when a proxy named the address without one, or for a unix socket. */
  get remotePort(): number {
    return this.host.engine.client(this.id)?.[1] ?? 0;
  }

  /** "https" when a trusted proxy says so (secure_scheme_headers, Forwarded proto=), else "http". */
  get scheme(): 'http' | 'https' {
    return this.host.engine.secure(this.id) ? 'https' : 'http';
  }

  /** The whole body. */
  body(): Promise<Buffer> {
    if (this._body) return this._body;
    if (!this.hasBody) return (this._body = Promise.resolve(Buffer.alloc(0)));
    this._body = this.host.collectBody(this.id);
    return this._body;
  }

  /** The body as pieces, as they arrive; the engine stops reading while the consumer is busy. */
  async *stream(): AsyncGenerator<Buffer> {
    if (!this.hasBody) return;
    const queue: Buffer[] = [];
    let done = false;
    let failure: Error | null = null;
    let wake: (() => void) | null = null;
    const { engine } = this.host;
    const id = this.id;
    this.host.watch(id, {
      body(chunk, last) {
        if (chunk) queue.push(chunk);
        if (last) done = true;
        if (queue.length > 8) engine.pauseBody(id, true);
        wake?.();
      },
      abort() {
        failure = new Error('the client closed the connection before the body arrived');
        wake?.();
      },
    });
    engine.readBody(id);
    for (;;) {
      if (queue.length > 0) {
        const chunk = queue.shift()!;
        if (queue.length <= 2) engine.pauseBody(id, false);
        yield chunk;
        continue;
      }
      if (failure) throw failure;
      if (done) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
  }

  async text(): Promise<string> {
    return (await this.body()).toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  /** Called when the client goes away before the response ends. */
  onAbort(callback: () => void): void {
    this.host.watch(this.id, { abort: callback });
  }
}

/** A response as the native interface writes it: set status and headers, then end() once. */
export class NativeResponse {
  /** The status code sent by end() or writeHead(). */
  status = 200;
  private headerList: string[] | null = null;
  private streaming = false;
  private finished = false;
  /** Resolves the write() waiting for the client to take more (undefined before the first wait). */
  private waiting: (() => void) | null | undefined;

  constructor(
    readonly id: number,
    private readonly host: EngineHost,
  ) {}

  /** Adds a header line (call again for repeated headers such as set-cookie). */
  setHeader(name: string, value: string | number): this {
    (this.headerList ??= []).push(name, String(value));
    return this;
  }

  /** Whether the response has ended (or the client is gone). */
  get ended(): boolean {
    return this.finished;
  }

  /**
   * Sends the whole response in one native call. Throws a TypeError for a header, status or body
   * the engine cannot write; nothing is sent then, and a handler that lets it propagate gets a 500.
   */
  end(body?: Body | null): void {
    if (this.finished) return;
    const { engine } = this.host;
    // Marked finished only once the engine took it: after a throw the failure path still answers.
    if (this.streaming) engine.end(this.id, body ?? null);
    else engine.respond(this.id, this.status, this.headerList, body ?? null);
    this.finished = true;
    this.host.unwatch(this.id);
  }

  /** Starts a streamed response; `length` when known, else chunked (HTTP/1.1). */
  writeHead(status = this.status, length = -1): void {
    if (this.streaming || this.finished) return;
    this.host.engine.writeHead(this.id, status, this.headerList, length);
    this.status = status;
    this.streaming = true;
  }

  private release(): void {
    const wake = this.waiting;
    this.waiting = null;
    wake?.();
  }

  /** Writes a piece of a streamed response; resolves when the client has taken enough of it. */
  write(chunk: Body): Promise<void> | void {
    if (!this.streaming) this.writeHead();
    const result = this.host.engine.write(this.id, chunk);
    if (result === 0) {
      if (this.waiting === undefined) {
        // Registered once: abort handlers add up (engine.ts), and a long stream waits many times.
        const release = () => this.release();
        this.host.watch(this.id, { drain: release, abort: release });
      }
      return new Promise<void>((resolve) => (this.waiting = resolve));
    }
    if (result < 0) this.finished = true;
  }
}

export type NativeHandler = (req: NativeRequest, res: NativeResponse) => void | Promise<void>;

/**
 * The engine's dispatch for a native-interface app. A handler that throws or rejects (including a
 * throw from res.end() or res.writeHead() for what the engine cannot write) goes to host.fail: a
 * 500 when nothing was sent yet, a closed connection when a stream had begun.
 */
export function nativeDispatch(handler: NativeHandler, host: EngineHost) {
  return (_engine: Engine, id: number, hasBody: boolean): void => {
    const req = new NativeRequest(id, hasBody, host);
    const res = new NativeResponse(id, host);
    try {
      const result = handler(req, res);
      if (result && typeof (result as Promise<void>).then === 'function') (result as Promise<void>).then(undefined, (err) => host.fail(id, err));
    } catch (err) {
      host.fail(id, err);
    }
  };
}
