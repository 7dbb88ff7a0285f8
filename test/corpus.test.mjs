// Gunicorn's request corpus (../shared/corpus/gunicorn-requests.json) against a live tusk worker
// on the native interface, over raw sockets: every valid case must reach the app with the method,
// target, version, headers and body Gunicorn reports; every invalid case must be rejected with a
// 4xx/5xx (or a close, for a broken chunked body) and never reach the app. Each case is also sent
// split at every byte boundary (cases up to 300 bytes; 20 random split points above that) and in
// random 1-7 byte pieces, and must come out the same.
//
// Where tusk deliberately differs from Gunicorn the case is listed in DIFFERENCES with the reason
// and with what tusk must do instead; one difference is a rule rather than a case: tusk requires
// Host on HTTP/1.1 (RFC 9112 §3.2) and Gunicorn does not, so an HTTP/1.1 request without Host is
// expected to get 400. So that the rest of such a case is still tested, each one is run a second
// time with `Host: corpus.test` inserted after its request line(s) ("+host" variants).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ROOT, cleanupAll, fixture, startTusk } from './helpers.mjs';
import { parseResponses, randomPieces, rng, splitAt } from './fixtures/engine/rawhttp.mjs';

const CORPUS = path.join(ROOT, '..', 'shared', 'corpus', 'gunicorn-requests.json');
const HAVE_CORPUS = fs.existsSync(CORPUS);
const APP = fixture('engine/corpus-app.mjs');

const READ_TIMEOUT = 2000; // one generous timeout for every socket
const QUIET_MS = 300;      // how long an incomplete request must stay unanswered
const SETTLE_MS = 30;      // after the last expected response: listen for stray bytes / a close
const EVERY_BYTE_MAX = 300;
const RANDOM_SPLITS = 20;
const CONCURRENCY = 12;
const HOST_VALUE = 'corpus.test';

// Gunicorn settings tusk has, as CLI flags. Gunicorn reads limit_request_field_size 0 as "the
// default" (8190); tusk reads 0 as "no limit", so 0 maps to tusk's default, which is Gunicorn's.
const SUPPORTED_SETTINGS = {
  limit_request_line: (v) => ['--limit-request-line', String(v)],
  limit_request_fields: (v) => ['--limit-request-fields', String(v)],
  limit_request_field_size: (v) => (v === 0 ? [] : ['--limit-request-field-size', String(v)]),
};

// Errors Gunicorn raises while reading a chunked body: a close without a response is acceptable.
const CHUNKED_BODY_ERRORS = new Set(['InvalidChunkSize', 'ChunkMissingTerminator', 'InvalidChunkExtension']);
// Cases whose bytes end before the request does: Gunicorn saw the end of the stream.
const INCOMPLETE_ERRORS = new Set(['NoMoreData', 'ChunkMissingTerminator']);

const req = (method, target, version, headers, body = '') => ({
  method, target, version, headers, body_base64: Buffer.from(body, 'latin1').toString('base64'), trailers: [],
});

const UNDERSCORE_HEADERS = [req('GET', '/keep/same/as?invalid/040', [1, 0],
  [['TRANSFER_ENCODING', 'tricked'], ['CONTENT-LENGTH', '7'], ['CONTENT_LENGTH', '-1E23']], 'tricked')];

/**
 * The expected-differences table. `expect`: 'reject' (4xx/5xx and close), 'incomplete' (tusk waits
 * for the rest of the request: no answer while the socket stays open, a close without an answer
 * after a half-close), 'same' (tusk does what Gunicorn does although it lacks the setting or
 * differs in a way the case does not show), or `requests` (tusk accepts and the app sees these,
 * written as Gunicorn would report them).
 */
