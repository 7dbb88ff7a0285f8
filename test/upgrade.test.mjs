// Binary upgrade (USR2), WINCH and rollback, under keep-alive load: a new master on the inherited
// sockets (TCP and unix), the pidfile and PIDFILE.oldbin, TERM to the old master completing the
// upgrade, HUP to it and TERM to the new one rolling back; a second USR2 refused.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { startTusk, request, fixture, waitFor, sleep, cleanupAll, mkTmp, isAlive, childPids, ROOT, CLI } from './helpers.mjs';
import { keepAliveLoad } from './keepalive-client.mjs';

after(cleanupAll);

const APP = fixture('plain.mjs');
const hasScript = spawnSync('script', ['--version']).status === 0;

async function serve(t, extra = [], app = [APP]) {
  const dir = mkTmp('tusk-upgrade-');
  const pidfile = path.join(dir, 'tusk.pid');
  const sock = path.join(dir, 'tusk.sock');
  const srv = startTusk(['-b', '127.0.0.1:0', '-b', `unix:${sock}`, '-w', '2', '-p', pidfile, '--keep-alive', '2', '--graceful-timeout', '10', ...extra, ...app]);
  t.after(() => srv.stop());
  const { port } = await srv.waitForReady(2, 15000, 2);
  return { srv, port, pidfile, sock };
}

/** The pid of the new master: the master pid of the second pair of `Listening at` lines. */
async function newMaster(srv) {
  await srv.waitForLine(/Started a new master \(pid: (\d+)\)/);
  const pid = Number(srv.matches(/Started a new master \(pid: (\d+)\)/)[0].m[1]);
  await waitFor(() => srv.addresses().some((a) => a.masterPid === pid), 15000, 'the new master to listen');
  return pid;
}

/** Waits until `n` workers of master `pid` say they are ready (by their parent in /proc). */
async function readyWorkers(srv, pid, n) {
  await waitFor(() => srv.readyPids().filter((w) => childPids(pid).includes(w)).length >= n, 20000, `${n} ready workers of master ${pid}`);
  return childPids(pid);
}

const readPid = (file) => Number(fs.readFileSync(file, 'utf8').trim());

function assertNoLoss(stats, what) {
  assert.ok(stats.ok > 0, `${what}: no request succeeded`);
  assert.equal(stats.failed, 0, `${what}: ${stats.failed} failed of ${stats.ok + stats.failed}: ${stats.errors.join('; ')}`);
}

async function servedBy(port, sock) {
  const tcp = await request({ port, path: '/pid' });
  const unix = await request({ socketPath: sock, path: '/pid' });
  assert.equal(tcp.status, 200);
  assert.equal(unix.status, 200);
  return [tcp, unix].map((r) => Number(/\d+/.exec(r.body)[0]));
}

