// monitor.ts — what the master serves about itself, apart from the app: on metrics_bind a small
// node:http server with /metrics (prometheus.ts), /ready (200 only while some worker serves and the
// server is not stopping, for load balancers and Kubernetes readiness probes) and /live (200 while
// the master's loop turns); with statsd_host, the statsd sender (statsd.ts). Both read the
// master's figures (stats.ts, metrics.ts) and never touch a worker or the app.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { log } from './log.js';
import type { Settings } from './config/settings.js';
import type { Restarts } from './restarts.js';
import type { StatsBook } from './stats.js';
import type { WorkerSummary } from './status.js';
import { AppMetricsBook } from './metrics.js';
import { CONTENT_TYPE, exposition } from './prometheus.js';
import { StatsdSender } from './statsd.js';

/** What the monitor reads of the master. */
export interface MasterView {
  readonly stats: StatsBook;
  readonly restarts: Restarts;
  workerSummaries(): WorkerSummary[];
  /** Some worker is ready and not retiring, and the server is not stopping. */
  serving(): boolean;
  /** performance.now() when the loop last turned. */
  lastTick(): number;
}

/** /live fails when the loop has not turned for this long (it turns at least every 250 ms). */
const LIVE_WITHIN_MS = 5000;
/** How often a busy metrics address is tried again (another master holds it during an upgrade). */
const RETRY_BIND_MS = 1000;

/** Splits HOST:PORT or [IPv6]:PORT (checked by the settings registry). */
export function splitHostPort(spec: string): { host: string; port: number } {
  const colon = spec.lastIndexOf(':');
  return { host: spec.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(spec.slice(colon + 1)) };
}

export class Monitor {
  private readonly statsd: StatsdSender | null;
  readonly app: AppMetricsBook;

  constructor(private readonly settings: Settings, private readonly master: MasterView) {
    this.app = new AppMetricsBook(master.stats);
    this.statsd = settings.statsd_host ? new StatsdSender(settings, master) : null;
  }

  start(): void {
    this.statsd?.start();
    if (this.settings.metrics_bind) this.listen(splitHostPort(this.settings.metrics_bind));
  }

  /** Sends what statsd has not had yet (before the master exits). */
  flush(): void {
    this.statsd?.flush();
  }

  private listen(address: { host: string; port: number }, warned = false): void {
    const server = http.createServer((req, res) => this.answer(req, res));
    server.keepAliveTimeout = 5000;
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EADDRINUSE') return log.error(`Cannot serve metrics at ${this.settings.metrics_bind}: ${err.message}`);
      if (!warned) log.warning(`Metrics address ${this.settings.metrics_bind} is in use (another master?); trying again every second`);
      setTimeout(() => this.listen(address, true), RETRY_BIND_MS).unref();
    });
    server.listen(address.port, address.host, () => {
      const bound = server.address();
      const port = typeof bound === 'object' && bound ? bound.port : address.port;
      const host = address.host.includes(':') ? `[${address.host}]` : address.host;
      log.info(`Metrics at: http://${host}:${port}/metrics (${process.pid})`);
    });
    server.unref(); // the master's loop, not this server, keeps the process alive
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.reply(res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
    switch (path) {
      case '/metrics': {
        let body: string;
        try {
          body = exposition({ book: this.master.stats, restarts: this.master.restarts, workers: this.master.workerSummaries(), app: this.app.families() });
        } catch (err) {
          log.error(`Cannot build /metrics: ${(err as Error).stack ?? String(err)}`);
          return this.reply(res, 500, 'internal error\n');
        }
        return this.reply(res, 200, body, { 'content-type': CONTENT_TYPE });
      }
      case '/ready':
        return this.master.serving() ? this.reply(res, 200, 'ready\n') : this.reply(res, 503, 'not ready\n');
      case '/live':
        return performance.now() - this.master.lastTick() < LIVE_WITHIN_MS ? this.reply(res, 200, 'live\n') : this.reply(res, 503, 'the master loop is stuck\n');
      default:
        return this.reply(res, 404, 'not found: /metrics, /ready and /live are served here\n');
    }
  }

  private reply(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers, 'content-length': Buffer.byteLength(body) });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  }
}
