// status.ts — what the master knows of each worker, as `tusk ctl status` shows it: the worker's
// place (pid, slot, generation, age, state), what the master reads of it in /proc (RSS, CPU time),
// how long since its last heartbeat, and the restarts of its slot and why (restarts.ts, kept by
// the arbiter), and the figures the worker counts itself (requests, connections, event-loop lag)
// as its stats block (stats.ts) holds them.
import { procFile, residentBytes } from './memory.js';
import type { Restart, Restarts, SlotRecord } from './restarts.js';
import type { Figures } from './stats.js';

/** Linux reports CPU times in /proc in clock ticks of USER_HZ, 100 per second on every architecture tusk builds for. */
const TICKS_PER_SECOND = 100;

/** A worker's user + system CPU time in seconds, from /proc/PID/stat; null when it is gone. */
export function cpuSeconds(pid: number): number | null {
  const stat = procFile(pid, 'stat');
  if (stat === null) return null;
  // The command name may hold spaces and parentheses: fields are counted after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / TICKS_PER_SECOND : null;
}

export type WorkerState = 'booting' | 'ready' | 'draining';

/** What the arbiter keeps of a worker that decides its state. */
export interface StateView {
  ready: boolean;
  /** When it was told to stop (or stopped accepting on its own); null while serving. */
  stopAt: number | null;
  /** Above max_worker_memory: leaving once its replacement is ready. */
  recycling?: boolean;
}

/** A worker is draining once it is told to stop or marked for recycling, ready once its heartbeat says so. */
export function workerState(w: StateView): WorkerState {
  return w.stopAt !== null || w.recycling === true ? 'draining' : w.ready ? 'ready' : 'booting';
}

/** What the master knows of one worker, beside its figures (for /metrics, statsd and ctl). */
export interface WorkerSummary {
  pid: number;
  /** null for a spare. */
  slot: number | null;
  generation: number;
  state: WorkerState;
  spare: boolean;
  /** Seconds since it was spawned. */
  age: number;
}

/** One row of `tusk ctl status`. */
export interface WorkerStatus {
  pid: number;
  /** Its stable slot (TUSK_WORKER_ID); null for a spare not yet promoted. */
  slot: number | null;
  generation: number;
  /** Spawn order: 1 for the first worker this master started (Gunicorn's age). */
  age: number;
  state: WorkerState;
  spare: boolean;
  /** Seconds since it was spawned. */
  uptime: number;
  /** Resident set size in bytes; null when /proc has none. */
  rss: number | null;
  /** User + system CPU seconds. */
  cpu: number | null;
  /** Seconds since its heartbeat last changed. */
  heartbeat: number;
  /** Restarts of its slot (0 for a spare). */
  restarts: number;
  /** The last restart of its slot. */
  lastRestart: Restart | null;
  /**
   * From the worker's stats block; absent when the master has none for it. Requests answered,
   * requests being answered, connections open, event-loop lag over its last interval (seconds).
   */
  requests?: number;
  inFlight?: number;
  connections?: number;
  loopLagP50?: number;
  loopLagP99?: number;
}

/** The whole server, as `tusk ctl status` shows it. */
export interface ServerStatus {
  master: {
    pid: number;
    version: string;
    name: string;
    state: 'running' | 'reloading' | 'stopping';
    generation: number;
    /** The number of serving workers it keeps. */
    workers: number;
    spareWorkers: number;
    /** Seconds since it started. */
    uptime: number;
  };
  workers: WorkerStatus[];
  slots: SlotRecord[];
}

/** What the arbiter passes of one of its worker records. */
export interface WorkerView extends StateView {
  pid: number;
  slot: number | null;
  generation: number;
  age: number;
  spare: boolean;
  bornAt: number;
  lastBeat: number;
}

const seconds = (ms: number): number => Math.round(ms) / 1000;

/** One worker's row; `now` is the master's monotonic clock; `figures` what its stats block says. */
export function workerStatus(w: WorkerView, now: number, restarts: Restarts, figures: Figures | null): WorkerStatus {
  const slot = w.slot === null ? null : restarts.of(w.slot);
  const counted = figures && {
    requests: figures.requests,
    inFlight: figures.inFlight,
    connections: figures.connectionsOpen,
    loopLagP50: figures.loopLagP50,
    loopLagP99: figures.loopLagP99,
  };
  return {
    pid: w.pid,
    slot: w.slot,
    generation: w.generation,
    age: w.age,
    state: workerState(w),
    spare: w.spare,
    uptime: seconds(now - w.bornAt),
    rss: residentBytes(w.pid),
    cpu: cpuSeconds(w.pid),
    heartbeat: seconds(now - w.lastBeat),
    restarts: slot?.restarts ?? 0,
    lastRestart: slot?.last ?? null,
    ...counted,
  };
}
