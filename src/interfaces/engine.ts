// interfaces/engine.ts — runs the native HTTP engine in a worker for the fetch and native
// interfaces: creates it on the inherited listeners, routes its per-request events (body, drain,
// abort) to whoever asked for them, counts requests for max_requests, and is the one place where a
// request the application failed is logged and answered (fail).
import { addon, type Engine, type EngineOptions } from '../native.js';
import { REQUEST_TIMEOUT_STATUS, type Settings } from '../config/settings.js';
import { log } from '../log.js';
import { statsBlock } from '../stats.js';
import type { AccessLog } from '../access-log.js';
import type { TlsMaterial } from '../tls.js';

/** Events of one request, for the code serving it. */
export interface RequestWatcher {
  body?(chunk: Buffer | null, last: boolean): void;
  drain?(): void;
  abort?(): void;
}

export type Dispatch = (engine: Engine, id: number, hasBody: boolean) => void;

export function engineOptions(settings: Settings, secure: TlsMaterial | null = null): EngineOptions {
  return {
    ...(secure ? { tls: secure } : {}),
    limitRequestLine: settings.limit_request_line,
    limitRequestFields: settings.limit_request_fields,
    limitRequestFieldSize: settings.limit_request_field_size,
    limitRequestBody: settings.limit_request_body,
    keepaliveMs: settings.keepalive * 1000,
    headerTimeoutMs: settings.header_timeout * 1000,
    maxConnections: settings.worker_connections,
    stats: statsBlock().buffer,
    requestTimeoutMs: settings.request_timeout * 1000,
    timeoutStatus: REQUEST_TIMEOUT_STATUS,
    forwardedAllowIps: settings.forwarded_allow_ips,
    secureSchemeHeaders: Object.entries(settings.secure_scheme_headers).flat(),
    proxyProtocol: settings.proxy_protocol,
    proxyAllowIps: settings.proxy_allow_ips,
  };
}

export class EngineHost {
  readonly engine: Engine;
  private readonly watchers = new Map<number, RequestWatcher>();
  /** Called for each request; the request hooks (interfaces/hooks.ts) wrap it when they are set. */
  dispatch: Dispatch;
  /** Told of every request whose connection closed before its response ended (the request hooks). */
  aborted: ((id: number) => void) | null = null;

  constructor(
    fds: number[],
    options: EngineOptions,
    makeDispatch: (host: EngineHost) => Dispatch,
    events: { request(): void; idle(upgraded: number): void; accessLog?: AccessLog | null },
  ) {
    const watchers = this.watchers;
    this.dispatch = makeDispatch(this);
    const access = events.accessLog ?? null;
    if (access) options = { ...options, accessLog: access.native };
    this.engine = new addon.Engine(fds, options, {
      request: (id, hasBody) => {
        events.request();
        this.dispatch(this.engine, id, hasBody);
      },
      body(id, chunk, last) {
        const w = watchers.get(id);
        if (last) watchers.delete(id);
        w?.body?.(chunk, last);
      },
      drain(id) {
        watchers.get(id)?.drain?.();
      },
      abort: (id) => {
        const w = watchers.get(id);
        watchers.delete(id);
        w?.abort?.();
        this.aborted?.(id);
      },
      idle: () => events.idle(0),
      ...(access ? { accessLog: (batch: string) => access.batch(batch) } : {}),
    });
    access?.drainFrom(() => this.engine.takeAccessLog());
  }

  /**
   * Registers for a request's events: body and drain replace an earlier watcher's, abort is added to
   * it (the app's request.signal and a streaming response both hear that the client left).
   */
  watch(id: number, watcher: RequestWatcher): void {
    const earlier = this.watchers.get(id);
    const merged = { ...earlier, ...watcher };
    const first = earlier?.abort;
    const second = watcher.abort;
    if (first && second) {
      merged.abort = () => {
        first();
        second();
      };
    }
    this.watchers.set(id, merged);
  }

  unwatch(id: number): void {
    if (this.watchers.size !== 0) this.watchers.delete(id);
  }

  /**
   * The application failed request `id` (it threw, rejected, or gave a response the engine cannot
   * write): logs the error, and the engine answers 500 and closes the connection, or only closes it
   * when the response had begun. Harmless when the request is already answered or gone.
   */
  fail(id: number, err: unknown): void {
    log.error(`Error handling request: ${(err as Error)?.stack ?? String(err)}`);
    this.engine.fail(id);
    this.unwatch(id);
  }

  /** The whole body of a request, collected from the engine's pieces (no stream involved). */
  collectBody(id: number): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      this.watch(id, {
        body(chunk, last) {
          if (chunk) chunks.push(chunk);
          if (last) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
        },
        abort() {
          reject(new Error('the client closed the connection before the body arrived'));
        },
      });
      this.engine.readBody(id);
    });
  }
}
