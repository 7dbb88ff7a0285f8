// The drop-in form: files that start their own server (app.listen(3000), fastify.listen(),
// http.createServer().listen(), @hono/node-server's serve(), NestJS), unchanged, run under
// `tusk -w 2 FILE` and are served on tusk's bind; WebSockets (ws, socket.io) work through them,
// across a reload; a second server on a port of its own is served by one worker only.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { io } from 'socket.io-client';

import { startTusk, request, fixture, waitFor, sleep, cleanupAll } from './helpers.mjs';
import { keepAliveLoad } from './keepalive-client.mjs';

after(cleanupAll);

const FORMS = ['express.cjs', 'koa.mjs', 'fastify.mjs', 'http.mjs', 'hono.mjs', 'nest.cjs', 'express-ws.mjs', 'socketio.mjs'];

async function serve(t, file, args = [], env = {}) {
  const srv = startTusk(['-b', '127.0.0.1:0', '-w', '2', '--graceful-timeout', '5', ...args, fixture(`listen/${file}`)], { env });
  t.after(() => srv.stop());
  const { port } = await srv.waitForReady(2, 20000);
  return { srv, port };
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

describe('files that call listen() themselves', { concurrency: false }, () => {
  for (const file of FORMS) {
    test(`${file}: served on tusk's bind by both workers; HUP under load loses nothing; a killed worker is replaced; TERM exits 0`, { timeout: 60000 }, async (t) => {
      const { srv, port } = await serve(t, file);
      const r = await request({ port, path: '/' });
      assert.equal(r.status, 200);
      assert.match(r.body, /^Hello World! from \d+$/);
      assert.equal(await canConnect(3000), false, 'the app must not bind the port it asked for');
      await waitFor(async () => {
        const pids = new Set();
        for (let i = 0; i < 20; i++) pids.add((await request({ port, path: '/' })).body);
        return pids.size === 2 || null;
      }, 10000, 'both workers to answer');

      const load = keepAliveLoad({ port, connections: 10 });
      await sleep(200);
      srv.kill('SIGHUP');
      await srv.waitForLine(/Reload complete/, 20000);
      await sleep(300);
      const stats = await load.stop();
      assert.equal(stats.failed, 0, `${stats.failed} failed through a HUP: ${stats.errors.join('; ')}`);
      assert.ok(stats.ok > 50);

      const [victim] = srv.workers();
      const ready = srv.readyPids().length;
      process.kill(victim, 'SIGKILL');
      await waitFor(() => srv.readyPids().length > ready, 15000, 'a replacement');
      assert.equal((await request({ port, path: '/' })).status, 200);

      srv.kill('SIGTERM');
      const { code } = await srv.waitExit(15000);
      assert.equal(code, 0, srv.tail());
    });
  }
});

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

describe('what the app sees', () => {
  test('the listen callback runs, server.address() names tusk\'s bind, PORT is tusk\'s port, the asked-for port is logged', async (t) => {
    const { srv, port } = await serve(t, 'express.cjs');
    const r = JSON.parse((await request({ port, path: '/address' })).body);
    assert.deepEqual(r.address, { address: '127.0.0.1', family: 'IPv4', port });
    assert.equal(r.listening, true);
    assert.equal(r.port, String(port));
    await waitFor(() => (srv.stdout().match(/Example app listening on port 3000/g) ?? []).length === 2, 5000, 'both callbacks');
    assert.equal(srv.count(/The app's server \(it asked for :3000\) is served on 127\.0\.0\.1:\d+/), 1);
  });

  test('an app that listens only after connecting to its database is served once it does', async (t) => {
    const { port } = await serve(t, 'late-listen.mjs');
    assert.equal((await request({ port, path: '/' })).status, 200);
  });

  test('a file that neither exports an app nor listens stops the server with a one-line error after boot_timeout', async (t) => {
    const srv = startTusk(['-b', '127.0.0.1:0', '--boot-timeout', '1', fixture('listen/never-listens.mjs')]);
    t.after(() => srv.stop());
    const { code } = await srv.waitExit(15000);
    assert.equal(code, 4);
    assert.match(srv.stderr(), /App failed to load: app: .*never-listens\.mjs neither exports an app nor called listen\(\) within boot_timeout \(1 s\); tusk serves .*listen\(\)/);
  });

  test('a second server on a port of its own is served by the worker of slot 0 only; workers never crash', { timeout: 30000 }, async (t) => {
    const metrics = await freePort();
    const { srv, port } = await serve(t, 'two-ports.mjs', [], { METRICS_PORT: String(metrics) });
    const answers = new Set();
    for (let i = 0; i < 20; i++) answers.add((await request({ port: metrics, path: '/' })).body);
    assert.equal(answers.size, 1, `metrics answered by ${[...answers]}`);
    const app = new Set();
    for (let i = 0; i < 30; i++) app.add((await request({ port, path: '/' })).body);
    assert.equal(app.size, 2);
    assert.equal(srv.count(new RegExp(`A second server listens on :${metrics} for real, in worker slot 0 only`)), 1);
    // A reload: the new slot-0 worker takes the port over once the old one lets it go.
    srv.kill('SIGHUP');
    await srv.waitForLine(/Reload complete/, 20000);
    await waitFor(async () => {
      try {
        const body = (await request({ port: metrics, path: '/' })).body;
        return !answers.has(body) || null;
      } catch {
        return null;
      }
    }, 15000, 'the new slot-0 worker to serve the metrics port');
    assert.equal(srv.count(/Worker \(pid: \d+\) (exited|was killed)/), 0, srv.tail());
  });
});

describe('WebSockets through the app\'s own server', () => {
  const wsOpen = (url) => new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
  const wsAsk = (ws, text) => new Promise((resolve, reject) => {
    ws.once('message', (m) => resolve(String(m)));
    ws.once('close', () => reject(new Error('closed')));
    ws.send(text);
  });

  for (const [file, path] of [['express-ws.mjs', '/'], ['ws-noserver.mjs', '/ws']]) {
    test(`${file}: messages flow; across a HUP old connections keep working until graceful_timeout and new ones reach the new generation`, { timeout: 40000 }, async (t) => {
      const { srv, port } = await serve(t, file, ['--graceful-timeout', '3']);
      const url = `ws://127.0.0.1:${port}${path}`;
      const old = await wsOpen(url);
      t.after(() => old.terminate());
      const [oldPid] = (await wsAsk(old, 'hello')).split(':');
      const before = srv.workers().map(String);
      assert.ok(before.includes(oldPid));
      srv.kill('SIGHUP');
      await srv.waitForLine(/Reload complete/, 20000);
      await sleep(500);
      assert.equal(await wsAsk(old, 'still there'), `${oldPid}: still there`);
      const fresh = await wsOpen(url);
      t.after(() => fresh.terminate());
      const [newPid] = (await wsAsk(fresh, 'new')).split(':');
      assert.ok(!before.includes(newPid), `a new connection went to ${newPid}, an old worker`);
      const closed = new Promise((resolve) => old.once('close', resolve));
      const t0 = Date.now();
      await closed;
      assert.ok(Date.now() - t0 < 5000);
      assert.equal(await wsAsk(fresh, 'after'), `${newPid}: after`);
    });
  }

  test('an app with its own SIGTERM shutdown closes its WebSockets at once on a graceful stop, not at graceful_timeout', { timeout: 40000 }, async (t) => {
    const marker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tusk-ws-')), 'shutdown');
    const { srv, port } = await serve(t, 'ws-shutdown.mjs', ['--graceful-timeout', '20'], { MARKER: marker });
    const ws = await wsOpen(`ws://127.0.0.1:${port}/`);
    t.after(() => ws.terminate());
    const [pid] = (await wsAsk(ws, 'hi')).split(':');
    const closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
    const t0 = Date.now();
    srv.kill('SIGHUP');
    assert.equal(await closed, 1001, 'the app closed the connection with its own close frame');
    assert.ok(Date.now() - t0 < 10000, `closed after ${Date.now() - t0} ms, graceful_timeout is 20 s`);
    await waitFor(() => fs.existsSync(marker) && fs.readFileSync(marker, 'utf8').includes(`${pid} 1`), 5000);
    await waitFor(() => !srv.workers().map(String).includes(pid), 10000);
  });

  for (const file of ['exported/express-ws.mjs', 'exported/koa-ws.cjs']) {
    test(`${file}: an exported app attaches ws to the server tusk builds, through onServer`, { timeout: 30000 }, async (t) => {
      const srv = startTusk(['-b', '127.0.0.1:0', '-w', '2', fixture(file)]);
      t.after(() => srv.stop());
      const { port } = await srv.waitForReady(2, 20000);
      assert.match((await request({ port })).body, /^Hello from \d+$/);
      const pids = new Set();
      for (let i = 0; i < 6; i++) {
        const ws = await wsOpen(`ws://127.0.0.1:${port}/`);
        t.after(() => ws.terminate());
        const [pid, text] = (await wsAsk(ws, `m${i}`)).split(': ');
        assert.equal(text, `m${i}`);
        pids.add(pid);
      }
      for (const pid of pids) assert.ok(srv.workers().map(String).includes(pid));
    });
  }

  test('WebSocket connections count toward worker_connections', { timeout: 30000 }, async (t) => {
    const srv = startTusk(['-b', '127.0.0.1:0', '-w', '1', '--worker-connections', '2', fixture('listen/express-ws.mjs')]);
    t.after(() => srv.stop());
    const { port } = await srv.waitForReady(1, 20000);
    const first = await wsOpen(`ws://127.0.0.1:${port}/`);
    t.after(() => first.terminate());
    const second = await wsOpen(`ws://127.0.0.1:${port}/`);
    t.after(() => second.terminate());
    await wsAsk(second, 'two');
    // The third connection waits in the listen backlog while two WebSockets hold the worker.
    const third = request({ port, timeout: 10000 });
    const early = await Promise.race([third.then(() => 'answered'), sleep(800).then(() => 'waiting')]);
    assert.equal(early, 'waiting', 'a third connection was served while two WebSockets were open');
    first.close();
    assert.equal((await third).status, 200);
  });

  test('socket.io (websocket transport) across two workers and a HUP', { timeout: 40000 }, async (t) => {
    const { srv, port } = await serve(t, 'socketio.mjs', ['--graceful-timeout', '3']);
    const connect = () => new Promise((resolve, reject) => {
      const s = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, forceNew: true });
      s.once('connect', () => resolve(s));
      s.once('connect_error', reject);
    });
    const clients = [];
    t.after(() => clients.forEach((c) => c.close()));
    const pids = new Set();
    for (let i = 0; i < 8; i++) {
      const c = await connect();
      clients.push(c);
      pids.add((await c.emitWithAck('echo', `m${i}`)).split(':')[0]);
    }
    assert.equal(pids.size, 2, 'both workers hold socket.io clients');
    srv.kill('SIGHUP');
    await srv.waitForLine(/Reload complete/, 20000);
    for (const c of clients) assert.match(await c.emitWithAck('echo', 'still'), /^\d+: still$/);
    const fresh = await connect();
    clients.push(fresh);
    const newPid = (await fresh.emitWithAck('echo', 'new')).split(':')[0];
    assert.ok(!pids.has(newPid));
  });
});