const DIFFERENCES = {
  // ---- settings tusk does not have ----
  'valid/pp_01': { expect: 'reject', reason: 'needs proxy_protocol; tusk has no PROXY protocol support, so the PROXY line is a bad request line (400)' },
  'valid/pp_02': { expect: 'reject', reason: 'needs proxy_protocol (PROXY v1 line): 400' },
  'valid/pp_04': { expect: 'reject', reason: 'needs proxy_protocol (PROXY v2 binary header): 400' },
  'valid/pp_05': { expect: 'reject', reason: 'needs proxy_protocol (PROXY v2 binary header): 400' },
  'valid/pp_03': { expect: 'same', reason: 'proxy_protocol set but the bytes carry no PROXY header: served normally' },
  'invalid/pp_01': { expect: 'same', reason: 'needs proxy_protocol; rejected anyway, as a malformed request line' },
  'invalid/pp_02': { expect: 'same', reason: 'needs proxy_protocol; rejected anyway, as a malformed request line' },
  'invalid/pp_03': { expect: 'same', reason: 'needs proxy_protocol; rejected anyway, as a malformed request line' },
  'valid/compat_obs_fold': { expect: 'reject', reason: 'needs permit_obsolete_folding; tusk always rejects obs-fold (RFC 9112 §5.2): 400' },
  'valid/compat_obs_fold_huge': { expect: 'reject', reason: 'needs permit_obsolete_folding; tusk always rejects obs-fold: 400' },
  'invalid/013': { expect: 'same', reason: 'needs permit_obsolete_folding (with limit_request_field_size 14, which tusk applies); rejected anyway, for the fold' },
  'valid/028': { expect: 'reject', reason: 'needs strip_header_spaces; tusk always rejects whitespace before the colon (RFC 9112 §5.1): 400' },
  'valid/031compat': {
    requests: [req('-blargh', '/foo', [1, 1], [])],
    reason: 'needs casefold_http_method; tusk delivers the method as sent ("-blargh", not "-BLARGH")',
  },
  'valid/031compat2': { expect: 'same', reason: 'needs permit_unconventional_http_method; tusk accepts any token as a method (RFC 9110 §9.1) without it' },
  'valid/040_compat': { expect: 'same', reason: 'needs header_map=dangerous; tusk delivers underscore names as sent, which is what this case expects' },
  'invalid/040': { requests: UNDERSCORE_HEADERS, reason: 'needs header_map=refuse; tusk accepts "_" in field names (a token character) and delivers them as sent' },
  'invalid/chunked_07': {
    requests: [req('POST', '/chunked_ambiguous_header_mapping', [1, 1], [['TRANSFER_ENCODING', 'gzip'], ['TRANSFER-ENCODING', 'chunked']], 'hello world')],
    reason: 'needs header_map=refuse; tusk delivers "Transfer_Encoding" as an ordinary field and frames the body by Transfer-Encoding alone',
  },
  'invalid/019': {
    requests: [req('GET', '/test', [1, 1], [['X-FORWARDED-PROTO', 'https'], ['X-FORWARDED-SSL', 'off']])],
    reason: 'needs forwarded_allow_ips; tusk does not interpret X-Forwarded-* (the app sees them as sent)',
  },
  // ---- deliberate differences without a setting ----
  'valid/040': { requests: UNDERSCORE_HEADERS, reason: 'Gunicorn drops field names containing "_" by policy (header_map=drop); tusk delivers them as sent (names are never mapped to CGI-style keys, so they cannot collide)' },
  'invalid/003c': {
    requests: [req('-bl', '/foo', [1, 1], [])],
    reason: 'Gunicorn refuses lower-case / short methods without permit_unconventional_http_method; tusk accepts any token method (RFC 9110 §9.1). Without Host it is still a 400',
  },
  'valid/009': { expect: 'reject', reason: 'Transfer-Encoding (even "identity") together with Content-Length is rejected (RFC 9112 §6.1, request smuggling): 400' },
  'valid/027': { expect: 'reject', reason: 'raw non-ASCII bytes in the request-target are rejected (RFC 9112 §3.2 allows only VCHAR; clients must percent-encode): 400' },
  'valid/099': { expect: 'incomplete', reason: 'the bytes stop 9315 bytes short of the declared Content-Length; Gunicorn hands the app the truncated body at EOF, tusk waits for the rest and never calls the app with a short body' },
  'valid/012': { expect: 'same', reason: 'trailer fields are parsed and validated but not exposed to the app (not compared)' },
};

const HOST_RULE = 'HTTP/1.1 request without Host: tusk answers 400 (RFC 9112 §3.2: "A server MUST respond with a 400 ... to any HTTP/1.1 request message that lacks a Host header field"); Gunicorn serves it';

// ---------------------------------------------------------------------------
// expectations

const latin1ToUtf8 = (s) => Buffer.from(s, 'latin1').toString('utf8');
const hasHost = (r) => r.headers.some(([n]) => n.toLowerCase() === 'host');
const isHttp11 = (r) => r.version[0] === 1 && r.version[1] === 1;

