// config/settings.ts — the registry: every setting tusk has, in one typed table. Each entry names
// the setting, its command-line flags, its type, default, validation and help. The CLI parser, the
// config file loader, TUSK_CMD_ARGS, --help, --print-config and docs/settings.md all read this table.
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { LEVELS, type LogLevel } from '../log.js';
import { ConfigError, describe } from '../errors.js';
import { BIND_FORMS, parseBinds } from './bind.js';
import { parseGroup, parseRawEnv, parseUser, workerIdentity } from '../identity.js';
import { SAMPLE_EVERY_MS, SAMPLES_IN_A_ROW } from '../memory.js';
import { HOOK_SETTINGS, type HookSettings } from './hooks.js';
import { AccessFormatError, DEFAULT_ACCESS_LOG_FORMAT, parseAccessFormat } from '../access-format.js';
import { addon } from '../native.js';
import { CERT_REQS, TLS_VERSIONS, loadTls, type CertReqs, type TlsVersion } from '../tls.js';

const INTERFACES = ['auto', 'node', 'fetch', 'native'] as const;

/** The resolved settings a master and its workers run with; the server hooks are in config/hooks.ts. */
export interface Settings extends HookSettings {
  bind: string[];
  backlog: number;
  reuse_port: boolean;
  workers: number;
  spare_workers: number;
  boot_timeout: number;
  worker_connections: number;
  max_requests: number;
  max_requests_jitter: number;
  max_worker_memory: number;
  timeout: number;
  graceful_timeout: number;
  keepalive: number;
  interface: (typeof INTERFACES)[number];
  limit_request_line: number;
  limit_request_fields: number;
  limit_request_field_size: number;
  limit_request_body: number;
  header_timeout: number;
  request_timeout: number;
  forwarded_allow_ips: string[];
  secure_scheme_headers: Record<string, string>;
  proxy_protocol: boolean;
  proxy_allow_ips: string[];
  certfile: string | null;
  keyfile: string | null;
  ca_certs: string | null;
  cert_reqs: CertReqs;
  ciphers: string | null;
  ssl_version: TlsVersion;
  pidfile: string | null;
  worker_tmp_dir: string | null;
  umask: number;
  user: number | null;
  group: number | null;
  initgroups: boolean;
  chdir: string | null;
  raw_env: string[];
  name: string | null;
  control_socket: string | null;
  control_socket_disable: boolean;
  loglevel: LogLevel;
  accesslog: string | null;
  access_log_format: string;
  errorlog: string;
  capture_output: boolean;
  metrics_bind: string | null;
  statsd_host: string | null;
  statsd_prefix: string;
  dogstatsd_tags: string;
}

export type SettingName = keyof Settings;

/** The sections of --help and docs/settings.md, in order: Gunicorn's reference groups settings so. */
export const SECTIONS = ['Server socket', 'Worker processes', 'Security', 'SSL', 'Logging', 'Process naming', 'Server mechanics', 'Server hooks'] as const;

export type Section = (typeof SECTIONS)[number];

/** One row of the registry. */
export interface SettingSpec<K extends SettingName = SettingName> {
  name: K;
  /** Command-line flags, short first: ['-w', '--workers']. */
  flags: string[];
  /** What the flag's value looks like in --help; absent for on/off switches. */
  metavar?: string;
  section: Section;
  help: string;
  /** The default, computed from the environment at resolve time (PORT, WEB_CONCURRENCY). */
  default: (env: NodeJS.ProcessEnv) => Settings[K];
  /** Turns a value from the command line (a string) or a config file (any) into the setting. */
  parse: (value: unknown) => Settings[K];
  /** Repeatable on the command line; each use appends. */
  multiple?: boolean;
  /**
   * The TypeScript type of the value a config file may give, for the typed config
   * (config/options.ts, generated from this table). Absent: the type of the default (number,
   * boolean, string[]; string | null for a null default).
   */
  input?: string;
}

function fail(name: string, accepts: string, value: unknown): never {
  throw new ConfigError(`${name}: expected ${accepts}, got ${describe(value)}`);
}

