// A strict reader of the Prometheus text format (0.0.4), for the tests: every line is a comment,
// a HELP or TYPE line, or a sample; HELP and TYPE come once per family, before its samples, and a
// family's samples are together; names and labels are well formed, values are numbers; no series
// repeats; a counter's samples end in _total; a histogram's buckets are cumulative, end with
// le="+Inf", and +Inf equals _count. Throws on the first fault; returns the families.
const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(\\{(.*)\\})? (\\S+)( -?\\d+)?$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"(,|$)/;
const VALUE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)$/;

function parseLabels(text, line) {
  const labels = {};
  let rest = text;
  while (rest.length > 0) {
    const m = LABEL.exec(rest);
    if (!m) throw new Error(`bad labels in: ${line}`);
    if (m[1] in labels) throw new Error(`label ${m[1]} twice in: ${line}`);
    labels[m[1]] = m[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    rest = rest.slice(m[0].length);
  }
  return labels;
}

const value = (text) => (text === '+Inf' ? Infinity : text === '-Inf' ? -Infinity : Number(text));

export function parsePrometheus(body) {
  if (!body.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map();
  const closed = new Set();
  let current = null;
  const seen = new Set();
  const familyOf = (name) => {
    for (const suffix of ['_bucket', '_sum', '_count']) {
      const base = name.endsWith(suffix) ? name.slice(0, -suffix.length) : null;
      if (base && families.get(base)?.type === 'histogram') return base;
    }
    return name;
  };
  for (const line of body.slice(0, -1).split('\n')) {
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) {
      const [, kind, name, ...rest] = line.split(' ');
      if (!new RegExp(`^${NAME}$`).test(name)) throw new Error(`bad name in: ${line}`);
      if (closed.has(name)) throw new Error(`family ${name} appears twice`);
      if (current && current.name !== name) closed.add(current.name);
      const f = families.get(name) ?? { name, help: null, type: null, samples: [] };
      families.set(name, f);
      if (f.samples.length) throw new Error(`${kind} of ${name} after its samples`);
      if (kind === 'HELP') {
        if (f.help !== null) throw new Error(`two HELP lines for ${name}`);
        f.help = rest.join(' ');
      } else {
        if (f.type !== null) throw new Error(`two TYPE lines for ${name}`);
        f.type = rest.join(' ');
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(f.type)) throw new Error(`bad type in: ${line}`);
      }
      current = f;
      continue;
    }
    if (line.startsWith('#')) continue;
    if (line === '') throw new Error('empty line in the exposition');
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    if (!VALUE.test(m[4])) throw new Error(`bad value in: ${line}`);
    const base = familyOf(m[1]);
    const f = families.get(base);
    if (!f || !f.type) throw new Error(`sample before its TYPE: ${line}`);
    if (f !== current) throw new Error(`samples of ${base} are not together: ${line}`);
    if (f.type === 'counter' && !m[1].endsWith('_total')) throw new Error(`counter sample without _total: ${line}`);
    const labels = parseLabels(m[3] ?? '', line);
    const key = `${m[1]}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`series twice: ${line}`);
    seen.add(key);
    f.samples.push({ name: m[1], labels, value: value(m[4]) });
  }
  for (const f of families.values()) {
    if (f.type !== 'histogram') continue;
    const groups = new Map();
    for (const s of f.samples) {
      const { le, ...rest } = s.labels;
      const k = JSON.stringify(Object.entries(rest).sort());
      const g = groups.get(k) ?? { buckets: [], count: null, sum: null };
      groups.set(k, g);
      if (s.name.endsWith('_bucket')) g.buckets.push({ le: value(le), v: s.value });
      else if (s.name.endsWith('_count')) g.count = s.value;
      else if (s.name.endsWith('_sum')) g.sum = s.value;
    }
    for (const g of groups.values()) {
      if (g.count === null || g.sum === null) throw new Error(`histogram ${f.name} lacks _count or _sum`);
      if (g.buckets.at(-1)?.le !== Infinity) throw new Error(`histogram ${f.name} does not end with le="+Inf"`);
      for (let i = 1; i < g.buckets.length; i++) {
        if (!(g.buckets[i].le > g.buckets[i - 1].le)) throw new Error(`histogram ${f.name}: le not increasing`);
        if (g.buckets[i].v < g.buckets[i - 1].v) throw new Error(`histogram ${f.name}: buckets not cumulative`);
      }
      if (g.buckets.at(-1).v !== g.count) throw new Error(`histogram ${f.name}: +Inf bucket differs from _count`);
    }
  }
  return families;
}

/** The value of one sample (name and exact labels), or undefined. */
export function sampleValue(families, name, labels = {}) {
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name !== name) continue;
      const a = Object.entries(s.labels).sort();
      const b = Object.entries(labels).map(([k, v]) => [k, String(v)]).sort();
      if (JSON.stringify(a) === JSON.stringify(b)) return s.value;
    }
  }
  return undefined;
}

/** Every sample of a name. */
export const samples = (families, name) => [...families.values()].flatMap((f) => f.samples.filter((s) => s.name === name));
