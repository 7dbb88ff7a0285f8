// interfaces/fetch.ts — serves web-standard fetch handlers (`export default { fetch(request) }`,
// `(request) => Response`, Hono apps) on the native engine. The Request handed to the app is
// built lazily: the method, URL and headers are read from the engine only when the app touches
// them, and a real WHATWG Request is made only for what this class does not do itself. A Response
// whose body is a string or bytes is written with one native call; other bodies are streamed with
// backpressure, and cancelled when the client leaves. What cannot be answered goes to EngineHost.fail.
import type { AddressPair, Engine } from '../native.js';
import type { EngineHost } from './engine.js';
import { TuskResponse, flattenHeaders } from './response.js';

export interface ServeInfo {
  remoteAddress: string;
  remotePort: number;
}

export type FetchHandler = (request: Request, info: ServeInfo) => Response | Promise<Response>;

interface ResponseState {
  body: { source: unknown; stream: ReadableStream<Uint8Array> } | null;
}

// undici keeps what a Response was built from; reading it spares a trip through the body stream.
const probe = new Response('');
const stateSymbol = Object.getOwnPropertySymbols(probe).find((s) => s.description === 'state');

function bodySource(response: Response): string | Uint8Array | null | undefined {
  if (!stateSymbol) return undefined;
  const state = (response as unknown as Record<symbol, ResponseState | undefined>)[stateSymbol];
  if (!state) return undefined;
  if (state.body === null) return null;
  const source = state.body.source;
  if ((typeof source === 'string' || source instanceof Uint8Array) && !response.bodyUsed && !state.body.stream.locked) return source;
  return undefined;
}

const BODYLESS = new Set(['GET', 'HEAD']);

/** A WHATWG Request whose fields come from the engine on first use. */
class EngineRequest {
  private _method?: string;
  private _url?: string;
  private _headers?: Headers;
  private _signal?: AbortController;
  private _body?: ReadableStream<Uint8Array> | null;
  private _used = false;

  constructor(
    private readonly id: number,
    private readonly hasBody: boolean,
    private readonly host: EngineHost,
  ) {}

  get method(): string {
    return (this._method ??= this.host.engine.method(this.id) ?? 'GET');
  }

  get url(): string {
    if (this._url) return this._url;
    const target = this.host.engine.target(this.id) ?? '/';
    if (!target.startsWith('/')) return (this._url = target); // absolute-form
    const { engine } = this.host;
    const host = engine.header(this.id, 'host') ?? 'localhost';
    // https when a trusted proxy says so (forwarded_allow_ips, secure_scheme_headers).
    return (this._url = `${engine.secure(this.id) ? 'https' : 'http'}://${host}${target}`);
  }

  get headers(): Headers {
    if (this._headers) return this._headers;
    const flat = this.host.engine.headers(this.id) ?? [];
    const headers = new Headers();
    for (let i = 0; i < flat.length; i += 2) headers.append(flat[i]!, flat[i + 1]!);
    return (this._headers = headers);
  }

  get signal(): AbortSignal {
    if (!this._signal) {
      const controller = (this._signal = new AbortController());
      this.host.watch(this.id, { abort: () => controller.abort(new Error('the client closed the connection')) });
    }
    return this._signal.signal;
  }

  get bodyUsed(): boolean {
    return this._used;
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this._body !== undefined) return this._body;
    if (!this.hasBody) return (this._body = null);
    const { engine } = this.host;
    const id = this.id;
    const host = this.host;
    return (this._body = new ReadableStream<Uint8Array>(
      {
        start(controller) {
          host.watch(id, {
            body(chunk, last) {
              if (chunk) controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
              if (last) controller.close();
              else if ((controller.desiredSize ?? 1) <= 0) engine.pauseBody(id, true);
            },
            abort() {
              controller.error(new Error('the client closed the connection before the body arrived'));
            },
          });
          engine.readBody(id);
        },
        pull() {
          engine.pauseBody(id, false);
        },
      },
      { highWaterMark: 4 },
    ));
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.bytes();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async bytes(): Promise<Uint8Array> {
    if (this._used) throw new TypeError('Body is unusable: Body has already been read');
    this._used = true;
    if (this._body !== undefined) return this.drainStream();
    if (!this.hasBody) return new Uint8Array(0);
    return this.host.collectBody(this.id); // no stream needed
  }

