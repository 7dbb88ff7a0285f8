// metrics.ts — the app's own metrics, both ends. In a worker, `metrics.counter/gauge/histogram`
// give series that write into the worker's stats block (src/stats.ts), after the engine's slots:
// each new series appends one JSON line describing it (name, type, help, labels, where its values
// are) to the block's text area, then its values live in plain double slots, so counting is a
// typed-array write. The master (`AppMetricsBook`) reads every live worker's series, sums counters
// and histograms across workers and keeps a dead worker's last values (so they survive restarts
// and HUP), and sums gauges over the live workers. Outside a tusk worker the series count into a
// private block and nothing serves them.
import { APP_TEXT_BYTES, APP_VALUE_SLOTS, statsBlock, type StatsBlock, type StatsBook } from './stats.js';

export type MetricType = 'counter' | 'gauge' | 'histogram';
/** Label values of one series: { method: 'GET', route: '/users' }. */
export type Labels = Record<string, string | number>;

/** Default histogram buckets, seconds (Prometheus' defaults). */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Labels tusk adds itself or Prometheus reserves. */
const RESERVED_LABELS = new Set(['le', 'quantile', 'slot', 'generation']);

/** One series as the worker describes it in its block's text area. */
interface SeriesDescription {
  n: string;
  t: MetricType;
  h: string;
  l: Record<string, string>;
  /** First value slot; a histogram has one per bucket, then +Inf, then the sum. */
  o: number;
  b?: number[];
}

export interface Counter {
  /** Adds `n` (default 1); a counter never goes down. */
  inc(n?: number): void;
}

export interface Gauge {
  set(value: number): void;
  inc(n?: number): void;
  dec(n?: number): void;
}

export interface Histogram {
  observe(value: number): void;
}

/** The app's metric API: `import { metrics } from 'tusk'`. */
export interface Metrics {
  /** A counter series; the same name and labels give the same series. */
  counter(name: string, help: string, labels?: Labels): Counter;
  gauge(name: string, help: string, labels?: Labels): Gauge;
  /** A histogram series; `buckets` (upper bounds, ascending) default to DEFAULT_BUCKETS. */
  histogram(name: string, help: string, labels?: Labels, buckets?: readonly number[]): Histogram;
}

function badMetric(message: string): never {
  throw new TypeError(`tusk metrics: ${message}`);
}

function labelValues(labels: Labels | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(labels ?? {}).sort()) {
    if (!LABEL.test(key) || key.startsWith('__') || RESERVED_LABELS.has(key)) badMetric(`label name ${JSON.stringify(key)} is not allowed`);
    out[key] = String(labels![key]);
  }
  return out;
}

const seriesKey = (name: string, labels: Record<string, string>): string => `${name}${JSON.stringify(labels)}`;

/** The worker's end: series in this process's stats block. */
class WorkerMetrics implements Metrics {
  private readonly series = new Map<string, { t: MetricType; o: number; b?: number[] }>();
  private readonly families = new Map<string, { t: MetricType; h: string; b?: string }>();
  private readonly encoder = new TextEncoder();

  constructor(private readonly block: () => StatsBlock) {}

  counter(name: string, help: string, labels?: Labels): Counter {
    const { values, o } = this.define(name, help, 'counter', labels);
    return {
      inc(n = 1) {
        if (!(n >= 0)) badMetric(`counter ${name}: inc() takes a number >= 0`);
        values[o]! += n;
      },
    };
  }

  gauge(name: string, help: string, labels?: Labels): Gauge {
    const { values, o } = this.define(name, help, 'gauge', labels);
    return {
      set: (v) => void (values[o] = v),
      inc: (n = 1) => void (values[o]! += n),
      dec: (n = 1) => void (values[o]! -= n),
    };
  }

  histogram(name: string, help: string, labels?: Labels, buckets: readonly number[] = DEFAULT_BUCKETS): Histogram {
    if (buckets.length === 0 || buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]!)))
      badMetric(`histogram ${name}: buckets must be finite numbers in ascending order`);
    const { values, o, b } = this.define(name, help, 'histogram', labels, [...buckets]);
    const bounds = b!;
    return {
      observe(v) {
        let i = 0;
        while (i < bounds.length && v > bounds[i]!) i++;
        values[o + i]! += 1;
        values[o + bounds.length + 1]! += v;
      },
    };
  }

  private define(name: string, help: string, t: MetricType, labels?: Labels, b?: number[]): { values: Float64Array; o: number; b?: number[] } {
    if (typeof name !== 'string' || !NAME.test(name) || name.startsWith('tusk_')) badMetric(`metric name ${JSON.stringify(name)} is not allowed (a Prometheus name not starting with tusk_)`);
    const l = labelValues(labels);
    const block = this.block();
    const values = block.app.subarray(2);
    const key = seriesKey(name, l);
    const known = this.series.get(key);
    const family = this.families.get(name);
    if (family && (family.t !== t || (b && family.b !== JSON.stringify(b)))) badMetric(`${name} is already a ${family.t}${family.b ? ` with buckets ${family.b}` : ''}`);
    if (known) return { values, o: known.o, b: known.b };
    const slots = t === 'histogram' ? b!.length + 2 : 1;
    const used = block.app[1]!;
    if (used + slots > APP_VALUE_SLOTS) badMetric(`no room for ${name}: at most ${APP_VALUE_SLOTS} values per worker`);
    const description: SeriesDescription = { n: name, t, h: String(help ?? ''), l, o: used, ...(b ? { b } : {}) };
    const line = this.encoder.encode(`${JSON.stringify(description)}\n`);
    const textUsed = block.app[0]!;
    if (textUsed + line.length > APP_TEXT_BYTES) badMetric(`no room for ${name}: the series' descriptions exceed ${APP_TEXT_BYTES} bytes`);
    block.text.set(line, textUsed);
    block.app[1] = used + slots;
    block.app[0] = textUsed + line.length; // last: the master reads only whole lines
    this.series.set(key, { t, o: used, b });
    if (!family) this.families.set(name, { t, h: description.h, b: b && JSON.stringify(b) });
    return { values, o: used, b };
  }
}

