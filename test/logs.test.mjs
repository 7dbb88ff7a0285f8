// Logs: the access log on every interface (every Gunicorn atom, the json form, `-` for stdout, no
// line lost at a graceful stop), the error log file (time and pid on every line), --capture-output,
// USR1 reopening every log file in the master and the workers after the files were moved, and no
// inspector port opened by USR1.

import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { startTusk, runTusk, request, fixture, mkTmp, waitFor, sleep, cleanupAll, workerPids } from './helpers.mjs';

after(cleanupAll);

const INTERFACES = [
  { name: 'node', app: fixture('plain.mjs'), args: [] },
  { name: 'fetch', app: fixture('hello-fetch.mjs'), args: [] },
  { name: 'native', app: fixture('hello-native.mjs'), args: ['--interface', 'native'] },
];

// Every atom, separated by a character none of the values holds.
const EVERY_ATOM = [
  'h', 'l', 'u', 't', 'r', 'm', 'U', 'q', 'H', 's', 'B', 'b', 'f', 'a', 'T', 'M', 'D', 'L', 'p',
  '{x-trace}i', '{content-type}o', '{TUSK_WORKER_ID}e', '{http_x_trace}e',
].map((atom) => `%(${atom})s`).join('|') + '|%%';

const ERROR_LINE = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[(\d+)\] \[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\] \S/;

const read = (file) => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};
const linesOf = (file) => read(file).split('\n').filter(Boolean);

/** Waits until `file` has a line matching `re` (n of them); returns the matching lines. */
async function waitForFileLine(file, re, n = 1, timeoutMs = 15000) {
  return waitFor(() => {
    const found = linesOf(file).filter((l) => re.test(l));
    return found.length >= n ? found : null;
  }, timeoutMs, `${n} line(s) matching ${re} in ${path.basename(file)}`);
}

/** Starts tusk with its error log in a file; resolves once `workers` are ready. */
async function serveLogged(t, args, workers = 1) {
  const dir = mkTmp('tusk-logs-');
  const errorLog = path.join(dir, 'error.log');
  const srv = startTusk(['-b', '127.0.0.1:0', '--error-logfile', errorLog, ...args]);
  t.after(() => srv.stop());
  await waitForFileLine(errorLog, /Worker ready/, workers);
  const port = Number(/Listening at: http:\/\/127\.0\.0\.1:(\d+)/.exec(read(errorLog))[1]);
  return { srv, dir, errorLog, port };
}

