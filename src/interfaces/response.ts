// interfaces/response.ts — a lightweight WHATWG Response for fetch-interface workers. Node 20's
// Response builds a ReadableStream for every body (about 20 µs, most of a hello-world request's
// cost); this one keeps what it was given and makes the stream, the Headers object or a real
// Response only when the application asks for them. The worker installs it as globalThis.Response
// for fetch apps; `instanceof Response` stays true for Node's own Responses (e.g. from fetch()).

type HeadersInit = NonNullable<ConstructorParameters<typeof Headers>[0]>;
type BodyInit = NonNullable<ConstructorParameters<typeof Response>[0]>;
type ResponseType = Response['type'];

const UndiciResponse = globalThis.Response;
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

type SimpleBody = string | Uint8Array | null;

function simpleBody(body: unknown): SimpleBody | undefined {
  if (body === null || body === undefined) return null;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  return undefined;
}

function hasHeader(init: HeadersInit | undefined, lowerName: string): boolean {
  if (!init) return false;
  if (init instanceof Headers) return init.has(lowerName);
  if (Array.isArray(init)) return init.some((pair) => String(pair[0]).toLowerCase() === lowerName);
  for (const key of Object.keys(init)) if (key.toLowerCase() === lowerName) return true;
  return false;
}

export class TuskResponse {
  readonly #body: unknown;
  readonly #simple: SimpleBody | undefined;
  readonly #status: number;
  readonly #statusText: string;
  readonly #init: HeadersInit | undefined;
  #headers: Headers | undefined;
  #real: Response | undefined;
  #used = false;

  constructor(body?: BodyInit | null, init?: ResponseInit) {
    const status = init?.status ?? 200;
    if (!Number.isInteger(status) || status < 200 || status > 599)
      throw new RangeError(`init["status"] must be in the range of 200 to 599, inclusive.`);
    if (body !== null && body !== undefined && NULL_BODY_STATUS.has(status))
      throw new TypeError('Response constructor: Invalid response status code ' + status);
    this.#body = body ?? null;
    this.#simple = simpleBody(body);
    this.#status = status;
    this.#statusText = init?.statusText ?? '';
    this.#init = init?.headers;
    if (this.#init instanceof Headers) this.#headers = this.#init;
  }

  static json(data: unknown, init?: ResponseInit): TuskResponse {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError('Value is not JSON serializable');
    const headers = new Headers(init?.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new TuskResponse(text, { ...init, headers });
  }

  static redirect(url: string | URL, status = 302): TuskResponse {
    if (![301, 302, 303, 307, 308].includes(status)) throw new RangeError(`Invalid status code ${status}`);
    return new TuskResponse(null, { status, headers: { location: new URL(url).href } });
  }

  static error(): Response {
    return UndiciResponse.error();
  }

  static [Symbol.hasInstance](value: unknown): boolean {
    return (typeof value === 'object' && value !== null && #body in value) || value instanceof UndiciResponse;
  }

  get status(): number {
    return this.#status;
  }
  get statusText(): string {
    return this.#statusText;
  }
  get ok(): boolean {
    return this.#status >= 200 && this.#status <= 299;
  }
  get type(): ResponseType {
    return 'default';
  }
  get url(): string {
    return '';
  }
  get redirected(): boolean {
    return false;
  }

  get headers(): Headers {
    if (this.#headers) return this.#headers;
    const headers = new Headers(this.#init);
    if (typeof this.#body === 'string' && !headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
    return (this.#headers = headers);
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.#body === null) return null;
    return this.#realResponse().body;
  }

  get bodyUsed(): boolean {
    return this.#real ? this.#real.bodyUsed : this.#used;
  }

  #realResponse(): Response {
    return (this.#real ??= new UndiciResponse(this.#body as BodyInit | null, { status: this.#status, statusText: this.#statusText, headers: this.headers }));
  }

  #take(): SimpleBody | undefined {
    if (this.#real || this.#simple === undefined) return undefined;
    if (this.#used) throw new TypeError('Body is unusable: Body has already been read');
    this.#used = true;
    return this.#simple;
  }

  async text(): Promise<string> {
    const simple = this.#take();
    if (simple === undefined) return this.#realResponse().text();
    return simple === null ? '' : typeof simple === 'string' ? simple : Buffer.from(simple.buffer, simple.byteOffset, simple.byteLength).toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async bytes(): Promise<Uint8Array> {
    const simple = this.#take();
    if (simple === undefined) return new Uint8Array(await this.#realResponse().arrayBuffer());
    return simple === null ? new Uint8Array(0) : typeof simple === 'string' ? Buffer.from(simple, 'utf8') : simple;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.bytes();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async blob(): Promise<Blob> {
    return new Blob([await this.bytes()], { type: this.headers.get('content-type') ?? '' });
  }

  async formData(): Promise<FormData> {
    return this.#realResponse().formData();
  }

  clone(): TuskResponse | Response {
    if (this.#real || this.#simple === undefined) return this.#realResponse().clone();
    if (this.#used) throw new TypeError('Response.clone: Body has already been consumed.');
    return new TuskResponse(this.#body as BodyInit | null, { status: this.#status, statusText: this.#statusText, headers: this.headers });
  }

  get [Symbol.toStringTag](): string {
    return 'Response';
  }

  /**
   * For the engine: status, flat headers and the body when it can be written in one call, or
   * undefined when the body has to be streamed (or was read by the application).
   */
  static unwrap(response: unknown): { status: number; headers: string[]; body: SimpleBody } | undefined {
    if (typeof response !== 'object' || response === null || !(#body in response)) return undefined;
    if (response.#real || response.#used || response.#simple === undefined) return undefined;
    return { status: response.#status, headers: response.#flatHeaders(), body: response.#simple };
  }

  /** The headers without building a Headers object when they were given as a record or pairs. */
  #flatHeaders(): string[] {
    const init = this.#init;
    if (this.#headers || (init && !Array.isArray(init) && typeof (init as Headers).forEach === 'function')) return flattenHeaders(this.headers);
    const flat: string[] = [];
    if (Array.isArray(init)) for (const [name, value] of init) flat.push(String(name), String(value));
    else if (init) for (const name of Object.keys(init)) flat.push(name, String((init as Record<string, string>)[name]));
    if (typeof this.#simple === 'string' && !hasHeader(init, 'content-type')) flat.push('content-type', 'text/plain;charset=UTF-8');
    return flat;
  }
}

/** [name, value, ...] for the engine; set-cookie lines stay separate. */
export function flattenHeaders(headers: Headers): string[] {
  const flat: string[] = [];
  headers.forEach((value, name) => {
    if (name !== 'set-cookie') flat.push(name, value);
  });
  for (const cookie of headers.getSetCookie()) flat.push('set-cookie', cookie);
  return flat;
}