// Any copy of this module in the process (an app's own node_modules/tusk) writes to the same series.
const GLOBAL_KEY = Symbol.for('tusk.metrics');
const holder = globalThis as { [GLOBAL_KEY]?: Metrics };

/** The app's metrics, written into this worker's stats block and served by the master. */
export const metrics: Metrics = (holder[GLOBAL_KEY] ??= new WorkerMetrics(statsBlock));

// ---- the master's side ----

/** One series as the master serves it: a value, or a histogram's buckets (not cumulative) and sum. */
export interface AppSeries {
  labels: Record<string, string>;
  value: number;
  buckets?: number[];
  sum?: number;
}

export interface AppFamily {
  name: string;
  type: MetricType;
  help: string;
  bounds?: number[];
  series: AppSeries[];
}

interface Parsed {
  textRead: number;
  series: SeriesDescription[];
}

function readSeries(block: StatsBlock, parsed: Parsed): SeriesDescription[] {
  const used = block.app[0]!;
  if (used > parsed.textRead && used <= APP_TEXT_BYTES) {
    const text = Buffer.from(block.text.buffer, block.text.byteOffset + parsed.textRead, used - parsed.textRead).toString('utf8');
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        parsed.series.push(JSON.parse(line) as SeriesDescription);
      } catch {
        // a worker's damaged line: that series is not served
      }
    }
    parsed.textRead = used;
  }
  return parsed.series;
}

/**
 * The master's end: aggregates the app's series over the workers. Counters and histograms keep a
 * dead worker's last values (folded in when the StatsBook retires it).
 */
export class AppMetricsBook {
  private readonly parsed = new WeakMap<StatsBlock, Parsed>();
  private readonly retired = new Map<string, { d: SeriesDescription; values: number[] }>();

  constructor(private readonly book: StatsBook) {
    book.onRetire((block) => {
      for (const { d, values } of this.read(block)) {
        if (d.t === 'gauge') continue;
        const key = seriesKey(d.n, d.l);
        const kept = this.retired.get(key);
        if (!kept) this.retired.set(key, { d, values });
        else if (kept.values.length === values.length) values.forEach((v, i) => (kept.values[i]! += v));
      }
    });
  }

  private read(block: StatsBlock): { d: SeriesDescription; values: number[] }[] {
    let parsed = this.parsed.get(block);
    if (!parsed) this.parsed.set(block, (parsed = { textRead: 0, series: [] }));
    const values = block.app.subarray(2);
    return readSeries(block, parsed).map((d) => {
      const n = d.t === 'histogram' ? (d.b?.length ?? 0) + 2 : 1;
      return { d, values: Array.from(values.subarray(d.o, d.o + n)) };
    });
  }

  /** Every family, its series summed over the workers (and the retired ones). */
  families(): AppFamily[] {
    const sums = new Map<string, { d: SeriesDescription; values: number[] }>();
    const add = (d: SeriesDescription, values: number[]): void => {
      const key = seriesKey(d.n, d.l);
      const sum = sums.get(key);
      if (!sum) sums.set(key, { d, values: [...values] });
      else if (sum.d.t === d.t && sum.values.length === values.length) values.forEach((v, i) => (sum.values[i]! += v));
    };
    for (const { d, values } of this.retired.values()) add(d, values);
    for (const { block } of this.book.blocks()) for (const { d, values } of this.read(block)) add(d, values);
    const families = new Map<string, AppFamily>();
    for (const { d, values } of sums.values()) {
      let family = families.get(d.n);
      if (!family) families.set(d.n, (family = { name: d.n, type: d.t, help: d.h, ...(d.b ? { bounds: d.b } : {}), series: [] }));
      if (family.type !== d.t || JSON.stringify(family.bounds) !== JSON.stringify(d.b)) continue; // workers disagree: the first wins
      if (d.t === 'histogram') {
        const buckets = values.slice(0, -1);
        family.series.push({ labels: d.l, value: buckets.reduce((a, b) => a + b, 0), buckets, sum: values.at(-1)! });
      } else {
        family.series.push({ labels: d.l, value: values[0]! });
      }
    }
    return [...families.values()];
  }
}
