// A Hono app (test/fixtures/engine/hono-app.mjs) under tusk (--interface fetch) must answer
// exactly as under @hono/node-server: same status, same decoded body, same headers (Date,
// Connection, Keep-Alive and the framing headers Content-Length / Transfer-Encoding aside;
// Content-Type compared as a media type, so that optional whitespace after ";" does not count).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { cleanupAll, fixture, startTusk, waitFor } from './helpers.mjs';

const APP = fixture('engine/hono-app.mjs');
const IGNORED = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);
const UPLOAD = crypto.randomBytes(1 << 20);
const UPLOAD_SHA = crypto.createHash('sha256').update(UPLOAD).digest('hex');

let tusk;
let reference;

before(async () => {
  const t = startTusk(['-w', '1', '-b', '127.0.0.1:0', '--interface', 'fetch', APP]);
  const r = startTusk([], { command: process.execPath, commandArgs: [fixture('engine/hono-node.mjs')] });
  const [{ port }, refPort] = await Promise.all([
    t.waitForReady(1, 20000),
    waitFor(() => Number(/PORT (\d+)/.exec(r.stdout())?.[1]), 20000, '@hono/node-server to listen'),
  ]);
  tusk = { h: t, port };
  reference = { h: r, port: refPort };
});

after(async () => {
  await cleanupAll();
});

/**
 * One request on a fresh connection. `body`: string/Buffer (sent with Content-Length) or an
 * array of Buffers (sent chunked). Resolves { status, headers: [[lower name, value]...], body }.
 */
function send(port, { method = 'GET', path = '/', headers = {}, body }) {
  return new Promise((resolve, reject) => {
    const hdrs = { ...headers };
    if (typeof body === 'string' || Buffer.isBuffer(body)) hdrs['content-length'] = Buffer.byteLength(body);
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: hdrs, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        const pairs = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i].toLowerCase(), res.rawHeaders[i + 1]]);
        resolve({ status: res.statusCode, headers: pairs, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    const timer = setTimeout(() => req.destroy(new Error(`${method} ${path} timed out`)), 10000);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    if (Array.isArray(body)) for (const piece of body) req.write(piece);
    else if (body !== undefined) req.write(body);
    req.end();
  });
}

/**
 * A media type in a canonical spelling: RFC 9110 §8.3.1 allows optional whitespace around ";"
 * and makes the type, subtype, parameter names and the charset value case-insensitive, so
 * "text/plain;charset=UTF-8" (the Fetch standard's spelling) and "text/plain; charset=UTF-8"
 * (@hono/node-server's) are the same header.
 */
function canonicalMediaType(value) {
  const [type, ...params] = value.split(';').map((s) => s.trim());
  return [type.toLowerCase(), ...params.filter(Boolean).map((p) => {
    const i = p.indexOf('=');
    const name = p.slice(0, i).trim().toLowerCase();
    const v = p.slice(i + 1).trim();
    return `${name}=${name === 'charset' ? v.toLowerCase() : v}`;
  })].join(';');
}

