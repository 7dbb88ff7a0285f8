// restarts.ts — why the master replaced or retired its workers: the one list of reasons, and the one
// record of each replacement, kept per slot (for `tusk ctl status`) and as server totals by reason
// (for /metrics and statsd). The arbiter calls `record` once wherever it decides a worker goes.

/**
 * Why a worker was replaced: `crash` (it died on its own), `timeout` (its heartbeat stopped),
 * `boot_timeout` (not ready in time), `retired` (it stopped accepting on its own: max_requests, or a
 * TERM from something else than the master), `max_worker_memory`, `reload` (HUP), `kill` (`tusk ctl kill`).
 */
export const RESTART_REASONS = ['crash', 'timeout', 'boot_timeout', 'retired', 'max_worker_memory', 'reload', 'kill'] as const;
export type RestartReason = (typeof RESTART_REASONS)[number];

/** One replacement of a slot's worker. */
export interface Restart {
  reason: RestartReason;
  /** The worker that was replaced. */
  pid: number;
  /** More words on it: how the process ended, for `crash`. */
  detail: string;
  /** Wall-clock time, ms since the epoch. */
  at: number;
}

/** The restarts of one slot. */
export interface SlotRecord {
  slot: number;
  restarts: number;
  byReason: Partial<Record<RestartReason, number>>;
  last: Restart | null;
}

/** Every replacement since the master started: per slot, and in total by reason. Never goes back. */
export class Restarts {
  private readonly slots = new Map<number, SlotRecord>();
  private readonly totals = new Map<RestartReason, number>();
  /** Workers whose heartbeat stopped for longer than `timeout`. */
  heartbeatTimeouts = 0;

  /** A worker goes, and why. A spare (slot null) counts in the totals only: it is topped up, not a slot's restart. */
  record(slot: number | null, reason: RestartReason, pid: number, detail = ''): void {
    this.totals.set(reason, this.total(reason) + 1);
    if (reason === 'timeout') this.heartbeatTimeouts++;
    if (slot === null) return;
    const record = this.of(slot);
    record.restarts++;
    record.byReason[reason] = (record.byReason[reason] ?? 0) + 1;
    record.last = { reason, pid, detail, at: Date.now() };
    this.slots.set(slot, record);
  }

  /** Replacements for one reason, over every worker. */
  total(reason: RestartReason): number {
    return this.totals.get(reason) ?? 0;
  }

  of(slot: number): SlotRecord {
    return this.slots.get(slot) ?? { slot, restarts: 0, byReason: {}, last: null };
  }

  all(): SlotRecord[] {
    return [...this.slots.values()].sort((a, b) => a.slot - b.slot);
  }
}
