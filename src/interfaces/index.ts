// interfaces/index.ts — picks how an application is called, from its shape or --interface, and
// starts serving it on the worker's listeners: node apps through Node's http on natively accepted
// sockets, fetch and native apps on the native engine.
import type http from 'node:http';
import { addon, type Acceptor } from '../native.js';
import type { Settings } from '../config/settings.js';
import { EngineHost, engineOptions, type Dispatch } from './engine.js';
import type { FetchHandler } from './fetch.js';
import type { ListenCapture } from './listen.js';
import { importApp, type OnServer } from '../app/load.js';
import { AppLoadError } from '../errors.js';
import { nativeDispatch, type NativeHandler } from './native.js';
import { NodeHost, isNodeApp, nodeServer } from './node.js';
import { hookEngine, hookNodeServer, type RequestHooks } from './hooks.js';
import type { AccessLog } from '../access-log.js';
import { useForwardedSettings } from './forwarded.js';
import { loadTls, tlsSocketOptions, type TlsMaterial } from '../tls.js';

export type InterfaceName = 'node' | 'fetch' | 'native';

/** What a worker needs from whatever serves the app. */
export interface Serving {
  readonly interface: InterfaceName;
  /** Start accepting (a spare worker is served but waits to be promoted before it accepts). */
  start(): void;
  /** Stop accepting, finish in-flight requests, close connections; `idle` fires when none is left. */
  drain(): void;
}

export interface ServeEvents {
  /** Each request, for max_requests. */
  request(): void;
  /**
   * Draining and no HTTP connection is left. `upgraded` connections (WebSockets the app took over)
   * may still be open: it is called again each time one closes, down to 0.
   */
  idle(upgraded: number): void;
  /** Where each answered request is logged, when the access log is on. */
  accessLog?: AccessLog | null;
}

/** What a worker serves: the app, the interface it is served by, and its onServer export. */
export interface ServedApp {
  app: unknown;
  kind: InterfaceName;
  onServer?: OnServer;
}

/** Finds the fetch handler in an app: `{ fetch }` (Hono and friends) or a one-argument function. */
export function fetchHandler(app: unknown): FetchHandler | null {
  if (typeof app === 'object' && app !== null && typeof (app as { fetch?: unknown }).fetch === 'function') {
    const target = app as { fetch: FetchHandler };
    return (request, info) => target.fetch(request, info);
  }
  if (typeof app === 'function' && app.length === 1) return app as FetchHandler;
  return null;
}

/** What tusk serves, for the error that says a file has none of it. */
const SHAPES =
  'a default export of { fetch(request) }, (request) => Response, a (req, res) function, an http.Server, ' +
  'or an Express, Koa or Fastify app; or a server the file starts itself with listen()';

/**
 * Loads the app and decides what is served. In auto and node modes, a server the app started with
 * listen() (during its load, or within boot_timeout after it when it exports nothing) is served;
 * otherwise the export. Throws a one-line AppLoadError when there is nothing to serve.
 */
export async function loadServedApp(appArg: string, cwd: string, settings: Settings, capture: ListenCapture): Promise<ServedApp> {
  const { app: exported, onServer } = await importApp(appArg, cwd);
  let app = exported;
  if (settings.interface === 'auto' || settings.interface === 'node') {
    if (capture.server) app = capture.server;
    else if (exported !== undefined) capture.serveExported();
    else {
      try {
        app = await capture.wait(settings.boot_timeout * 1000);
      } catch {
        throw new AppLoadError(`app: ${appArg} neither exports an app nor called listen() within boot_timeout (${settings.boot_timeout} s); tusk serves ${SHAPES}`);
      }
    }
  }
  if (app === undefined) throw new AppLoadError(`app: ${appArg} has no default export; name one with ${appArg}:name (tusk serves ${SHAPES})`);
  const kind = pickInterface(app, settings.interface, appArg);
  if (onServer !== undefined && kind !== 'node') throw new AppLoadError(`app: ${appArg} exports onServer, which only the node interface calls (this app is served by the ${kind} interface)`);
  return { app, kind, onServer };
}

