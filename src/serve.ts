// serve.ts — embedding: run tusk's engine inside the current process, no master and no workers.
//
//   import { serve } from 'tusk';
//   const server = await serve({ fetch: (req) => new Response('hi') }, { port: 3000 });
//   console.log(server.addresses);   // [ 'http://127.0.0.1:3000' ]
//   await server.close();
//
// The app takes any shape the CLI accepts (fetch handler or object, native handler with
// `interface: 'native'`, Node listener, Express/Koa/Fastify). Options are the CLI's settings, in
// snake_case or camelCase, plus `port` and `hostname` as a shorthand for `bind`.
import { defaultSettings, settingSpec, type Settings } from './config/settings.js';
import { ConfigError } from './errors.js';
import { bindListeners, closeListeners, formatListener } from './listeners.js';
import { pickInterface, startServing, type InterfaceName } from './interfaces/index.js';

export type ServeOptions = Partial<Record<keyof Settings, unknown>> & {
  [camelCase: string]: unknown;
  port?: number;
  hostname?: string;
};

export interface EmbeddedServer {
  /** Where it listens, e.g. ["http://127.0.0.1:3000"]. */
  readonly addresses: string[];
  /** The first TCP port it listens on (useful with port 0). */
  readonly port: number | undefined;
  readonly interface: InterfaceName;
  /** Stops accepting, lets in-flight requests finish (up to graceful_timeout), closes. */
  close(): Promise<void>;
}

function resolve(options: ServeOptions): Settings {
  const settings = defaultSettings(process.env) as unknown as Record<string, unknown>;
  settings.bind = [`${options.hostname ?? '127.0.0.1'}:${options.port ?? 8000}`];
  for (const [key, value] of Object.entries(options)) {
    if (key === 'port' || key === 'hostname' || value === undefined) continue;
    const spec = settingSpec(key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
    if (!spec) throw new ConfigError(`serve: unknown option ${JSON.stringify(key)}`);
    if (spec.section === 'Server hooks') throw new ConfigError(`serve: ${spec.name} is a server hook; hooks run under a master (the tusk command, or Arbiter), not in serve()`);
    settings[spec.name] = spec.parse(value);
  }
  return settings as unknown as Settings;
}

/** Serves `app` in this process. */
export async function serve(app: unknown, options: ServeOptions = {}): Promise<EmbeddedServer> {
  const settings = resolve(options);
  const kind = pickInterface(app, settings.interface, 'the app');
  const listeners = await bindListeners(settings.bind, settings.backlog, settings.reuse_port, 1);
  let idle!: () => void;
  const closed = new Promise<void>((r) => (idle = r));
  const serving = await startServing(app, kind, listeners.map((l) => l.fd), settings, {
    request() {},
    idle: (upgraded) => {
      if (upgraded === 0) idle();
    },
  });
  serving.start();
  let closing: Promise<void> | null = null;
  return {
    addresses: listeners.map(formatListener),
    port: listeners.find((l) => l.port !== undefined)?.port,
    interface: kind,
    close() {
      if (closing) return closing;
      serving.drain();
      closeListeners(listeners);
      const timer = setTimeout(idle, settings.graceful_timeout * 1000);
      return (closing = closed.finally(() => clearTimeout(timer)));
    },
  };
}