describe('binary upgrade', { concurrency: false }, () => {
  const INTERFACES = [
    { name: 'node', app: [APP] },
    { name: 'native', app: ['--interface', 'native', fixture('hello-native.mjs')] },
  ];
  for (const { name, app } of INTERFACES) test(`${name}: USR2, WINCH, TERM to the old master: zero failed requests, the new master serves`, { timeout: 90000 }, async (t) => {
    const { srv, port, pidfile, sock } = await serve(t, [], app);
    const oldPid = srv.pid;
    const oldWorkers = srv.workers();
    const pids = new Set();
    const load = keepAliveLoad({ port, connections: 20, onResponse: (_s, _h, body) => pids.add(Number(/\d+/.exec(body.toString())?.[0])) });
    await sleep(300);

    srv.kill('SIGUSR2');
    const pid = await newMaster(srv);
    assert.notEqual(pid, oldPid);
    const newWorkers = await readyWorkers(srv, pid, 2);
    assert.equal(newWorkers.length, 2);
    assert.equal(readPid(pidfile), pid, 'PIDFILE names the new master');
    assert.equal(readPid(`${pidfile}.oldbin`), oldPid, 'PIDFILE.oldbin names the old master');
    await sleep(500); // both generations serve

    srv.kill('SIGWINCH');
    await srv.waitForLine(/Graceful stop of workers/);
    await waitFor(() => oldWorkers.every((w) => !isAlive(w)), 15000, 'the old workers to exit');
    assert.ok(isAlive(oldPid), 'WINCH keeps the old master');
    assert.deepEqual(childPids(oldPid).filter((p) => p !== pid), [], 'the old master starts no worker after WINCH');
    await sleep(300);

    srv.kill('SIGTERM');
    const { code } = await srv.waitExit(15000);
    assert.equal(code, 0);
    await sleep(500);
    const stats = await load.stop();
    assertNoLoss(stats, 'through USR2, WINCH and TERM of the old master');
    t.diagnostic(`${stats.ok} requests on ${stats.connects} connections, 0 failed`);
    assert.ok(newWorkers.some((w) => pids.has(w)), 'the new workers served the load');

    assert.ok(isAlive(pid), 'the new master outlives the old one');
    assert.ok(fs.existsSync(sock), 'the old master left the unix socket the new master serves on');
    const [a, b] = await servedBy(port, sock);
    assert.ok(newWorkers.includes(a) && newWorkers.includes(b), `served by ${a}, ${b}; new workers ${newWorkers}`);
    assert.equal(readPid(pidfile), pid);
    assert.ok(!fs.existsSync(`${pidfile}.oldbin`), 'the old master removed PIDFILE.oldbin');
    await srv.waitForLine(/Master has been promoted/);

    // The promoted master can be upgraded again, and stops like any master.
    process.kill(pid, 'SIGTERM');
    await waitFor(() => !isAlive(pid), 15000, 'the new master to stop');
    assert.ok(!fs.existsSync(sock), 'the last master removes its unix socket');
    assert.ok(!fs.existsSync(pidfile), 'the last master removes its pidfile');
  });

  test('USR2, then HUP to the old master and TERM to the new one: rollback with zero failed requests', { timeout: 90000 }, async (t) => {
    const { srv, port, pidfile, sock } = await serve(t);
    const oldPid = srv.pid;
    const load = keepAliveLoad({ port, connections: 20 });
    await sleep(300);

    srv.kill('SIGUSR2');
    const pid = await newMaster(srv);
    await readyWorkers(srv, pid, 2);
    srv.kill('SIGWINCH');
    await waitFor(() => childPids(oldPid).filter((p) => p !== pid).length === 0, 15000, 'the old workers to exit');

    // Second thoughts: the old master's workers come back, the new master goes.
    srv.kill('SIGHUP');
    await srv.waitForLine(/Reload complete/, 20000);
    const restored = childPids(oldPid).filter((p) => p !== pid);
    assert.equal(restored.length, 2, 'HUP brings the old master\'s workers back');
    process.kill(pid, 'SIGTERM');
    await srv.waitForLine(/New master \(pid: \d+\) exited with code 0/, 20000);
    await sleep(300);
    const stats = await load.stop();
    assertNoLoss(stats, 'through USR2, WINCH, HUP of the old master and TERM of the new one');
    t.diagnostic(`${stats.ok} requests on ${stats.connects} connections, 0 failed`);

    assert.ok(srv.alive(), 'the old master serves on');
    assert.ok(fs.existsSync(sock), 'the new master left the unix socket in place');
    const [a, b] = await servedBy(port, sock);
    assert.ok(restored.includes(a) && restored.includes(b), `served by ${a}, ${b}; old master's workers ${restored}`);
    assert.equal(readPid(pidfile), oldPid, 'PIDFILE names the old master again');
    assert.ok(!fs.existsSync(`${pidfile}.oldbin`));
  });

  test('a second USR2 while a new master runs is refused, and so is USR2 to the new master', { timeout: 60000 }, async (t) => {
    const { srv } = await serve(t);
    srv.kill('SIGUSR2');
    const pid = await newMaster(srv);
    srv.kill('SIGUSR2');
    await srv.waitForLine(/USR2 signal ignored\. Child exists\./);
    process.kill(pid, 'SIGUSR2');
    await srv.waitForLine(/USR2 signal ignored\. Parent exists\./);
    assert.equal(srv.count(/Started a new master/), 1);
  });

  test('a new master that cannot load the app leaves the old one serving', { timeout: 60000 }, async (t) => {
    const dir = mkTmp('tusk-upgrade-app-');
    const app = path.join(dir, 'app.mjs');
    fs.copyFileSync(APP, app);
    const srv = startTusk(['-b', '127.0.0.1:0', '-w', '1', app]);
    t.after(() => srv.stop());
    const { port } = await srv.waitForReady(1);
    fs.writeFileSync(app, 'throw new Error("broken release");\n');
    srv.kill('SIGUSR2');
    await srv.waitForLine(/New master \(pid: \d+\) exited with code 4/, 30000);
    assert.match(srv.stderr(), /broken release/);
    const r = await request({ port, path: '/' });
    assert.equal(r.status, 200);
    assert.ok(srv.alive());
  });
});

