// access-format.ts — the access log's one formatter. `access_log_format` (Gunicorn's atoms in
// Python's `%(atom)s` syntax, or `json`) is parsed once, checked, and compiled into a JavaScript
// function that turns one access record into one line; every interface's records go through it.
//
// A record is a run of strings in a flat array: the base fields in the order the engine writes them
// (its layout, `addon.accessLog.fields`: peer, method, target, version, status, bytes, micros), then
// the request headers the format reads, then the response headers it reads. The strings are byte
// strings (one character per byte, as Node's http and the engine hand over headers), so a
// line is written back with the latin1 encoding and every byte the client sent survives unchanged.

/** Gunicorn's atoms (its settings reference, access_log_format) and what each is. */
export const ATOMS = {
  h: 'remote address',
  l: "'-'",
  u: 'user name (HTTP Basic auth)',
  t: 'date of the request',
  r: 'request line (GET /path?q HTTP/1.1)',
  m: 'request method',
  U: 'URL path without query string',
  q: 'query string',
  H: 'protocol',
  s: 'status',
  B: 'response length',
  b: "response length or '-' (CLF format)",
  f: 'referrer',
  a: 'user agent',
  T: 'request time in seconds',
  M: 'request time in milliseconds',
  D: 'request time in microseconds',
  L: 'request time in decimal seconds',
  p: 'process ID',
  '{header}i': 'request header',
  '{header}o': 'response header',
  '{variable}e': 'environment variable',
} as const;

/** Gunicorn's default: Apache's combined log format. */
export const DEFAULT_ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"';

/** The keyword for one JSON object per line, and its keys with the atom each holds. */
export const JSON_FORMAT = 'json';
const JSON_KEYS: ReadonlyArray<readonly [string, Atom]> = [
  ['time', 't'], ['pid', 'p'], ['remote_addr', 'h'], ['remote_user', 'u'], ['request', 'r'], ['method', 'm'],
  ['path', 'U'], ['query', 'q'], ['protocol', 'H'], ['status', 's'], ['bytes', 'B'], ['referer', 'f'],
  ['user_agent', 'a'], ['request_time', 'L'],
];

type Letter = Exclude<keyof typeof ATOMS, `{${string}`>;
/** What a format is made of; 'RAW' is the request-target as sent (Gunicorn's RAW_URI). */
type Atom = Letter | 'RAW' | { header: string; from: 'i' | 'o' } | { env: string };
type Token = Atom | { text: string };

/** The base fields of a record that the formatter reads, by name. */
export type BaseField = 'peer' | 'method' | 'target' | 'version' | 'status' | 'bytes' | 'micros';

/** The date of a log line, formatted once a second. */
export interface LogClock {
  /** `[02/Dec/2026:13:51:42 +0000]`, Gunicorn's (Apache's) format in local time. */
  clf: string;
  /** `2026-12-02T13:51:42+00:00`. */
  iso: string;
}

export interface CompiledFormat {
  /** Lower-case names of the request headers a record carries, in order, after the base fields. */
  requestHeaders: string[];
  /** Lower-case names of the response headers it carries, after the request headers. */
  responseHeaders: string[];
  /** Strings per record. */
  stride: number;
  /** The line (no newline) for the record at f[i...], for fields known to need no escaping. */
  plain: (f: readonly string[], i: number, clock: LogClock) => string;
  /** The same, escaping what the client or the app sent (quotes, backslashes, control bytes). */
  escaped: (f: readonly string[], i: number, clock: LogClock) => string;
  json: boolean;
}

export class AccessFormatError extends Error {}

const LETTERS = Object.keys(ATOMS).filter((k) => !k.startsWith('{')) as Letter[];
const ACCEPTED = `json, or text with %(atom)s for the atoms ${Object.keys(ATOMS).join(' ')} (and %% for %)`;

/** Splits a format into literal text and atoms; throws AccessFormatError for what is not one. */
export function parseAccessFormat(format: string): Token[] {
  if (format === JSON_FORMAT) return JSON_KEYS.map(([, atom]) => atom);
  const tokens: Token[] = [];
  let text = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== '%') {
      text += c;
      continue;
    }
    if (format[i + 1] === '%') {
      text += '%';
      i++;
      continue;
    }
    const m = /^%\(([^)]*)\)([sd])/.exec(format.slice(i));
    if (!m) throw new AccessFormatError(`a % at ${i} that starts no %(atom)s; expected ${ACCEPTED}`);
    const atom = atomOf(m[1]!);
    if (atom === null) throw new AccessFormatError(`unknown atom %(${m[1]})s; expected ${ACCEPTED}`);
    if (text) tokens.push({ text });
    text = '';
    tokens.push(atom);
    i += m[0].length - 1;
  }
  if (text) tokens.push({ text });
  return tokens;
}

