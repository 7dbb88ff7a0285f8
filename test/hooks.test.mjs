// Server hooks (docs/hooks.md): every hook is called in the process where it runs, at its moment,
// with the documented arguments; an exception in a hook is logged with its name and is not fatal,
// except in on_starting, when_ready, post_fork and post_worker_init, which stop the server (exit 3);
// promises are awaited where the docs say so. The config fixture writes one JSON line per call
// (hook name, pid of the calling process, arguments) to $HOOKS_LOG.

import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { startTusk, runTusk, request, fixture, workerPids, waitFor, cleanupAll, mkTmp, parsePrintConfig } from './helpers.mjs';

after(cleanupAll);

const CONFIG = fixture('hooks/tusk.config.mjs');
const PLAIN = fixture('plain.mjs');

/** A log file, and a reader of its lines. */
function hookLog() {
  const file = path.join(mkTmp('tusk-hooks-'), 'hooks.jsonl');
  const read = () => {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return [];
    }
    return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  };
  return { file, read, calls: (name) => read().filter((c) => c.hook === name) };
}

/** Starts tusk with the hooks config; env: HOOKS_THROW, HOOKS_ASYNC, HOOKS_ONLY. */
function startWithHooks(t, args, env = {}) {
  const log = hookLog();
  const srv = startTusk(['-c', CONFIG, '-b', '127.0.0.1:0', ...args], { env: { HOOKS_LOG: log.file, ...env } });
  t.after(() => srv.stop());
  return { srv, log };
}