  private async drainStream(): Promise<Uint8Array> {
    const stream = this._body;
    if (!stream) return new Uint8Array(0);
    const chunks: Uint8Array[] = [];
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  async text(): Promise<string> {
    return Buffer.from(await this.bytes()).toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async blob(): Promise<Blob> {
    return new Blob([await this.bytes()], { type: this.headers.get('content-type') ?? '' });
  }

  async formData(): Promise<FormData> {
    return (await this.toRequest()).formData();
  }

  clone(): Request {
    throw new TypeError('tusk: clone() of a request is not supported yet; read the body once and share it');
  }

  /** A real Request with the same method, URL, headers and body. */
  async toRequest(): Promise<Request> {
    const body = BODYLESS.has(this.method) ? undefined : await this.bytes();
    return new Request(this.url, { method: this.method, headers: this.headers, body });
  }

  get [Symbol.toStringTag](): string {
    return 'Request';
  }
}

async function stream(host: EngineHost, id: number, response: Response, headers: string[]): Promise<void> {
  const { engine } = host;
  const declared = response.headers.get('content-length');
  const length = declared !== null && /^\d+$/.test(declared) ? Number(declared) : -1;
  const body = response.body!;
  let started: boolean;
  try {
    started = engine.writeHead(id, response.status, headers, length);
  } catch (err) {
    body.cancel(err).catch(() => {});
    throw err;
  }
  if (!started) return void body.cancel().catch(() => {});
  const reader = body.getReader();
  let gone = false;
  let wake: (() => void) | null = null;
  host.watch(id, {
    // A client that leaves cancels the body at once, even a stream that is waiting for its source.
    abort: () => {
      gone = true;
      reader.cancel(new Error('the client closed the connection')).catch(() => {});
      wake?.();
    },
    drain: () => wake?.(),
  });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || gone) break;
      const result = engine.write(id, value);
      if (result < 0) {
        gone = true;
        break;
      }
      if (result === 0) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    }
  } catch (err) {
    // The body failed mid-way (or gave something that is not bytes): the head is out, so the
    // caller's fail() closes the connection instead of ending the response as if it were whole.
    reader.cancel(err).catch(() => {});
    throw err;
  }
  host.unwatch(id);
  if (gone) {
    await reader.cancel().catch(() => {});
    engine.destroy(id);
  } else {
    engine.end(id);
  }
}

async function send(host: EngineHost, id: number, response: unknown): Promise<void> {
  const { engine } = host;
  if (!(response instanceof Response))
    throw new TypeError(`The fetch handler returned ${Object.prototype.toString.call(response)}, not a Response`);
  const headers = flattenHeaders(response.headers);
  const source = bodySource(response);
  if (source !== undefined) {
    engine.respond(id, response.status, headers, source);
    host.unwatch(id);
  } else if (response.body === null) {
    engine.respond(id, response.status, headers, null);
    host.unwatch(id);
  } else {
    await stream(host, id, response, headers);
  }
}

/**
 * Writes a response: at once and in one call when it is a simple one, else through `send`. Whatever
 * cannot be written (an invalid header, not a Response, a body that fails) goes to host.fail.
 */
function deliver(host: EngineHost, id: number, response: unknown): void {
  const simple = TuskResponse.unwrap(response);
  if (simple) {
    try {
      host.engine.respond(id, simple.status, simple.headers, simple.body);
    } catch (err) {
      return host.fail(id, err); // an invalid header, for one
    }
    host.unwatch(id);
    return;
  }
  send(host, id, response).catch((err) => host.fail(id, err));
}

/** The engine's dispatch for a fetch-handler app. */
export function fetchDispatch(handler: FetchHandler, host: EngineHost) {
  return (engine: Engine, id: number, hasBody: boolean): void => {
    const request = new EngineRequest(id, hasBody, host) as unknown as Request;
    const info = new LazyInfo(engine, id);
    let result: Response | Promise<Response>;
    try {
      result = handler(request, info);
    } catch (err) {
      return host.fail(id, err);
    }
    if (typeof (result as Promise<Response>)?.then === 'function') {
      (result as Promise<Response>).then((response) => deliver(host, id, response), (err) => host.fail(id, err));
    } else {
      deliver(host, id, result);
    }
  };
}

/**
 * The second argument of a fetch handler; the client is looked up only when read: the peer, or the
 * client a trusted proxy names (forwarded_allow_ips; PROXY protocol). Its port is 0 when a proxy
 * named the address without one.
 */
class LazyInfo implements ServeInfo {
  private client: AddressPair | undefined;
  constructor(
    private readonly engine: Engine,
    private readonly id: number,
  ) {}
  get remoteAddress(): string {
    return (this.client ??= this.engine.client(this.id) ?? ['', 0])[0];
  }
  get remotePort(): number {
    return (this.client ??= this.engine.client(this.id) ?? ['', 0])[1];
  }
}