/** What tusk should do with the case's bytes, before the Host rule. */
function baseOutcome(c) {
  const diff = DIFFERENCES[c.name];
  if (diff?.requests) return { kind: 'accept', requests: diff.requests };
  if (diff?.expect === 'reject') return { kind: 'reject' };
  if (diff?.expect === 'incomplete') return { kind: 'incomplete' };
  if (c.kind === 'valid') return { kind: 'accept', requests: c.requests };
  if (INCOMPLETE_ERRORS.has(c.gunicorn_error)) return { kind: 'incomplete' };
  return { kind: 'reject', closeOk: CHUNKED_BODY_ERRORS.has(c.gunicorn_error) || /trailer/.test(c.name) };
}

/** Applies the Host rule: the first HTTP/1.1 request without Host gets a 400 and ends the case. */
function withHostRule(outcome) {
  if (outcome.kind !== 'accept') return { ...outcome, hostRule: false };
  const i = outcome.requests.findIndex((r) => isHttp11(r) && !hasHost(r));
  if (i < 0) return { ...outcome, hostRule: false };
  return { kind: 'accept', requests: outcome.requests.slice(0, i), thenReject: 400, hostRule: true };
}

/**
 * The "+host" variant: Host inserted after every HTTP/1.1 request line that lacks it (accept), or
 * after the first line (reject). Returns null when there is nothing to insert.
 */
function hostVariant(raw, outcome) {
  const line = Buffer.from(`Host: ${HOST_VALUE}\r\n`, 'latin1');
  if (outcome.kind === 'accept') {
    const parts = [];
    let from = 0;
    let cursor = 0;
    const requests = [];
    let changed = false;
    for (const r of outcome.requests) {
      if (!isHttp11(r) || hasHost(r)) {
        requests.push(r);
        continue;
      }
      const tail = Buffer.from(` ${r.target} HTTP/1.1\r\n`, 'latin1');
      const at = raw.indexOf(tail, cursor);
      if (at < 0) throw new Error(`cannot find the request line of ${r.method} ${r.target}`);
      const insertAt = at + tail.length;
      parts.push(raw.subarray(from, insertAt), line);
      from = insertAt;
      cursor = insertAt;
      requests.push({ ...r, headers: [['HOST', HOST_VALUE], ...r.headers] });
      changed = true;
    }
    if (!changed) return null;
    parts.push(raw.subarray(from));
    return { raw: Buffer.concat(parts), outcome: { kind: 'accept', requests, hostRule: false } };
  }
  const text = raw.toString('latin1');
  if (/\r\nhost[ \t]*:/i.test(text)) return null;
  const eol = text.indexOf('\r\n');
  if (eol < 0 || !text.slice(0, eol).endsWith('HTTP/1.1')) return null;
  return {
    raw: Buffer.concat([raw.subarray(0, eol + 2), line, raw.subarray(eol + 2)]),
    outcome: { ...outcome, hostRule: false },
  };
}

// ---------------------------------------------------------------------------
// one exchange

/** Sends `pieces`, collects the reply; see `done` for when it stops. */
function run(port, pieces, { halfClose = false, expectedResponses = 0, quiet = 0 }) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    sock.setNoDelay(true);
    const chunks = [];
    let closed = false;
    let error = null;
    let finished = false;
    let settleTimer = null;
    const t0 = Date.now();
    const finish = (why) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearTimeout(settleTimer);
      clearTimeout(quietTimer);
      sock.destroy();
      const data = Buffer.concat(chunks);
      const parsed = parseResponses(data, { closed });
      resolve({ data, responses: parsed.responses, used: parsed.used, parseError: parsed.error, closed, why, error, ms: Date.now() - t0 });
    };
    const timer = setTimeout(() => finish('timeout'), READ_TIMEOUT);
    const quietTimer = quiet > 0 && !halfClose ? setTimeout(() => finish('quiet'), quiet) : null;
    const check = () => {
      if (closed) return finish('closed');
      if (expectedResponses === 0 || settleTimer) return;
      const { responses } = parseResponses(Buffer.concat(chunks));
      if (responses.length < expectedResponses) return;
      const last = responses[responses.length - 1];
      if (!announcesClose(last)) settleTimer = setTimeout(() => finish('settled'), SETTLE_MS);
      // when the server announced a close, wait for it (or the timeout)
    };
    sock.on('data', (d) => {
      chunks.push(d);
      check();
    });
    sock.on('error', (err) => {
      error = err;
    });
    sock.on('close', () => {
      closed = true;
      check();
    });
    sock.on('connect', () => {
      let i = 0;
      const next = () => {
        if (finished || sock.destroyed) return;
        if (i >= pieces.length) {
          if (halfClose) sock.end();
          return;
        }
        sock.write(pieces[i++], () => setImmediate(next));
      };
      next();
    });
  });
}