describe('a new master that cannot start', () => {
  test('USR2 when the directory the master was started in is gone: logged, PIDFILE kept, still serving', { timeout: 60000 }, async (t) => {
    const start = mkTmp('tusk-upgrade-cwd-');
    const pidfile = path.join(mkTmp('tusk-upgrade-pid-'), 'tusk.pid');
    const srv = startTusk(['-b', '127.0.0.1:0', '-w', '1', '-p', pidfile, APP], { cwd: start });
    t.after(() => srv.stop());
    const { port } = await srv.waitForReady(1);
    fs.rmSync(start, { recursive: true });
    srv.kill('SIGUSR2');
    await srv.waitForLine(/Cannot start a new master: chdir failed/);
    assert.equal(readPid(pidfile), srv.pid, 'PIDFILE still names the master');
    assert.ok(!fs.existsSync(`${pidfile}.oldbin`));
    assert.equal((await request({ port, path: '/' })).status, 200);
    // It was refused, not half-done: the next USR2 is not "Child exists".
    srv.kill('SIGUSR2');
    await srv.waitForLine(/Cannot start a new master/, 10000, 2);
    assert.equal(srv.count(/Child exists/), 0);
  });
});

describe('binary upgrade with --chdir', () => {
  test('the new master starts where the old one was started, so relative paths mean the same', { timeout: 60000 }, async (t) => {
    const srv = startTusk(['-b', '127.0.0.1:0', '-w', '1', '--chdir', 'test/fixtures', 'plain.mjs'], { cwd: ROOT });
    t.after(() => srv.stop());
    const { port } = await srv.waitForReady(1);
    srv.kill('SIGUSR2');
    const pid = await newMaster(srv);
    const [worker] = await readyWorkers(srv, pid, 1);
    srv.kill('SIGTERM');
    await srv.waitExit(15000);
    const r = await request({ port, path: '/pid' });
    assert.equal(r.body, String(worker));
  });
});

describe('WINCH', () => {
  test('stops the workers, keeps the master and its socket; HUP brings workers back', { timeout: 60000 }, async (t) => {
    const { srv, port } = await serve(t);
    const workers = srv.workers();
    srv.kill('SIGWINCH');
    await waitFor(() => workers.every((w) => !isAlive(w)) && srv.workers().length === 0, 15000, 'workers to stop');
    await sleep(500);
    assert.equal(srv.workers().length, 0, 'no worker is started after WINCH');
    assert.ok(srv.alive());
    // The socket is still open: a request waits in the queue until workers are back.
    const pending = request({ port, path: '/', timeout: 20000 });
    await sleep(300);
    srv.kill('SIGHUP');
    const r = await pending;
    assert.equal(r.status, 200);
  });

  test('is ignored while the master is in the foreground of a terminal (which sends WINCH on every resize)', { timeout: 30000, skip: hasScript ? false : 'no script(1) here' }, async (t) => {
    // `script` runs tusk on a pseudo-terminal, in its foreground process group; the log goes to the terminal.
    const cmd = `exec ${process.execPath} ${CLI} -b 127.0.0.1:0 -w 1 --log-level debug ${APP}`;
    const srv = startTusk([], { command: 'script', commandArgs: ['-qfec', cmd, '/dev/null'] });
    t.after(() => srv.stop());
    const out = () => srv.stdout();
    const master = Number((await waitFor(() => /Listening at: \S+ \((\d+)\)/.exec(out()), 15000, 'tusk on a terminal'))[1]);
    await waitFor(() => /Worker ready/.test(out()), 15000, 'its worker');
    const workers = childPids(master);
    process.kill(master, 'SIGWINCH');
    await waitFor(() => /SIGWINCH ignored: in the foreground of a terminal/.test(out()), 5000, 'the debug line');
    await sleep(500);
    assert.deepEqual(childPids(master), workers, 'the worker serves on');
  });
});