describe('access log', () => {
  for (const { name, app, args } of INTERFACES) {
    test(`${name} interface: a line with every atom`, async (t) => {
      const dir = mkTmp('tusk-access-');
      const accessLog = path.join(dir, 'access.log');
      const srv = startTusk(['-b', '127.0.0.1:0', ...args, '--access-logfile', accessLog, '--access-log-format', EVERY_ATOM, app]);
      t.after(() => srv.stop());
      const { port } = await srv.waitForReady(1);
      const [worker] = workerPids(srv.pid);
      const res = await request({
        port, path: '/?a=1&b=two',
        headers: {
          authorization: `Basic ${Buffer.from('alice:secret').toString('base64')}`,
          referer: 'http://ref.example/page', 'user-agent': 'tusk-test/1.0', 'x-trace': 'abc-123',
        },
      });
      assert.equal(res.status, 200);
      const [line] = await waitForFileLine(accessLog, /\|%$/);
      const f = line.split('|');
      assert.equal(f.length, 24, line);
      const [h, l, u, time, r, m, U, q, H, s, B, b, ref, ua, T, M, D, L, p, trace, type, slot, traceEnv, pct] = f;
      assert.equal(h, '127.0.0.1');
      assert.equal(l, '-');
      assert.equal(u, 'alice');
      assert.match(time, /^\[\d\d\/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]$/);
      assert.equal(r, 'GET /?a=1&b=two HTTP/1.1');
      assert.equal(m, 'GET');
      assert.equal(U, '/');
      assert.equal(q, 'a=1&b=two');
      assert.equal(H, 'HTTP/1.1');
      assert.equal(s, '200');
      assert.equal(B, String(Buffer.byteLength(res.body)));
      assert.equal(b, B);
      assert.equal(ref, 'http://ref.example/page');
      assert.equal(ua, 'tusk-test/1.0');
      assert.match(T, /^\d+$/);
      assert.match(M, /^\d+$/);
      assert.match(D, /^\d+$/);
      assert.match(L, /^\d+\.\d{6}$/);
      assert.ok(Number(D) > 0 && Number(D) < 5e6, `D = ${D} µs`);
      assert.equal(Number(M), Math.floor(Number(D) / 1000));
      assert.equal(Number(T), Math.floor(Number(D) / 1e6));
      assert.equal(L, (Number(D) / 1e6).toFixed(6));
      assert.equal(p, `<${worker}>`);
      assert.equal(trace, 'abc-123');
      assert.equal(type, 'text/plain');
      assert.equal(slot, '0');
      assert.equal(traceEnv, 'abc-123');
      assert.equal(pct, '%');
    });

    test(`${name} interface: json lines; missing values, HEAD, 404 and quotes`, async (t) => {
      const dir = mkTmp('tusk-access-');
      const accessLog = path.join(dir, 'access.log');
      const srv = startTusk(['-b', '127.0.0.1:0', ...args, '--access-logfile', accessLog, '--access-log-format', 'json', app]);
      t.after(() => srv.stop());
      const { port } = await srv.waitForReady(1);
      const [worker] = workerPids(srv.pid);
      await request({ port, path: '/x?y=1', headers: { 'user-agent': 'say "hi"\\' } });
      await request({ port, method: 'HEAD', path: '/' });
      const lines = await waitForFileLine(accessLog, /./, 2);
      const [get, head] = lines.map((l) => JSON.parse(l));
      assert.equal(get.remote_addr, '127.0.0.1');
      assert.equal(get.method, 'GET');
      assert.equal(get.path, '/x');
      assert.equal(get.query, 'y=1');
      assert.equal(get.request, 'GET /x?y=1 HTTP/1.1');
      assert.equal(get.protocol, 'HTTP/1.1');
      assert.equal(get.status, name === 'node' ? 404 : 200); // plain.mjs has no /x
      assert.equal(typeof get.bytes, 'number');
      assert.ok(get.bytes > 0);
      assert.equal(get.user_agent, 'say "hi"\\');
      assert.equal(get.referer, null);
      assert.equal(get.remote_user, null);
      assert.equal(get.pid, worker);
      assert.equal(typeof get.request_time, 'number');
      assert.ok(!Number.isNaN(Date.parse(get.time)), get.time);
      assert.equal(head.method, 'HEAD');
      assert.equal(head.status, 200);
      assert.equal(head.bytes, 0);
    });
  }

  test('engine: a failed request is logged with its 500, a stream cut short with what was sent', async (t) => {
    const dir = mkTmp('tusk-access-');
    const accessLog = path.join(dir, 'access.log');
    const srv = startTusk(['-b', '127.0.0.1:0', '--access-logfile', accessLog, '--access-log-format', '%(U)s %(s)s %(B)s %({content-type}o)s %({content-length}o)s',
      fixture('engine/faults-fetch.mjs')]);
    t.after(() => srv.stop());
    const { port } = await srv.waitForReady(1);
    assert.equal((await request({ port, path: '/throw' })).status, 500);
    assert.equal((await request({ port, path: '/hello' })).status, 200);
    await request({ port, path: '/stream-error' }).catch(() => {});
    const lines = await waitForFileLine(accessLog, /./, 3);
    assert.equal(lines[0], '/throw 500 22 text/plain; charset=utf-8 22');
    assert.match(lines[1], /^\/hello 200 5 text\/plain;charset=UTF-8 5$/);
    assert.match(lines[2], /^\/stream-error 200 [1-9]\d* text\/plain -$/);
  });

  test("'-' writes to stdout in Gunicorn's default (combined) format; quotes are escaped", async (t) => {
    const srv = startTusk(['-b', '127.0.0.1:0', '--access-logfile', '-', '--interface', 'native', fixture('hello-native.mjs')]);
    t.after(() => srv.stop());
    const { port } = await srv.waitForReady(1);
    await request({ port, path: '/hi', headers: { 'user-agent': 'ua "quoted"', referer: 'http://r/' } });
    const line = await waitFor(() => srv.stdout().split('\n').find((l) => l.includes('/hi')), 5000, 'the access line on stdout');
    assert.match(line, /^127\.0\.0\.1 - - \[[^\]]+\] "GET \/hi HTTP\/1\.1" 200 \d+ "http:\/\/r\/" "ua \\"quoted\\""$/);
    assert.doesNotMatch(srv.stderr(), /GET \/hi/);
  });

  test('no line is lost at a graceful stop, and lines of several workers stay whole', async (t) => {
    const dir = mkTmp('tusk-access-');
    const accessLog = path.join(dir, 'access.log');
    const srv = startTusk(['-b', '127.0.0.1:0', '-w', '2', '--access-logfile', accessLog, '--interface', 'native', fixture('hello-native.mjs')]);
    t.after(() => srv.stop());
    const { port } = await srv.waitForReady(2);
    const n = 200;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => request({ port, path: `/n/${i}` })));
    assert.ok(results.every((r) => r.status === 200));
    srv.kill('SIGTERM');
    await srv.waitExit(10000);
    const lines = linesOf(accessLog);
    assert.equal(lines.length, n);
    const seen = new Set(lines.map((l) => /"GET \/n\/(\d+) HTTP\/1\.1" 200 /.exec(l)?.[1]));
    assert.equal(seen.size, n, 'every request has its own whole line');
  });

  test('a bad format or an unwritable file is a one-line config error (exit 2)', async () => {
    const bad = await runTusk(['--access-log-format', '%(h)s %(nope)s', fixture('plain.mjs')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^tusk: error: access_log_format: unknown atom %\(nope\)s; expected json, or .*h l u t r m U q H s B b f a T M D L p/);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    const dangling = await runTusk(['--access-log-format', '%(h)s %', fixture('plain.mjs')]);
    assert.equal(dangling.code, 2);
    for (const [flag, setting] of [['--access-logfile', 'accesslog'], ['--error-logfile', 'errorlog']]) {
      const r = await runTusk(['-b', '127.0.0.1:0', flag, '/nonexistent-dir/x.log', fixture('plain.mjs')]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`tusk: error: ${setting}: cannot open /nonexistent-dir/x.log`));
    }
  });
});