function announcesClose(res) {
  const conn = (res.header('connection') ?? '').toLowerCase();
  if (conn.split(',').map((s) => s.trim()).includes('close')) return true;
  return res.version === '1.0' && !conn.split(',').map((s) => s.trim()).includes('keep-alive');
}

/** Compares what the app saw with what Gunicorn reports; returns a problem or null. */
function compareEcho(echo, want, index) {
  const where = `request #${index + 1}`;
  if (!echo.stable) return `${where}: rawHeaders changed between dispatch and the end of the body`;
  const wantMethod = latin1ToUtf8(want.method);
  if (echo.method !== wantMethod) return `${where}: method ${JSON.stringify(echo.method)}, Gunicorn ${JSON.stringify(wantMethod)}`;
  const wantTarget = latin1ToUtf8(want.target);
  if (echo.target !== wantTarget) return `${where}: target ${JSON.stringify(echo.target)}, Gunicorn ${JSON.stringify(wantTarget)}`;
  const wantVersion = `${want.version[0]}.${want.version[1]}`;
  if (echo.version !== wantVersion) return `${where}: version ${echo.version}, Gunicorn ${wantVersion}`;
  const got = echo.headers.map(([n, v]) => [n.toLowerCase(), v]);
  const exp = want.headers.map(([n, v]) => [n.toLowerCase(), latin1ToUtf8(v)]);
  if (JSON.stringify(got) !== JSON.stringify(exp)) return `${where}: headers ${JSON.stringify(echo.headers)}, Gunicorn ${JSON.stringify(want.headers)}`;
  if (echo.body !== want.body_base64) {
    return `${where}: body ${JSON.stringify(Buffer.from(echo.body, 'base64').toString('latin1').slice(0, 200))} (${Buffer.from(echo.body, 'base64').length} bytes), ` +
      `Gunicorn ${JSON.stringify(Buffer.from(want.body_base64, 'base64').toString('latin1').slice(0, 200))} (${Buffer.from(want.body_base64, 'base64').length} bytes)`;
  }
  return null;
}

const isEcho = (r) => r.status === 200 && r.header('x-corpus-echo') !== undefined;
const describe = (r) => `${r.status} ${JSON.stringify(r.body.toString('latin1').slice(0, 160))}`;