function integer(name: string, min: number, max = Number.MAX_SAFE_INTEGER): (value: unknown) => number {
  const accepts = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
  return (value) => {
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^[+-]?\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) fail(name, accepts, value);
    return n;
  };
}

/**
 * The CPUs this process may run on: its affinity mask (what os.availableParallelism reports),
 * lowered to the cgroup's CPU quota when one is set (containers, systemd CPUQuota=).
 */
export function usableCpus(): number {
  let cpus = os.availableParallelism();
  try {
    const [quota, period] = fs.readFileSync('/sys/fs/cgroup/cpu.max', 'utf8').trim().split(/\s+/);
    if (quota !== 'max' && Number(period) > 0) cpus = Math.min(cpus, Math.max(1, Math.ceil(Number(quota) / Number(period))));
  } catch {
    // no cgroup v2 CPU controller here
  }
  return cpus;
}

function workerCount(name: string): (value: unknown) => number {
  const count = integer(name, 1, 4096);
  return (value) => {
    if (value === 'auto' || value === 'max') return usableCpus();
    try {
      return count(value);
    } catch {
      return fail(name, 'an integer from 1 to 4096, auto or max', value);
    }
  };
}

function seconds(name: string): (value: unknown) => number {
  return (value) => {
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isFinite(n) || n < 0) fail(name, 'a number of seconds >= 0', value);
    return n;
  };
}

function text(name: string): (value: unknown) => string {
  return (value) => {
    if (typeof value !== 'string' || value === '') fail(name, 'a non-empty string', value);
    return value;
  };
}

function optionalText(name: string): (value: unknown) => string | null {
  const parse = text(name);
  return (value) => (value === null || value === undefined ? null : parse(value));
}

function choice<T extends string>(name: string, values: readonly T[]): (value: unknown) => T {
  return (value) => {
    if (typeof value !== 'string' || !values.includes(value as T)) fail(name, `one of ${values.join(', ')}`, value);
    return value as T;
  };
}

function flag(name: string): (value: unknown) => boolean {
  return (value) => {
    if (typeof value === 'boolean') return value;
    if (value === 'true') return true;
    if (value === 'false') return false;
    return fail(name, 'true or false', value);
  };
}

function octal(name: string): (value: unknown) => number {
  return (value) => {
    let n = NaN;
    if (typeof value === 'number') n = value;
    else if (typeof value === 'string') {
      const s = value.trim();
      if (/^0o[0-7]+$/i.test(s)) n = parseInt(s.slice(2), 8);
      else if (/^0[0-7]*$/.test(s)) n = parseInt(s, 8);
      else if (/^0x[0-9a-f]+$/i.test(s)) n = parseInt(s.slice(2), 16);
      else if (/^[1-9]\d*$/.test(s)) n = parseInt(s, 10);
    }
    if (!Number.isInteger(n) || n < 0 || n > 0o777) fail(name, 'a file mode from 0 to 0o777 (like 0o22 or 022)', value);
    return n;
  };
}

function accessLogFormat(value: unknown): string {
  if (typeof value !== 'string' || value === '') fail('access_log_format', 'json or a format of %(atom)s', value);
  try {
    parseAccessFormat(value);
  } catch (err) {
    if (err instanceof AccessFormatError) throw new ConfigError(`access_log_format: ${err.message}`);
    throw err;
  }
  return value;
}

/**
 * An allow-list of peers: IPs and CIDRs of both families, or `*`, as a comma list (the command line,
 * FORWARDED_ALLOW_IPS) or an array (a config file). The addon checks each entry, since it is the
 * addon that matches them.
 */
