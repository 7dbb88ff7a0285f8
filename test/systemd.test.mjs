// systemd notification (Type=notify): a unix datagram socket in NOTIFY_SOCKET receives READY=1 only
// once every worker is ready, RELOADING=1 (with MONOTONIC_USEC) then READY=1 around HUP,
// WATCHDOG=1 every WATCHDOG_USEC/2, STOPPING=1 on TERM, MAINPID across a binary upgrade; workers
// do not see the variables.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { startTusk, request, fixture, sleep, cleanupAll, mkTmp, waitFor, isAlive, childPids } from './helpers.mjs';
import { notifySocket } from './notify-socket.mjs';

after(cleanupAll);

async function serve(t, socketName, { args = [], env = {}, workers = 2 } = {}) {
  const manager = await notifySocket(socketName);
  t.after(() => manager.close());
  const srv = startTusk(['-b', '127.0.0.1:0', '-w', String(workers), ...args, fixture('slow-boot.mjs')], { env: { NOTIFY_SOCKET: socketName, ...env } });
  t.after(() => srv.stop());
  return { manager, srv };
}

describe('sd_notify', () => {
  test('READY=1 once every worker of the first generation is ready; STOPPING=1 on TERM', { timeout: 30000 }, async (t) => {
    const sock = path.join(mkTmp('tusk-notify-'), 'notify');
    const { manager, srv } = await serve(t, sock);
    const ready = await manager.waitFor('READY', 1);
    await srv.waitForReady(2);
    const lastWorker = srv.matches(/Worker ready \(pid: \d+\)/)[1];
    assert.ok(ready.at >= lastWorker.at - 50, `READY=1 came ${lastWorker.at - ready.at} ms before the second worker was ready`);
    assert.ok(ready.at - srv.startedAt >= 700, 'READY=1 waits for the app to load');
    assert.equal(ready.text, 'READY=1');
    await sleep(300);
    assert.equal(manager.with('READY').length, 1, 'READY=1 once');
    assert.equal(manager.with('STOPPING').length, 0);

    srv.kill('SIGTERM');
    await manager.waitFor('STOPPING', 1);
    const { code } = await srv.waitExit(10000);
    assert.equal(code, 0);
    assert.equal(manager.with('STOPPING').length, 1);
  });

  test('HUP: RELOADING=1 with MONOTONIC_USEC, then READY=1 once the new generation serves', { timeout: 30000 }, async (t) => {
    const { manager, srv } = await serve(t, `@tusk-notify-${process.pid}-${Date.now()}`);
    await manager.waitFor('READY', 1);
    const sentAt = process.hrtime.bigint() / 1000n;
    srv.kill('SIGHUP');
    const reloading = await manager.waitFor('RELOADING', 1);
    const usec = BigInt(reloading.fields.MONOTONIC_USEC);
    assert.ok(usec >= sentAt - 1000n && usec - sentAt < 5_000_000n, `MONOTONIC_USEC ${usec} is the monotonic clock (sent at ${sentAt})`);
    const ready = await manager.waitFor('READY', 1, 2);
    const complete = await srv.waitForLine(/Reload complete/);
    assert.ok(ready.at >= complete.at - 50, 'READY=1 after the reload is complete');
    assert.ok(ready.at - reloading.at >= 700, 'READY=1 waits for the new workers to load the app');
  });

  test('WATCHDOG=1 every WATCHDOG_USEC/2, and none when WATCHDOG_PID names another process', { timeout: 30000 }, async (t) => {
    const sock = path.join(mkTmp('tusk-notify-'), 'notify');
    const { manager, srv } = await serve(t, sock, { env: { WATCHDOG_USEC: 400000 }, workers: 1 });
    await srv.waitForReady(1);
    const from = manager.with('WATCHDOG').length;
    await sleep(2000);
    const pings = manager.with('WATCHDOG').slice(from);
    assert.ok(pings.length >= 6 && pings.length <= 14, `${pings.length} pings in 2 s at a 200 ms interval`);
    const gaps = pings.slice(1).map((p, i) => p.at - pings[i].at);
    assert.ok(Math.max(...gaps) < 400, `no gap reaches WATCHDOG_USEC: ${gaps}`);

    const other = path.join(mkTmp('tusk-notify-'), 'notify');
    const { manager: quiet, srv: srv2 } = await serve(t, other, { env: { WATCHDOG_USEC: 400000, WATCHDOG_PID: 1 }, workers: 1 });
    await quiet.waitFor('READY', 1);
    await sleep(1000);
    assert.equal(quiet.with('WATCHDOG').length, 0, 'WATCHDOG_PID is not the master: no pings');
    assert.ok(srv2.alive());
  });

  test('workers do not see NOTIFY_SOCKET or the watchdog variables', { timeout: 30000 }, async (t) => {
    const sock = path.join(mkTmp('tusk-notify-'), 'notify');
    const { srv } = await serve(t, sock, { env: { WATCHDOG_USEC: 10000000 }, workers: 1 });
    const { port } = await srv.waitForReady(1);
    const r = await request({ port, path: '/?vars=NOTIFY_SOCKET,WATCHDOG_USEC,WATCHDOG_PID' });
    assert.deepEqual(JSON.parse(r.body), { NOTIFY_SOCKET: null, WATCHDOG_USEC: null, WATCHDOG_PID: null });
  });

  for (const [what, socket] of [['a socket that does not exist', '/nonexistent/tusk-notify'], ['a relative name', 'notify']]) {
    test(`NOTIFY_SOCKET naming ${what}: one warning, and the server serves`, { timeout: 30000 }, async (t) => {
      const srv = startTusk(['-b', '127.0.0.1:0', '-w', '1', fixture('plain.mjs')], { env: { NOTIFY_SOCKET: socket, WATCHDOG_USEC: 100000 } });
      t.after(() => srv.stop());
      const { port } = await srv.waitForReady(1);
      await sleep(500); // watchdog pings fail too, every 50 ms
      assert.equal((await request({ port, path: '/' })).status, 200);
      assert.equal(srv.count(/Cannot notify the service manager/), 1, srv.tail());
      assert.match(srv.stderr(), socket === 'notify' ? /invalid argument/i : /no such file or directory/i);
    });
  }

  test('USR2: the new master sends MAINPID with READY=1; the old one hands over without STOPPING=1', { timeout: 60000 }, async (t) => {
    const sock = path.join(mkTmp('tusk-notify-'), 'notify');
    const { manager, srv } = await serve(t, sock, { workers: 1 });
    await manager.waitFor('READY', 1);
    srv.kill('SIGUSR2');
    const handover = await manager.waitFor('MAINPID', undefined, 1, 20000);
    const pid = Number(handover.fields.MAINPID);
    assert.notEqual(pid, srv.pid);
    assert.equal(handover.fields.READY, '1');
    assert.ok(childPids(srv.pid).includes(pid), 'MAINPID is the new master');
    srv.kill('SIGWINCH');
    srv.kill('SIGTERM');
    await srv.waitExit(15000);
    await sleep(300);
    assert.equal(manager.with('STOPPING').length, 0, 'the old master stops without saying the service stops');
    assert.ok(manager.with('MAINPID', pid).length >= 1);
    assert.ok(isAlive(pid));
    process.kill(pid, 'SIGTERM');
    await manager.waitFor('STOPPING', 1);
    await waitFor(() => !isAlive(pid), 15000, 'the new master to stop');
  });
});
