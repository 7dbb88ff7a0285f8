// Faults on the engine's interfaces (issue 7, zero lost requests): a response the engine cannot
// write (a header value with CR LF or NUL, a bad header name, a body that is a plain object, a status
// out of range), a handler that throws or rejects, a body stream that fails, on the native interface
// (test/fixtures/engine/faults-native.mjs) and the fetch interface (faults-fetch.mjs). Each must end
// in a 500 with Connection: close and a connection the server closes, or, when the head was already
// sent, in a prompt close; and a client that leaves while the app holds its request must free the
// connection at once. The worker's connections are counted from outside, as the socket descriptors
// in /proc/<pid>/fd against a baseline taken before any client connected.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { cleanupAll, fixture, request, sleep, startTusk, waitFor } from './helpers.mjs';
import { RawConn } from './fixtures/engine/rawhttp.mjs';

const NATIVE_APP = fixture('engine/faults-native.mjs');
const FETCH_APP = fixture('engine/faults-fetch.mjs');

let native; // --interface native
let fetchApp; // fetch
let capped; // native, --worker-connections 20

/** Socket descriptors the process holds (listeners and connections). */
function sockets(pid) {
  let n = 0;
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // closed while we looked
    }
  }
  return n;
}

async function serve(app, args) {
  const h = startTusk(['-w', '1', '-b', '127.0.0.1:0', ...args, app]);
  const { port } = await h.waitForReady(1, 20000);
  const pid = h.readyPids()[0];
  await sleep(100);
  return { h, port, pid, baseline: sockets(pid) };
}

before(async () => {
  [native, fetchApp, capped] = await Promise.all([
    serve(NATIVE_APP, ['--interface', 'native']),
    serve(FETCH_APP, []),
    serve(NATIVE_APP, ['--interface', 'native', '--worker-connections', '20']),
  ]);
});

after(async () => {
  await cleanupAll();
});

const get = (path, method = 'GET', version = '1.1') => `${method} ${path} HTTP/${version}\r\nHost: test\r\n\r\n`;

/** Waits until the worker holds no connection beyond its baseline; fails after `ms`. */
async function freed(srv, ms = 1000, what = 'the worker to hold no connection') {
  await waitFor(() => sockets(srv.pid) === srv.baseline, ms, `${what} (baseline ${srv.baseline} sockets, now ${sockets(srv.pid)})`, 20);
}

/** The app's counters; waits for the /stats connection to close (`held`: connections the test keeps open). */
async function stats(srv, held = 0) {
  const res = await request({ port: srv.port, path: '/stats', timeout: 2000 });
  await waitFor(() => sockets(srv.pid) === srv.baseline + held, 2000, 'the /stats connection to close', 20);
  return JSON.parse(res.body);
}

/** Sends a request whose handling fails; expects one 500 with Connection: close, then the server's close. */
async function expect500(srv, path, { method = 'GET', version = '1.1' } = {}) {
  await freed(srv, 3000, 'connections of earlier tests to close');
  const c = new RawConn(srv.port);
  try {
    await c.connected;
    if (method === 'HEAD') c.expectHead([true]);
    await c.send(get(path, method, version));
    const [res] = await c.waitResponses(1, 2000);
    assert.equal(res.status, 500, `status for ${path}: ${res.status} ${res.body}`);
    assert.match(res.header('connection') ?? '', /close/i, 'the 500 says Connection: close');
    await c.waitClosed(2000); // only the server's FIN makes the socket close here
    assert.equal(c.responses().length, 1, 'nothing after the 500');
    await freed(srv);
    return res;
  } finally {
    c.destroy();
  }
}

const NATIVE_CASES = [
  ['a header value with CR LF (res.setHeader)', '/crlf'],
  ['a header value with NUL', '/nul'],
  ['a header name that is not a token', '/badname'],
  ['a header value that throws inside res.setHeader itself', '/setheader-throws'],
  ['a body that is a plain object', '/object'],
  ['status 1000', '/status1000'],
  ['status 99', '/status99'],
  ['an end() that throws in an async handler, after an await', '/async-end'],
  ['a throw in an async handler, after an await', '/async-throw'],
  ['a writeHead() that throws (invalid header, nothing sent)', '/writehead-bad'],
];