function addressList(name: string): (value: unknown) => string[] {
  const accepts = 'a comma list of IP addresses and CIDRs (like 127.0.0.1,10.0.0.0/8,::1), or *';
  return (value) => {
    const list = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : null;
    if (list === null || list.some((item) => typeof item !== 'string')) fail(name, accepts, value);
    const entries = (list as string[]).map((item) => item.trim()).filter((item) => item !== '');
    const problem = addon.checkAddressList(entries);
    if (problem !== null) fail(name, `${accepts} (${problem})`, value);
    return entries;
  };
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * secure_scheme_headers: the headers (and their values) with which a trusted proxy says a request
 * came over https. A config file gives an object ({ 'X-Forwarded-Proto': 'https' }); the command
 * line a comma list of HEADER=VALUE; {} or '' for none.
 */
function schemeHeaders(value: unknown): Record<string, string> {
  const accepts = 'an object of header: value, or a comma list of HEADER=VALUE (like X-Forwarded-Proto=https), or "" for none';
  let pairs: [unknown, unknown][];
  if (typeof value === 'string') {
    pairs = value.split(',').map((item) => item.trim()).filter((item) => item !== '').map((item) => {
      const eq = item.indexOf('=');
      return eq > 0 ? [item.slice(0, eq).trim(), item.slice(eq + 1).trim()] : [item, undefined];
    });
  } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    pairs = Object.entries(value);
  } else {
    return fail('secure_scheme_headers', accepts, value);
  }
  const out: Record<string, string> = {};
  for (const [header, v] of pairs) {
    if (typeof header !== 'string' || !HEADER_NAME.test(header) || typeof v !== 'string' || v === '') fail('secure_scheme_headers', accepts, value);
    out[header.toUpperCase()] = v;
  }
  return out;
}

/**
 * The status of a request not answered within request_timeout, on every interface (the engine is
 * given it in its options, interfaces/engine.ts; the node interface writes it, interfaces/node.ts).
 */
export const REQUEST_TIMEOUT_STATUS = 503;

/**
 * The status a request over each limit is answered with, on every interface: RFC 9110's 414 URI Too
 * Long and 413 Content Too Large, RFC 6585's 431 Request Header Fields Too Large. The native engine's
 * parser answers with the same (native/http/parser.cc, kErrLineTooLong and its neighbours); the node
 * interface answers with these (interfaces/node.ts); test/node-limits.test.mjs checks that both agree.
 */
/** HOST:PORT for a TCP address the master itself uses (metrics_bind, statsd_host); port 0: any free one. */
function hostPort(name: string, minPort: number): (value: unknown) => string | null {
  return (value) => {
    if (value === null || value === undefined || value === '') return null;
    const m = typeof value === 'string' ? /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(value.trim()) : null;
    if (!m || Number(m[3]) < minPort || Number(m[3]) > 65535) fail(name, `HOST:PORT or [IPv6]:PORT (port ${minPort} to 65535)`, value);
    return (value as string).trim();
  };
}

/** dogstatsd_tags: comma-separated tags, each `key:value` or `key`. */
function dogstatsdTags(value: unknown): string {
  const tags = typeof value === 'string' ? value.trim() : null;
  if (tags === null || (tags !== '' && !/^[\w.\/-]+(:[\w.\/:-]+)?(,[\w.\/-]+(:[\w.\/:-]+)?)*$/.test(tags))) fail('dogstatsd_tags', 'comma-separated tags (key:value or key)', value);
  return tags;
}

/** cert_reqs: 0, 1 or 2 as Gunicorn, or none, optional, required. */
function certReqs(value: unknown): CertReqs {
  const names = CERT_REQS as Record<string, CertReqs>;
  if (typeof value === 'string' && value.trim() in names) return names[value.trim()]!;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d$/.test(value.trim()) ? Number(value) : NaN;
  if (n === 0 || n === 1 || n === 2) return n;
  return fail('cert_reqs', '0 (none), 1 (optional) or 2 (required)', value);
}

function sslVersion(value: unknown): TlsVersion {
  const version = typeof value === 'string' ? TLS_VERSIONS[value.trim()] : undefined;
  return version ?? fail('ssl_version', `one of ${Object.keys(TLS_VERSIONS).join(', ')}`, value);
}

export const LIMIT_STATUS = {
  limit_request_line: 414,
  limit_request_fields: 431,
  limit_request_field_size: 431,
  limit_request_body: 413,
} as const;

