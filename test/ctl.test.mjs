// The control socket and `tusk ctl`: status lists every worker with the master's figures, the
// commands act as their signals do (pids and counts change, exit 0), the socket is the owner's
// only (mode 0600, checked by ctl; another user cannot connect), and every failure is one line.

import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { CLI, ROOT, startTusk, request, fixture, workerPids, isAlive, waitFor, cleanupAll, cleanEnv, mkTmp, sleep } from './helpers.mjs';

after(cleanupAll);

const APP = fixture('plain.mjs');
const NOBODY = 65534;

/** Runs `tusk ctl ARGS`; resolves { code, stdout, stderr }. `uid` runs it as that user. */
function ctl(args, { uid, cwd = ROOT } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'ctl', ...args], { cwd, env: cleanEnv(), uid, gid: uid, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function status(sock) {
  const r = await ctl(['-s', sock, 'status', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** A server with its control socket at DIR/ctl.sock (DIR readable by all, for the other-user tests). */
async function serve(t, extra = [], n = 2) {
  const dir = mkTmp('tusk-ctl-');
  fs.chmodSync(dir, 0o755);
  const sock = path.join(dir, 'ctl.sock');
  const srv = startTusk(['-b', '127.0.0.1:0', '-w', String(n), '--control-socket', sock, ...extra, APP]);
  t.after(() => srv.stop());
  const { port } = await srv.waitForReady(n);
  await srv.waitForLine(/Control socket: /);
  return { srv, port, sock, dir };
}

/** Waits until status shows `n` ready serving workers of the current generation, and no other worker. */
async function settled(sock, n, what) {
  return waitFor(async () => {
    const s = await status(sock);
    const ok = s.workers.length === n && s.workers.every((w) => w.state === 'ready' && w.generation === s.master.generation);
    return ok ? s : null;
  }, 15000, what);
}

/** Leaves a socket file nobody listens on, as a master that was SIGKILLed does. */
function staleSocket(file) {
  return new Promise((resolve) => {
    const code = `require('net').createServer().listen(${JSON.stringify(file)}, () => { require('fs').chmodSync(${JSON.stringify(file)}, 0o600); process.kill(process.pid, 'SIGKILL'); })`;
    spawn(process.execPath, ['-e', code]).on('close', () => resolve(assert.ok(fs.statSync(file).isSocket())));
  });
}

const pidsOf = (s) => s.workers.map((w) => w.pid).sort((a, b) => a - b);

describe('tusk ctl status', () => {
  test('--json lists every worker with the master-side figures; the table has a row per worker', async (t) => {
    const { srv, port, sock } = await serve(t);
    const s = await settled(sock, 2, 'two ready workers');
    assert.equal(s.master.pid, srv.pid);
    assert.equal(s.master.workers, 2);
    assert.equal(s.master.state, 'running');
    assert.deepEqual(pidsOf(s), workerPids(srv.pid));
    assert.deepEqual(s.workers.map((w) => w.slot).sort(), [0, 1]);
    for (const w of s.workers) {
      assert.equal(w.generation, 1);
      assert.equal(w.spare, false);
      assert.ok(w.age >= 1);
      assert.ok(w.rss > 10 * 1024 * 1024, `rss ${w.rss}`);
      assert.equal(typeof w.cpu, 'number');
      assert.ok(w.uptime > 0 && w.uptime < 60, `uptime ${w.uptime}`);
      assert.ok(w.heartbeat >= 0 && w.heartbeat < 30, `heartbeat ${w.heartbeat}`);
      assert.equal(w.restarts, 0);
      assert.equal(w.lastRestart, null);
    }
    // The workers' own figures: requests, in flight, connections, loop lag.
    for (const w of s.workers) {
      for (const field of ['requests', 'inFlight', 'connections', 'loopLagP50', 'loopLagP99']) assert.equal(typeof w[field], 'number', field);
      assert.equal(w.inFlight, 0);
      assert.ok(w.loopLagP99 >= w.loopLagP50 && w.loopLagP99 < 5, `lag ${w.loopLagP50}/${w.loopLagP99}`);
    }
    // The counts and CPU time move when requests are made.
    const sum = (x, field) => x.workers.reduce((n, w) => n + w[field], 0);
    const before = s;
    await Promise.all(Array.from({ length: 400 }, () => request({ port })));
    const after = await status(sock);
    assert.equal(sum(after, 'requests') - sum(before, 'requests'), 400);
    assert.ok(sum(after, 'cpu') > sum(before, 'cpu'), `cpu ${sum(before, 'cpu')} -> ${sum(after, 'cpu')}`);
    // A request in flight on an open connection shows as one.
    const slow = request({ port, path: '/slow?ms=1500', timeout: 10000 });
    const busy = await waitFor(async () => {
      const x = await status(sock);
      return sum(x, 'inFlight') === 1 && sum(x, 'connections') >= 1 ? x : null;
    }, 5000, 'one request in flight');
    assert.ok(busy);
    await slow;

    const table = await ctl(['-s', sock, 'status']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`^master ${srv.pid} .*running, generation 1, 2 workers`));
    assert.match(table.stdout, /PID +SLOT +GEN +AGE +STATE/);
    for (const pid of pidsOf(s)) assert.match(table.stdout, new RegExp(`^${pid} +\\d +1 +\\d+ +ready `, 'm'));
  });

  test('a killed worker is a restart of its slot, with why', async (t) => {
    const { srv, sock } = await serve(t);
    const s = await settled(sock, 2, 'two ready workers');
    const victim = s.workers.find((w) => w.slot === 1);
    process.kill(victim.pid, 'SIGKILL');
    const s2 = await waitFor(async () => {
      const x = await status(sock);
      return x.workers.some((w) => w.slot === 1 && w.pid !== victim.pid && w.state === 'ready') ? x : null;
    }, 15000, 'a new worker in slot 1');
    const slot1 = s2.workers.find((w) => w.slot === 1);
    assert.equal(slot1.restarts, 1);
    assert.equal(slot1.lastRestart.reason, 'crash');
    assert.equal(slot1.lastRestart.pid, victim.pid);
    assert.match(slot1.lastRestart.detail, /SIGKILL/);
    assert.equal(s2.workers.find((w) => w.slot === 0).restarts, 0);
    assert.deepEqual(s2.slots.map((r) => [r.slot, r.restarts, r.byReason]), [[1, 1, { crash: 1 }]]);
    assert.ok(!isAlive(victim.pid));
    assert.ok(srv.alive());
  });
});

describe('tusk ctl commands act as the signals do', () => {
  test('scale 3, add, remove: the number of worker processes follows, exit 0', async (t) => {
    const { srv, sock } = await serve(t);
    const first = pidsOf(await settled(sock, 2, 'two workers'));

    let r = await ctl(['-s', sock, 'scale', '3']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /scale: done \(3 workers\)/);
    let s = await settled(sock, 3, 'three workers');
    assert.deepEqual(s.workers.map((w) => w.slot).sort(), [0, 1, 2]);
    assert.ok(first.every((p) => pidsOf(s).includes(p)), 'the first two keep serving');
    await waitFor(() => workerPids(srv.pid).length === 3, 5000, 'three processes');

    r = await ctl(['-s', sock, 'add']);
    assert.equal(r.code, 0, r.stderr);
    s = await settled(sock, 4, 'four workers');
    assert.equal(s.master.workers, 4);

    r = await ctl(['-s', sock, 'remove']);
    assert.equal(r.code, 0, r.stderr);
    s = await settled(sock, 3, 'three workers again');
    assert.deepEqual(s.workers.map((w) => w.slot).sort(), [0, 1, 2], 'the highest slot went');
    await waitFor(() => workerPids(srv.pid).length === 3, 10000, 'three processes again');

    r = await ctl(['-s', sock, 'scale', '1']);
    assert.equal(r.code, 0, r.stderr);
    await settled(sock, 1, 'one worker');
    r = await ctl(['-s', sock, 'remove']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'tusk ctl: error: remove: already at one worker\n');
    r = await ctl(['-s', sock, 'scale', 'lots']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^tusk ctl: error: workers: expected an integer from 1 to 4096, auto or max, got "lots"\n$/);
    assert.equal(srv.count(/Handling signal: ttin/), 1, 'add is a TTIN');
    assert.equal(srv.count(/Handling signal: ttou/), 2, 'remove is a TTOU');
  });

  test('reload replaces every worker with a new generation; kill PID replaces one', async (t) => {
    const { srv, sock } = await serve(t);
    const before = await settled(sock, 2, 'two workers');
    let r = await ctl(['-s', sock, 'reload']);
    assert.equal(r.code, 0, r.stderr);
    await srv.waitForLine(/Handling signal: hup/);
    const after = await waitFor(async () => {
      const s = await status(sock);
      return s.master.generation === 2 && s.workers.length === 2 && s.workers.every((w) => w.generation === 2 && w.state === 'ready') ? s : null;
    }, 20000, 'generation 2 alone');
    assert.ok(pidsOf(after).every((p) => !pidsOf(before).includes(p)), 'every pid changed');
    assert.ok(after.workers.every((w) => w.restarts === 1 && w.lastRestart.reason === 'reload'));

    const victim = after.workers[0];
    r = await ctl(['-s', sock, 'kill', String(victim.pid)]);
    assert.equal(r.code, 0, r.stderr);
    const s = await waitFor(async () => {
      const x = await status(sock);
      return x.workers.length === 2 && !x.workers.some((w) => w.pid === victim.pid) && x.workers.every((w) => w.state === 'ready') ? x : null;
    }, 15000, 'the killed worker replaced');
    const slot = s.workers.find((w) => w.slot === victim.slot);
    assert.equal(slot.restarts, 2);
    assert.equal(slot.lastRestart.reason, 'kill');
    await waitFor(() => !isAlive(victim.pid), 10000, 'the killed worker gone');

    r = await ctl(['-s', sock, 'kill', '1']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'tusk ctl: error: kill: no worker with pid 1\n');
  });

  test('stop is a quick stop (INT), stop --graceful a graceful one (TERM) that lets a request finish; exit 0', async (t) => {
    const quick = await serve(t);
    let r = await ctl(['-s', quick.sock, 'stop']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await quick.srv.waitExit(10000), { code: 0, signal: null });
    assert.equal(quick.srv.count(/Handling signal: int/), 1);
    assert.ok(!fs.existsSync(quick.sock), 'the socket file is removed at exit');

    const graceful = await serve(t, ['--graceful-timeout', '10']);
    const slow = request({ port: graceful.port, path: '/slow?ms=1500', timeout: 10000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    r = await ctl(['-s', graceful.sock, 'stop', '--graceful']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await slow).body, 'slow 1500');
    assert.deepEqual(await graceful.srv.waitExit(10000), { code: 0, signal: null });
    assert.equal(graceful.srv.count(/Handling signal: term/), 1);
  });

  test('reopen-logs is USR1: the master and every worker reopen their access log after it moved', async (t) => {
    const logDir = mkTmp('tusk-ctl-logs-');
    const file = path.join(logDir, 'access.log');
    const { sock, port } = await serve(t, ['--access-logfile', file]);
    await request({ port });
    await waitFor(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').length > 0, 5000, 'a first access line');
    fs.renameSync(file, `${file}.1`);
    const r = await ctl(['-s', sock, 'reopen-logs']);
    assert.equal(r.code, 0, r.stderr);
    await sleep(500);
    await request({ port });
    await waitFor(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('GET / '), 5000, 'the line in the new file');
  });

  test('config prints the settings the master runs with', async (t) => {
    const { sock } = await serve(t, ['--max-requests', '77']);
    const r = await ctl(['-s', sock, 'config']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^workers = 2$/m);
    assert.match(r.stdout, /^max_requests = 77$/m);
    assert.ok(r.stdout.split('\n').includes(`control_socket = ${JSON.stringify(sock)}`), r.stdout);
    const json = JSON.parse((await ctl(['-s', sock, '--json', 'config'])).stdout);
    assert.equal(json.settings.max_requests, 77);
  });
});

describe('the control socket is its owner\'s only', () => {
  test('mode 0600, owned by the master\'s user; another user cannot connect, nor use ctl', async (t) => {
    const { srv, sock } = await serve(t);
    const st = fs.statSync(sock);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(st.uid, process.getuid());

    // A raw connect as nobody: the kernel refuses it.
    const raw = await new Promise((resolve) => {
      const child = spawn(process.execPath, ['-e', `require('net').connect(${JSON.stringify(sock)}).on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(1); })`],
        { uid: NOBODY, gid: NOBODY, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('close', (code) => resolve({ code, out: out.trim() }));
    });
    assert.deepEqual(raw, { code: 1, out: 'EACCES' });

    // ctl as nobody: refused before it connects, in one line.
    const r = await ctl(['-s', sock, 'status'], { uid: NOBODY, cwd: '/' });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^tusk ctl: error: ${sock.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} belongs to uid 0, not to you \\(uid ${NOBODY}\\)[^\\n]*\\n$`));
    assert.ok(srv.alive());
  });

  test('ctl refuses a socket owned by another user, or open to others', async (t) => {
    const { sock } = await serve(t);
    fs.chmodSync(sock, 0o666);
    let r = await ctl(['-s', sock, 'status']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^tusk ctl: error: .* has mode 0666, open to others: refusing it\n$/);
    fs.chmodSync(sock, 0o600);
    fs.chownSync(sock, NOBODY, NOBODY);
    r = await ctl(['-s', sock, 'status']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^tusk ctl: error: .* belongs to uid ${NOBODY}, not to you \\(uid 0\\): refusing it; run tusk ctl as the server's user\\n$`));
  });
});

describe('finding the socket; failures are one line', () => {
  test('a missing socket, a stale one, a file that is not a socket: exit 1, one line', async () => {
    const dir = mkTmp('tusk-ctl-');
    let r = await ctl(['-s', path.join(dir, 'none.ctl'), 'status']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^tusk ctl: error: no control socket at \S+none\.ctl: is tusk running\? \(or give -s PATH or -p PIDFILE\)\n$/);
    assert.equal(r.stdout, '');

    const stale = path.join(dir, 'stale.ctl');
    await staleSocket(stale);
    r = await ctl(['-s', stale, 'status']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^tusk ctl: error: \S+stale\.ctl refused the connection: no server listens on it \(a stale socket\?\)\n$/);

    const file = path.join(dir, 'file.ctl');
    fs.writeFileSync(file, '');
    r = await ctl(['-s', file, 'status']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^tusk ctl: error: \S+file\.ctl is not a socket\n$/);
  });

  test('bad usage: exit 2, one line', async () => {
    for (const args of [[], ['frobnicate'], ['scale'], ['kill', 'abc'], ['status', '--nope'], ['reload', '--graceful']]) {
      const r = await ctl(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^tusk ctl: error: [^\n]+\(see tusk ctl --help\)\n$/, args.join(' '));
    }
    const help = await ctl(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: tusk ctl /);
  });

  test('beside the pidfile (-p), or the one tusk-<pid>.ctl in the worker tmp dir', async (t) => {
    const dir = mkTmp('tusk-ctl-');
    const pidfile = path.join(dir, 'app.pid');
    const a = startTusk(['-b', '127.0.0.1:0', '-p', pidfile, APP]);
    t.after(() => a.stop());
    await a.waitForReady(1);
    assert.ok(fs.statSync(path.join(dir, 'app.ctl')).isSocket(), 'app.pid: app.ctl');
    let r = await ctl(['-p', pidfile, 'status', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).master.pid, a.pid);

    const tmp = mkTmp('tusk-ctl-tmp-');
    r = await ctl(['--worker-tmp-dir', tmp, 'status']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^tusk ctl: error: no control socket of a running tusk in \S+: is tusk running\? \(or give -s PATH or -p PIDFILE\)\n$/);
    // A socket a killed master left is no server: removed by the next master, skipped by ctl.
    const left = path.join(tmp, 'tusk-999999999.ctl');
    await staleSocket(left);
    const b = startTusk(['-b', '127.0.0.1:0', '--worker-tmp-dir', tmp, APP]);
    t.after(() => b.stop());
    await b.waitForReady(1);
    assert.ok(fs.statSync(path.join(tmp, `tusk-${b.pid}.ctl`)).isSocket());
    assert.ok(!fs.existsSync(left), 'the stale socket was removed');
    r = await ctl(['--worker-tmp-dir', tmp, 'status', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).master.pid, b.pid);

    const c = startTusk(['-b', '127.0.0.1:0', '--worker-tmp-dir', tmp, APP]);
    t.after(() => c.stop());
    await c.waitForReady(1);
    r = await ctl(['--worker-tmp-dir', tmp, 'status']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^tusk ctl: error: 2 servers have a control socket in \\S+ \\((tusk-(${b.pid}|${c.pid})\\.ctl(, )?){2}\\): give -s PATH or -p PIDFILE\\n$`));
  });

  test('--control-socket another server answers on stops the start (exit 1); --no-control-socket has none', async (t) => {
    const { sock } = await serve(t, [], 1);
    const second = startTusk(['-b', '127.0.0.1:0', '--control-socket', sock, APP]);
    t.after(() => second.stop());
    assert.equal((await second.waitExit(10000)).code, 1);
    assert.match(second.stderr(), /tusk: error: control_socket: cannot listen on \S+: another server answers on it\n/);
    assert.ok(fs.statSync(sock).isSocket(), 'the first server keeps its socket');

    const tmp = mkTmp('tusk-ctl-tmp-');
    const none = startTusk(['-b', '127.0.0.1:0', '--worker-tmp-dir', tmp, '--no-control-socket', APP]);
    t.after(() => none.stop());
    await none.waitForReady(1);
    assert.deepEqual(fs.readdirSync(tmp), []);
    assert.equal(none.count(/Control socket:/), 0);
  });
});

describe('the protocol', () => {
  test('one JSON request per line, answered in order on one connection; a bad line is an error answer', async (t) => {
    const { sock } = await serve(t, [], 1);
    const conn = net.connect(sock);
    let data = '';
    conn.setEncoding('utf8');
    conn.on('data', (d) => (data += d));
    conn.write('{"command":"status"}\n{"command":"config"}\nnot json\n{"command":"nope"}\n{"command":"kill","pid":-1}\n');
    await waitFor(() => data.split('\n').length > 5, 5000, 'five answers');
    conn.destroy();
    const answers = data.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(answers.length, 5);
    assert.equal(answers[0].ok, true);
    assert.equal(answers[0].result.workers.length, 1);
    assert.equal(answers[1].result.settings.workers, 1);
    assert.deepEqual(answers[2], { ok: false, error: 'a request is one line of JSON, such as {"command":"status"}' });
    assert.equal(answers[3].ok, false);
    assert.match(answers[3].error, /^unknown command "nope": expected status, /);
    assert.deepEqual(answers[4], { ok: false, error: 'kill: expected a worker\'s pid, got -1' });
  });
});
