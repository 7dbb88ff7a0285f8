// tusk's protections on the node interface (Node's own http serving the app on natively accepted
// sockets): header_timeout against slow heads (slowloris), the limit_request_* checks with the
// native engine's statuses and boundaries (compared with the engine in the same run), a refused
// request never reaching the app, worker_connections and keepalive.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { cleanupAll, fixture, request, sleep, startTusk } from './helpers.mjs';
import { RawConn } from './fixtures/engine/rawhttp.mjs';

const LIMITS = [
  '--limit-request-line', '100', '--limit-request-fields', '5', '--limit-request-field-size', '9000', '--limit-request-body', '10',
];

function serve(app, args = []) {
  const h = startTusk(['-w', '1', '-b', '127.0.0.1:0', ...args, app]);
  return h.waitForReady(1, 20000).then(({ port }) => ({ h, port }));
}

let counting; // test/fixtures/counting.mjs (a plain listener) with LIMITS
let native; // the native engine with LIMITS, for the boundaries
let express;
let fastify;

before(async () => {
  [counting, native, express, fastify] = await Promise.all([
    serve(fixture('counting.mjs'), LIMITS),
    serve(fixture('engine/native-app.mjs'), ['--interface', 'native', ...LIMITS]),
    serve(fixture('express-app.mjs'), LIMITS),
    serve(fixture('fastify-app.mjs'), LIMITS),
  ]);
});

after(async () => {
  await cleanupAll();
});

// ---- requests at and past each limit ----

const PIPELINED = 'GET /after HTTP/1.1\r\nHost: test\r\n\r\n';

/** A GET whose request line (CRLF excluded) is `n` bytes. */
function line(n) {
  return `GET /?${'a'.repeat(n - 'GET /? HTTP/1.1'.length)} HTTP/1.1\r\nHost: test\r\n\r\n`;
}

/** A GET with `n` header field lines, Host included. */
function fields(n) {
  return `GET / HTTP/1.1\r\nHost: test\r\n${Array.from({ length: n - 1 }, (_, i) => `X-F${i}: ${i}\r\n`).join('')}\r\n`;
}

/** A GET with one field line of `n` bytes, its CRLF included. */
function fieldLine(n) {
  return `GET / HTTP/1.1\r\nHost: test\r\nX-Big: ${'a'.repeat(n - 'X-Big: \r\n'.length)}\r\n\r\n`;
}

/** Four 8000-byte field lines: a 32 KB head, twice Node's own default limit, within tusk's. */
const BIG_HEAD = `GET / HTTP/1.1\r\nHost: test\r\n${[0, 1, 2, 3].map((i) => `X-B${i}: ${'b'.repeat(8000 - 9)}\r\n`).join('')}\r\n`;

/** A JSON body of `n` bytes (n >= 4) that Express's and Fastify's JSON parsers read whole. */
const json = (n) => `["${'j'.repeat(n - 4)}"]`;

function withLength(n, body = json(n)) {
  return `POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ${n}\r\n\r\n${body}`;
}

const CHUNKED_HEAD = 'POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
const chunk = (data) => `${data.length.toString(16)}\r\n${data}\r\n`;

/** A chunked POST of a JSON body cut into chunks of the given sizes. */
function chunked(...sizes) {
  const body = json(sizes.reduce((a, b) => a + b, 0));
  const pieces = [];
  for (let at = 0, i = 0; i < sizes.length; at += sizes[i++]) pieces.push(chunk(body.slice(at, at + sizes[i])));
  return `${CHUNKED_HEAD}${pieces.join('')}0\r\n\r\n`;
}