const registry: { [K in SettingName]: SettingSpec<K> } = {
  bind: {
    name: 'bind', flags: ['-b', '--bind'], metavar: 'ADDRESS', section: 'Server socket', multiple: true,
    input: 'string | string[]',
    help: `Socket to bind: ${BIND_FORMS}. Repeat to bind several. Default 127.0.0.1:8000, or 0.0.0.0:$PORT when PORT is set.`,
    default: (env) => (env.PORT ? [`0.0.0.0:${env.PORT}`] : ['127.0.0.1:8000']),
    parse: parseBinds,
  },
  backlog: {
    name: 'backlog', flags: ['--backlog'], metavar: 'INT', section: 'Server socket',
    help: 'Maximum number of pending connections in the listen queue.',
    default: () => 2048, parse: integer('backlog', 1, 65535),
  },
  reuse_port: {
    name: 'reuse_port', flags: ['--reuse-port'], section: 'Server socket',
    help: 'Set SO_REUSEPORT on TCP listeners, so that another master can bind the same address.',
    default: () => false, parse: flag('reuse_port'),
  },
  workers: {
    name: 'workers', flags: ['-w', '--workers'], metavar: 'INT', section: 'Worker processes',
    input: "number | 'auto' | 'max'",
    help: 'Number of worker processes, or auto (also: max) for one per CPU this process may use (its CPU affinity and cgroup quota). Default $WEB_CONCURRENCY, else 1.',
    default: (env) => (env.WEB_CONCURRENCY ? workerCount('WEB_CONCURRENCY')(env.WEB_CONCURRENCY) : 1),
    parse: workerCount('workers'),
  },
  spare_workers: {
    name: 'spare_workers', flags: ['--spare-workers'], metavar: 'INT', section: 'Worker processes',
    help: 'Warm spares: workers that have loaded the app and wait without accepting, promoted at once when a worker dies, is retired (max_requests, TERM) or is timed out. 0 disables.',
    default: () => 0, parse: integer('spare_workers', 0, 64),
  },
  boot_timeout: {
    name: 'boot_timeout', flags: ['--boot-timeout'], metavar: 'SECONDS', section: 'Worker processes',
    help: "How long a worker may take to load the app and start serving (an app that calls listen() may do so this long after it loads, e.g. once its database is connected). A worker not ready by then is a boot failure (PM2's listen_timeout). 0 waits forever.",
    default: () => 30, parse: seconds('boot_timeout'),
  },
  worker_connections: {
    name: 'worker_connections', flags: ['--worker-connections'], metavar: 'INT', section: 'Worker processes',
    help: 'Maximum number of open connections per worker; above it the worker stops accepting.',
    default: () => 1000, parse: integer('worker_connections', 1),
  },
  max_requests: {
    name: 'max_requests', flags: ['--max-requests'], metavar: 'INT', section: 'Worker processes',
    help: 'Restart a worker gracefully after it has served this many requests (0 disables).',
    default: () => 0, parse: integer('max_requests', 0),
  },
  max_requests_jitter: {
    name: 'max_requests_jitter', flags: ['--max-requests-jitter'], metavar: 'INT', section: 'Worker processes',
    help: 'Add a random 0..N to max_requests per worker, so that workers do not restart together.',
    default: () => 0, parse: integer('max_requests_jitter', 0),
  },
  max_worker_memory: {
    name: 'max_worker_memory', flags: ['--max-worker-memory'], metavar: 'MB', section: 'Worker processes',
    help: `Recycle a worker whose resident memory (RSS, sampled by the master every ${SAMPLE_EVERY_MS / 1000} s) stays above this many megabytes for ${SAMPLES_IN_A_ROW} samples in a row: its replacement is started first, then it stops gracefully (like a reload). 0 disables.`,
    default: () => 0, parse: integer('max_worker_memory', 0, 1 << 20),
  },
  timeout: {
    name: 'timeout', flags: ['-t', '--timeout'], metavar: 'SECONDS', section: 'Worker processes',
    help: 'A worker whose event loop has not turned for this long is replaced: the JavaScript stack where it is stuck is logged, then it is killed (0 disables).',
    default: () => 30, parse: seconds('timeout'),
  },
  graceful_timeout: {
    name: 'graceful_timeout', flags: ['--graceful-timeout'], metavar: 'SECONDS', section: 'Worker processes',
    help: 'After TERM (or a reload), how long workers may finish in-flight requests before they are killed.',
    default: () => 30, parse: seconds('graceful_timeout'),
  },
  keepalive: {
    name: 'keepalive', flags: ['--keep-alive'], metavar: 'SECONDS', section: 'Worker processes',
    help: 'How long an idle keep-alive connection is kept open.',
    default: () => 5, parse: seconds('keepalive'),
  },
  interface: {
    name: 'interface', flags: ['--interface'], metavar: 'NAME', section: 'Worker processes',
    input: INTERFACES.map((i) => `'${i}'`).join(' | '),
    help: "How the application is called: auto (from the app's shape), node ((req, res) listeners, http.Server, Express, Koa, Fastify; served by Node's http), fetch ({ fetch(request) } or (request) => Response, Hono; served by the native engine) or native (tusk's (req, res) interface on the native engine).",
    default: () => 'auto', parse: choice('interface', INTERFACES),
  },
  limit_request_line: {
    name: 'limit_request_line', flags: ['--limit-request-line'], metavar: 'INT', section: 'Security',
    help: `Largest request line in bytes (method, target and version; CRLF excluded); longer ones get ${LIMIT_STATUS.limit_request_line}. 0 for no limit.`,
    default: () => 4094, parse: integer('limit_request_line', 0, 1 << 20),
  },
  limit_request_fields: {
    name: 'limit_request_fields', flags: ['--limit-request-fields'], metavar: 'INT', section: 'Security',
    help: `Most header field lines in a request; more get ${LIMIT_STATUS.limit_request_fields}.`,
    default: () => 100, parse: integer('limit_request_fields', 1, 128),
  },
  limit_request_field_size: {
    name: 'limit_request_field_size', flags: ['--limit-request-field-size'], metavar: 'INT', section: 'Security',
    help: `Largest header field line in bytes, its CRLF included; larger ones get ${LIMIT_STATUS.limit_request_field_size}. 0 for no limit.`,
    default: () => 8190, parse: integer('limit_request_field_size', 0, 1 << 20),
  },
  limit_request_body: {
    name: 'limit_request_body', flags: ['--limit-request-body'], metavar: 'BYTES', section: 'Security',
    help: `Largest request body in bytes (Content-Length, or the decoded size of a chunked body); larger ones get ${LIMIT_STATUS.limit_request_body}. 0 for no limit.`,
    default: () => 0, parse: integer('limit_request_body', 0),
  },
  header_timeout: {
    name: 'header_timeout', flags: ['--header-timeout'], metavar: 'SECONDS', section: 'Security',
    help: "Time a client has to send a whole request head, counted from its first byte (or from the connection's opening); a slower client is disconnected (slowloris protection).",
    default: () => 10, parse: seconds('header_timeout'),
  },
  request_timeout: {
    name: 'request_timeout', flags: ['--request-timeout'], metavar: 'SECONDS', section: 'Worker processes',
    help: `A request not answered this long after its head arrived gets ${REQUEST_TIMEOUT_STATUS} and a closed connection (or, when its response has begun, only the closed connection), and the app's abort signal fires (fetch: request.signal; node: 'aborted' and 'close' on req; native: onAbort); the worker keeps serving. Checked every quarter of the timeout, at most every second. 0 disables.`,
    default: () => 0, parse: seconds('request_timeout'),
  },
  forwarded_allow_ips: {
    name: 'forwarded_allow_ips', flags: ['--forwarded-allow-ips'], metavar: 'STRING', section: 'Server mechanics',
    help: 'Peers trusted to say who the client is (X-Forwarded-For, Forwarded) and whether it came over https (secure_scheme_headers, Forwarded proto=): a comma list of IPs and CIDRs, or * for any. Peers on unix sockets are always trusted. Default $FORWARDED_ALLOW_IPS, else 127.0.0.1,::1.',
    default: (env) => addressList('FORWARDED_ALLOW_IPS')(env.FORWARDED_ALLOW_IPS ?? '127.0.0.1,::1'),
    parse: addressList('forwarded_allow_ips'),
  },
  secure_scheme_headers: {
    name: 'secure_scheme_headers', flags: ['--secure-scheme-headers'], metavar: 'HEADER=VALUE,...', section: 'Server mechanics',
    help: 'Headers with which a trusted proxy (forwarded_allow_ips) marks a request as https, and the value each must have (compared without regard to case). A config file gives an object; the command line a comma list of HEADER=VALUE; "" for none.',
    default: () => ({ 'X-FORWARDED-PROTOCOL': 'ssl', 'X-FORWARDED-PROTO': 'https', 'X-FORWARDED-SSL': 'on' }),
    parse: schemeHeaders,
  },
  proxy_protocol: {
    name: 'proxy_protocol', flags: ['--proxy-protocol'], section: 'Server mechanics',
    help: 'Every connection starts with a PROXY protocol header (version 1 or 2, as haproxy, nginx and cloud load balancers send), whose source address becomes the client address. A connection from a peer not in proxy_allow_ips, or without a valid header within header_timeout, is closed.',
    default: () => false, parse: flag('proxy_protocol'),
  },
  proxy_allow_ips: {
    name: 'proxy_allow_ips', flags: ['--proxy-allow-ips'], metavar: 'STRING', section: 'Server mechanics',
    help: 'Peers allowed to connect with a PROXY protocol header: a comma list of IPs and CIDRs, or * for any. Peers on unix sockets are always allowed.',
    default: () => ['127.0.0.1', '::1'], parse: addressList('proxy_allow_ips'),
  },
  certfile: {
    name: 'certfile', flags: ['--certfile'], metavar: 'FILE', section: 'SSL',
    help: 'PEM certificate chain (the server\'s certificate first). Setting it serves TLS on every bind, on every interface; read anew by each worker, so a HUP picks up a renewed certificate (see docs/tls.md).',
    default: () => null, parse: optionalText('certfile'),
  },
  keyfile: {
    name: 'keyfile', flags: ['--keyfile'], metavar: 'FILE', section: 'SSL',
    help: 'PEM private key of the certificate. Default: the key in certfile.',
    default: () => null, parse: optionalText('keyfile'),
  },
  ca_certs: {
    name: 'ca_certs', flags: ['--ca-certs'], metavar: 'FILE', section: 'SSL',
    help: 'PEM CA certificates that client certificates are checked against (with cert_reqs).',
    default: () => null, parse: optionalText('ca_certs'),
  },
  cert_reqs: {
    name: 'cert_reqs', flags: ['--cert-reqs'], metavar: 'INT', section: 'SSL',
    input: "0 | 1 | 2 | 'none' | 'optional' | 'required'",
    help: 'Client certificates, as Gunicorn: 0 not asked for, 1 asked for and checked when given (optional), 2 required (a client without a valid one fails the handshake).',
    default: () => CERT_REQS.none, parse: certReqs,
  },
  ciphers: {
    name: 'ciphers', flags: ['--ciphers'], metavar: 'CIPHERS', section: 'SSL',
    help: 'OpenSSL cipher list for TLS 1.2 (like ECDHE+AESGCM:ECDHE+CHACHA20). Default: Node\'s default list. TLS 1.3 suites are not changed by it.',
    default: () => null, parse: optionalText('ciphers'),
  },
  ssl_version: {
    name: 'ssl_version', flags: ['--ssl-version'], metavar: 'VERSION', section: 'SSL',
    input: Object.keys(TLS_VERSIONS).map((v) => `'${v}'`).join(' | '),
    help: 'The lowest TLS version accepted: TLSv1.2 or TLSv1.3. Gunicorn\'s names are taken too: TLS, TLS_SERVER, SSLv23 and TLSv1_2 mean TLSv1.2, TLSv1_3 means TLSv1.3.',
    default: () => 'TLSv1.2', parse: sslVersion,
  },
  pidfile: {
    name: 'pidfile', flags: ['-p', '--pid'], metavar: 'FILE', section: 'Server mechanics',
    help: "File to write the master's pid to; removed on exit.",
    default: () => null, parse: optionalText('pidfile'),
  },
  worker_tmp_dir: {
    name: 'worker_tmp_dir', flags: ['--worker-tmp-dir'], metavar: 'DIR', section: 'Server mechanics',
    help: 'Directory for the workers\' heartbeat files. Default /dev/shm when it exists, else the OS temp dir.',
    default: () => null, parse: optionalText('worker_tmp_dir'),
  },
  umask: {
    name: 'umask', flags: ['-m', '--umask'], metavar: 'MODE', section: 'Server mechanics',
    input: 'number | string',
    help: 'File mode creation mask of the server processes (affects unix sockets), like 0o22 or 022.',
    default: () => 0, parse: octal('umask'),
  },
  user: {
    name: 'user', flags: ['-u', '--user'], metavar: 'USER', section: 'Server mechanics',
    input: 'string | number | null',
    help: "Run the workers as this user: a name or a uid (resolved once, when the configuration is read). Changing it needs root; the master stays as it was started (it must be root to start workers as another user). Default: the master's user.",
    default: () => null, parse: parseUser,
  },
  group: {
    name: 'group', flags: ['-g', '--group'], metavar: 'GROUP', section: 'Server mechanics',
    input: 'string | number | null',
    help: "Run the workers with this group: a name or a gid. Default: the user's primary group when user is set, else the master's group.",
    default: () => null, parse: parseGroup,
  },
  initgroups: {
    name: 'initgroups', flags: ['--initgroups'], section: 'Server mechanics',
    help: "Give the workers every supplementary group of their user (initgroups). Off: a worker whose user or group is changed has no supplementary groups. Needs root.",
    default: () => false, parse: flag('initgroups'),
  },
  chdir: {
    name: 'chdir', flags: ['--chdir'], metavar: 'DIR', section: 'Server mechanics',
    help: 'Change to this directory once the configuration is read, before the app is loaded: APP, a relative pidfile, unix:PATH binds and the workers are all in it (the config file is still found where tusk started). Default: where tusk started.',
    default: () => null, parse: optionalText('chdir'),
  },
  raw_env: {
    name: 'raw_env', flags: ['-e', '--env'], metavar: 'ENV', section: 'Server mechanics', multiple: true,
    input: 'string | string[] | Record<string, string>',
    help: 'Set an environment variable in the workers: KEY=VALUE, repeatable (in a config file a list of them, or an object { KEY: \'VALUE\' }). It wins over the master\'s environment; tusk\'s own variables (TUSK_WORKER_ID, PORT) win over it, except NODE_APP_INSTANCE, which tusk leaves alone when set.',
    default: () => [], parse: parseRawEnv,
  },
  name: {
    name: 'name', flags: ['-n', '--name'], metavar: 'STRING', section: 'Process naming',
    help: 'Name in the process titles (tusk: master [NAME]). Default: the APP argument.',
    default: () => null, parse: optionalText('name'),
  },
  control_socket: {
    name: 'control_socket', flags: ['--control-socket'], metavar: 'PATH', section: 'Server mechanics',
    help: "The master's control socket, which tusk ctl talks to (mode 0600: only its user, and root). Default: beside the pidfile when there is one (app.pid: app.ctl), else tusk-<master pid>.ctl in the worker tmp dir.",
    default: () => null, parse: optionalText('control_socket'),
  },
  control_socket_disable: {
    name: 'control_socket_disable', flags: ['--no-control-socket'], section: 'Server mechanics',
    help: 'Run without a control socket.',
    default: () => false, parse: flag('control_socket_disable'),
  },
  loglevel: {
    name: 'loglevel', flags: ['--log-level'], metavar: 'LEVEL', section: 'Logging',
    input: LEVELS.map((l) => `'${l}'`).join(' | '),
    help: `Granularity of the error log: ${LEVELS.join(', ')}.`,
    default: () => 'info', parse: choice('loglevel', LEVELS),
  },
  accesslog: {
    name: 'accesslog', flags: ['--access-logfile'], metavar: 'FILE', section: 'Logging',
    help: "The access log file to write to; '-' means stdout. Off by default. One line per answered request on every interface, written at most once per event-loop turn.",
    default: () => null, parse: optionalText('accesslog'),
  },
  access_log_format: {
    name: 'access_log_format', flags: ['--access-logformat', '--access-log-format'], metavar: 'STRING', section: 'Logging',
    help: `The access log format: Gunicorn's atoms as %(atom)s (h l u t r m U q H s B b f a T M D L p, %({header}i)s, %({header}o)s, %({variable}e)s), or json for one JSON object per line. Default ${DEFAULT_ACCESS_LOG_FORMAT}`,
    default: () => DEFAULT_ACCESS_LOG_FORMAT, parse: accessLogFormat,
  },
  errorlog: {
    name: 'errorlog', flags: ['--error-logfile', '--log-file'], metavar: 'FILE', section: 'Logging',
    help: "The error log file to write to; '-' means stderr.",
    default: () => '-', parse: text('errorlog'),
  },
  capture_output: {
    name: 'capture_output', flags: ['--capture-output'], section: 'Logging',
    help: "Redirect the workers' stdout and stderr (console.log, uncaught errors) into the error log.",
    default: () => false, parse: flag('capture_output'),
  },
  metrics_bind: {
    name: 'metrics_bind', flags: ['--metrics-bind'], metavar: 'ADDRESS', section: 'Logging',
    help: 'Serve /metrics (Prometheus text format, aggregated over every worker), /ready and /live from the master at HOST:PORT. Off by default. Never exposed to the app\'s clients: bind it to a private address.',
    default: () => null, parse: hostPort('metrics_bind', 0),
  },
  statsd_host: {
    name: 'statsd_host', flags: ['--statsd-host'], metavar: 'STATSD_ADDR', section: 'Logging',
    help: 'Send Gunicorn\'s statsd metrics (tusk.requests, tusk.request.duration, tusk.request.status.CODE, tusk.workers, tusk.log.*) to HOST:PORT over UDP, from the master, once a second. Off by default.',
    default: () => null, parse: hostPort('statsd_host', 1),
  },
  statsd_prefix: {
    name: 'statsd_prefix', flags: ['--statsd-prefix'], metavar: 'STATSD_PREFIX', section: 'Logging',
    help: 'Prefix before every statsd metric name, a dot added: shop gives shop.tusk.requests. Default: none (tusk.requests).',
    default: () => '', parse: (value) => (typeof value === 'string' && !/[:|@\s]/.test(value) ? value : fail('statsd_prefix', 'a name without :, |, @ or spaces', value)),
  },
  dogstatsd_tags: {
    name: 'dogstatsd_tags', flags: ['--dogstatsd-tags'], metavar: 'DOGSTATSD_TAGS', section: 'Logging',
    help: 'Tags added to every statsd metric, DogStatsD style: comma-separated key:value (or key) pairs, e.g. env:prod,app:shop.',
    default: () => '', parse: dogstatsdTags,
  },
  ...HOOK_SETTINGS,
};

