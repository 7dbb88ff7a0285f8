// The addon's system calls and their failure paths, called directly: every error reaches
// JavaScript as an Error with code/syscall, never a crash.
import { test, describe } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ROOT, sleep } from './helpers.mjs';

const require = createRequire(import.meta.url);
const addon = require('node-gyp-build')(ROOT);

function tmpdir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tusk-native-'));
}

async function waitExit(pid, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const status = addon.reap(pid);
    if (status) return status;
    if (Date.now() > end) throw new Error(`pid ${pid} did not exit`);
    await sleep(20);
  }
}

function fdFlags(fd) {
  // /proc/self/fdinfo shows the close-on-exec bit as 02000000 in "flags" (octal).
  const info = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
  return parseInt(/flags:\s+(\d+)/.exec(info)[1], 8);
}

describe('listen', () => {
  test('TCP listener is non-blocking, close-on-exec, and reports its port', () => {
    const l = addon.listenTcp('127.0.0.1', 0, 16, false);
    try {
      assert.equal(l.family, 'IPv4');
      assert.equal(l.address, '127.0.0.1');
      assert.ok(l.port > 0);
      const flags = fdFlags(l.fd);
      assert.ok(flags & 0o2000000, 'O_CLOEXEC');
      assert.ok(flags & 0o4000, 'O_NONBLOCK');
    } finally {
      addon.closeFd(l.fd);
    }
  });

  test('a busy address fails with EADDRINUSE naming the address', () => {
    const l = addon.listenTcp('127.0.0.1', 0, 16, false);
    try {
      assert.throws(() => addon.listenTcp('127.0.0.1', l.port, 16, false), (err) => {
        assert.equal(err.code, 'EADDRINUSE');
        assert.equal(err.syscall, 'bind');
        assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${l.port}`));
        return true;
      });
    } finally {
      addon.closeFd(l.fd);
    }
  });

  test('an unresolvable host fails with ENOTFOUND', () => {
    assert.throws(() => addon.listenTcp('no-such-host.invalid', 0, 16, false), { code: 'ENOTFOUND' });
  });

  test('unix: a too-long path and a non-socket file are refused', () => {
    const dir = tmpdir();
    assert.throws(() => addon.listenUnix(path.join(dir, 'x'.repeat(200)), 16), { code: 'ENAMETOOLONG' });
    const file = path.join(dir, 'regular');
    fs.writeFileSync(file, 'keep me');
    assert.throws(() => addon.listenUnix(file, 16), { code: 'EEXIST' });
    assert.equal(fs.readFileSync(file, 'utf8'), 'keep me');
    assert.throws(() => addon.listenUnix(path.join(dir, 'missing-dir', 's.sock'), 16), { code: 'ENOENT' });
  });

  test('adoptListener refuses a regular file, a bad fd and a non-listening socket', async () => {
    const fd = fs.openSync(__filenameOf(import.meta.url), 'r');
    try {
      assert.throws(() => addon.adoptListener(fd), { code: 'ENOTSOCK' });
    } finally {
      fs.closeSync(fd);
    }
    assert.throws(() => addon.adoptListener(987654), { code: 'EBADF' });
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const client = net.connect(server.address().port, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    try {
      assert.throws(() => addon.adoptListener(client._handle.fd), { code: 'EINVAL' });
      const adopted = addon.adoptListener(server._handle.fd);
      assert.equal(adopted.port, server.address().port);
    } finally {
      client.destroy();
      server.close();
    }
  });

  test('closeFd of a closed descriptor fails with EBADF', () => {
    assert.throws(() => addon.closeFd(987654), { code: 'EBADF', syscall: 'close' });
  });

  test('wrong argument types are TypeErrors, not crashes', () => {
    assert.throws(() => addon.listenTcp(), TypeError);
    assert.throws(() => addon.listenUnix(1, 2), TypeError);
    assert.throws(() => addon.spawn({ file: 1 }), TypeError);
    assert.throws(() => addon.reap('x'), TypeError);
    assert.throws(() => addon.reap(0), TypeError);
    assert.throws(() => new addon.Acceptor('x', () => {}), TypeError);
  });
});

function __filenameOf(url) {
  return new URL(url).pathname;
}

describe('spawn and reap', () => {
  test('places fds at 3.., keeps stdio, closes everything else, resets SIGPIPE', async () => {
    const dir = tmpdir();
    const out = path.join(dir, 'out');
    const a = fs.openSync(path.join(dir, 'a'), 'w');
    const b = fs.openSync(path.join(dir, 'b'), 'w');
    const stray = fs.openSync(path.join(dir, 'stray'), 'w'); // not close-on-exec: must still not leak
    try {
      const script = `ls /proc/self/fd > ${out}; readlink /proc/self/fd/3 /proc/self/fd/4 >> ${out}; grep SigIgn /proc/self/status >> ${out}`;
      const pid = addon.spawn({ file: '/bin/sh', args: ['sh', '-c', script], env: ['PATH=/usr/bin:/bin'], fds: [b, a], deathSignal: 0 });
      const status = await waitExit(pid);
      assert.deepEqual(status, { pid, code: 0, signal: null });
      const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
      const fds = lines.filter((l) => /^\d+$/.test(l)).map(Number);
      // 0-2, the two placed fds, and the one `ls` itself opens for /proc/self/fd
      assert.deepEqual(fds.filter((fd) => fd <= 4), [0, 1, 2, 3, 4]);
      assert.ok(fds.length <= 6, `no stray descriptors: ${fds}`);
      assert.ok(lines.includes(path.join(dir, 'b')) && lines.indexOf(path.join(dir, 'b')) < lines.indexOf(path.join(dir, 'a')));
      const ignored = BigInt('0x' + lines.find((l) => l.startsWith('SigIgn')).split(/\s+/)[1]);
      assert.equal(ignored & (1n << 12n), 0n, 'SIGPIPE not ignored in the child');
    } finally {
      fs.closeSync(a);
      fs.closeSync(b);
      fs.closeSync(stray);
    }
  });

  test('an exec failure is reported synchronously with the errno', () => {
    assert.throws(
      () => addon.spawn({ file: '/no/such/node', args: ['x'], env: [], fds: [], deathSignal: 0 }),
      (err) => err.code === 'ENOENT' && err.syscall === 'execve',
    );
  });

  test('a bad fd to place is reported, not ignored', () => {
    assert.throws(() => addon.spawn({ file: '/bin/true', args: ['true'], env: [], fds: [987654], deathSignal: 0 }), { code: 'EBADF' });
  });

  test('reap reports exit codes and signals, null while running, ECHILD for strangers', async () => {
    const pid = addon.spawn({ file: '/bin/sh', args: ['sh', '-c', 'sleep 5'], env: [], fds: [], deathSignal: 0 });
    assert.equal(addon.reap(pid), null);
    process.kill(pid, 'SIGKILL');
    assert.deepEqual(await waitExit(pid), { pid, code: null, signal: 9 });
    const code = addon.spawn({ file: '/bin/sh', args: ['sh', '-c', 'exit 7'], env: [], fds: [], deathSignal: 0 });
    assert.deepEqual(await waitExit(code), { pid: code, code: 7, signal: null });
    assert.throws(() => addon.reap(1), { code: 'ECHILD' });
  });
});

describe('heartbeat', () => {
  test('an unlinked file whose ctime changes on notify and whose mode carries bits', async () => {
    const dir = tmpdir();
    const fd = addon.heartbeatCreate(dir);
    try {
      assert.deepEqual(fs.readdirSync(dir), [], 'the file has no name');
      const [s0, n0, mode0] = addon.heartbeatCheck(fd);
      assert.equal(mode0, 0o600);
      await sleep(5);
      addon.heartbeatNotify(fd, 0o701);
      const [s1, n1, mode1] = addon.heartbeatCheck(fd);
      assert.equal(mode1, 0o701);
      assert.ok(s1 > s0 || n1 !== n0, 'ctime changed');
    } finally {
      addon.closeFd(fd);
    }
  });

  test('errors: a missing directory, a closed fd', () => {
    assert.throws(() => addon.heartbeatCreate('/no/such/dir'), { code: 'ENOENT' });
    assert.throws(() => addon.heartbeatNotify(987654, 0o600), { code: 'EBADF', syscall: 'fchmod' });
    assert.throws(() => addon.heartbeatCheck(987654), { code: 'EBADF', syscall: 'fstat' });
  });
});

describe('acceptor', () => {
  test('accepts on a listener and hands over non-blocking, close-on-exec fds', async () => {
    const l = addon.listenTcp('127.0.0.1', 0, 16, false);
    const got = [];
    const acceptor = new addon.Acceptor([l.fd], (fds) => got.push(...fds));
    acceptor.start();
    // Listeners use TCP_DEFER_ACCEPT: a connection is accepted once its first bytes arrive (or
    // after about a second), so each client sends one as an HTTP client would.
    const dial = () => net.connect(l.port, '127.0.0.1', function () { this.write('G'); });
    const clients = [0, 1, 2].map(dial);
    try {
      for (let i = 0; i < 300 && got.length < 3; i++) await sleep(10);
      assert.equal(got.length, 3);
      for (const fd of got) {
        const flags = fdFlags(fd);
        assert.ok(flags & 0o2000000 && flags & 0o4000);
      }
      acceptor.pause();
      const late = dial();
      await sleep(100);
      assert.equal(got.length, 3, 'paused: nothing accepted');
      acceptor.start();
      for (let i = 0; i < 300 && got.length < 4; i++) await sleep(10);
      assert.equal(got.length, 4, 'resumed: the queued connection is accepted');
      late.destroy();
    } finally {
      acceptor.close();
      for (const c of clients) c.destroy();
      for (const fd of got) addon.closeFd(fd);
      addon.closeFd(l.fd);
    }
  });

  test('an exception in the callback reaches uncaughtException', () => {
    // In a child process: the test runner would otherwise catch the exception itself.
    const script = `
      const addon = require('node-gyp-build')(${JSON.stringify(ROOT)});
      const l = addon.listenTcp('127.0.0.1', 0, 16, false);
      process.on('uncaughtException', (err) => { console.log('caught:' + err.message); process.exit(0); });
      new addon.Acceptor([l.fd], () => { throw new Error('from-the-callback'); }).start();
      require('net').connect(l.port, '127.0.0.1');
      setTimeout(() => process.exit(3), 3000);`;
    const run = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 10000 });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), 'caught:from-the-callback');
  });

  test('an invalid fd is refused at construction', () => {
    assert.throws(() => new addon.Acceptor([-1], () => {}), { syscall: 'uv_poll_init' });
  });
});