const BOUNDARIES = [
  ['a request line of 100 bytes (the limit)', line(100), 'ok'],
  ['a request line of 101 bytes', line(101), 414],
  ['5 header fields (the limit, Host included)', fields(5), 'ok'],
  ['6 header fields', fields(6), 431],
  ['a field line of 9000 bytes (the limit, CRLF included)', fieldLine(9000), 'ok'],
  ['a field line of 9001 bytes', fieldLine(9001), 431],
  ['a 32 KB head of field lines within the limits', BIG_HEAD, 'ok'],
  ['Content-Length: 10 (the limit)', withLength(10), 'ok'],
  ['Content-Length: 11', withLength(11), 413],
  ['a chunked body of 6 + 4 bytes', chunked(6, 4), 'ok'],
  ['a chunked body of 6 + 5 bytes', chunked(6, 5), 413],
  ['one chunk of 11 bytes', chunked(11), 413],
];

/** Sends `bytes` on a fresh connection; resolves the first response, and whether the server closed. */
async function exchange(port, bytes, { waitClose = false } = {}) {
  const c = new RawConn(port);
  try {
    await c.connected;
    await c.send(bytes);
    const [res] = await c.waitResponses(1, 5000);
    if (waitClose) await c.waitClosed(3000);
    return { res, closed: c.closed, count: c.responses().length };
  } finally {
    c.destroy();
  }
}

/** Sends `bytes`, expects `status` with Connection: close, the server closing, and nothing else. */
async function expectRefused(port, bytes, status) {
  const { res, closed, count } = await exchange(port, bytes, { waitClose: true });
  assert.equal(res.status, status, `expected ${status}, got ${res.status} ${res.body}`);
  assert.match(res.header('connection') ?? '', /close/i, 'the refusal says Connection: close');
  assert.ok(closed, 'the server closes the connection');
  assert.equal(count, 1, 'nothing after the refusal');
  return res;
}

async function seen() {
  const r = await request({ port: counting.port, path: '/count' });
  return JSON.parse(r.body);
}

test('the node interface refuses at the native engine\'s boundaries, with its statuses (same requests, same run)', async () => {
  const servers = { native, counting, express, fastify };
  const mismatches = [];
  for (const [what, bytes, expected] of BOUNDARIES) {
    const got = {};
    for (const [name, s] of Object.entries(servers)) {
      const { res } = await exchange(s.port, bytes);
      got[name] = res.status;
    }
    const outcome = (status) => (status < 400 ? 'ok' : status);
    for (const [name, status] of Object.entries(got)) {
      if (outcome(status) !== expected) mismatches.push(`${what}: ${name} answered ${status}, expected ${expected}`);
    }
  }
  assert.deepEqual(mismatches, []);
});

test('a request line over --limit-request-line gets 414 and a closed connection; the app sees neither it nor a request pipelined after it', async () => {
  const before = await seen();
  const res = await expectRefused(counting.port, line(101) + PIPELINED, 414);
  assert.equal(res.body.toString(), 'request line too long\n');
  assert.equal((await seen()).requests, before.requests);
});

test('more fields than --limit-request-fields get 431; the app never sees the request', async () => {
  const before = await seen();
  await expectRefused(counting.port, fields(6), 431);
  await expectRefused(counting.port, fields(200), 431); // far more than Node keeps (maxHeadersCount)
  assert.equal((await seen()).requests, before.requests);
});

test('a field line over --limit-request-field-size gets 431; the app never sees the request', async () => {
  const before = await seen();
  const res = await expectRefused(counting.port, fieldLine(9001), 431);
  assert.equal(res.body.toString(), 'header field too large\n');
  assert.equal((await seen()).requests, before.requests);
});

test('a Content-Length over --limit-request-body gets 413 before the body is read; the app never sees the request', async () => {
  const before = await seen();
  await expectRefused(counting.port, withLength(11), 413);
  // the client waits for an answer before sending a body it announced
  await expectRefused(counting.port, withLength(1_000_000, ''), 413);
  assert.equal((await seen()).requests, before.requests);
});