/** Checks one exchange against the outcome; returns a problem string or null. */
function judge(result, outcome, { halfClose }) {
  const { responses, parseError, closed } = result;
  if (parseError) return `unparsable response: ${parseError}`;
  const trailing = result.data.length - result.used;
  if (outcome.kind === 'incomplete') {
    const echoed = responses.find(isEcho);
    if (echoed) return `the app answered an incomplete request: ${describe(echoed)}`;
    const ok = responses.every((r) => r.status >= 400);
    if (!ok) return `unexpected response to an incomplete request: ${responses.map(describe).join(' | ')}`;
    if (halfClose && !closed) return 'after the client half-closed, the server neither answered nor closed within the timeout';
    return null;
  }
  if (outcome.kind === 'reject') {
    const echoed = responses.find(isEcho);
    if (echoed) return `the app saw a request that must be rejected: ${describe(echoed)}`;
    if (responses.length === 0) {
      if (closed && outcome.closeOk) return null;
      return closed ? 'the connection closed without an error response' : `no response within ${READ_TIMEOUT} ms`;
    }
    const r = responses[0];
    if (r.status < 400 || r.status > 599) return `expected a 4xx/5xx, got ${describe(r)}`;
    if (responses.length > 1) return `more than one response to a rejected request: ${responses.map(describe).join(' | ')}`;
    if (!closed) return 'the server did not close the connection after the error response';
    if (!announcesClose(r)) return 'the error response does not say Connection: close';
    if (trailing > 0) return `bytes after the error response: ${JSON.stringify(result.data.subarray(result.used).toString('latin1').slice(0, 100))}`;
    return null;
  }
  // accept
  const want = outcome.requests;
  const total = want.length + (outcome.thenReject ? 1 : 0);
  for (let i = 0; i < want.length; i++) {
    const r = responses[i];
    if (!r) {
      return `got ${responses.length} of ${total} responses (${responses.map(describe).join(' | ') || 'none'})` +
        `${closed ? '; the server closed the connection' : `; nothing more within ${READ_TIMEOUT} ms`}`;
    }
    if (!isEcho(r)) return `request #${i + 1} did not reach the app: ${describe(r)}`;
    let echo;
    try {
      echo = JSON.parse(r.body.toString('utf8'));
    } catch {
      return `request #${i + 1}: the app's answer is not JSON: ${describe(r)}`;
    }
    const problem = compareEcho(echo, want[i], i);
    if (problem) return problem;
  }
  if (outcome.thenReject) {
    const r = responses[want.length];
    if (!r) return `expected a ${outcome.thenReject} for request #${want.length + 1} (HTTP/1.1 without Host), got ${closed ? 'a close' : 'nothing'}`;
    if (r.status !== outcome.thenReject) return `request #${want.length + 1} (HTTP/1.1 without Host): expected ${outcome.thenReject}, got ${describe(r)}`;
  }
  if (responses.length > total) return `${responses.length - total} unexpected extra response(s): ${responses.slice(total).map(describe).join(' | ')}`;
  if (trailing > 0) return `stray bytes after the responses: ${JSON.stringify(result.data.subarray(result.used).toString('latin1').slice(0, 100))}`;
  const last = responses[total - 1];
  if (announcesClose(last) && !closed) return 'the last response says Connection: close but the server kept the connection open';
  if (!announcesClose(last) && closed && !halfClose) {
    return 'the server closed the connection after a response that did not say Connection: close' +
      (last ? ` (last response: ${JSON.stringify(last.raw.toString('latin1').split('\r\n\r\n')[0])})` : '');
  }
  return null;
}

// ---------------------------------------------------------------------------
// variants

function seedOf(name) {
  let h = 2166136261;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

/** [{ label, pieces, halfClose }] for one byte string. */
function variantsOf(name, raw, outcome) {
  const random = rng(seedOf(name));
  const out = [{ label: 'whole', pieces: [raw] }];
  if (raw.length <= EVERY_BYTE_MAX) {
    for (let i = 1; i < raw.length; i++) out.push({ label: `split@${i}`, pieces: splitAt(raw, [i]) });
  } else {
    const points = new Set();
    while (points.size < RANDOM_SPLITS) points.add(1 + Math.floor(random() * (raw.length - 1)));
    for (const i of [...points].sort((a, b) => a - b)) out.push({ label: `split@${i}`, pieces: splitAt(raw, [i]) });
  }
  const pieces = randomPieces(raw, random, 7);
  out.push({ label: `pieces(1-7 bytes, seed ${seedOf(name)})`, pieces });
  if (outcome.kind === 'incomplete') out.push({ label: 'whole+half-close', pieces: [raw], halfClose: true });
  return out;
}

async function pool(items, limit, fn) {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await fn(item);
    }
  });
  await Promise.all(workers);
}

// ---------------------------------------------------------------------------
// the tests

const corpus = HAVE_CORPUS ? JSON.parse(fs.readFileSync(CORPUS, 'utf8')) : { cases: [] };
const servers = new Map(); // args key -> { port, handle }
const results = new Map(); // case name -> { problems: [], variants: n }
const summary = { valid: { pass: 0, fail: 0 }, invalid: { pass: 0, fail: 0 }, hostRule: [], exchanges: 0 };

function argsFor(c) {
  const args = [];
  const unsupported = [];
  for (const [k, v] of Object.entries(c.gunicorn_settings ?? {})) {
    if (SUPPORTED_SETTINGS[k]) args.push(...SUPPORTED_SETTINGS[k](v));
    else unsupported.push(k);
  }
  return { args, unsupported };
}

before(async () => {
  if (!HAVE_CORPUS) return;
  const keys = new Map();
  for (const c of corpus.cases) {
    const { args } = argsFor(c);
    keys.set(args.join(' '), args);
  }
  await Promise.all([...keys].map(async ([key, args]) => {
    const handle = startTusk(['-w', '1', '-b', '127.0.0.1:0', '--interface', 'native', ...args, APP]);
    const { port } = await handle.waitForReady(1, 20000);
    servers.set(key, { port, handle });
  }));
});

