#!/usr/bin/env node
// bench/micro.mjs — `npm run bench:micro`: tinybench micro-benchmarks of tusk's per-connection and
// per-request hot pieces. Three groups: (1) the JavaScript side of accepting a connection for the
// node interface (an fd accepted by the addon's Acceptor, wrapped in net.Socket, handed to an
// http.Server); (2) a request's round trip through the native HTTP engine (parse, the C++ -> JS
// request() call, respond() serialisation, the write) next to the same through node:http, both
// in-process with 64 pipelined realistic requests per batch; (3) the engine's pieces alone through
// addon.bench (the parser on a realistic request, response head serialisation, the C++ -> JS call
// per request). Every number printed comes from a task that ran; nothing is estimated.
import net from 'node:net';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TIME_MS = Number(process.env.MICRO_TIME_MS ?? 1000);

const PIPELINE = 64;
const HELLO = 'Hello, World!';
/** A browser-like GET of about 500 bytes with 9 headers. */
const REQUEST =
  'GET /api/items?page=2&sort=desc HTTP/1.1\r\n' +
  'Host: 127.0.0.1\r\n' +
  'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\n' +
  'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n' +
  'Accept-Language: en-US,en;q=0.9\r\n' +
  'Accept-Encoding: gzip, deflate, br\r\n' +
  'Cookie: session=3f9a1c2e8b7d4f60a1b2c3d4e5f60718; theme=dark; consent=1\r\n' +
  'Referer: http://127.0.0.1/items\r\n' +
  'Cache-Control: no-cache\r\n' +
  'Connection: keep-alive\r\n' +
  '\r\n';

/** `p`, or a rejection after 5 s naming what did not happen (so that no task can hang). */
function withTimeout(p, what) {
  let t;
  return Promise.race([
    p,
    new Promise((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what} within 5 s`)), 5000);
    }),
  ]).finally(() => clearTimeout(t));
}

/** The addon through dist/native.js, or a string saying why it cannot be loaded. */
async function loadAddon() {
  const file = path.join(ROOT, 'dist', 'native.js');
  if (!fs.existsSync(file)) return 'dist/native.js not found: run `npm run build` first';
  try {
    return (await import(pathToFileURL(file).href)).addon;
  } catch (e) {
    return `the addon does not load (${String(e.message).split('\n')[0]}): run \`npm run build\``;
  }
}

/**
 * Accepted descriptors on demand: a listener made by the addon, watched by its Acceptor (the same
 * code path a tusk worker uses), and a client connection per descriptor. take() resolves to a
 * fresh accepted fd; the client end is kept until cleanup().
 */
function acceptedFds(addon) {
  const info = addon.listenTcp('127.0.0.1', 0, 511, false);
  const ready = [];
  const waiting = [];
  const clients = [];
  const acceptor = new addon.Acceptor([info.fd], (fds) => {
    for (const fd of fds) {
      const w = waiting.shift();
      if (w) w(fd);
      else ready.push(fd);
    }
  });
  acceptor.start();
  return {
    take() {
      // The client sends its request at once, as a browser does: tusk's listeners use
      // TCP_DEFER_ACCEPT, so a connection is only accepted once data has arrived.
      const c = net.connect(info.port, '127.0.0.1', () => c.write(REQUEST));
      c.on('error', () => {});
      clients.push(c);
      if (ready.length) return Promise.resolve(ready.shift());
      return withTimeout(new Promise((resolve) => waiting.push(resolve)), 'no connection accepted');
    },
    dropClients() {
      for (const c of clients.splice(0)) c.destroy();
    },
    cleanup() {
      this.dropClients();
      for (const fd of ready.splice(0)) addon.closeFd(fd);
      acceptor.close();
      addon.closeFd(info.fd);
    },
  };
}

/** A table row; `per` divides the figures (a batch of `per` requests -> per request). */
function fmt(task, per = 1) {
  const r = task.result;
  if (!r || r.state === 'errored' || !r.latency) return { task: task.name, error: String(r?.error ?? 'no result') };
  return {
    task: task.name,
    'mean µs': ((r.latency.mean * 1000) / per).toFixed(2),
    'p50 µs': ((r.latency.p50 * 1000) / per).toFixed(2),
    'p99 µs': ((r.latency.p99 * 1000) / per).toFixed(2),
    '±%': r.latency.rme.toFixed(1),
    samples: r.latency.samplesCount ?? r.latency.samples?.length ?? '',
  };
}

/**
 * A keep-alive client connection that sends PIPELINE copies of REQUEST in one write and resolves
 * when all PIPELINE hello-world responses have arrived.
 */
async function pipelinedClient(port) {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  sock.setNoDelay(true);
  const batch = REQUEST.repeat(PIPELINE);
  let want = 0;
  let carry = '';
  let done = null;
  sock.on('data', (d) => {
    const text = carry + d.toString('latin1');
    want -= text.split(HELLO).length - 1;
    carry = text.slice(-(HELLO.length - 1));
    if (want <= 0 && done) {
      const f = done;
      done = null;
      f();
    }
  });
  return {
    round() {
      return withTimeout(new Promise((resolve) => {
        want = PIPELINE;
        carry = '';
        done = resolve;
        sock.write(batch);
      }), `fewer than ${PIPELINE} responses`);
    },
    close: () => sock.destroy(),
  };
}

/** The native engine on a fresh listener, answering every request with the hello world. */
function startEngine(addon) {
  const info = addon.listenTcp('127.0.0.1', 0, 511, false);
  const headers = ['content-type', 'text/plain'];
  const engine = new addon.Engine([info.fd], {
    limitRequestLine: 8190, limitRequestFields: 100, limitRequestFieldSize: 8190, limitRequestBody: 0,
    keepaliveMs: 5000, headerTimeoutMs: 30000, maxConnections: 1000,
  }, {
    request: (id) => engine.respond(id, 200, headers, HELLO),
    body() {},
    drain() {},
    abort() {},
    idle() {},
  });
  engine.start();
  return { port: info.port, stop: () => { engine.pause(); engine.drain(); addon.closeFd(info.fd); } };
}

async function acceptSection(addon) {
  const src = acceptedFds(addon);
  let fd = -1;
  let sock = null;
  const server = http.createServer(() => {});
  // A fresh accepted descriptor before each iteration (not timed), its client end dropped after.
  const hooks = {
    beforeEach: async () => {
      fd = await src.take();
    },
    afterEach: () => {
      sock?.destroy();
      sock = null;
      src.dropClients();
    },
  };
  const bench = new Bench({ time: TIME_MS, warmupTime: Math.min(200, TIME_MS), throws: true });
  bench
    .add('close(fd) of an accepted connection (for scale)', () => {
      addon.closeFd(fd);
    }, hooks)
    .add('new net.Socket({ fd }) on an accepted fd', () => {
      sock = new net.Socket({ fd, readable: true, writable: true });
    }, hooks)
    .add("net.Socket({ fd }) + http.Server emit('connection') (NodeHost.adopt)", () => {
      sock = new net.Socket({ fd, readable: true, writable: true });
      server.emit('connection', sock);
    }, hooks);
  await bench.run();
  src.cleanup();
  server.close();
  console.log('1. Accepting a connection for the node interface (per connection):');
  console.table(bench.tasks.map((t) => fmt(t)));
  console.log('The socket tasks destroy their socket after the timing (destroy() closes the fd on a later loop turn).\n');
}

async function requestSection(addon) {
  console.log(`2. One request's round trip, ${PIPELINE} pipelined ${REQUEST.length}-byte GETs per batch on one connection,`);
  console.log('   client in the same process (figures are per request: batch time / ' + PIPELINE + '):');
  if (typeof addon.Engine !== 'function') {
    console.log('   not measured: this build of the addon has no Engine.\n');
    return;
  }
  let engine;
  try {
    engine = startEngine(addon);
  } catch (e) {
    console.log(`   not measured: the Engine could not be started (${e.message}); its API may have changed.\n`);
    return;
  }
  const node = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(HELLO);
  });
  await new Promise((resolve) => node.listen(0, '127.0.0.1', resolve));
  const viaEngine = await pipelinedClient(engine.port);
  const viaNode = await pipelinedClient(node.address().port);
  const bench = new Bench({ time: TIME_MS, warmupTime: Math.min(200, TIME_MS), throws: true });
  bench
    .add('native engine: parse + request() into JS + respond() + write', () => viaEngine.round())
    .add('node:http: parse + request event + writeHead/end', () => viaNode.round());
  await bench.run();
  viaEngine.close();
  viaNode.close();
  engine.stop();
  node.close();
  console.table(bench.tasks.map((t) => fmt(t, PIPELINE)));
  console.log('Both include the in-process client (one write and a few reads per batch) and loopback I/O.\n');
}