describe('error log', () => {
  test('--error-logfile: every line of the master and the workers has the time and the pid', async (t) => {
    const { srv, errorLog } = await serveLogged(t, ['-w', '2', fixture('plain.mjs')], 2);
    const lines = linesOf(errorLog);
    assert.ok(lines.length >= 5, lines.join('\n'));
    for (const line of lines) assert.match(line, ERROR_LINE);
    const pids = new Set(lines.map((l) => Number(ERROR_LINE.exec(l)[1])));
    assert.ok(pids.has(srv.pid), 'the master writes to it');
    assert.doesNotMatch(srv.stderr(), /Worker ready/, 'nothing of it on stderr');
  });

  test("--capture-output: a worker's console.log and console.error go to the error log, and after USR1 to the new file", async (t) => {
    const { srv, dir, errorLog, port } = await serveLogged(t, ['--capture-output', fixture('console-app.mjs')]);
    const [worker] = workerPids(srv.pid);
    await waitForFileLine(errorLog, new RegExp(`^app loaded in ${worker}$`));
    await request({ port, path: '/?say=first' });
    await waitForFileLine(errorLog, /^said first$/);
    await waitForFileLine(errorLog, /^warned first$/);
    assert.doesNotMatch(srv.stdout(), /said first/);
    assert.doesNotMatch(srv.stderr(), /warned first/);

    fs.renameSync(errorLog, path.join(dir, 'error.log.1'));
    srv.kill('SIGUSR1');
    await waitForFileLine(errorLog, new RegExp(`\\[${worker}\\] \\[INFO\\] Log files reopened`));
    await request({ port, path: '/?say=second' });
    await waitForFileLine(errorLog, /^said second$/);
    await waitForFileLine(errorLog, /^warned second$/);
    assert.doesNotMatch(read(path.join(dir, 'error.log.1')), /second/);
  });
});

