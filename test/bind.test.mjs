// Binds: TCP v4, v6, unix sockets (fresh, stale, refused), fd://N, systemd
// socket activation (LISTEN_FDS), several binds, busy address.

import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import {
  startTusk, request, fixture, cleanupAll, mkTmp, hasIPv6Loopback, CLI,
} from './helpers.mjs';

after(cleanupAll);

const APP = fixture('plain.mjs');

/** A listening TCP server in this process, for its fd or to occupy a port. */
async function listeningServer(host = '127.0.0.1') {
  const server = net.createServer((c) => c.destroy());
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  return server;
}

describe('binds', () => {
  test('TCP v4 127.0.0.1:0 gets a real port and logs it', async (t) => {
    const srv = startTusk(['-w', '1', '-b', '127.0.0.1:0', APP]);
    t.after(() => srv.stop());
    const { addresses, port } = await srv.waitForReady(1);
    assert.equal(addresses.length, 1);
    assert.equal(addresses[0].kind, 'tcp');
    assert.equal(addresses[0].host, '127.0.0.1');
    assert.ok(port > 0 && port < 65536, `bad port ${port}`);
    assert.equal(addresses[0].masterPid, srv.pid, 'Listening line must carry the master pid');
    const r = await request({ port, path: '/' });
    assert.equal(r.status, 200);
    assert.match(r.body, /^hello from \d+$/);
  });

  test('TCP v6 [::1]:0', async (t) => {
    if (!(await hasIPv6Loopback())) {
      t.skip('no ::1 on this machine');
      return;
    }
    const srv = startTusk(['-w', '1', '-b', '[::1]:0', APP]);
    t.after(() => srv.stop());
    await srv.waitForReady(1);
    const line = (await srv.waitForLine(/Listening at: (\S+)/)).m[1];
    assert.match(line, /^http:\/\/\[::1\]:\d+$/);
    const port = Number(line.split(':').pop());
    assert.ok(port > 0);
    const r = await request({ host: '::1', port, path: '/' });
    assert.equal(r.status, 200);
    assert.match(r.body, /^hello from \d+$/);
  });

  test('unix:PATH', async (t) => {
    const dir = mkTmp('tusk-unix-');
    const sock = path.join(dir, 'tusk.sock');
    const srv = startTusk(['-w', '2', '-b', `unix:${sock}`, APP]);
    t.after(() => srv.stop());
    await srv.waitForReady(2);
    const { m } = await srv.waitForLine(/Listening at: (\S+)/);
    assert.equal(m[1], `unix:${sock}`);
    assert.ok(fs.statSync(sock).isSocket(), `${sock} is not a socket`);
    for (let i = 0; i < 3; i++) {
      const r = await request({ socketPath: sock, path: '/' });
      assert.equal(r.status, 200);
      assert.match(r.body, /^hello from \d+$/);
    }
    const e = await request({ socketPath: sock, path: '/echo', method: 'POST', body: { a: 1 } });
    assert.deepEqual(JSON.parse(e.body), { a: 1 });
  });

  test('unix:PATH replaces a stale socket file', async (t) => {
    const dir = mkTmp('tusk-unix-');
    const sock = path.join(dir, 'stale.sock');
    // leave a socket file behind: listen, then die without cleaning up
    spawnSync(process.execPath, ['-e',
      `require('net').createServer().listen(${JSON.stringify(sock)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ], { timeout: 10000 });
    assert.ok(fs.statSync(sock).isSocket(), 'precondition: stale socket file exists');
    // precondition: nobody listens on it (connecting is refused)
    const refused = await request({ socketPath: sock, path: '/', timeout: 2000 }).then(() => false, (e) => e.code);
    assert.equal(refused, 'ECONNREFUSED', 'precondition: the socket is stale');

    const srv = startTusk(['-w', '1', '-b', `unix:${sock}`, APP]);
    t.after(() => srv.stop());
    await srv.waitForReady(1);
    const r = await request({ socketPath: sock, path: '/' });
    assert.equal(r.status, 200);
    assert.match(r.body, /^hello from \d+$/);
    // (a stale socket file cannot be listened on again without unlinking it, so a
    // successful request proves it was replaced; inode numbers get reused on tmpfs)
    assert.ok(fs.statSync(sock).isSocket());
  });

  test('unix:PATH refuses to replace a regular file', async (t) => {
    const dir = mkTmp('tusk-unix-');
    const file = path.join(dir, 'not-a-socket');
    fs.writeFileSync(file, 'precious data\n');
    const srv = startTusk(['-w', '1', '-b', `unix:${file}`, APP]);
    t.after(() => srv.stop());
    const { code, signal } = await srv.waitExit(15000);
    assert.notEqual(code, 0, `expected a non-zero exit, got code=${code} signal=${signal}`);
    assert.equal(signal, null);
    await srv.drained();
    assert.ok(srv.stderr().includes(file), `stderr does not name ${file}:\n${srv.stderr()}`);
    assert.equal(srv.count(/Listening at:/), 0, 'must not claim to listen');
    assert.equal(fs.readFileSync(file, 'utf8'), 'precious data\n', 'the regular file must be left alone');
  });

  test('fd://3: an inherited listening socket', async (t) => {
    const server = await listeningServer();
    const { port } = server.address();
    const fd = server._handle.fd;
    assert.ok(Number.isInteger(fd) && fd > 2, `precondition: got fd ${fd}`);
    let srv;
    try {
      srv = startTusk(['-w', '2', '-b', 'fd://3', APP], { extraStdio: [fd] });
    } finally {
      server.close(); // the child has its own copy; this process must not accept on it
    }
    t.after(() => srv.stop());
    await srv.waitForReady(2);
    const { m } = await srv.waitForLine(/Listening at: (\S+)/);
    assert.equal(m[1], `http://127.0.0.1:${port}`, 'fd://3 should be logged as the address it listens on');
    for (let i = 0; i < 4; i++) {
      const r = await request({ port, path: '/' });
      assert.equal(r.status, 200);
      assert.match(r.body, /^hello from \d+$/);
    }
  });

  test('systemd socket activation (LISTEN_PID/LISTEN_FDS, no -b)', async (t) => {
    const server = await listeningServer();
    const { port } = server.address();
    const fd = server._handle.fd;
    let srv;
    try {
      srv = startTusk([], {
        command: '/bin/sh',
        commandArgs: ['-c', 'export LISTEN_PID=$$ LISTEN_FDS=1; exec "$0" "$@"',
          process.execPath, CLI, '-w', '1', APP],
        extraStdio: [fd],
      });
    } finally {
      server.close();
    }
    t.after(() => srv.stop());
    await srv.waitForReady(1);
    const addrs = srv.addresses();
    assert.equal(addrs.length, 1, `expected exactly one listener, got ${JSON.stringify(addrs)}`);
    assert.equal(addrs[0].raw, `http://127.0.0.1:${port}`);
    assert.equal(addrs[0].masterPid, srv.pid);
    const r = await request({ port, path: '/' });
    assert.equal(r.status, 200);
    assert.match(r.body, /^hello from \d+$/);
  });

  test('several -b at once: every address answers', async (t) => {
    const dir = mkTmp('tusk-multi-');
    const sock = path.join(dir, 'm.sock');
    const srv = startTusk(['-w', '2', '-b', '127.0.0.1:0', '-b', '127.0.0.1:0', '-b', `unix:${sock}`, APP]);
    t.after(() => srv.stop());
    const { ports, addresses } = await srv.waitForReady(2, 15000, 3);
    assert.equal(addresses.length, 3, JSON.stringify(addresses));
    assert.equal(ports.length, 2);
    assert.notEqual(ports[0], ports[1]);
    for (const port of ports) {
      const r = await request({ port, path: '/' });
      assert.equal(r.status, 200, `port ${port}`);
      assert.match(r.body, /^hello from \d+$/);
    }
    const u = await request({ socketPath: sock, path: '/' });
    assert.equal(u.status, 200);
  });

  test('busy address: gives up with a non-zero exit naming the address', { timeout: 30000 }, async (t) => {
    const blocker = await listeningServer();
    t.after(() => blocker.close());
    const { port } = blocker.address();
    const srv = startTusk(['-w', '1', '-b', `127.0.0.1:${port}`, APP]);
    t.after(() => srv.stop());
    const { code, signal } = await srv.waitExit(15000);
    assert.notEqual(code, 0, `expected a non-zero exit, got code=${code} signal=${signal}`);
    assert.equal(signal, null);
    await srv.drained();
    assert.match(srv.stderr(), new RegExp(`127\\.0\\.0\\.1:${port}`), 'stderr should name the address');
    assert.equal(srv.count(/Listening at:/), 0);
    assert.equal(srv.count(/Booting worker/), 0, 'no worker should boot without a socket');
  });
});