export const SETTINGS: readonly SettingSpec[] = Object.values(registry) as SettingSpec[];

/** The settings by section, in the order of SECTIONS (empty sections left out). */
export function settingSections(): [Section, SettingSpec[]][] {
  return SECTIONS.map((section): [Section, SettingSpec[]] => [section, SETTINGS.filter((spec) => spec.section === section)])
    .filter(([, specs]) => specs.length > 0);
}

export function settingSpec(name: string): SettingSpec | undefined {
  return (registry as Record<string, SettingSpec>)[name];
}

/**
 * The checks that need the working directory or more than one setting, run once every source is
 * applied: chdir becomes an absolute path to an existing directory; user, group and initgroups must
 * work together (identity.ts).
 */
export function finishSettings(settings: Settings, cwd: string): Settings {
  if (settings.chdir !== null) {
    const dir = path.resolve(cwd, settings.chdir);
    let isDir = false;
    try {
      isDir = fs.statSync(dir).isDirectory();
    } catch {
      // missing: refused below
    }
    if (!isDir) fail('chdir', 'an existing directory', settings.chdir);
    settings.chdir = dir;
  }
  workerIdentity(settings);
  loadTls(settings, settings.chdir ?? cwd);  // the master's check: a worker reads the files again
  return settings;
}

/** Settings as the defaults and the environment (PORT, WEB_CONCURRENCY) make them. */
export function defaultSettings(env: NodeJS.ProcessEnv): Settings {
  const out: Record<string, unknown> = {};
  for (const spec of SETTINGS) out[spec.name] = spec.default(env);
  return out as unknown as Settings;
}