/** The TCP ports the processes hold listening sockets for (from /proc/net/tcp{,6} and their fds). */
function listeningPorts(pids) {
  const byInode = new Map();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const row of read(table).split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/);
      if (cols[3] === '0A') byInode.set(cols[9], parseInt(cols[1].split(':').pop(), 16));
    }
  }
  const ports = new Set();
  for (const pid of pids) {
    let fds = [];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link = '';
      try {
        link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && byInode.has(m[1])) ports.add(byInode.get(m[1]));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

describe('USR1', () => {
  test('after the log files are moved, the master and the workers write to new files', async (t) => {
    const dir = mkTmp('tusk-rotate-');
    const accessLog = path.join(dir, 'access.log');
    const { srv, errorLog, port } = await serveLogged(t, ['-w', '2', '--access-logfile', accessLog, '--access-log-format', '%(p)s %(r)s', fixture('plain.mjs')], 2);
    const workers = workerPids(srv.pid);
    await request({ port, path: '/before' });
    await waitForFileLine(accessLog, /GET \/before /);

    fs.renameSync(errorLog, `${errorLog}.1`);
    fs.renameSync(accessLog, `${accessLog}.1`);
    srv.kill('SIGUSR1');
    const reopened = await waitForFileLine(errorLog, /\[INFO\] Log files reopened/, 3);
    const pids = new Set(reopened.map((l) => Number(ERROR_LINE.exec(l)[1])));
    assert.deepEqual([...pids].sort(), [srv.pid, ...workers].sort(), 'the master and each worker reopened');
    assert.match(read(`${errorLog}.1`), new RegExp(`\\[${srv.pid}\\] \\[INFO\\] Handling signal: usr1`), 'logged before the reopen');

    for (let i = 0; i < 10; i++) await request({ port, path: `/after/${i}` });
    const after = await waitForFileLine(accessLog, /GET \/after\//, 10);
    assert.ok(after.every((l) => workers.some((w) => l.startsWith(`<${w}> `))), after.join('\n'));
    assert.doesNotMatch(read(`${accessLog}.1`), /after/);
    assert.match(read(`${accessLog}.1`), /GET \/before /);
    assert.doesNotMatch(read(`${errorLog}.1`), /Log files reopened/);
    assert.deepEqual(workerPids(srv.pid), workers, 'USR1 replaced no worker');
  });

  test('opens no inspector port in the master or the workers', async (t) => {
    const srv = startTusk(['-b', '127.0.0.1:0', '-w', '2', fixture('plain.mjs')]);
    t.after(() => srv.stop());
    const { port } = await srv.waitForReady(2);
    const pids = [srv.pid, ...workerPids(srv.pid)];
    assert.deepEqual(listeningPorts(pids), [port]);
    for (let i = 0; i < 2; i++) {
      srv.kill('SIGUSR1');
      await srv.waitForLine(/Log files reopened/, 5000, 3 * (i + 1));
    }
    await sleep(500);
    assert.deepEqual(listeningPorts(pids), [port], 'only the bind is listening');
    assert.ok(pids.every((p) => workerPids(srv.pid).includes(p) || p === srv.pid), 'every process is still there');
    assert.doesNotMatch(srv.stderr(), /Debugger listening/);
    assert.equal((await request({ port })).status, 200);
  });
});
