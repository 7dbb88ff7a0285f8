// prometheus.ts — the Prometheus text exposition (format 0.0.4) of what the master knows: server
// totals over every worker, living or dead (StatsBook), per-worker gauges labelled by slot, and the
// app's own metrics (AppMetricsBook). Written here rather than with prom-client: its metric types
// count events as they happen (inc, observe), while the master reads totals other processes have
// already counted; feeding those into prom-client would mean resetting its counters and rebuilding
// its histograms' internals on every scrape, for a format that takes a page to write.
import { RESTART_REASONS, type Restarts } from './restarts.js';
import { layout, type Figures, type StatsBook } from './stats.js';
import type { WorkerSummary } from './status.js';
import type { AppFamily } from './metrics.js';

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** What a scrape reads. */
export interface Scrape {
  book: StatsBook;
  restarts: Restarts;
  workers: WorkerSummary[];
  app: AppFamily[];
}

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function number(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labelText(labels: Record<string, string>): string {
  const keys = Object.keys(labels);
  return keys.length === 0 ? '' : `{${keys.map((k) => `${k}="${escapeLabel(labels[k]!)}"`).join(',')}}`;
}

/** Builds the text: one HELP and TYPE per family, its samples together. */
class Exposition {
  private readonly lines: string[] = [];

  family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): this {
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    return this;
  }

  sample(name: string, labels: Record<string, string>, value: number): this {
    this.lines.push(`${name}${labelText(labels)} ${number(value)}`);
    return this;
  }

  /** A histogram's samples from per-bucket counts (the last one +Inf). */
  histogram(name: string, labels: Record<string, string>, bounds: readonly number[], buckets: readonly number[], sum: number): this {
    let cumulative = 0;
    bounds.forEach((bound, i) => {
      cumulative += buckets[i]!;
      this.sample(`${name}_bucket`, { ...labels, le: number(bound) }, cumulative);
    });
    cumulative += buckets[bounds.length]!;
    this.sample(`${name}_bucket`, { ...labels, le: '+Inf' }, cumulative);
    this.sample(`${name}_sum`, labels, sum);
    return this.sample(`${name}_count`, labels, cumulative);
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

function serverFamilies(out: Exposition, t: Figures, scrape: Scrape): void {
  out.family('tusk_requests_total', 'counter', 'Responses sent, by status class, over every worker the master ran.');
  for (const c of CLASSES) out.sample('tusk_requests_total', { status: c }, t.classes[c]);
  if (t.classes.other > 0) out.sample('tusk_requests_total', { status: 'other' }, t.classes.other);
  out.family('tusk_request_duration_seconds', 'histogram', 'Time from a request head read to its response ended.')
    .histogram('tusk_request_duration_seconds', {}, layout.bounds, t.buckets, t.durationSum);
  out.family('tusk_requests_aborted_total', 'counter', 'Requests whose connection closed before the response ended.').sample('tusk_requests_aborted_total', {}, t.aborted);
  out.family('tusk_requests_in_flight', 'gauge', 'Requests the app is handling now.').sample('tusk_requests_in_flight', {}, t.inFlight);
  out.family('tusk_received_bytes_total', 'counter', 'Bytes read from clients.').sample('tusk_received_bytes_total', {}, t.bytesIn);
  out.family('tusk_sent_bytes_total', 'counter', 'Bytes written to clients.').sample('tusk_sent_bytes_total', {}, t.bytesOut);
  out.family('tusk_connections_total', 'counter', 'Connections accepted.').sample('tusk_connections_total', {}, t.connectionsTotal);
  out.family('tusk_connections', 'gauge', 'Connections open now.').sample('tusk_connections', {}, t.connectionsOpen);
  out.family('tusk_worker_restarts_total', 'counter', 'Workers replaced or retired, by reason.');
  for (const r of RESTART_REASONS) out.sample('tusk_worker_restarts_total', { reason: r }, scrape.restarts.total(r));
  out.family('tusk_heartbeat_timeouts_total', 'counter', 'Workers whose heartbeat stopped for longer than timeout.').sample('tusk_heartbeat_timeouts_total', {}, scrape.restarts.heartbeatTimeouts);
  out.family('tusk_workers', 'gauge', 'Workers, by state.');
  for (const state of ['booting', 'ready', 'draining'] as const) out.sample('tusk_workers', { state }, scrape.workers.filter((w) => w.state === state && !w.spare).length);
  out.family('tusk_spare_workers', 'gauge', 'Warm spares.').sample('tusk_spare_workers', {}, scrape.workers.filter((w) => w.spare).length);
}

/** Per-worker gauges, labelled by slot and generation (two share a slot during a reload). */
function workerFamilies(out: Exposition, scrape: Scrape): void {
  const rows = scrape.workers
    .filter((w) => w.slot !== null)
    .map((w) => ({ w, f: scrape.book.worker(w.pid), labels: { slot: String(w.slot), generation: String(w.generation) } }))
    .filter((r) => r.f !== null);
  const gauge = (name: string, help: string, value: (r: (typeof rows)[number]) => number): void => {
    out.family(name, 'gauge', help);
    for (const r of rows) out.sample(name, r.labels, value(r));
  };
  gauge('tusk_worker_requests', 'Responses this worker sent since it started.', (r) => r.f!.requests);
  gauge('tusk_worker_requests_in_flight', 'Requests this worker\'s app is handling now.', (r) => r.f!.inFlight);
  gauge('tusk_worker_connections', 'Connections open in this worker.', (r) => r.f!.connectionsOpen);
  gauge('tusk_worker_event_loop_lag_p50_seconds', 'Median event-loop delay over the worker\'s last second.', (r) => r.f!.loopLagP50);
  gauge('tusk_worker_event_loop_lag_p99_seconds', '99th percentile event-loop delay over the worker\'s last second.', (r) => r.f!.loopLagP99);
  gauge('tusk_worker_uptime_seconds', 'Seconds since the worker was spawned.', (r) => r.w.age);
  gauge('tusk_worker_ready', '1 once the worker serves, 0 while it boots or drains.', (r) => (r.w.state === 'ready' ? 1 : 0));
  gauge('tusk_worker_pid', 'The worker\'s process id.', (r) => r.w.pid);
}

function appFamilies(out: Exposition, families: AppFamily[]): void {
  for (const family of families) {
    out.family(family.name, family.type, family.help);
    for (const s of family.series) {
      if (family.type === 'histogram') out.histogram(family.name, s.labels, family.bounds ?? [], s.buckets ?? [], s.sum ?? 0);
      else out.sample(family.name, s.labels, s.value);
    }
  }
}

/** The whole /metrics body. */
export function exposition(scrape: Scrape): string {
  const out = new Exposition();
  serverFamilies(out, scrape.book.totals(), scrape);
  workerFamilies(out, scrape);
  appFamilies(out, scrape.app);
  return out.text();
}