/** Headers that matter, grouped by name (order kept within a name, e.g. set-cookie). */
function significant(headers) {
  const out = {};
  for (const [name, value] of headers) {
    if (IGNORED.has(name)) continue;
    (out[name] ??= []).push(name === 'content-type' ? canonicalMediaType(value) : value);
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const json = (value) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
const chunked = (buf, size) => Array.from({ length: Math.ceil(buf.length / size) }, (_, i) => buf.subarray(i * size, (i + 1) * size));

const CASES = [
  { name: 'plain text root', req: { path: '/' } },
  { name: 'route param and query', req: { path: '/users/42?fields=name,email' } },
  { name: 'two params, percent-encoded', req: { path: '/users/a%20b/posts/%E2%9C%93' } },
  { name: 'repeated query keys', req: { path: '/search?q=hello%20world&tag=a&tag=b&x=1' } },
  { name: 'JSON body POST echo (201)', req: { method: 'POST', path: '/echo', ...json({ a: 1, list: [1, 2, 3], s: 'ünïcödé ✓', nested: { ok: true } }) } },
  { name: 'urlencoded form', req: { method: 'POST', path: '/form', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1&b=two&c=%C3%A9' } },
  { name: 'text body read twice through Hono', req: { method: 'PUT', path: '/text', headers: { 'content-type': 'text/plain' }, body: 'some text body' } },
  { name: 'custom and appended response headers', req: { path: '/headers', headers: { 'user-agent': 'tusk-test/1', 'x-request-thing': 'thing' } } },
  { name: 'cookies in, set-cookie twice out', req: { path: '/cookies', headers: { cookie: 'a=1; b=two' } } },
  { name: 'redirect', req: { path: '/redirect' } },
  // Deliberate difference: @hono/node-server's own Response adds `text/plain; charset=UTF-8` to any
  // body without a content type; tusk follows the Fetch standard, which adds it to string bodies
  // only (README, "Differences"). Everything else about these responses must match.
  { name: 'hono/streaming stream()', req: { path: '/stream' }, untypedBody: true },
  { name: 'hono/streaming streamText()', req: { path: '/stream-text' } },
  { name: 'ReadableStream body', req: { path: '/readable' } },
  { name: 'Uint8Array body', req: { path: '/bytes' } },
  { name: 'Uint8Array body without a content-type', req: { path: '/bytes-untyped' }, untypedBody: true },
  { name: '204 with a null body', req: { path: '/empty' } },
  { name: 'c.html()', req: { path: '/html' } },
  { name: 'status 201 via c.text()', req: { path: '/status/201' } },
  { name: 'status 418 via c.text()', req: { path: '/status/418' } },
  { name: 'HTTPException 403 through onError', req: { path: '/forbidden' } },
  { name: 'thrown Error handled by app.onError (500)', req: { path: '/boom' } },
  { name: 'notFound GET', req: { path: '/no/such/route?x=1' } },
  { name: 'notFound for a method without a route', req: { method: 'DELETE', path: '/users/1' } },
  { name: 'HEAD on a GET route', req: { method: 'HEAD', path: '/' } },
  { name: '1 MB upload (Content-Length): length and sha256', req: { method: 'POST', path: '/upload', headers: { 'content-type': 'application/octet-stream' }, body: UPLOAD }, check: (r) => assert.deepEqual(JSON.parse(r.body), { length: UPLOAD.length, sha256: UPLOAD_SHA }) },
  { name: '1 MB upload (chunked) read as a stream', req: { method: 'POST', path: '/upload-stream', body: chunked(UPLOAD, 100000) }, check: (r) => assert.deepEqual(JSON.parse(r.body), { length: UPLOAD.length, sha256: UPLOAD_SHA }) },
];

for (const c of CASES) {
  test(`hono: ${c.name} — ${c.req.method ?? 'GET'} ${c.req.path}`, async () => {
    const [got, want] = await Promise.all([send(tusk.port, c.req), send(reference.port, c.req)]);
    assert.equal(got.status, want.status, `status: tusk ${got.status}, node-server ${want.status}`);
    assert.equal(got.body.toString('latin1'), want.body.toString('latin1'), 'decoded body');
    const wanted = significant(want.headers);
    if (c.untypedBody) {
      assert.deepEqual(wanted['content-type'], ['text/plain;charset=utf-8'], 'node-server still adds its default type');
      assert.equal(got.headers['content-type'], undefined, 'tusk adds no content type to a non-string body');
      delete wanted['content-type'];
    }
    assert.deepEqual(significant(got.headers), wanted, 'headers (date, connection, keep-alive and framing aside)');
    if (c.check) c.check(got);
  });
}

test('hono: keep-alive reuse gives the same answers as fresh connections', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const sockets = new Set();
    for (let i = 0; i < 5; i++) {
      const body = await new Promise((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port: tusk.port, path: `/users/${i}`, agent }, (res) => {
          sockets.add(res.socket);
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
      });
      assert.deepEqual(JSON.parse(body), { id: String(i), fields: null });
    }
    assert.equal(sockets.size, 1, 'one connection served all five requests');
  } finally {
    agent.destroy();
  }
});
