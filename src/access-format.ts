// access-format.ts — `access_log_format` read and checked: Gunicorn's atoms in Python's `%(atom)s`
// syntax, or `json`, parsed once into literal text and atoms (a bad format is a one-line config
// error) and handed to the addon's one formatter (native/http/access_log.h), which renders every
// interface's lines. Literals become byte strings (UTF-8 in the file), as the lines are: one
// character per byte, written back with the latin1 encoding so every byte a client sent survives.

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

/**
 * A parsed format as the addon's formatter takes it: literal byte strings, and atoms as
 * [letter] or, for headers and variables, [i | o | e, lower-case header name or variable value].
 */
export interface NativeAccessFormat {
  json: boolean;
  tokens: (string | [string] | [string, string])[];
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

/** A byte string: how a literal of the format (UTF-8 in the file) appears in a line. */
function bytesOf(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/**
 * The format for the addon. `{variable}e` of the worker's environment is read here, once; the
 * request variables among them are the record's own atoms (see ENVIRON). JSON is an object of
 * JSON_KEYS, its keys literal text between the atoms.
 */
export function nativeAccessFormat(format: string): NativeAccessFormat {
  const tokens = parseAccessFormat(format);
  const json = format === JSON_FORMAT;
  const native = (t: Token): string | [string] | [string, string] => {
    if (typeof t === 'string') return [t];
    if ('text' in t) return bytesOf(t.text);
    if ('env' in t) return ['e', bytesOf(process.env[t.env] ?? '')];
    return [t.from, t.header];
  };
  if (!json) return { json, tokens: tokens.map(native) };
  const out: NativeAccessFormat['tokens'] = [];
  JSON_KEYS.forEach(([key], n) => {
    out.push(`${n ? ',' : '{'}"${key}":`, native(tokens[n]!));
  });
  out.push('}');
  return { json, tokens: out };
}
