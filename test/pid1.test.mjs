// Running as PID 1 (a container's init): the master reaps the orphans the kernel hands it, and its
// own workers' exits are still its own (a killed worker is reported and replaced). The master runs
// in a new PID namespace (`unshare --pid --fork`); skipped where that is not permitted.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

import { startTusk, request, fixture, sleep, cleanupAll, waitFor, procStat, CLI } from './helpers.mjs';

after(cleanupAll);

const canUnshare = spawnSync('unshare', ['--pid', '--fork', 'true']).status === 0;

/** Children of `ppid` in /proc, zombies included: [{ pid, state }]. */
function children(ppid) {
  const out = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = procStat(name);
    if (st && st.ppid === ppid) out.push({ pid: Number(name), state: st.state });
  }
  return out;
}

/** The pid a process has inside its own PID namespace (the last NSpid field). */
function nsPid(pid) {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('NSpid:'));
  return Number(line.trim().split(/\s+/).at(-1));
}

describe('as PID 1', { skip: canUnshare ? false : 'unshare --pid is not permitted here' }, () => {
  test('orphans are reaped; a worker killed is still reported and replaced', { timeout: 60000 }, async (t) => {
    const srv = startTusk([], {
      command: 'unshare',
      commandArgs: ['--pid', '--fork', '--kill-child', process.execPath, CLI, '-b', '127.0.0.1:0', '-w', '1', fixture('orphans.mjs')],
    });
    t.after(() => srv.stop());
    const { port } = await srv.waitForReady(1);
    assert.equal(srv.addresses()[0].masterPid, 1, 'the master is PID 1 in its namespace');
    const master = await waitFor(() => children(srv.pid)[0]?.pid, 5000, 'the master under unshare');

    const r = await request({ port, path: '/orphans?n=5' });
    assert.equal(r.body, 'spawned 5');
    // Each sleep is the master's child now; it exits after 0.2 s.
    await waitFor(() => children(master).filter((c) => c.state !== 'Z').length === 1, 10000, 'the orphans to exit');
    await sleep(1000);
    const zombies = children(master).filter((c) => c.state === 'Z');
    assert.deepEqual(zombies, [], 'no orphan is left a zombie');

    const [worker] = children(master).map((c) => c.pid);
    const inside = nsPid(worker);
    process.kill(worker, 'SIGKILL');
    await srv.waitForLine(new RegExp(`Worker \\(pid: ${inside}\\) was killed by signal SIGKILL`), 10000);
    await srv.waitForLine(/Worker ready \(pid: \d+\)/, 15000, 2);
    const again = await request({ port, path: '/' });
    assert.equal(again.status, 200);
    assert.notEqual(Number(again.body), inside);
  });
});
