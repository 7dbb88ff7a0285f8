// access-log.ts — a worker's access log (`accesslog`, `access_log_format`): one line per answered
// request, whatever the interface. The native engine (fetch and native interfaces) records each
// request in C++ and hands over one batch of records per loop turn; the node interface makes one
// record per response. Both go through the one compiled format (access-format.ts) and reach the
// file with at most one write per loop turn; what is still queued at exit is written then.
import type http from 'node:http';
import { performance } from 'node:perf_hooks';
import { addon } from './native.js';
import { LogFile, beforeFinalFlush } from './logfile.js';
import { compileAccessFormat, logClock, needsEscaping, type BaseField, type CompiledFormat } from './access-format.js';

export interface AccessLogSettings {
  accesslog: string | null;
  access_log_format: string;
}

/** What the engine needs to record for this format: the headers it reads. */
export interface AccessLogCapture {
  requestHeaders: string[];
  responseHeaders: string[];
}

const FIELDS = addon.accessLogFields;
const at = (name: BaseField): number => FIELDS.indexOf(name);
const PEER = at('peer'), METHOD = at('method'), TARGET = at('target'), VERSION = at('version');
const STATUS = at('status'), BYTES = at('bytes'), MICROS = at('micros');

export class AccessLog {
  private readonly format: CompiledFormat;
  private readonly file: LogFile;
  private pull: (() => string) | null = null;

  /** Throws the open error when the file cannot be written. */
  constructor(settings: AccessLogSettings & { accesslog: string }, cwd: string) {
    this.format = compileAccessFormat(settings.access_log_format, FIELDS);
    this.file = new LogFile(settings.accesslog, cwd, 1, 'latin1');
    beforeFinalFlush(() => {
      const pending = this.pull?.();
      if (pending) this.batch(pending, false);
    });
  }

  /** The headers each record carries, for the engine. */
  get capture(): AccessLogCapture {
    return { requestHeaders: this.format.requestHeaders, responseHeaders: this.format.responseHeaders };
  }

  /** `take` returns the records the engine holds and has not handed over yet (read at exit). */
  drainFrom(take: () => string): void {
    this.pull = take;
  }

  /**
   * The engine's records of one loop turn: NUL-terminated fields, `stride` per record. Written at
   * once (this is the turn's one write), or queued when `now` is false.
   */
  batch(records: string, now = true): void {
    const f = records.split('\0');
    const line = needsEscaping(records) ? this.format.escaped : this.format.plain;
    const clock = logClock();
    const stride = this.format.stride;
    let out = '';
    for (let i = 0; i + stride < f.length; i += stride) out += `${line(f, i, clock)}\n`;
    if (now) this.file.write(out);
    else this.file.append(out);
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
      const { requestHeaders, responseHeaders, stride } = this.format;
      const f: string[] = new Array<string>(stride);
      const bodiless = req.method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304;
      f[PEER] = req.socket.remoteAddress ?? '';
      f[METHOD] = req.method ?? '';
      f[TARGET] = target;
      f[VERSION] = String(req.httpVersionMinor);
      f[STATUS] = String(res.statusCode);
      f[BYTES] = String(bodiless ? 0 : bytes);
      f[MICROS] = String(Math.round((performance.now() - started) * 1000));
      let n = FIELDS.length;
      for (const name of requestHeaders) f[n++] = headerText(req.headers[name]);
      for (const name of responseHeaders) {
        const value = headerText(res.getHeader(name));
        // Node writes the Content-Length of a body given whole to end() without setting the header.
        const implicit = name === 'content-length' && !bodiless && !(res as { chunkedEncoding?: boolean }).chunkedEncoding;
        f[n++] = value === '' && implicit ? String(bytes) : value;
      }
      this.file.append(`${this.format.escaped(f, 0, logClock())}\n`);
    });
  }
}

function headerText(value: string | string[] | number | undefined): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? value.join(', ') : String(value);
}