after(async () => {
  await cleanupAll();
});

if (!HAVE_CORPUS) {
  test('gunicorn request corpus', { skip: `corpus not found at ${CORPUS} (CI keeps ../shared beside the repository)` }, () => {});
} else {
  test('every case with unsupported Gunicorn settings is in the differences table', () => {
    const missing = corpus.cases.filter((c) => argsFor(c).unsupported.length > 0 && !DIFFERENCES[c.name]);
    assert.deepEqual(missing.map((c) => `${c.name} ${JSON.stringify(c.gunicorn_settings)}`), []);
    const unknown = Object.keys(DIFFERENCES).filter((n) => !corpus.cases.some((c) => c.name === n));
    assert.deepEqual(unknown, [], 'table entries for cases the corpus does not have');
  });

  test('run the corpus (whole, split at byte boundaries, random pieces; plain and +host)', { timeout: 120000 }, async () => {
    const jobs = [];
    for (const c of corpus.cases) {
      const raw = Buffer.from(c.raw_base64, 'base64');
      const { args } = argsFor(c);
      const { port } = servers.get(args.join(' '));
      const base = baseOutcome(c);
      const plain = withHostRule(base);
      if (plain.hostRule) summary.hostRule.push(c.name);
      const entry = { problems: [], variants: 0 };
      results.set(c.name, entry);
      const sets = [{ tag: '', raw, outcome: plain }];
      const hv = hostVariant(raw, base);
      if (hv) sets.push({ tag: '+host', raw: hv.raw, outcome: hv.outcome });
      for (const set of sets) {
        for (const v of variantsOf(c.name + set.tag, set.raw, set.outcome)) {
          entry.variants++;
          jobs.push({ c, entry, port, set, v });
        }
      }
    }
    await pool(jobs, CONCURRENCY, async ({ entry, port, set, v }) => {
      const expectedResponses = set.outcome.kind === 'accept' ? set.outcome.requests.length + (set.outcome.thenReject ? 1 : 0) : 0;
      const result = await run(port, v.pieces, {
        halfClose: !!v.halfClose, expectedResponses, quiet: set.outcome.kind === 'incomplete' ? QUIET_MS : 0,
      });
      summary.exchanges++;
      const problem = judge(result, set.outcome, { halfClose: !!v.halfClose });
      if (problem) {
        entry.problems.push({
          variant: `${set.tag || 'plain'} ${v.label}`,
          problem,
          sent: v.pieces.map((p) => p.toString('latin1')),
          received: result.data.toString('latin1'),
          closed: result.closed,
          why: result.why,
        });
      }
    });
  });

  for (const c of corpus.cases) {
    test(`${c.name} (${c.kind}${c.gunicorn_error ? `: ${c.gunicorn_error}` : ''})`, () => {
      const entry = results.get(c.name);
      assert.ok(entry, 'the corpus run did not reach this case');
      if (entry.problems.length > 0) summary[c.kind].fail++;
      else summary[c.kind].pass++;
      if (entry.problems.length === 0) return;
      const shown = entry.problems.slice(0, 3).map((p) =>
        `  [${p.variant}] ${p.problem}\n    sent: ${JSON.stringify(p.sent).slice(0, 700)}\n    received (${p.why}${p.closed ? ', closed' : ''}): ${JSON.stringify(p.received).slice(0, 700)}`);
      assert.fail(`${entry.problems.length} of ${entry.variants} variants failed` +
        `${DIFFERENCES[c.name] ? ` (table: ${DIFFERENCES[c.name].reason})` : ''}\n${shown.join('\n')}`);
    });
  }

  test('summary', () => {
    const lines = [
      `corpus: ${corpus.cases.length} cases, ${summary.exchanges} exchanges; ` +
        `valid ${summary.valid.pass} passed / ${summary.valid.fail} failed, invalid ${summary.invalid.pass} passed / ${summary.invalid.fail} failed`,
      `host rule (${summary.hostRule.length} cases, also run +host): ${HOST_RULE}`,
      `  ${summary.hostRule.join(', ')}`,
      'expected differences:',
      ...Object.entries(DIFFERENCES).map(([name, d]) =>
        `  ${name.padEnd(28)} ${d.requests ? 'accepted' : d.expect} — ${d.reason}`),
    ];
    console.log(lines.join('\n'));
  });
}