test('a chunked body growing past --limit-request-body gets 413; the app never gets the whole of it', async () => {
  const before = await seen();
  await expectRefused(counting.port, chunked(6, 5), 413);
  // in two writes: the app is already reading the body when the second chunk goes past the limit
  const c = new RawConn(counting.port);
  await c.connected;
  await c.send(CHUNKED_HEAD + chunk('["jjjj'));
  await sleep(200);
  assert.equal(c.responses().length, 0, 'six bytes are within the limit');
  await c.send(`${chunk('jjj"]')}0\r\n\r\n`);
  const [res] = await c.waitResponses(1);
  assert.equal(res.status, 413);
  assert.match(res.header('connection') ?? '', /close/i);
  await c.waitClosed(3000);
  c.destroy();
  assert.equal((await seen()).bodies, before.bodies, 'no refused body reached its end in the app');
  // and a body within the limit, in pieces, is read whole
  const ok = await exchange(counting.port, chunked(3, 3, 4));
  assert.equal(ok.res.status, 200);
  assert.deepEqual(JSON.parse(ok.res.body), { length: 10 });
  assert.equal((await seen()).bodies, before.bodies + 1);
});

test('an app that answers without reading a chunked body that goes past --limit-request-body: its answer is delivered whole, then the connection closes', async () => {
  const bytes = `${CHUNKED_HEAD.replace('/echo', '/early')}${chunk(json(12))}0\r\n\r\n`;
  const { res, closed } = await exchange(counting.port, bytes, { waitClose: true });
  assert.equal(res.status, 200);
  assert.equal(res.body.toString(), 'early');
  assert.ok(closed, 'the connection closes after the answer');
});

test('an Upgrade request over a limit is refused on the socket before the app\'s upgrade listener sees it; one within the limits is upgraded', async () => {
  const { h, port } = await serve(fixture('upgrade-server.mjs'), LIMITS);
  try {
    const upgrade = (path) => `GET ${path} HTTP/1.1\r\nHost: test\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n`;
    await expectRefused(port, upgrade(`/?${'u'.repeat(100)}`), 414);
    const c = new RawConn(port);
    await c.connected;
    await c.send(upgrade('/'));
    await c.waitUntil(() => c.data.includes('\r\n\r\n'), 3000, 'the 101');
    assert.match(c.data.toString('latin1'), /^HTTP\/1\.1 101 /);
    await c.send('ping');
    await c.waitUntil(() => c.data.toString('latin1').endsWith('ping'), 3000, 'the echo');
    c.destroy();
  } finally {
    await h.stop();
  }
});

// ---- header_timeout ----

/** Opens `n` connections that each send one byte of a head every `everyMs`. */
function slowloris(port, n, everyMs) {
  const head = Buffer.from(`GET / HTTP/1.1\r\nHost: test\r\nX-Slow: ${'s'.repeat(500)}`);
  return Array.from({ length: n }, () => {
    const c = { startedAt: 0, closedAt: 0, data: '', timer: null };
    const sock = net.connect({ port, host: '127.0.0.1' });
    c.sock = sock;
    sock.on('connect', () => {
      c.startedAt = Date.now();
      let i = 0;
      sock.write(head.subarray(i, ++i));
      c.timer = setInterval(() => {
        if (!sock.destroyed && i < head.length) sock.write(head.subarray(i, ++i));
      }, everyMs);
    });
    sock.on('data', (d) => {
      c.data += d.toString('latin1');
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      c.closedAt = Date.now();
      clearInterval(c.timer);
    });
    return c;
  });
}