/** The engine's hot pieces alone, each run INNER times inside C++ per tinybench iteration. */
async function piecesSection(addon) {
  const INNER = 1000;
  console.log(`3. The engine's hot pieces alone (addon.bench.*, ${INNER} runs inside C++ per iteration; figures per run):`);
  if (!addon.bench) {
    console.log('   not measured: this build of the addon has no bench entry points.\n');
    return;
  }
  const request = Buffer.from(REQUEST);
  const headers = ['content-type', 'text/plain; charset=utf-8', 'cache-control', 'no-store', 'x-request-id', '3f9a1c2e8b7d'];
  const expected = addon.bench.parse(request, 1);
  if (expected !== request.length) throw new Error(`the parser read ${expected} of ${request.length} bytes`);
  const bench = new Bench({ time: TIME_MS, warmupTime: Math.min(200, TIME_MS), throws: true });
  let calls = 0;
  bench
    .add(`parse_head on a ${request.length}-byte browser GET (9 headers)`, () => {
      addon.bench.parse(request, INNER);
    })
    .add('response head: status line, Date, 3 headers, Content-Length', () => {
      addon.bench.head(200, headers, 13, INNER);
    })
    .add('C++ -> JS request(id, hasBody) call (MakeCallback, as the engine does)', () => {
      addon.bench.call(() => calls++, INNER);
    });
  await bench.run();
  if (calls === 0) throw new Error('the callback never ran');
  console.table(bench.tasks.map((t) => fmt(t, INNER)));
  console.log('');
}

const addon = await loadAddon();
console.log(`tusk micro-benchmarks (tinybench, ${TIME_MS} ms per task, Node ${process.version})\n`);
if (typeof addon === 'string') {
  console.log(`${addon}. Nothing measured.`);
} else {
  for (const section of [acceptSection, requestSection, piecesSection]) {
    try {
      await section(addon);
    } catch (e) {
      console.log(`   not measured: ${e.message}\n`);
    }
  }
}

// A section that failed half-way may leave a listener or a connection open: do not wait on it.
process.exit(0);
