// statsd.ts — Gunicorn's statsd metrics, sent by the master over UDP (node:dgram) once a second
// from the aggregated figures, with Gunicorn's names under `tusk.` (where Gunicorn says
// `gunicorn.`) and statsd_prefix before them: tusk.requests (counter), tusk.request.status.CODE
// (counters), tusk.request.duration (timer, ms), tusk.workers (gauge), tusk.log.critical/error/
// warning (counters of the master's log lines), and tusk.bytes.in/out (counters).
// Gunicorn sends a datagram per request from each worker; tusk sends the changes of the last
// second from the master: the workers' hot path stays a few stores into shared memory, and the
// datagrams do not grow with the request rate. request.duration goes as the interval's mean with a
// sample rate of 1/requests (`|@r`), so that statsd counts every request in the timer's count.
import dgram from 'node:dgram';
import net from 'node:net';
import { log, logCounts } from './log.js';
import type { Settings } from './config/settings.js';
import type { Figures } from './stats.js';
import type { MasterView } from './monitor.js';
import { splitHostPort } from './monitor.js';

const FLUSH_MS = 1000;
/** Datagrams stay below a typical path MTU. */
const MAX_DATAGRAM = 1400;
const LOG_METRICS = ['critical', 'error', 'warning'] as const;

/** The prefix as Gunicorn makes it: `app` and `app.` both give `app.`; '' stays ''. */
export function statsdPrefix(prefix: string): string {
  return prefix === '' ? '' : `${prefix.replace(/\.+$/, '')}.`;
}

export class StatsdSender {
  private readonly socket: dgram.Socket;
  private readonly host: string;
  private readonly port: number;
  private readonly prefix: string;
  private readonly tags: string;
  private last: Figures | null = null;
  private lastLog: Record<string, number> = {};
  private failed = false;

  constructor(settings: Settings, private readonly master: MasterView) {
    ({ host: this.host, port: this.port } = splitHostPort(settings.statsd_host!));
    this.socket = dgram.createSocket(net.isIPv6(this.host) ? 'udp6' : 'udp4');
    this.socket.on('error', (err) => this.warn(err));
    this.socket.unref();
    this.prefix = `${statsdPrefix(settings.statsd_prefix)}tusk.`;
    this.tags = settings.dogstatsd_tags ? `|#${settings.dogstatsd_tags}` : '';
  }

  start(): void {
    this.last = this.master.stats.totals();
    this.lastLog = { ...logCounts };
    setInterval(() => this.flush(), FLUSH_MS).unref();
  }

  /** Sends the changes since the last flush, and the current gauges. */
  flush(): void {
    const now = this.master.stats.totals();
    const before = this.last ?? now;
    this.last = now;
    const lines: string[] = [];
    const counter = (name: string, delta: number): void => {
      if (delta > 0) lines.push(`${this.prefix}${name}:${delta}|c${this.tags}`);
    };
    const requests = now.requests - before.requests;
    counter('requests', requests);
    for (const [code, n] of now.statuses) counter(`request.status.${code}`, n - (before.statuses.get(code) ?? 0));
    if (requests > 0) {
      const meanMs = ((now.durationSum - before.durationSum) / requests) * 1000;
      lines.push(`${this.prefix}request.duration:${meanMs.toFixed(3)}|ms${requests > 1 ? `|@${(1 / requests).toPrecision(6)}` : ''}${this.tags}`);
    }
    counter('bytes.in', now.bytesIn - before.bytesIn);
    counter('bytes.out', now.bytesOut - before.bytesOut);
    for (const level of LOG_METRICS) {
      counter(`log.${level}`, (logCounts[level] ?? 0) - (this.lastLog[level] ?? 0));
    }
    this.lastLog = { ...logCounts };
    const workers = this.master.workerSummaries().filter((w) => !w.spare).length;
    lines.push(`${this.prefix}workers:${workers}|g${this.tags}`);
    this.send(lines);
  }

  /** Packs lines into datagrams of at most MAX_DATAGRAM bytes, newline-separated (statsd's multi-metric form). */
  private send(lines: string[]): void {
    let packet = '';
    const out = (): void => {
      if (packet) this.socket.send(packet, this.port, this.host, (err) => err && this.warn(err));
      packet = '';
    };
    for (const line of lines) {
      if (packet && packet.length + 1 + line.length > MAX_DATAGRAM) out();
      packet = packet ? `${packet}\n${line}` : line;
    }
    out();
  }

  private warn(err: Error): void {
    if (this.failed) return;
    this.failed = true; // once: statsd being away must not flood the log (nor its own log.* counts)
    log.warning(`statsd: cannot send to ${this.host}:${this.port}: ${err.message}`);
  }
}
