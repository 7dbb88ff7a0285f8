// The native HTTP engine over raw sockets (native interface, test/fixtures/engine/native-app.mjs):
// keep-alive, pipelining, connection close rules, bodiless responses, 100-continue, chunked
// bodies both ways, large bodies both ways, limits, malformed requests, timeouts, errors in the
// handler, client aborts, the connection cap, graceful stop and the Date header.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { cleanupAll, fixture, request, sleep, startTusk, waitFor } from './helpers.mjs';
import { RawConn } from './fixtures/engine/rawhttp.mjs';

const APP = fixture('engine/native-app.mjs');
const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');
const BIG = Buffer.alloc(1 << 20);
for (let i = 0; i < BIG.length; i++) BIG[i] = i % 251;

let main; // defaults
let strict; // small limits and short timeouts
let capped; // --worker-connections 2

function serve(args) {
  const h = startTusk(['-w', '1', '-b', '127.0.0.1:0', '--interface', 'native', ...args, APP]);
  return h.waitForReady(1, 20000).then(({ port }) => ({ h, port }));
}

before(async () => {
  [main, strict, capped] = await Promise.all([
    serve([]),
    serve(['--limit-request-line', '100', '--limit-request-fields', '5', '--limit-request-body', '10', '--keep-alive', '1', '--header-timeout', '1']),
    serve(['--worker-connections', '2']),
  ]);
});

after(async () => {
  await cleanupAll();
});

const get = (path, extra = '') => `GET ${path} HTTP/1.1\r\nHost: test\r\n${extra}\r\n`;

/** One raw exchange on a fresh connection: sends `bytes`, waits for `n` responses. */
async function once(port, bytes, n = 1, timeout = 3000) {
  const c = new RawConn(port);
  try {
    await c.connected;
    await c.send(bytes);
    return await c.waitResponses(n, timeout);
  } finally {
    c.destroy();
  }
}

/** Sends `bytes` and expects a `status` error response followed by the server closing. */
async function expectRejected(port, bytes, status) {
  const c = new RawConn(port);
  try {
    await c.connected;
    await c.send(bytes);
    const [res] = await c.waitResponses(1);
    assert.equal(res.status, status, `expected ${status} for ${JSON.stringify(bytes.toString())}, got ${res.status} ${res.body}`);
    assert.match(res.header('connection') ?? '', /close/i, 'an error response says Connection: close');
    await c.waitClosed(3000);
    assert.equal(c.responses().length, 1, 'nothing after the error response');
    return res;
  } finally {
    c.destroy();
  }
}

test('keep-alive: several requests, one after another, on one connection', async () => {
  const c = new RawConn(main.port);
  await c.connected;
  for (let i = 1; i <= 5; i++) {
    await c.send(get(`/x?i=${i}`));
    const rs = await c.waitResponses(i);
    assert.equal(rs[i - 1].status, 200);
    assert.equal(rs[i - 1].body.toString(), `GET /x?i=${i}`);
    assert.equal(rs[i - 1].header('connection'), undefined, 'no Connection: close on a kept-alive HTTP/1.1 response');
  }
  assert.equal(c.closed, false);
  c.destroy();
});

test('pipelining: three requests in one write are answered in order', async () => {
  const rs = await once(main.port, get('/a') + get('/b') + get('/c'), 3);
  assert.deepEqual(rs.map((r) => r.body.toString()), ['GET /a', 'GET /b', 'GET /c']);
});

test('pipelining: order holds when the first answer waits for a promise', async () => {
  const t0 = Date.now();
  const rs = await once(main.port, get('/slow?ms=300&id=1') + get('/slow?ms=0&id=2') + get('/hello'), 3);
  assert.deepEqual(rs.map((r) => r.body.toString()), ['slow 1', 'slow 2', 'hello world']);
  const took = Date.now() - t0;
  assert.ok(took >= 290, 'the first response really was slow');
  assert.ok(took < 300 + 400, `the three answers took ${took} ms for a 300 ms handler`);
});

test('Connection: close is honoured: the response says so, the server closes, later pipelined requests are not served', async () => {
  const c = new RawConn(main.port);
  await c.connected;
  await c.send(get('/hello', 'Connection: close\r\n') + get('/after-close'));
  const [res] = await c.waitResponses(1);
  assert.equal(res.status, 200);
  assert.match(res.header('connection') ?? '', /close/i);
  await c.waitClosed(2000);
  assert.equal(c.responses().length, 1, 'the request after Connection: close is not answered');
  c.destroy();
});

test('HTTP/1.0 closes by default', async () => {
  const c = new RawConn(main.port);
  await c.connected;
  await c.send('GET /hello HTTP/1.0\r\n\r\n');
  const [res] = await c.waitResponses(1);
  assert.equal(res.status, 200);
  assert.equal(res.body.toString(), 'hello world');
  await c.waitClosed(2000);
  c.destroy();
});

