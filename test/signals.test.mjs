// Master signals and process bookkeeping: TERM (graceful), QUIT/INT (quick),
// SIGKILL of the master, pidfile, process titles.

import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import {
  startTusk, request, fixture, workerPids, isAlive, waitFor, sleep, cleanupAll, mkTmp, cmdline,
  procStat, ROOT,
} from './helpers.mjs';

after(cleanupAll);

const APP = fixture('plain.mjs');

async function serve(t, extra = [], n = 2, opts = {}) {
  const srv = startTusk(['-b', '127.0.0.1:0', ...extra, opts.app ?? APP], opts);
  t.after(() => srv.stop());
  const { port } = await srv.waitForReady(n);
  return { srv, port };
}

describe('master signals', () => {
  test('TERM: the in-flight slow request completes, master exits 0', { timeout: 30000 }, async (t) => {
    const { srv, port } = await serve(t, ['-w', '2']);
    const workers = workerPids(srv.pid);
    const slow = request({ port, path: '/slow?ms=1500', timeout: 10000 });
    slow.catch(() => {}); // awaited below
    await sleep(400); // let a worker pick it up
    const sentAt = Date.now();
    srv.kill('SIGTERM');

    const r = await slow;
    assert.equal(r.status, 200);
    assert.equal(r.body, 'slow 1500');

    const { code, signal } = await srv.waitExit(10000);
    assert.equal(signal, null);
    assert.equal(code, 0, `exit code; stderr:\n${srv.tail()}`);
    assert.ok(srv.exitAt - sentAt >= 900, `master exited ${srv.exitAt - sentAt} ms after TERM, before the request finished`);
    await srv.drained();
    assert.match(srv.stderr(), /Handling signal: term/i);
    assert.match(srv.stderr(), /Shutting down: Master/);
    await waitFor(() => workers.every((p) => !isAlive(p)), 2000, 'workers to be gone');
  });

  for (const sig of ['SIGQUIT', 'SIGINT']) {
    test(`${sig}: quick shutdown within 2 s even with a slow request in flight`, { timeout: 30000 }, async (t) => {
      const { srv, port } = await serve(t, ['-w', '2']);
      const workers = workerPids(srv.pid);
      const slow = request({ port, path: '/slow?ms=8000', timeout: 12000 }).catch((e) => e);
      await sleep(400);
      const sentAt = Date.now();
      srv.kill(sig);
      const { code, signal } = await srv.waitExit(5000);
      const took = srv.exitAt - sentAt;
      assert.ok(took <= 2000, `master took ${took} ms to exit after ${sig}`);
      assert.equal(signal, null, `master died of ${signal} instead of exiting`);
      assert.equal(code, 0, `exit code; stderr:\n${srv.tail()}`);
      await waitFor(() => workers.every((p) => !isAlive(p)), 2000, 'workers to be gone');
      const res = await slow;
      assert.ok(!(res && res.status === 200 && res.body === 'slow 8000'),
        'the 8 s request cannot have completed normally');
      await srv.drained();
      assert.match(srv.stderr(), new RegExp(`Handling signal: ${sig.slice(3).toLowerCase()}`, 'i'));
    });
  }

  test('SIGKILL of the master: its workers exit within 2 s', async (t) => {
    const { srv } = await serve(t, ['-w', '2']);
    const workers = workerPids(srv.pid);
    assert.equal(workers.length, 2);
    process.kill(srv.pid, 'SIGKILL'); // only the master, not the group
    await srv.waitExit(3000);
    const killedAt = Date.now();
    await waitFor(() => workers.every((p) => !isAlive(p)), 2250, 'orphaned workers to exit')
      .catch((err) => {
        const alive = workers.filter(isAlive).map((p) => `${p} ${JSON.stringify(procStat(p))}`);
        throw new Error(`${err.message}; still alive after ${Date.now() - killedAt} ms: ${alive}`);
      });
  });
});

describe('pidfile and process titles', () => {
  test('-p FILE holds the master pid and is removed after TERM', { timeout: 30000 }, async (t) => {
    const dir = mkTmp('tusk-pid-');
    const pidfile = path.join(dir, 'tusk.pid');
    const { srv, port } = await serve(t, ['-w', '1', '-p', pidfile], 1);
    assert.ok(fs.existsSync(pidfile), 'pidfile missing while running');
    assert.equal(fs.readFileSync(pidfile, 'utf8').trim(), String(srv.pid));
    const r = await request({ port, path: '/' });
    assert.equal(r.status, 200);
    srv.kill('SIGTERM');
    const { code } = await srv.waitExit(10000);
    assert.equal(code, 0);
    assert.ok(!fs.existsSync(pidfile), 'pidfile should be removed on clean exit');
  });

  test('process titles: tusk: master [NAME] / tusk: worker [NAME] with -n', async (t) => {
    const { srv } = await serve(t, ['-w', '2', '-n', 'titletest']);
    const workers = workerPids(srv.pid);
    assert.equal(workers.length, 2);
    const masterTitle = await waitFor(() => {
      const c = cmdline(srv.pid);
      return c.includes('tusk: master [titletest]') ? c : null;
    }, 3000, `master title (now ${JSON.stringify(cmdline(srv.pid))})`);
    assert.ok(masterTitle.startsWith('tusk: master [titletest]'), masterTitle);
    for (const w of workers) {
      const c = await waitFor(() => {
        const s = cmdline(w);
        return s.includes('tusk: worker [titletest]') ? s : null;
      }, 3000, `worker ${w} title (now ${JSON.stringify(cmdline(w))})`);
      assert.ok(c.startsWith('tusk: worker [titletest]'), c);
    }
  });

  test('process titles default to the APP argument', async (t) => {
    const rel = path.relative(ROOT, APP); // test/fixtures/plain.mjs
    const { srv } = await serve(t, ['-w', '1'], 1, { app: rel, cwd: ROOT });
    const [w] = workerPids(srv.pid);
    await waitFor(() => cmdline(srv.pid).includes(`tusk: master [${rel}]`), 3000,
      `master title [${rel}] (now ${JSON.stringify(cmdline(srv.pid))})`);
    await waitFor(() => cmdline(w).includes(`tusk: worker [${rel}]`), 3000,
      `worker title [${rel}] (now ${JSON.stringify(cmdline(w))})`);
  });
});

describe('signals a worker is not meant to act on', () => {
  test('HUP, TTIN, TTOU, TSTP, WINCH, PIPE and USR2 leave a worker running and serving; PIPE leaves the master', { timeout: 30000 }, async (t) => {
    const { srv, port } = await serve(t, ['-w', '1'], 1);
    const [worker] = workerPids(srv.pid);
    for (const sig of ['SIGHUP', 'SIGTTIN', 'SIGTTOU', 'SIGTSTP', 'SIGWINCH', 'SIGPIPE', 'SIGUSR2']) process.kill(worker, sig);
    process.kill(srv.pid, 'SIGPIPE');
    await sleep(500);
    const st = procStat(worker);
    assert.ok(st && st.state !== 'T' && st.state !== 'Z', `worker state ${st?.state}`);
    assert.deepEqual(workerPids(srv.pid), [worker], 'the same worker serves');
    const r = await request({ port, path: '/pid' });
    assert.equal(r.body, String(worker));
    assert.ok(srv.alive());
    assert.doesNotMatch(srv.stderr(), /was killed by signal|exited with code/);
  });
});