for (const [what, path] of NATIVE_CASES) {
  test(`native: ${what} gets a 500 with Connection: close, and the connection is closed and freed`, async () => {
    const res = await expect500(native, path);
    assert.equal(res.body.toString(), 'Internal Server Error\n');
  });
}

test('native: the 500 fits the request: no body for HEAD, an HTTP/1.0 status line for HTTP/1.0', async () => {
  const head = await expect500(native, '/crlf', { method: 'HEAD' });
  assert.equal(head.body.length, 0);
  assert.equal(head.header('content-length'), '22');
  const old = await expect500(native, '/crlf', { version: '1.0' });
  assert.equal(old.version, '1.0');
});

test('native: a throw after writeHead (the head is out) closes the connection at once, the stream unterminated', async () => {
  await freed(native, 3000, 'connections of earlier tests to close');
  const c = new RawConn(native.port);
  try {
    await c.connected;
    await c.send(get('/stream-throw'));
    await c.waitClosed(1000);
    const text = c.data.toString('latin1');
    assert.match(text, /^HTTP\/1\.1 200 /);
    assert.match(text, /first piece/);
    assert.equal(c.responses().length, 0, 'the chunked body was not ended as if it were whole');
    await freed(native);
  } finally {
    c.destroy();
  }
});

test('native: the error is logged with the app\'s stack, and a failed request is not reported to the app as aborted', async () => {
  await expect500(native, '/async-throw');
  await expect500(native, '/crlf');
  assert.match(native.h.stderr(), /Error handling request: Error: thrown after an await \(test fixture\)\n\s+at faults \(/);
  assert.match(native.h.stderr(), /Error handling request: TypeError: invalid header: x-bad\n\s+at NativeResponse\.end [^\n]*\n\s+at faults \(/);
  await sleep(100);
  assert.equal((await stats(native)).faultAborts, 0);
});

test('native: a client that closes while its request hangs in the app frees the connection within a second', async () => {
  await freed(native, 3000, 'connections of earlier tests to close');
  const start = await stats(native);
  const c = new RawConn(native.port);
  await c.connected;
  await c.send(get('/hang'));
  await waitFor(() => sockets(native.pid) === native.baseline + 1, 2000, 'the connection to be held', 20);
  await sleep(100);
  c.sock.end(); // FIN: the client has gone (it reads nothing more)
  await freed(native, 1000, 'the closed /hang connection to be let go');
  c.destroy();
  assert.equal((await stats(native)).hangAborts, start.hangAborts + 1, 'the app heard of the abort');
});

test('native: a client that resets while the app holds its upload with the body paused frees the connection within a second', async () => {
  await freed(native, 3000, 'connections of earlier tests to close');
  const start = await stats(native);
  const c = new RawConn(native.port);
  await c.connected;
  const length = 64 << 20;
  c.send(`POST /upload-stall HTTP/1.1\r\nHost: test\r\nContent-Length: ${length}\r\n\r\n`);
  c.send(Buffer.alloc(length, 0x61)).catch(() => {});
  await waitFor(async () => (await stats(native, 1)).stalled > start.stalled, 2000, 'the upload to reach the app', 20);
  await waitFor(() => sockets(native.pid) === native.baseline + 1, 2000, 'only the upload connection to be held', 20);
  await sleep(300);
  assert.ok(c.sock.writableLength > 0, 'the engine stopped reading the body (the app takes no more)');
  c.sock.resetAndDestroy();
  await freed(native, 1000, 'the reset upload connection to be let go');
});

test('--worker-connections 20: 40 requests whose response throws (the clients then close) leave the worker serving', async () => {
  const conns = await Promise.all(Array.from({ length: 40 }, async () => {
    const c = new RawConn(capped.port);
    await c.connected;
    await c.send(get('/crlf'));
    await c.waitResponses(1, 1500).catch(() => {});
    c.destroy();
    return c;
  }));
  const t0 = Date.now();
  const res = await request({ port: capped.port, path: '/hello', timeout: 1000 });
  assert.equal(res.status, 200);
  assert.ok(Date.now() - t0 < 1000, `the normal request took ${Date.now() - t0} ms`);
  assert.deepEqual(conns.map((c) => c.responses()[0]?.status), Array(40).fill(500), 'each failing request got its 500');
  await freed(capped, 2000);
});

const FETCH_CASES = [
  ['a Response whose plain-object headers hold CR LF in a value', '/bad-header'],
  ['a Response whose plain-object headers hold a bad name', '/bad-name'],
  ['a handler that returns something other than a Response', '/not-response'],
  ['a handler that throws', '/throw'],
  ['a handler that rejects after an await', '/reject'],
];

for (const [what, path] of FETCH_CASES) {
  test(`fetch: ${what} gets a 500 with Connection: close, and the connection is closed and freed`, async () => {
    const res = await expect500(fetchApp, path);
    assert.equal(res.body.toString(), 'Internal Server Error\n');
  });
}

test('fetch: a body stream that errors mid-way closes the connection at once, the stream unterminated', async () => {
  await freed(fetchApp, 3000, 'connections of earlier tests to close');
  const c = new RawConn(fetchApp.port);
  try {
    await c.connected;
    await c.send(get('/stream-error'));
    await c.waitClosed(1000);
    const text = c.data.toString('latin1');
    assert.match(text, /^HTTP\/1\.1 200 /);
    assert.match(text, /first piece/);
    assert.equal(c.responses().length, 0, 'the chunked body was not ended as if it were whole');
    assert.match(fetchApp.h.stderr(), /Error handling request: Error: the body stream failed \(test fixture\)/);
    await freed(fetchApp);
  } finally {
    c.destroy();
  }
});

test('fetch: a client that leaves during a stalled body stream cancels the stream and frees the connection', async () => {
  await freed(fetchApp, 3000, 'connections of earlier tests to close');
  const start = await stats(fetchApp);
  const c = new RawConn(fetchApp.port);
  await c.connected;
  await c.send(get('/stream-stall'));
  await c.waitUntil(() => c.data.includes('first piece'), 2000, 'the first piece');
  c.destroy();
  await freed(fetchApp, 1000, 'the connection of the stalled stream to be let go');
  await waitFor(async () => (await stats(fetchApp)).cancelled > start.cancelled, 1000, 'the body stream to be cancelled', 20);
});

test('fetch: a client that resets while an endless body stream waits for it to drain cancels the stream and frees the connection', async () => {
  await freed(fetchApp, 3000, 'connections of earlier tests to close');
  const start = await stats(fetchApp);
  const c = new RawConn(fetchApp.port);
  await c.connected;
  await c.send(get('/stream-endless'));
  await c.waitUntil(() => c.data.length > 0, 2000, 'the first bytes');
  c.sock.pause(); // read nothing more: the engine's output passes its high-water mark
  await sleep(300);
  c.sock.resetAndDestroy();
  await freed(fetchApp, 1000, 'the connection of the endless stream to be let go');
  await waitFor(async () => (await stats(fetchApp)).cancelled > start.cancelled, 1000, 'the body stream to be cancelled', 20);
});

test('fetch: a client that closes while its request hangs in the app frees the connection within a second', async () => {
  await freed(fetchApp, 3000, 'connections of earlier tests to close');
  const start = await stats(fetchApp);
  const c = new RawConn(fetchApp.port);
  await c.connected;
  await c.send(get('/hang'));
  await waitFor(() => sockets(fetchApp.pid) === fetchApp.baseline + 1, 2000, 'the connection to be held', 20);
  await sleep(100);
  c.sock.end();
  await freed(fetchApp, 1000, 'the closed /hang connection to be let go');
  c.destroy();
  const now = await stats(fetchApp);
  assert.equal(now.hung, start.hung + 1);
  assert.equal(now.aborted, start.aborted + 1, 'request.signal aborted');
});
