// stats.ts — the figures channel from workers to the master. Each worker has a stats file: a
// shared-memory file (unlinked, in the worker tmp dir beside its heartbeat) that the master makes
// and both processes map (native/stats.cc). The worker's engine counts into it in C++
// (native/http/stats.h, whose layout the addon hands over here); the node interface and the
// worker's event-loop lag sampler write the same slots from JavaScript (`WorkerStats`); the app's
// own metrics (src/metrics.ts) live in the part after the engine's. The master reads any worker's
// block whenever it likes, without a system call (`StatsBook`), and keeps monotonic totals: a dead
// worker's last counts are folded into its retired totals, so neither a crash nor a HUP makes a
// counter go back.
import fs from 'node:fs';
import { monitorEventLoopDelay, type IntervalHistogram, performance } from 'node:perf_hooks';
import { addon } from './native.js';

/** The stats block's layout, as the addon defines it. */
export interface StatsLayout {
  slots: {
    requests: number; bytesIn: number; bytesOut: number; connectionsTotal: number; connectionsOpen: number;
    inFlight: number; aborted: number; durationSum: number; statusOther: number; loopLagP50: number; loopLagP99: number;
  };
  /** Slot of status code 100; codes 100..599 follow. */
  statusBase: number;
  /** Slot of the first duration bucket: one per bound, then +Inf (counts per bucket, not cumulative). */
  bucketBase: number;
  /** Upper bounds of the request duration buckets, seconds. */
  bounds: number[];
  /** Slots the engine owns; the app's metrics follow. */
  engineSlots: number;
}

export const layout = addon.statsLayout() as StatsLayout;

/** Slots after the engine's for the app's metric values (src/metrics.ts). */
export const APP_VALUE_SLOTS = 4096;
/** Bytes after the values for the app's metric descriptions (src/metrics.ts). */
export const APP_TEXT_BYTES = 64 * 1024;
/** The whole block: engine slots, two app header slots, app values, app text. */
export const STATS_BYTES = (layout.engineSlots + 2 + APP_VALUE_SLOTS) * 8 + APP_TEXT_BYTES;

/** One mapped stats block: the same memory in the worker and in the master. */
export class StatsBlock {
  readonly slots: Float64Array;
  /** App region: [0] text bytes used, [1] value slots used, then the values. */
  readonly app: Float64Array;
  readonly text: Uint8Array;

  constructor(readonly buffer: ArrayBuffer) {
    this.slots = new Float64Array(buffer, 0, layout.engineSlots);
    this.app = new Float64Array(buffer, layout.engineSlots * 8, 2 + APP_VALUE_SLOTS);
    this.text = new Uint8Array(buffer, (layout.engineSlots + 2 + APP_VALUE_SLOTS) * 8, APP_TEXT_BYTES);
  }

  /** Maps the stats file at `fd`; the descriptor may be closed afterwards. */
  static map(fd: number): StatsBlock {
    return new StatsBlock(addon.statsMap(fd, STATS_BYTES));
  }

  /** A block in this process's memory only: for an engine or app metrics outside a tusk worker. */
  static private(): StatsBlock {
    return new StatsBlock(new ArrayBuffer(STATS_BYTES));
  }
}

/**
 * Makes a worker's stats file in `dir` (the heartbeat's directory), owned by the worker's user
 * when it runs as another; returns the descriptor to hand to the worker and the master's mapping.
 */
export function createStatsFile(dir: string, owner: { uid: number; gid: number } | null): { fd: number; block: StatsBlock } {
  const fd = addon.heartbeatCreate(dir); // an unlinked 0600 file, as a heartbeat is
  try {
    fs.ftruncateSync(fd, STATS_BYTES);
    if (owner) addon.chownFd(fd, owner.uid, owner.gid);
    return { fd, block: StatsBlock.map(fd) };
  } catch (err) {
    addon.closeFd(fd);
    throw err;
  }
}

// ---- the worker's side ----

// Held on globalThis so that any copy of this module in the process (an app's own
// node_modules/tusk) counts into the same block.
const CURRENT = Symbol.for('tusk.stats');
const holder = globalThis as { [CURRENT]?: StatsBlock };

/** This process's stats block: the worker's mapped file, else a private block made on first use. */
export function statsBlock(): StatsBlock {
  return (holder[CURRENT] ??= StatsBlock.private());
}

/** Maps the worker's stats file (once, at boot) and closes the descriptor, which apps do not inherit. */
export function adoptStatsFile(fd: number): StatsBlock {
  const block = (holder[CURRENT] = StatsBlock.map(fd));
  addon.closeFd(fd);
  return block;
}

/** Counts requests served by JavaScript (the node interface) into the slots the engine uses. */
export class RequestCounter {
  private readonly s = statsBlock().slots;

  /** A request handed to the app; returns its start (performance.now(), ms) for `answered`. */
  begin(): number {
    this.s[layout.slots.inFlight]! += 1;
    return performance.now();
  }

  answered(status: number, started: number): void {
    const s = this.s;
    const seconds = (performance.now() - started) / 1000;
    s[layout.slots.inFlight]! -= 1;
    s[layout.slots.requests]! += 1;
    s[status >= 100 && status <= 599 ? layout.statusBase + status - 100 : layout.slots.statusOther]! += 1;
    s[layout.slots.durationSum]! += seconds;
    let b = 0;
    while (b < layout.bounds.length && seconds > layout.bounds[b]!) b++;
    s[layout.bucketBase + b]! += 1;
  }

  aborted(): void {
    this.s[layout.slots.inFlight]! -= 1;
    this.s[layout.slots.aborted]! += 1;
  }

  connection(open: number, opened: boolean): void {
    if (opened) this.s[layout.slots.connectionsTotal]! += 1;
    this.s[layout.slots.connectionsOpen] = open;
  }

