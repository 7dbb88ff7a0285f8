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

/** A HookRequest whose headers are made on first use from the raw list. */
function hookRequest(kind: HookRequest['interface'], method: string, url: string, httpVersion: string, rawHeaders: readonly string[], remoteAddress: string, raw?: http.IncomingMessage): HookRequest {
  let headers: Record<string, string> | undefined;
  return {
    interface: kind, method, url, httpVersion, remoteAddress, raw,
    get headers() {
      return (headers ??= headerRecord(rawHeaders));
    },
  };
}

/** pre_request and post_request for an http.Server of the node interface. */
export function hookNodeServer(server: http.Server, hooks: RequestHooks): void {
  const { settings, worker } = hooks;
  server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const start = performance.now();
    const view = hookRequest('node', req.method ?? '', req.url ?? '', req.httpVersion, req.rawHeaders, req.socket.remoteAddress ?? '', req);
    callHook(settings, 'pre_request', worker, view);
    if (!settings.post_request) return;
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
  const dispatch = host.dispatch;
  host.dispatch = (eng, id, hasBody) => {
    const req = hookRequest(kind, eng.method(id) ?? '', eng.target(id) ?? '', `1.${eng.version(id) ?? 1}`, eng.headers(id) ?? [], eng.peer(id)?.[0] ?? '');
    if (settings.post_request) pending.set(id, { req, start: performance.now(), status: 0 });
    callHook(settings, 'pre_request', worker, req);
    dispatch(eng, id, hasBody);
  };
  if (!settings.post_request) return;

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
