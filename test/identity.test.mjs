// Worker identity (TUSK_WORKER_ID / NODE_APP_INSTANCE, stable slots a replacement inherits),
// -w auto, crash loops paced by a per-slot backoff, and boot_timeout.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';

import { startTusk, runTusk, request, fixture, waitFor, sleep, cleanupAll } from './helpers.mjs';

after(cleanupAll);

const APP = fixture('identity.mjs');

async function serve(t, args, { ready = 1, env = {} } = {}) {
  const srv = startTusk(['-b', '127.0.0.1:0', ...args], { env });
  t.after(() => srv.stop());
  const { port } = await srv.waitForReady(ready);
  return { srv, port };
}

/** Identity of every worker that answers `n` requests on fresh connections, by pid. */
async function identities(port, n = 40) {
  const byPid = new Map();
  for (let i = 0; i < n; i++) {
    const r = JSON.parse((await request({ port, path: '/' })).body);
    byPid.set(r.pid, r);
  }
  return byPid;
}

describe('worker identity', () => {
  test('each worker has a distinct slot 0..N-1 in TUSK_WORKER_ID and NODE_APP_INSTANCE; a replacement inherits it', async (t) => {
    const { srv, port } = await serve(t, ['-w', '3', APP], { ready: 3 });
    const before = await waitFor(async () => {
      const ids = await identities(port);
      return ids.size === 3 ? ids : null;
    }, 10000, 'answers from all three workers');
    const slots = [...before.values()].map((r) => r.id).sort();
    assert.deepEqual(slots, ['0', '1', '2']);
    for (const r of before.values()) assert.equal(r.instance, r.id);

    const victim = [...before.values()].find((r) => r.id === '1');
    process.kill(victim.pid, 'SIGKILL');
    await srv.waitForLine(/Worker ready/, 10000, 4);
    const after = await waitFor(async () => {
      const ids = await identities(port);
      return ids.size === 3 && !ids.has(victim.pid) ? ids : null;
    }, 10000, 'three workers without the victim');
    assert.deepEqual([...after.values()].map((r) => r.id).sort(), ['0', '1', '2']);
    const replacement = [...after.values()].find((r) => !before.has(r.pid));
    assert.equal(replacement.id, '1', 'the replacement takes the dead worker\'s slot');
  });

  test('NODE_APP_INSTANCE set by the user is left alone', async (t) => {
    const { port } = await serve(t, ['-w', '1', APP], { env: { NODE_APP_INSTANCE: 'mine' } });
    const r = JSON.parse((await request({ port, path: '/' })).body);
    assert.equal(r.instance, 'mine');
    assert.equal(r.id, '0');
  });

  test('a promoted spare takes the slot of the worker it replaces', async (t) => {
    const { srv, port } = await serve(t, ['-w', '2', '--spare-workers', '1', APP], { ready: 2 });
    await srv.waitForLine(/Spare ready/, 10000);
    const before = await waitFor(async () => {
      const ids = await identities(port);
      return ids.size === 2 ? ids : null;
    }, 10000, 'both workers');
    const victim = [...before.values()].find((r) => r.id === '0');
    process.kill(victim.pid, 'SIGKILL');
    await srv.waitForLine(/Spare promoted \(pid: \d+, slot 0\)/, 5000);
    const after = await waitFor(async () => {
      const ids = await identities(port);
      return ids.size === 2 && !ids.has(victim.pid) ? ids : null;
    }, 10000, 'the spare serving');
    assert.deepEqual([...after.values()].map((r) => r.id).sort(), ['0', '1']);
  });

  test('-w auto and -w max run one worker per usable CPU', async () => {
    const cpus = os.availableParallelism();
    for (const w of ['auto', 'max']) {
      const r = await runTusk(['-w', w, '--print-config', APP]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`workers\\s*=\\s*${cpus}\\b`));
    }
    const bad = await runTusk(['-w', 'lots', APP]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /workers: expected an integer from 1 to 4096, auto or max/);
  });
});

describe('crash loops and boot_timeout', () => {
  test('a worker that keeps crashing after it is ready is restarted with a backoff; the other slot keeps serving', { timeout: 30000 }, async (t) => {
    const { srv, port } = await serve(t, ['-w', '2', APP], { ready: 2, env: { CRASH_SLOT: '0' } });
    const t0 = Date.now();
    let served = 0;
    let failed = 0;
    while (Date.now() - t0 < 10000) {
      try {
        const r = await request({ port, path: '/', timeout: 2000 });
        if (r.status === 200) served++;
      } catch {
        failed++;
      }
      await sleep(50);
    }
    const boots = srv.matches(/Booting worker with pid: \d+ \(slot 0\)/).length;
    // Without a backoff slot 0 would boot ~30 times in 10 s; with it, 1 + immediate + 0.5, 1, 2, 4 s.
    t.diagnostic(`slot 0 booted ${boots} times in 10 s; ${served} served, ${failed} failed`);
    assert.ok(boots >= 3 && boots <= 8, `slot 0 booted ${boots} times in 10 s`);
    assert.equal(srv.matches(/Booting worker with pid: \d+ \(slot 1\)/).length, 1, 'slot 1 was never restarted');
    assert.ok(srv.count(/Slot 0 restarts in \d+\.\d s \(crash \d+ in a row/) >= 2, srv.tail());
    assert.ok(served > 100, `only ${served} requests served`);
    assert.ok(failed <= boots, `${failed} failed requests`);
    assert.ok(srv.alive());
  });

  test('a worker that is not ready within boot_timeout stops the server with a boot failure', { timeout: 20000 }, async (t) => {
    const srv = startTusk(['-b', '127.0.0.1:0', '--boot-timeout', '1', `${APP}:never()`]);
    t.after(() => srv.stop());
    const { code } = await srv.waitExit(15000);
    assert.equal(code, 3);
    assert.match(srv.stderr(), /not ready after boot_timeout \(1 s\)/);
    assert.match(srv.stderr(), /Worker failed to boot: not ready within boot_timeout/);
  });
});