  bytes(read: number, written: number): void {
    this.s[layout.slots.bytesIn]! += read;
    this.s[layout.slots.bytesOut]! += written;
  }
}

/** Samples the event loop's delay and leaves p50/p99 of each interval in the block. */
export class LoopLag {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });

  constructor(private readonly block: StatsBlock) {
    this.histogram.enable();
  }

  /** Called once per interval (the heartbeat's). */
  sample(): void {
    const h = this.histogram;
    if (h.count > 0) {
      // The sampler's own timer resolution is part of every sample: what is left is lag.
      const lag = (q: number): number => Math.max(0, Math.round(h.percentile(q) / 1e3 - 20_000) / 1e6);
      this.block.slots[layout.slots.loopLagP50] = lag(50);
      this.block.slots[layout.slots.loopLagP99] = lag(99);
    }
    h.reset();
  }
}

// ---- the master's side ----

/** What one worker's block says (or, summed, what a server's workers say). */
export interface Figures {
  requests: number;
  bytesIn: number;
  bytesOut: number;
  connectionsTotal: number;
  connectionsOpen: number;
  inFlight: number;
  aborted: number;
  /** Seconds, summed over `requests`. */
  durationSum: number;
  /** Responses by status code (only codes seen). */
  statuses: Map<number, number>;
  /** Responses by status class: 1xx..5xx, and `other`. */
  classes: Record<'1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'other', number>;
  /** Per duration bucket (layout.bounds, then +Inf), not cumulative. */
  buckets: number[];
  /** Seconds, over the worker's last interval; 0 in sums. */
  loopLagP50: number;
  loopLagP99: number;
}

function emptyFigures(): Figures {
  return {
    requests: 0, bytesIn: 0, bytesOut: 0, connectionsTotal: 0, connectionsOpen: 0, inFlight: 0, aborted: 0, durationSum: 0,
    statuses: new Map(), classes: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, other: 0 },
    buckets: new Array<number>(layout.bounds.length + 1).fill(0), loopLagP50: 0, loopLagP99: 0,
  };
}

/** Reads a block into Figures. */
export function readFigures(block: StatsBlock): Figures {
  const s = block.slots;
  const f = emptyFigures();
  const k = layout.slots;
  f.requests = s[k.requests]!;
  f.bytesIn = s[k.bytesIn]!;
  f.bytesOut = s[k.bytesOut]!;
  f.connectionsTotal = s[k.connectionsTotal]!;
  f.connectionsOpen = s[k.connectionsOpen]!;
  f.inFlight = Math.max(0, s[k.inFlight]!);
  f.aborted = s[k.aborted]!;
  f.durationSum = s[k.durationSum]!;
  f.loopLagP50 = s[k.loopLagP50]!;
  f.loopLagP99 = s[k.loopLagP99]!;
  for (let code = 100; code <= 599; code++) {
    const n = s[layout.statusBase + code - 100]!;
    if (n === 0) continue;
    f.statuses.set(code, n);
    f.classes[`${Math.floor(code / 100)}xx` as '2xx'] += n;
  }
  f.classes.other = s[k.statusOther]!;
  for (let b = 0; b < f.buckets.length; b++) f.buckets[b] = s[layout.bucketBase + b]!;
  return f;
}

/** Adds the counters of `from` into `into`; gauges (open connections, in flight, lag) are left. */
function addCounters(into: Figures, from: Figures): void {
  into.requests += from.requests;
  into.bytesIn += from.bytesIn;
  into.bytesOut += from.bytesOut;
  into.connectionsTotal += from.connectionsTotal;
  into.aborted += from.aborted;
  into.durationSum += from.durationSum;
  for (const [code, n] of from.statuses) into.statuses.set(code, (into.statuses.get(code) ?? 0) + n);
  for (const c of Object.keys(into.classes) as (keyof Figures['classes'])[]) into.classes[c] += from.classes[c];
  for (let b = 0; b < into.buckets.length; b++) into.buckets[b]! += from.buckets[b]!;
}

/** A worker the book reads. */
export interface TrackedWorker {
  pid: number;
  block: StatsBlock;
}

/**
 * The master's reader: every live worker's block, and the retired totals of the dead ones. Counts
 * never go back: `retire` folds a worker's last figures in before its block is dropped.
 */
export class StatsBook {
  private readonly live = new Map<number, StatsBlock>();
  private readonly retired = emptyFigures();
  /** Called with each block as it is retired (the app metrics' aggregator folds its part). */
  private readonly retireHooks: ((block: StatsBlock) => void)[] = [];

  track(pid: number, block: StatsBlock): void {
    this.live.set(pid, block);
  }

  /** A worker exited: its last counts join the retired totals. */
  retire(pid: number): void {
    const block = this.live.get(pid);
    if (!block) return;
    this.live.delete(pid);
    addCounters(this.retired, readFigures(block));
    for (const hook of this.retireHooks) hook(block);
  }

  onRetire(hook: (block: StatsBlock) => void): void {
    this.retireHooks.push(hook);
  }

  /** One live worker's figures, or null when the book does not know it. */
  worker(pid: number): Figures | null {
    const block = this.live.get(pid);
    return block ? readFigures(block) : null;
  }

  /** Every live worker's block. */
  blocks(): TrackedWorker[] {
    return [...this.live].map(([pid, block]) => ({ pid, block }));
  }

  /** Server totals: retired counts plus every live worker's; gauges summed over live workers. */
  totals(): Figures {
    const total = emptyFigures();
    addCounters(total, this.retired);
    for (const block of this.live.values()) {
      const f = readFigures(block);
      addCounters(total, f);
      total.connectionsOpen += f.connectionsOpen;
      total.inFlight += f.inFlight;
    }
    return total;
  }
}