describe('server hooks', () => {
  test('master and worker hooks: the right process, the documented arguments, TTIN/TTOU, HUP, TERM', { timeout: 60000 }, async (t) => {
    const { srv, log } = startWithHooks(t, ['-w', '2', PLAIN]);
    const { port } = await srv.waitForReady(2);
    const master = srv.pid;
    const first = workerPids(master);
    assert.equal(first.length, 2);

    // on_starting, nworkers_changed(2, null), when_ready: in the master, before any worker.
    const [starting] = log.calls('on_starting');
    assert.equal(starting.pid, master);
    assert.deepEqual(
      { pid: starting.server.pid, app: starting.server.app, workers: starting.server.workers, numWorkers: starting.server.numWorkers, generation: starting.server.generation, log: starting.server.log },
      { pid: master, app: PLAIN, workers: [], numWorkers: 2, generation: 1, log: 'function' },
    );
    const order = log.read().filter((c) => c.pid === master).map((c) => c.hook);
    assert.deepEqual(order.slice(0, 5), ['import', 'on_starting', 'nworkers_changed', 'when_ready', 'pre_fork'], order.join(' '));
    const [initial] = log.calls('nworkers_changed');
    assert.deepEqual([initial.newValue, initial.oldValue], [2, null]);
    assert.equal(log.calls('when_ready')[0].pid, master);

    // pre_fork in the master (no pid yet); post_fork and post_worker_init in each worker.
    const preFork = log.calls('pre_fork');
    assert.equal(preFork.length, 2);
    for (const c of preFork) {
      assert.equal(c.pid, master);
      assert.equal(c.worker.pid, null);
      assert.equal(c.worker.generation, 1);
      assert.equal(c.worker.spare, false);
    }
    assert.deepEqual(preFork.map((c) => c.worker.slot).sort(), [0, 1]);
    assert.deepEqual(preFork.map((c) => c.worker.age).sort(), [1, 2]);
    const postFork = log.calls('post_fork');
    assert.deepEqual(postFork.map((c) => c.pid).sort(), [...first].sort());
    for (const c of postFork) {
      assert.equal(c.worker.pid, c.pid, 'worker.pid is the calling process');
      assert.equal(c.worker.ppid, master);
      assert.equal(c.server.pid, master);
      assert.equal(c.server.workersSetting, 2);
      assert.equal(c.worker.generation, 1);
      assert.equal(c.worker.ready, false);
      assert.equal(c.worker.log, 'function');
      const forked = preFork.find((p) => p.worker.age === c.worker.age);
      assert.equal(c.worker.slot, forked.worker.slot, 'the slot pre_fork announced');
    }
    const init = log.calls('post_worker_init');
    assert.deepEqual(init.map((c) => c.pid).sort(), [...first].sort());
    for (const c of init) assert.equal(c.worker.pid, c.pid);

    // pre_request and post_request, in the worker that served it.
    const r = await request({ port, path: '/?q=1', headers: { 'x-test': 'yes' } });
    assert.equal(r.status, 200);
    const served = Number(r.headers['x-worker-pid']);
    await waitFor(() => log.calls('post_request').length === 1, 5000, 'post_request');
    const [pre] = log.calls('pre_request');
    const [post] = log.calls('post_request');
    for (const c of [pre, post]) {
      assert.equal(c.pid, served);
      assert.equal(c.worker.pid, served);
      assert.deepEqual(c.req, { interface: 'node', method: 'GET', url: '/?q=1', httpVersion: '1.1', test: 'yes', remoteAddress: '127.0.0.1', raw: true });
    }
    assert.equal(post.res.status, 200);
    assert.equal(post.res.aborted, false);
    assert.equal(post.res.raw, true);
    assert.ok(post.res.duration >= 0 && post.res.duration < 5000, `duration ${post.res.duration}`);
    assert.equal(post.worker.requests, 1);

    // TTIN and TTOU: nworkers_changed(3, 2), then (2, 3).
    srv.kill('SIGTTIN');
    await srv.waitForReady(3);
    srv.kill('SIGTTOU');
    await waitFor(() => log.calls('nworkers_changed').length === 3, 5000, 'nworkers_changed x3');
    assert.deepEqual(log.calls('nworkers_changed').map((c) => [c.pid, c.newValue, c.oldValue]), [[master, 2, null], [master, 3, 2], [master, 2, 3]]);
    await waitFor(() => workerPids(master).length === 2, 10000, 'back to two workers');
    // The worker TTOU retired ran worker_exit itself; the master saw it with child_exit.
    await waitFor(() => log.calls('child_exit').length === 1, 10000, 'child_exit after TTOU');
    const [retired] = log.calls('child_exit');
    assert.equal(retired.pid, master);
    assert.deepEqual(retired.worker.exit, { code: 0, signal: null });
    assert.equal(retired.worker.slot, 2);
    const ownExit = log.calls('worker_exit').find((c) => c.worker.pid === retired.worker.pid);
    assert.ok(ownExit, 'worker_exit of the retired worker');
    assert.equal(ownExit.pid, retired.worker.pid, 'worker_exit ran in the worker');

    // HUP: on_reload in the master, a second generation, the first one's worker_exit and child_exit.
    const gen1 = workerPids(master);
    srv.kill('SIGHUP');
    await srv.waitForLine(/Reload complete: generation 2 serving/, 20000);
    await waitFor(() => gen1.every((pid) => log.calls('child_exit').some((c) => c.worker.pid === pid)), 15000, 'child_exit of generation 1');
    const [reload] = log.calls('on_reload');
    assert.equal(reload.pid, master);
    assert.equal(reload.server.pid, master);
    assert.deepEqual(log.calls('post_fork').filter((c) => c.worker.generation === 2).length, 2);
    for (const pid of gen1) {
      const exit = log.calls('worker_exit').find((c) => c.worker.pid === pid);
      assert.ok(exit, `worker_exit of ${pid}`);
      assert.equal(exit.pid, pid, 'in the worker itself');
      assert.equal(exit.server.pid, master);
      const child = log.calls('child_exit').find((c) => c.worker.pid === pid);
      assert.equal(child.pid, master);
      assert.equal(child.worker.generation, 1);
      assert.deepEqual(child.worker.exit, { code: 0, signal: null });
    }

    // TERM: on_exit last, in the master.
    srv.kill('SIGTERM');
    const { code } = await srv.waitExit(20000);
    assert.equal(code, 0);
    const all = log.read();
    assert.equal(all.at(-1).hook, 'on_exit');
    assert.equal(all.at(-1).pid, master);
    assert.deepEqual(all.at(-1).server.workers, []);
    // Master hooks never ran in a worker, nor worker hooks in the master.
    const masterHooks = new Set(['on_starting', 'on_reload', 'pre_exec', 'when_ready', 'pre_fork', 'child_exit', 'nworkers_changed', 'on_exit']);
    for (const c of all) {
      if (c.hook === 'import') continue;
      if (masterHooks.has(c.hook)) assert.equal(c.pid, master, `${c.hook} in the master`);
      else assert.notEqual(c.pid, master, `${c.hook} in a worker`);
    }
  });

  test('SIGKILL of a worker: child_exit, and the master runs the worker_exit it could not run', { timeout: 30000 }, async (t) => {
    const { srv, log } = startWithHooks(t, ['-w', '1', PLAIN]);
    await srv.waitForReady(1);
    const [victim] = workerPids(srv.pid);
    process.kill(victim, 'SIGKILL');
    await srv.waitForReady(2); // the replacement
    await waitFor(() => log.calls('child_exit').length === 1, 5000, 'child_exit');
    const [child] = log.calls('child_exit');
    assert.equal(child.pid, srv.pid);
    assert.equal(child.worker.pid, victim);
    assert.deepEqual(child.worker.exit, { code: null, signal: 'SIGKILL' });
    const exits = log.calls('worker_exit');
    assert.equal(exits.length, 1);
    assert.equal(exits[0].pid, srv.pid, 'run by the master');
    assert.equal(exits[0].worker.pid, victim);
    assert.deepEqual(exits[0].worker.exit, { code: null, signal: 'SIGKILL' });
    assert.equal(exits[0].server.pid, srv.pid);
  });

  test('USR2: pre_exec in the old master, on_starting in the new one; WINCH: nworkers_changed(0)', { timeout: 60000 }, async (t) => {
    const { srv, log } = startWithHooks(t, ['-w', '1', PLAIN]);
    await srv.waitForReady(1);
    const old = srv.pid;
    srv.kill('SIGUSR2');
    const started = await srv.waitForLine(/Started a new master \(pid: (\d+)\)/);
    const pid = Number(started.m[1]);
    await waitFor(() => log.calls('post_worker_init').some((c) => c.worker.ppid === pid), 20000, 'a worker of the new master');
    const [exec] = log.calls('pre_exec');
    assert.equal(exec.pid, old);
    assert.equal(exec.server.pid, old);
    assert.ok(exec.at < log.calls('on_starting').find((c) => c.pid === pid).at, 'pre_exec before the new master starts');
    srv.kill('SIGWINCH');
    await waitFor(() => log.calls('nworkers_changed').some((c) => c.pid === old && c.newValue === 0), 10000, 'nworkers_changed(0)');
    const winch = log.calls('nworkers_changed').find((c) => c.pid === old && c.newValue === 0);
    assert.equal(winch.oldValue, 1);
  });

  test('INT: worker_int, then worker_exit, in each worker', { timeout: 30000 }, async (t) => {
    const { srv, log } = startWithHooks(t, ['-w', '2', PLAIN]);
    await srv.waitForReady(2);
    const workers = workerPids(srv.pid);
    srv.kill('SIGINT');
    const { code } = await srv.waitExit(10000);
    assert.equal(code, 0);
    for (const pid of workers) {
      const mine = log.read().filter((c) => c.pid === pid).map((c) => c.hook);
      assert.deepEqual(mine.slice(-2), ['worker_int', 'worker_exit'], `hooks in ${pid}: ${mine.join(' ')}`);
      assert.equal(log.calls('worker_int').find((c) => c.pid === pid).worker.pid, pid);
    }
    assert.equal(log.read().at(-1).hook, 'on_exit');
  });

  test('worker_abort: a timed-out worker whose event loop frees up before the SIGKILL runs it', { timeout: 30000 }, async (t) => {
    const { srv, log } = startWithHooks(t, ['-w', '1', '-t', '1', fixture('hooks/busy.mjs')]);
    const { port } = await srv.waitForReady(1);
    const [stuck] = workerPids(srv.pid);
    const flag = path.join(mkTmp(), 'free');
    request({ port, path: `/busy?until=${encodeURIComponent(flag)}`, timeout: 10000 }).catch(() => {});
    // The master logs the blocked stack (or that none came), then sends SIGABRT.
    await srv.waitForLine(new RegExp(`Worker \\(pid: ${stuck}\\) (event loop blocked at|left no JavaScript stack)`), 10000);
    fs.writeFileSync(flag, ''); // the loop runs again: SIGABRT's handler gets its turn
    await waitFor(() => log.calls('child_exit').some((c) => c.worker.pid === stuck), 10000, 'the aborted worker reaped');
    const [abort] = log.calls('worker_abort');
    assert.ok(abort, 'worker_abort was called');
    assert.equal(abort.pid, stuck);
    assert.equal(abort.worker.pid, stuck);
    const mine = log.read().filter((c) => c.pid === stuck).map((c) => c.hook);
    assert.equal(mine.at(-1), 'worker_exit', mine.join(' '));
    assert.ok(mine.indexOf('worker_abort') >= 0 && mine.indexOf('worker_abort') < mine.indexOf('worker_exit'), mine.join(' '));
    const child = log.calls('child_exit').find((c) => c.worker.pid === stuck);
    assert.deepEqual(child.worker.exit, { code: 1, signal: null }, 'it exited by itself, before the SIGKILL');
  });

  test('a worker stuck for good in while (true) runs worker_abort too; SIGKILL, and the master runs worker_exit', { timeout: 30000 }, async (t) => {
    const { srv, log } = startWithHooks(t, ['-w', '1', '-t', '1', fixture('hooks/busy.mjs')]);
    const { port } = await srv.waitForReady(1);
    const [stuck] = workerPids(srv.pid);
    request({ port, path: '/spin', timeout: 10000 }).catch(() => {});
    await waitFor(() => log.calls('child_exit').some((c) => c.worker.pid === stuck), 15000, 'the stuck worker reaped');
    const aborts = log.calls('worker_abort');
    assert.equal(aborts.length, 1, 'worker_abort ran once');
    assert.equal(aborts[0].pid, stuck, 'in the stuck worker itself');
    assert.equal(aborts[0].worker.pid, stuck);
    assert.equal(log.calls('worker_exit').filter((c) => c.pid === stuck).length, 0, 'a stuck worker cannot run worker_exit');
    const exit = log.calls('worker_exit').find((c) => c.worker.pid === stuck);
    assert.equal(exit.pid, srv.pid);
    assert.deepEqual(exit.worker.exit, { code: null, signal: 'SIGKILL' });
    await srv.waitForReady(2); // replaced
  });

  test('an exception in a hook is logged with its name and is not fatal', { timeout: 60000 }, async (t) => {
    const throwing = ['nworkers_changed', 'pre_fork', 'pre_request', 'post_request', 'on_reload', 'child_exit', 'worker_exit', 'worker_int', 'on_exit'];
    const { srv, log } = startWithHooks(t, ['-w', '1', PLAIN], { HOOKS_THROW: throwing.join(','), HOOKS_ASYNC: 'pre_fork,on_reload' });
    const { port } = await srv.waitForReady(1);
    for (let i = 0; i < 3; i++) assert.equal((await request({ port })).status, 200, 'served although pre_request and post_request throw');
    const [worker] = workerPids(srv.pid);
    process.kill(worker, 'SIGKILL'); // child_exit and the master's worker_exit throw
    await srv.waitForReady(2);
    srv.kill('SIGHUP'); // on_reload rejects
    await srv.waitForLine(/Reload complete: generation 2 serving/, 20000);
    srv.kill('SIGTTIN');
    await srv.waitForReady(4);
    srv.kill('SIGINT'); // worker_int, worker_exit, on_exit throw
    const { code } = await srv.waitExit(10000);
    assert.equal(code, 0, srv.tail());
    await srv.drained();
    for (const name of throwing) {
      assert.ok(log.calls(name).length > 0, `${name} was called`);
      assert.match(srv.stderr(), new RegExp(`\\[ERROR\\] Exception in ${name} hook: Error: ${name} failed on purpose`), `${name}'s exception is logged`);
    }
  });

  for (const name of ['on_starting', 'when_ready']) {
    test(`an exception in ${name} stops the server: exit 3, the hook named, no worker`, { timeout: 20000 }, async () => {
      const log = hookLog();
      const pidfile = path.join(mkTmp(), 'tusk.pid');
      const r = await runTusk(['-c', CONFIG, '-b', '127.0.0.1:0', '-p', pidfile, PLAIN], { env: { HOOKS_LOG: log.file, HOOKS_THROW: name } });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, new RegExp(`Exception in ${name} hook: Error: ${name} failed on purpose`));
      assert.match(r.stderr, new RegExp(`tusk: error: ${name} hook: Error: ${name} failed on purpose; not starting`));
      assert.doesNotMatch(r.stderr, /Booting worker/);
      assert.equal(log.calls('pre_fork').length, 0);
      assert.equal(fs.existsSync(pidfile), false, 'the pidfile is removed');
    });
  }

  for (const name of ['post_fork', 'post_worker_init']) {
    test(`an exception in ${name} is a boot failure: exit 3, the hook named`, { timeout: 20000 }, async () => {
      const log = hookLog();
      const r = await runTusk(['-c', CONFIG, '-b', '127.0.0.1:0', PLAIN], { env: { HOOKS_LOG: log.file, HOOKS_THROW: name } });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, new RegExp(`Exception in ${name} hook: Error: ${name} failed on purpose`));
      assert.match(r.stderr, new RegExp(`Worker failed to boot: ${name} hook: Error: ${name} failed on purpose; shutting down`));
      assert.equal(log.calls(name).length, 1, 'no respawn storm');
      assert.doesNotMatch(r.stderr, /Worker ready/);
    });
  }

  test('promises are awaited: on_starting before binding, post_worker_init before ready, worker_exit and on_exit before exit', { timeout: 30000 }, async (t) => {
    const { srv, log } = startWithHooks(t, ['-w', '1', PLAIN], { HOOKS_ASYNC: 'on_starting,when_ready,post_fork,post_worker_init,worker_exit,on_exit' });
    await srv.waitForReady(1);
    const at = (name) => log.calls(name)[0].at;
    const line = (re) => srv.matches(re)[0].at;
    assert.ok(at('on_starting') <= line(/Listening at:/), 'bound after on_starting resolved');
    assert.ok(at('when_ready') <= line(/Booting worker/), 'first worker after when_ready resolved');
    assert.ok(at('post_fork') < at('post_worker_init'));
    assert.ok(at('post_worker_init') <= line(/Worker ready/), 'ready after post_worker_init resolved');
    const [worker] = workerPids(srv.pid);
    srv.kill('SIGTERM');
    const { code } = await srv.waitExit(10000);
    assert.equal(code, 0);
    const exit = log.calls('worker_exit');
    assert.equal(exit.length, 1);
    assert.equal(exit[0].pid, worker, 'the worker waited for its worker_exit');
    assert.equal(log.read().at(-1).hook, 'on_exit', 'the master waited for on_exit');
  });

  for (const [kind, app, extra] of [['fetch', fixture('hooks/app-fetch.mjs'), []], ['native', fixture('hooks/app-native.mjs'), ['--interface', 'native']]]) {
    test(`pre_request and post_request on the ${kind} interface`, { timeout: 30000 }, async (t) => {
      const { srv, log } = startWithHooks(t, ['-w', '1', ...extra, app], { HOOKS_ONLY: 'pre_request,post_request' });
      const { port } = await srv.waitForReady(1);
      const [worker] = workerPids(srv.pid);
      assert.equal((await request({ port, path: '/a?b=c', headers: { 'x-test': kind } })).status, 200);
      assert.equal((await request({ port, path: '/missing', method: 'POST', body: 'x' })).status, 404);
      const third = kind === 'fetch' ? '/stream' : '/fail';
      const thirdStatus = kind === 'fetch' ? 201 : 500;
      assert.equal((await request({ port, path: third })).status, thirdStatus);
      // A client that leaves before the answer.
      const gone = new AbortController();
      const slow = request({ port, path: '/slow?ms=400', signal: gone.signal }).catch(() => null);
      await waitFor(() => log.calls('pre_request').length === 4, 5000, 'the slow request to arrive');
      gone.abort();
      await slow;
      await waitFor(() => log.calls('post_request').length === 4, 5000, 'four post_request');
      const pre = log.calls('pre_request');
      const post = log.calls('post_request');
      for (const c of [...pre, ...post]) {
        assert.equal(c.pid, worker);
        assert.equal(c.worker.pid, worker);
        assert.equal(c.req.interface, kind);
        assert.equal(c.req.raw, false);
        assert.equal(c.req.remoteAddress, '127.0.0.1');
      }
      assert.deepEqual(pre[0].req, { interface: kind, method: 'GET', url: '/a?b=c', httpVersion: '1.1', test: kind, remoteAddress: '127.0.0.1', raw: false });
      assert.deepEqual(post.map((c) => [c.req.url, c.req.method, c.res.status, c.res.aborted]), [
        ['/a?b=c', 'GET', 200, false],
        ['/missing', 'POST', 404, false],
        [third, 'GET', thirdStatus, false],
        ['/slow?ms=400', 'GET', 0, true],
      ]);
      assert.equal(post[0].req.test, kind, 'headers read after the response');
      for (const c of post) assert.ok(c.res.duration >= 0 && c.res.duration < 5000);
      assert.ok(post[3].res.duration < 400, 'the abort is seen when the client leaves');
    });
  }

  test('workers import the config file only when a worker-side hook is set', { timeout: 30000 }, async (t) => {
    for (const [only, workersImport] of [['on_starting,child_exit', false], ['pre_request', true]]) {
      const { srv, log } = startWithHooks(t, ['-w', '2', PLAIN], { HOOKS_ONLY: only });
      await srv.waitForReady(2);
      const importers = log.calls('import').map((c) => c.pid);
      const workers = workerPids(srv.pid);
      assert.deepEqual(importers.sort(), (workersImport ? [srv.pid, ...workers] : [srv.pid]).sort(), `HOOKS_ONLY=${only}`);
      await srv.stop();
    }
  });

  test('--print-config shows which hooks are set; a hook that is not a function is a config error', async () => {
    const r = await runTusk(['-c', CONFIG, '--print-config'], { env: { HOOKS_LOG: hookLog().file, HOOKS_ONLY: 'on_starting' } });
    assert.equal(r.code, 0, r.stderr);
    const printed = parsePrintConfig(r.stdout);
    assert.equal(printed.on_starting, '[function]');
    assert.equal(printed.on_exit, null);
    const bad = await runTusk(['-c', fixture('hooks/bad.config.mjs'), PLAIN]);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim(), 'tusk: error: on_starting: expected a function (a server hook) or null, got "not a function"');
    const help = await runTusk(['--help']);
    const hooksHelp = help.stdout.slice(help.stdout.indexOf('Server hooks'));
    for (const name of ['on_starting', 'pre_request', 'worker_abort', 'on_exit']) assert.match(hooksHelp, new RegExp(`\\b${name}\\b`));
  });
});