test('HTTP/1.0 with Connection: keep-alive stays open', async () => {
  const c = new RawConn(main.port);
  await c.connected;
  await c.send('GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
  const [res] = await c.waitResponses(1);
  assert.equal(res.status, 200);
  assert.match(res.header('connection') ?? '', /keep-alive/i, 'the response confirms keep-alive');
  assert.ok(res.header('content-length') !== undefined, 'a kept-alive HTTP/1.0 response is length-delimited');
  await sleep(100);
  assert.equal(c.closed, false, 'still open');
  await c.send('GET /second HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
  const rs = await c.waitResponses(2);
  assert.equal(rs[1].body.toString(), 'GET /second');
  c.destroy();
});

test('HEAD: headers with Content-Length, no body (the next response on the connection parses)', async () => {
  const c = new RawConn(main.port);
  await c.connected;
  c.expectHead([true, false]);
  await c.send(`HEAD /hello HTTP/1.1\r\nHost: test\r\n\r\n${get('/hello')}`);
  const rs = await c.waitResponses(2);
  assert.equal(rs[0].status, 200);
  assert.equal(rs[0].header('content-length'), '11', 'HEAD announces the GET length');
  assert.equal(rs[0].body.length, 0);
  assert.equal(rs[1].body.toString(), 'hello world');
  assert.equal(c.parsed().error, null);
  c.destroy();
});

for (const code of [204, 304]) {
  test(`${code} carries no body and no chunked framing`, async () => {
    const rs = await once(main.port, get(`/status?code=${code}`) + get('/hello'), 2);
    assert.equal(rs[0].status, code);
    assert.equal(rs[0].header('transfer-encoding'), undefined);
    if (code === 204) assert.equal(rs[0].header('content-length'), undefined, 'no Content-Length in a 204 (RFC 9110 §8.6)');
    assert.equal(rs[0].body.length, 0);
    assert.equal(rs[1].body.toString(), 'hello world', 'the next response starts right after the head');
  });
}

test('Expect: 100-continue gets "100 Continue" before the body is sent, then the final response', async () => {
  const c = new RawConn(main.port);
  await c.connected;
  await c.send('POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n');
  await c.waitUntil(() => c.data.length >= 25, 2000, '100 Continue');
  assert.equal(c.data.toString('latin1'), 'HTTP/1.1 100 Continue\r\n\r\n');
  await c.send('hello world');
  const [res] = await c.waitResponses(1);
  assert.equal(res.status, 200);
  assert.equal(JSON.parse(res.body).body, 'hello world');
  c.destroy();
});

test('chunked request body is decoded and delivered (pieces split across writes)', async () => {
  const c = new RawConn(main.port);
  await c.connected;
  await c.send('POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel');
  await sleep(20);
  await c.send('lo\r\n6;ext=1\r\n world\r\n');
  await sleep(20);
  await c.send('0\r\n\r\n');
  const [res] = await c.waitResponses(1);
  const echo = JSON.parse(res.body);
  assert.equal(echo.body, 'hello world');
  assert.equal(echo.length, 11);
  // and the connection is still usable
  await c.send(get('/hello'));
  const rs = await c.waitResponses(2);
  assert.equal(rs[1].body.toString(), 'hello world');
  c.destroy();
});

test('a response streamed with res.write() arrives chunked and complete', async () => {
  const c = new RawConn(main.port);
  await c.connected;
  await c.send(get('/stream?n=6') + get('/hello'));
  const rs = await c.waitResponses(2);
  assert.equal(rs[0].status, 200);
  assert.equal(rs[0].framing, 'chunked');
  assert.match(rs[0].header('transfer-encoding'), /chunked/i);
  assert.equal(rs[0].body.toString(), Array.from({ length: 6 }, (_, i) => `piece ${i}\n`).join(''));
  assert.equal(rs[1].body.toString(), 'hello world', 'the chunked body was terminated properly');
  c.destroy();
});

test('a streamed response to HTTP/1.0 is delimited by the close (no false Content-Length)', async () => {
  const c = new RawConn(main.port);
  await c.connected;
  await c.send('GET /stream?n=3 HTTP/1.0\r\n\r\n');
  await c.waitClosed(3000);
  const raw = c.data.toString('latin1');
  const headEnd = raw.indexOf('\r\n\r\n');
  assert.ok(headEnd > 0, `a response head: ${JSON.stringify(raw)}`);
  const head = raw.slice(0, headEnd);
  const after = raw.slice(headEnd + 4);
  assert.doesNotMatch(head, /transfer-encoding/i, 'no chunked coding for HTTP/1.0');
  assert.equal(after, 'piece 0\npiece 1\npiece 2\n', 'the body follows the head until the close');
  const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
  assert.ok(cl === null || Number(cl[1]) === Buffer.byteLength(after, 'latin1'),
    `Content-Length ${cl?.[1]} in the head contradicts the ${after.length}-byte body that follows: ${JSON.stringify(raw)}`);
  c.destroy();
});

test('a response finished from a timer callback is sent at once (not held until the next loop wake-up)', async () => {
  // Several rounds: a response held until some unrelated wake-up (a 1 s timer, say) can still
  // look prompt once in a while.
  const slow = [];
  for (let round = 0; round < 3; round++) {
    for (const [path, due] of [['/slow?ms=50&id=t', 50], ['/stream?n=2', 10]]) {
      const c = new RawConn(main.port);
      await c.connected;
      const t0 = Date.now();
      await c.send(get(path));
      await c.waitResponses(1, 3000);
      const took = Date.now() - t0;
      c.destroy();
      if (took >= due + 250) slow.push(`${path}: ${took} ms (the app finished it after ~${due} ms)`);
    }
  }
  assert.deepEqual(slow, [], 'complete responses that took too long');
});

test('a 1 MiB response arrives complete', async () => {
  const [res] = await once(main.port, get('/big'), 1, 10000);
  assert.equal(res.header('content-length'), String(1 << 20));
  assert.equal(res.body.length, 1 << 20);
  assert.equal(sha256(res.body), sha256(BIG));
});

test('a 1 MiB upload streamed through req.stream() arrives whole (Content-Length and chunked)', async () => {
  const payload = crypto.randomBytes(1 << 20);
  const [res] = await once(main.port,
    Buffer.concat([Buffer.from(`POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: ${payload.length}\r\n\r\n`), payload]), 1, 10000);
  const got = JSON.parse(res.body);
  assert.equal(got.length, payload.length);
  assert.equal(got.sha256, sha256(payload));

  const parts = [Buffer.from('POST /upload HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n')];
  for (let i = 0; i < payload.length; i += 65536) {
    const piece = payload.subarray(i, i + 65536);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  const [res2] = await once(main.port, Buffer.concat(parts), 1, 10000);
  const got2 = JSON.parse(res2.body);
  assert.equal(got2.length, payload.length);
  assert.equal(got2.sha256, sha256(payload));
});

test('--limit-request-line 100 gives 414', async () => {
  await expectRejected(strict.port, get(`/${'a'.repeat(120)}`), 414);
  const [ok] = await once(strict.port, get(`/${'a'.repeat(50)}`));
  assert.equal(ok.status, 200, 'a request line under the limit is served');
});

test('--limit-request-fields 5 gives 431', async () => {
  const fields = (n) => Array.from({ length: n - 1 }, (_, i) => `X-F${i}: ${i}\r\n`).join('');
  await expectRejected(strict.port, get('/', fields(6)), 431);
  const [ok] = await once(strict.port, get('/', fields(5)));
  assert.equal(ok.status, 200, 'exactly 5 fields (Host included) are served');
});

test('--limit-request-body 10 gives 413 for a larger Content-Length (and a larger chunked body)', async () => {
  await expectRejected(strict.port, 'POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 11\r\n\r\nhello world', 413);
  await expectRejected(strict.port, 'POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n', 413);
  const [ok] = await once(strict.port, 'POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nhelloworld');
  assert.equal(ok.status, 200);
  assert.equal(JSON.parse(ok.body).body, 'helloworld');
});

const MALFORMED = {
  'bare LF line endings': 'GET / HTTP/1.1\nHost: test\n\n',
  'obs-fold': 'GET / HTTP/1.1\r\nHost: test\r\nX-Long: one\r\n two\r\n\r\n',
  'NUL in a header value': 'GET / HTTP/1.1\r\nHost: test\r\nX-A: a\0b\r\n\r\n',
  'Content-Length: abc': 'POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: abc\r\n\r\n',
  'Transfer-Encoding with Content-Length': 'POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
};
for (const [what, bytes] of Object.entries(MALFORMED)) {
  test(`malformed request (${what}) gets 400 and the connection closes`, async () => {
    await expectRejected(main.port, bytes, 400);
  });
}

test('--keep-alive 1 closes an idle connection after about 1-2.5 s', async () => {
  const c = new RawConn(strict.port);
  await c.connected;
  await c.send(get('/hello'));
  await c.waitResponses(1);
  const t0 = Date.now();
  await c.waitClosed(4000);
  const idle = Date.now() - t0;
  assert.ok(idle >= 900 && idle <= 2500, `closed after ${idle} ms of idleness`);
  c.destroy();
});

test('--header-timeout 1: a client that sends half a head and stops is disconnected within ~3 s', async () => {
  const c = new RawConn(strict.port);
  await c.connected;
  const t0 = Date.now();
  await c.send('GET /hello HTTP/1.1\r\nHost: te');
  await c.waitClosed(4000);
  const took = Date.now() - t0;
  assert.ok(took >= 900 && took <= 3000, `disconnected after ${took} ms`);
  assert.ok(c.responses().every((r) => r.status >= 400), 'no successful answer to half a head');
  c.destroy();
});

test('a handler that throws gets a 500 and the worker keeps serving', async () => {
  const [before] = await once(main.port, get('/pid'));
  const [thrown] = await once(main.port, get('/throw'));
  assert.equal(thrown.status, 500);
  const [rejected] = await once(main.port, get('/reject'));
  assert.equal(rejected.status, 500);
  // the 500 closes its connection (a request the app failed is not followed by more on it); a
  // request pipelined after it is left unanswered, and the next connection is served as usual
  const c = new RawConn(main.port);
  await c.connected;
  await c.send(get('/throw') + get('/hello'));
  await c.waitClosed(3000);
  assert.deepEqual(c.responses().map((r) => r.status), [500]);
  assert.match(c.responses()[0].header('connection') ?? '', /close/i);
  c.destroy();
  const [hello] = await once(main.port, get('/hello'));
  assert.equal(hello.body.toString(), 'hello world');
  const [afterRes] = await once(main.port, get('/pid'));
  assert.equal(afterRes.body.toString(), before.body.toString(), 'the same worker still serves');
  assert.match(main.h.stderr(), /thrown on purpose/, 'the error is logged');
});

async function abortedCount(port) {
  const [res] = await once(port, get('/aborted'));
  return JSON.parse(res.body);
}

for (const how of ['reset (RST)', 'close (FIN)']) {
  test(`a client disconnect by ${how} during a slow response fires req.onAbort`, async () => {
    const start = await abortedCount(main.port);
    const c = new RawConn(main.port);
    await c.connected;
    await c.send(get('/hang?ms=4000'));
    await waitFor(async () => (await abortedCount(main.port)).hung > start.hung, 2000, 'the /hang request to reach the app', 20);
    if (how.startsWith('reset')) c.sock.resetAndDestroy();
    else c.sock.destroy();
    await waitFor(async () => (await abortedCount(main.port)).aborted > start.aborted, 2000,
      `onAbort after the client ${how === 'close (FIN)' ? 'closed' : 'reset'} the connection (the response was due 4 s later)`, 50);
  });
}

test('--worker-connections 2: a third connection waits in the backlog until one closes', async () => {
  const a = new RawConn(capped.port);
  await a.connected;
  await a.send(get('/hello'));
  await a.waitResponses(1);
  const b = new RawConn(capped.port);
  await b.connected;
  await b.send(get('/hello'));
  await b.waitResponses(1);
  const c = new RawConn(capped.port);
  await c.connected; // the kernel completes the handshake: it waits in the listen backlog
  await c.send(get('/third'));
  await sleep(600);
  assert.equal(c.responses().length, 0, 'the third connection is not served while two are open');
  assert.equal(c.closed, false, 'and it is not refused either');
  a.destroy();
  b.destroy();
  const [res] = await c.waitResponses(1, 3000);
  assert.equal(res.body.toString(), 'GET /third');
  c.destroy();
});

test('the Date header is present and well-formed (IMF-fixdate, current)', async () => {
  const [res] = await once(main.port, get('/hello'));
  const date = res.header('date');
  assert.match(date ?? '', /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/);
  assert.ok(Math.abs(Date.parse(date) - Date.now()) < 3000, `Date ${date} is current`);
  assert.equal(res.headers.filter(([n]) => n.toLowerCase() === 'date').length, 1, 'exactly one Date');
});

test('TERM with an in-flight slow request (native interface): the request completes, exit 0', async () => {
  const { h, port } = await serve([]);
  const c = new RawConn(port);
  await c.connected;
  await c.send(get('/slow?ms=1000&id=last'));
  await sleep(250);
  h.kill('SIGTERM');
  const [res] = await c.waitResponses(1, 5000);
  assert.equal(res.status, 200);
  assert.equal(res.body.toString(), 'slow last');
  assert.match(res.header('connection') ?? '', /close/i, 'an answer during a graceful stop says Connection: close');
  const info = await h.waitExit(10000);
  assert.equal(info.code, 0, `exit code ${info.code}; stderr:\n${h.tail()}`);
  c.destroy();
  await h.stop();
});

test('sanity: node:http client against the engine (helpers.request)', async () => {
  const res = await request({ port: main.port, path: '/echo', method: 'POST', body: 'abc' });
  assert.equal(res.status, 200);
  assert.equal(JSON.parse(res.body).body, 'abc');
});