function atomOf(name: string): Atom | null {
  if ((LETTERS as string[]).includes(name)) return name as Letter;
  const m = /^\{([^{}]+)\}([ioe])$/.exec(name);
  if (!m) return null;
  if (m[2] === 'e') return environ(m[1]!);
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(m[1]!)) return null; // a header name is a token
  return { header: m[1]!.toLowerCase(), from: m[2] as 'i' | 'o' };
}

/**
 * `{variable}e`: the request variables Gunicorn reads from the WSGI environ are the same record's
 * fields (HTTP_X_Y is the request header x-y); any other name is the worker's environment variable.
 */
const ENVIRON: Record<string, Atom> = {
  REMOTE_ADDR: 'h', REQUEST_METHOD: 'm', RAW_URI: 'RAW', PATH_INFO: 'U', QUERY_STRING: 'q', SERVER_PROTOCOL: 'H',
  REMOTE_USER: 'u',
};

function environ(name: string): Atom {
  const upper = name.toUpperCase();
  if (ENVIRON[upper]) return ENVIRON[upper]!;
  if (upper.startsWith('HTTP_') && upper.length > 5) return { header: upper.slice(5).replace(/_/g, '-').toLowerCase(), from: 'i' };
  return { env: name };
}

/** A byte string: how a literal of the format (UTF-8 in the file) appears among the record's fields. */
function bytesOf(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** The clock for lines made now; the strings change once a second. */
export function logClock(): LogClock {
  const second = Math.floor(Date.now() / 1000);
  if (second !== clockSecond) {
    clockSecond = second;
    const d = new Date(second * 1000);
    const offset = -d.getTimezoneOffset();
    const sign = offset >= 0 ? '+' : '-';
    const hh = pad(Math.floor(Math.abs(offset) / 60));
    const mm = pad(Math.abs(offset) % 60);
    const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    clock = {
      clf: `[${pad(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${time} ${sign}${hh}${mm}]`,
      iso: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${time}${sign}${hh}:${mm}`,
    };
  }
  return clock;
}
let clockSecond = -1;
let clock: LogClock = { clf: '', iso: '' };

// ---- what the compiled functions call ----

const NEEDS_ESCAPE = /["\\\x00-\x1f\x7f]/;
/** The same test over a batch of fields separated by NUL (which no field holds: the parser refuses it). */
const BATCH_NEEDS_ESCAPE = /["\\\x01-\x1f\x7f]/;
const ESCAPABLE = /["\\\x00-\x1f\x7f]/g;

function escapeChar(c: string): string {
  if (c === '"') return '\\"';
  if (c === '\\') return '\\\\';
  return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

const helpers = {
  /** Text form: quotes, backslashes and control bytes escaped as nginx does (\", \\, \xHH). */
  esc: (s: string): string => (NEEDS_ESCAPE.test(s) ? s.replace(ESCAPABLE, escapeChar) : s),
  dash: (s: string | undefined): string => (s ? s : '-'),
  /** JSON string, or null for a missing value. */
  str: (s: string | undefined): string => (s ? JSON.stringify(s) : 'null'),
  /** JSON string known to need no escaping. */
  raw: (s: string | undefined): string => (s ? `"${s}"` : 'null'),
  path: (target: string): string => {
    const q = target.indexOf('?');
    return q < 0 ? target : target.slice(0, q);
  },
  query: (target: string): string => {
    const q = target.indexOf('?');
    return q < 0 ? '' : target.slice(q + 1);
  },
  /** The user name of HTTP Basic credentials, as Gunicorn's `u`. */
  user: (authorization: string | undefined): string => {
    if (!authorization || !/^basic /i.test(authorization)) return '';
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('latin1');
    const colon = decoded.indexOf(':');
    return colon < 0 ? '' : decoded.slice(0, colon);
  },
  env: (name: string): string => bytesOf(process.env[name] ?? ''),
  pid: (): number => process.pid,
};

/**
 * Compiles a format for records laid out as `fields` (the engine's base fields) followed by the
 * headers the format reads. The functions are built as source text once (every atom becomes a
 * read of a known index; literals are JSON-quoted into the source, so no format can inject code).
 */
export function compileAccessFormat(format: string, fields: readonly string[]): CompiledFormat {
  const tokens = parseAccessFormat(format);
  const json = format === JSON_FORMAT;
  const requestHeaders: string[] = [];
  const responseHeaders: string[] = [];
  const want = (list: string[], name: string): number => {
    const at = list.indexOf(name);
    return at >= 0 ? at : list.push(name) - 1;
  };
  // First pass: which headers the records must carry.
  for (const t of tokens) {
    if (t === 'f') want(requestHeaders, 'referer');
    else if (t === 'a') want(requestHeaders, 'user-agent');
    else if (t === 'u') want(requestHeaders, 'authorization');
    else if (typeof t === 'object' && 'header' in t) want(t.from === 'i' ? requestHeaders : responseHeaders, t.header);
  }
  const base = (name: BaseField): string => {
    const at = fields.indexOf(name);
    if (at < 0) throw new Error(`access log: the engine's records have no ${name} field`);
    return `f[i+${at}]`;
  };
  const inHeader = (name: string): string => `f[i+${fields.length + requestHeaders.indexOf(name)}]`;
  const outHeader = (name: string): string => `f[i+${fields.length + requestHeaders.length + responseHeaders.indexOf(name)}]`;
  const micros = `(+${base('micros')})`;
  const target = base('target');
  const request = (e: (x: string) => string) => `${base('method')}+" "+${e(target)}+" HTTP/1."+${base('version')}`;

  const build = (escape: boolean): string => {
    const e = (x: string) => (escape ? `h.esc(${x})` : x);
    const q = json ? (x: string) => (escape ? `h.str(${x})` : `h.raw(${x})`) : (x: string) => `h.dash(${e(x)})`;
    const expr = (t: Token): string => {
      if (typeof t === 'object') {
        if ('text' in t) return JSON.stringify(bytesOf(t.text));
        if ('env' in t) return json ? `h.str(h.env(${JSON.stringify(t.env)}))` : `h.dash(h.esc(h.env(${JSON.stringify(t.env)})))`;
        return q(t.from === 'i' ? inHeader(t.header) : outHeader(t.header));
      }
      switch (t) {
        case 'RAW': return q(target);
        case 'h': return json ? `h.raw(${base('peer')})` : `h.dash(${base('peer')})`;
        case 'l': return json ? 'null' : '"-"';
        case 'u': return q(`h.user(${inHeader('authorization')})`);
        case 't': return json ? '"\\""+c.iso+"\\""' : 'c.clf';
        case 'r': return json ? (escape ? `JSON.stringify(${request(e)})` : `"\\""+${request(e)}+"\\""`) : request(e);
        case 'm': return json ? `h.raw(${base('method')})` : base('method');
        case 'U': return json ? q(`h.path(${target})`) : e(`h.path(${target})`);
        case 'q': return json ? (escape ? `JSON.stringify(h.query(${target}))` : `"\\""+h.query(${target})+"\\""`) : e(`h.query(${target})`);
        case 'H': return json ? `"\\"HTTP/1."+${base('version')}+"\\""` : `"HTTP/1."+${base('version')}`;
        case 's': return base('status');
        case 'B': return base('bytes');
        case 'b': return json ? base('bytes') : `(${base('bytes')}==="0"?"-":${base('bytes')})`;
        case 'f': return q(inHeader('referer'));
        case 'a': return q(inHeader('user-agent'));
        case 'T': return `Math.floor(${micros}/1e6)`;
        case 'M': return `Math.floor(${micros}/1e3)`;
        case 'D': return micros;
        case 'L': return `(${micros}/1e6).toFixed(6)`;
        case 'p': return json ? String(process.pid) : JSON.stringify(`<${process.pid}>`);
      }
    };
    if (!json) return tokens.map(expr).join('+') || '""';
    return `"{"+${JSON_KEYS.map(([key], n) => `${JSON.stringify(`${n ? ',' : ''}"${key}":`)}+${expr(tokens[n]!)}`).join('+')}+"}"`;
  };
  const make = (escape: boolean) =>
    new Function('h', `"use strict"; return function accessLine(f, i, c) { return "" + ${build(escape)}; };`)(helpers) as CompiledFormat['plain'];
  return {
    requestHeaders,
    responseHeaders,
    stride: fields.length + requestHeaders.length + responseHeaders.length,
    plain: make(false),
    escaped: make(true),
    json,
  };
}

/** Whether a batch of record strings holds anything the escaping variant would change. */
export function needsEscaping(batch: string): boolean {
  return BATCH_NEEDS_ESCAPE.test(batch);
}
