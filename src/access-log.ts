// access-log.ts — a worker's access log (`accesslog`, `access_log_format`): one line per answered
// request, whatever the interface. Lines are rendered by the addon's one formatter: the native
// engine (fetch and native interfaces) renders each request's line in C++ and hands over one batch
// per loop turn; the node interface hands each response's fields to the same formatter. Both reach
// the file with at most one write per loop turn; what is still queued at exit is written then.
import type http from 'node:http';
import { performance } from 'node:perf_hooks';
import { addon, type AccessFormat } from './native.js';
import { LogFile, beforeFinalFlush } from './logfile.js';
import { nativeAccessFormat, type NativeAccessFormat } from './access-format.js';

export interface AccessLogSettings {
  accesslog: string | null;
  access_log_format: string;
}

export class AccessLog {
  /** What the engine renders lines with. */
  readonly native: NativeAccessFormat;
  private readonly format: AccessFormat;
  private readonly file: LogFile;
  private pull: (() => string) | null = null;

  private readonly requestHeaders: readonly string[];
  private readonly responseHeaders: readonly string[];

  /** Throws the open error when the file cannot be written. */
  constructor(settings: AccessLogSettings & { accesslog: string }, cwd: string) {
    this.native = nativeAccessFormat(settings.access_log_format);
    this.format = new addon.AccessFormat(this.native);
    this.requestHeaders = this.format.requestHeaders;
    this.responseHeaders = this.format.responseHeaders;
    this.file = new LogFile(settings.accesslog, cwd, 1, 'latin1');
    beforeFinalFlush(() => {
      const pending = this.pull?.();
      if (pending) this.batch(pending, false);
    });
  }

  /** `take` returns the records the engine holds and has not handed over yet (read at exit). */
  drainFrom(take: () => string): void {
    this.pull = take;
  }

  /** The engine's lines of one loop turn. Written at once (this is the turn's one write), or queued when `now` is false. */
  batch(lines: string, now = true): void {
    if (now) this.file.write(lines);
    else this.file.append(lines);
  }

  /** Records a node-interface request when its response has been sent. */
  node(req: http.IncomingMessage, res: http.ServerResponse): void {
    const started = performance.now();
    const target = req.url ?? ''; // frameworks rewrite req.url while routing
    let bytes = 0;
    const count = (chunk: unknown, encoding: unknown): void => {
      if (typeof chunk === 'string') bytes += Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
      else if (chunk instanceof Uint8Array) bytes += chunk.byteLength;
    };
    const { write, end } = res;
    res.write = function (this: http.ServerResponse, chunk: unknown, encoding?: unknown) {
      count(chunk, encoding);
      return Reflect.apply(write, this, arguments) as boolean;
    } as typeof res.write;
    res.end = function (this: http.ServerResponse, chunk?: unknown, encoding?: unknown) {
      if (typeof chunk !== 'function') count(chunk, encoding);
      return Reflect.apply(end, this, arguments) as http.ServerResponse;
    } as typeof res.end;
    res.once('finish', () => {
      const bodiless = req.method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304;
      const f: string[] = [];
      for (const name of this.requestHeaders) f.push(headerText(req.headers[name]));
      for (const name of this.responseHeaders) {
        const value = headerText(res.getHeader(name));
        // Node writes the Content-Length of a body given whole to end() without setting the header.
        const implicit = name === 'content-length' && !bodiless && !(res as { chunkedEncoding?: boolean }).chunkedEncoding;
        f.push(value === '' && implicit ? String(bytes) : value);
      }
      const micros = Math.round((performance.now() - started) * 1000);
      const peer = req.socket.remoteAddress ?? '';
      this.file.append(this.format.line(peer, req.method ?? '', target, req.httpVersionMinor, res.statusCode, bodiless ? 0 : bytes, micros, f));
    });
  }
}

function headerText(value: string | string[] | number | undefined): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? value.join(', ') : String(value);
}
