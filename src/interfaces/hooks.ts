// interfaces/hooks.ts — the pre_request and post_request hooks on every interface, installed only
// when one of them is set, so that a server without them pays nothing per request. The node
// interface gets a 'request' listener that runs before the app's, and the response's 'close'; the
// engine's interfaces (fetch, native) a wrapped dispatch, and this engine's response calls
// (respond, writeHead, end, fail, destroy) plus its abort event, which tell when a response ended.
import type http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Engine } from '../native.js';
import type { EngineHost } from './engine.js';
import { headerRecord } from './native.js';
import { callHook } from '../hooks.js';
import type { HookRequest, HookSettings, Worker } from '../config/hooks.js';

/** What the request hooks need: the hooks, and the worker they are given. */
export interface RequestHooks {
  settings: HookSettings;
  worker: Worker;
}

/** The request hooks to install, or null when neither is set. */
export function requestHooks(settings: HookSettings, worker: Worker): RequestHooks | null {
  return settings.pre_request || settings.post_request ? { settings, worker } : null;
}

/** A request of the engine's interfaces, read when it arrived (the engine forgets it once answered). */
class EngineRequestView implements HookRequest {
  readonly interface: 'fetch' | 'native';
  private _headers?: Record<string, string>;

  constructor(
    kind: 'fetch' | 'native',
    readonly method: string,
    readonly url: string,
    readonly httpVersion: string,
    private readonly rawHeaders: readonly string[],
    readonly remoteAddress: string,
  ) {
    this.interface = kind;
  }

  get headers(): Record<string, string> {
    return (this._headers ??= headerRecord(this.rawHeaders));
  }
}

/** A node-interface request: its fields read from the IncomingMessage when asked for. */
class NodeRequestView implements HookRequest {
  readonly interface = 'node' as const;
  private _headers?: Record<string, string>;

  constructor(readonly raw: http.IncomingMessage) {}

  get method(): string {
    return this.raw.method ?? '';
  }

  get url(): string {
    return this.raw.url ?? '';
  }

  get httpVersion(): string {
    return this.raw.httpVersion;
  }

  get headers(): Record<string, string> {
    return (this._headers ??= headerRecord(this.raw.rawHeaders));
  }

  get remoteAddress(): string {
    return this.raw.socket.remoteAddress ?? '';
  }
}

/** pre_request and post_request for an http.Server of the node interface. */
export function hookNodeServer(server: http.Server, hooks: RequestHooks): void {
  const { settings, worker } = hooks;
  const post = settings.post_request !== null;
  server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const start = post ? performance.now() : 0;
    const view = new NodeRequestView(req);
    callHook(settings, 'pre_request', worker, view);
    if (!post) return;
    res.once('close', () => {
      callHook(settings, 'post_request', worker, view, {
        status: res.headersSent ? res.statusCode : 0, aborted: !res.writableFinished, duration: performance.now() - start, raw: res,
      });
    });
  });
}

/** A request in flight, for post_request. */
interface Pending {
  req: HookRequest;
  start: number;
  /** The status of a streamed response once its head is written; 0 before. */
  status: number;
}

/**
 * pre_request and post_request for an engine host. The request's fields are read when it arrives,
 * since the engine forgets a request once its response is written and post_request comes after.
 */
export function hookEngine(host: EngineHost, kind: 'fetch' | 'native', hooks: RequestHooks): void {
  const { settings, worker } = hooks;
  const { engine } = host;
  const pending = new Map<number, Pending>();
  const post = settings.post_request !== null;
  const dispatch = host.dispatch;
  host.dispatch = (eng, id, hasBody) => {
    const req = new EngineRequestView(kind, eng.method(id) ?? '', eng.target(id) ?? '', `1.${eng.version(id) ?? 1}`, eng.headers(id) ?? [], eng.peer(id)?.[0] ?? '');
    if (post) pending.set(id, { req, start: performance.now(), status: 0 });
    callHook(settings, 'pre_request', worker, req);
    dispatch(eng, id, hasBody);
  };
  if (!post) return;

  const finish = (id: number, status: number | null, aborted: boolean): void => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    callHook(settings, 'post_request', worker, p.req, { status: status ?? p.status, aborted, duration: performance.now() - p.start });
  };
  // Own properties over the prototype's (read-only) methods, on this engine only: fetch.ts and
  // native.ts call these, and each call that ends a response ends its request's post_request wait.
  const { respond, writeHead, end, fail, destroy } = engine;
  const own = {
    respond(this: Engine, id: number, ...rest: Parameters<Engine['respond']> extends [number, ...infer R] ? R : never) {
      const ok = respond.call(this, id, ...rest);
      if (ok) finish(id, rest[0], false);
      return ok;
    },
    writeHead(this: Engine, id: number, ...rest: Parameters<Engine['writeHead']> extends [number, ...infer R] ? R : never) {
      const ok = writeHead.call(this, id, ...rest);
      const p = pending.get(id);
      if (ok && p) p.status = rest[0];
      return ok;
    },
    end(this: Engine, id: number, chunk?: Parameters<Engine['end']>[1]) {
      const ok = end.call(this, id, chunk);
      finish(id, null, !ok);
      return ok;
    },
    fail(this: Engine, id: number) {
      const begun = pending.get(id)?.status ?? 0;
      const ok = fail.call(this, id);
      // Nothing sent yet: the engine answers 500. A stream already begun: it is cut.
      finish(id, begun === 0 ? 500 : begun, begun !== 0 || !ok);
      return ok;
    },
    destroy(this: Engine, id: number) {
      const ok = destroy.call(this, id);
      finish(id, null, true);
      return ok;
    },
  };
  for (const [name, value] of Object.entries(own)) Object.defineProperty(engine, name, { value, configurable: true, writable: true });
  host.aborted = (id) => finish(id, null, true);
}