/** The interface an app is served with; throws a one-line Error when the shape does not fit. */
export function pickInterface(app: unknown, wanted: Settings['interface'], name: string): InterfaceName {
  if (wanted === 'native') {
    if (typeof app !== 'function') throw new Error(`app: ${name} is not a function (req, res) for the native interface`);
    return 'native';
  }
  if (wanted === 'fetch' || (wanted === 'auto' && fetchHandler(app))) {
    if (!fetchHandler(app)) throw new Error(`app: ${name} has no fetch(request) method and is not a one-argument function`);
    return 'fetch';
  }
  if (isNodeApp(app)) return 'node';
  throw new Error(`app: ${name} is not an application tusk can serve: expected ${SHAPES}`);
}

/** Serves the app on listeners at `fds`; accepting begins with `start()`. `hooks`: pre/post_request. */
export async function startServing(app: unknown, kind: InterfaceName, fds: number[], settings: Settings, events: ServeEvents, onServer?: OnServer, hooks: RequestHooks | null = null): Promise<Serving> {
  // Each worker reads the certificate files anew: a reload (HUP) serves a renewed certificate.
  const secure = loadTls(settings, process.cwd());
  if (kind === 'node') return serveNode(app, fds, settings, events, onServer, hooks, secure);
  let dispatch: (host: EngineHost) => Dispatch;
  if (kind === 'fetch') {
    // Loaded only for fetch apps: touching globalThis.Response loads undici (~16 ms of every boot).
    const [{ fetchDispatch }, { TuskResponse }] = await Promise.all([import('./fetch.js'), import('./response.js')]);
    // Fetch apps build a Response per request: give them the light one (see response.ts).
    globalThis.Response = TuskResponse as unknown as typeof Response;
    const fetchApp = fetchHandler(app)!;
    dispatch = (host) => fetchDispatch(fetchApp, host);
  } else {
    dispatch = (host) => nativeDispatch(app as NativeHandler, host);
  }
  const host = new EngineHost(fds, engineOptions(settings, secure), dispatch, events);
  if (hooks) hookEngine(host, kind, hooks);
  const { engine } = host;
  return { interface: kind, start: () => engine.start(), drain: () => engine.drain() };
}

async function serveNode(app: unknown, fds: number[], settings: Settings, events: ServeEvents, onServer: OnServer | undefined, hooks: RequestHooks | null, secure: TlsMaterial | null): Promise<Serving> {
  const server: http.Server = await nodeServer(app);
  await onServer?.(server);
  if (hooks) hookNodeServer(server, hooks);
  let draining = false;
  let acceptor: Acceptor | null = null;
  let paused = false;
  const access = events.accessLog ?? null;
  const host = new NodeHost(server, settings, {
    request: access
      ? (req, res) => {
          events.request();
          access.node(req, res);
        }
      : events.request,
    socketClosed: () => {
      const open = host.sockets.size;
      if (paused && !draining && open < settings.worker_connections) {
        paused = false;
        acceptor?.start();
      }
      if (draining && open === host.upgraded.size) events.idle(open);
    },
  }, secure ? { options: tlsSocketOptions(secure), handshakeTimeoutMs: settings.header_timeout * 1000 } : null);
  useForwardedSettings(settings);
  const proxy = { proxyProtocol: settings.proxy_protocol, proxyAllowIps: settings.proxy_allow_ips, headerTimeoutMs: settings.header_timeout * 1000 };
  acceptor = new addon.Acceptor(fds, (accepted, sources) => {
    for (let i = 0; i < accepted.length; i++) host.adopt(accepted[i]!, sources?.[i] ?? null);
    if (!paused && host.sockets.size >= settings.worker_connections) {
      paused = true;
      acceptor?.pause();
    }
  }, proxy);
  return {
    interface: 'node',
    start: () => acceptor?.start(),
    drain: () => {
      draining = true;
      acceptor?.close();
      host.drain();
      if (host.sockets.size === host.upgraded.size) events.idle(host.sockets.size);
    },
  };
}