for (const [name, app] of [['Express', 'express-app.mjs'], ['plain listener', 'plain.mjs']]) {
  test(`slowloris (${name}): 200 connections sending a byte every 500 ms are closed at ~--header-timeout 2 while fresh requests keep getting 200`, async () => {
    const { h, port } = await serve(fixture(app), ['--header-timeout', '2']);
    const conns = slowloris(port, 200, 500);
    try {
      const t0 = Date.now();
      const statuses = [];
      while (Date.now() - t0 < 4000 && conns.some((c) => c.closedAt === 0)) {
        const r = await request({ port, path: '/', timeout: 3000 });
        statuses.push(r.status);
        await sleep(100);
      }
      assert.ok(statuses.length >= 10 && statuses.every((s) => s === 200), `fresh requests meanwhile: ${statuses.join(' ')}`);
      const open = conns.filter((c) => c.closedAt === 0).length;
      assert.equal(open, 0, `${open} of 200 slow connections still open after ${Date.now() - t0} ms`);
      const took = conns.map((c) => c.closedAt - c.startedAt).sort((a, b) => a - b);
      assert.ok(took[0] >= 1900, `the first was closed after ${took[0]} ms, before the timeout`);
      assert.ok(took[took.length - 1] <= 3500, `the last was closed after ${took[took.length - 1]} ms`);
      assert.ok(conns.every((c) => !/^HTTP\/1\.1 2/.test(c.data)), 'no slow head got a successful answer');
    } finally {
      for (const c of conns) c.sock.destroy();
      await h.stop();
    }
  });
}

test('--header-timeout 2 cuts neither a slow body nor an idle keep-alive connection', async () => {
  const { h, port } = await serve(fixture('plain.mjs'), ['--header-timeout', '2']);
  try {
    const c = new RawConn(port);
    await c.connected;
    await c.send('POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\n');
    for (const b of 'sloww') {
      await sleep(600);
      await c.send(b);
    }
    await c.send('!');
    const [res] = await c.waitResponses(1, 3000);
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'sloww!');
    await sleep(2800); // idle keep-alive (5 s) past the header timeout
    assert.equal(c.closed, false, 'the idle keep-alive connection is still open');
    await c.send('GET /pid HTTP/1.1\r\nHost: test\r\n\r\n');
    const rs = await c.waitResponses(2, 3000);
    assert.equal(rs[1].status, 200);
    c.destroy();
  } finally {
    await h.stop();
  }
});

// ---- worker_connections and keepalive ----

test('--worker-connections 2 (node interface): a third connection waits in the backlog until one closes', async () => {
  const { h, port } = await serve(fixture('counting.mjs'), ['--worker-connections', '2']);
  try {
    const get = (path) => `GET ${path} HTTP/1.1\r\nHost: test\r\n\r\n`;
    const a = new RawConn(port);
    await a.connected;
    await a.send(get('/a'));
    await a.waitResponses(1);
    const b = new RawConn(port);
    await b.connected;
    await b.send(get('/b'));
    await b.waitResponses(1);
    const c = new RawConn(port);
    await c.connected; // the kernel completes the handshake: it waits in the listen backlog
    await c.send(get('/third'));
    await sleep(600);
    assert.equal(c.responses().length, 0, 'the third connection is not served while two are open');
    assert.equal(c.closed, false, 'and it is not refused either');
    a.destroy();
    const [res] = await c.waitResponses(1, 3000);
    assert.equal(res.body.toString(), 'GET /third');
    b.destroy();
    c.destroy();
  } finally {
    await h.stop();
  }
});

test('--keep-alive 1 (node interface): the response says timeout=1 and an idle connection is closed after about 1-2.5 s', async () => {
  const { h, port } = await serve(fixture('counting.mjs'), ['--keep-alive', '1']);
  try {
    const c = new RawConn(port);
    await c.connected;
    await c.send('GET / HTTP/1.1\r\nHost: test\r\n\r\n');
    const [res] = await c.waitResponses(1);
    assert.match(res.header('keep-alive') ?? '', /timeout=1\b/);
    const t0 = Date.now();
    await c.waitClosed(4000);
    const idle = Date.now() - t0;
    assert.ok(idle >= 900 && idle <= 2500, `closed after ${idle} ms of idleness`);
    c.destroy();
  } finally {
    await h.stop();
  }
});
