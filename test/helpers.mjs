// Shared helpers for the tusk integration tests.
//
// Every test starts the real CLI (`node dist/cli.js ...`) as a child process in
// its own process group (detached: true) so that the master and all of its
// workers can be killed with one `process.kill(-pid, 'SIGKILL')`.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
// TUSK_CLI overrides the CLI under test (defaults to the built dist/cli.js).
export const CLI = process.env.TUSK_CLI ? path.resolve(process.env.TUSK_CLI) : path.join(ROOT, 'dist', 'cli.js');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');
export const fixture = (name) => path.join(FIXTURES, name);
export const VERSION = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Variables that would change the CLI's behaviour behind a test's back.
const SCRUB = [
  'PORT', 'WEB_CONCURRENCY', 'TUSK_CMD_ARGS', 'LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES',
  'NODE_TEST_CONTEXT', 'NODE_CHANNEL_FD', 'NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID', 'TUSK_FDS', 'TUSK_MASTER_PID',
];

export function cleanEnv(extra = {}) {
  const env = { ...process.env };
  for (const k of SCRUB) delete env[k];
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = String(v);
  }
  return env;
}

// ---------------------------------------------------------------------------
// /proc helpers

/** Parse /proc/PID/stat; null when the process does not exist. */
export function procStat(pid) {
  let text;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // comm may contain spaces and parentheses: everything after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, state: rest[0], ppid: Number(rest[1]), pgrp: Number(rest[2]) };
}

/** True while the process exists and is not a zombie. */
export function isAlive(pid) {
  const st = procStat(pid);
  return st !== null && st.state !== 'Z' && st.state !== 'X';
}

/** Live (non-zombie) children of a process, sorted. */
export function childPids(parentPid) {
  const out = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = procStat(name);
    if (st && st.ppid === parentPid && st.state !== 'Z' && st.state !== 'X') out.push(Number(name));
  }
  return out.sort((a, b) => a - b);
}

/** The master's workers: its live children. */
export const workerPids = childPids;

/** /proc/PID/cmdline with NULs turned into spaces ('' if gone). */
export function cmdline(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+/g, ' ').trim();
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------
// waiting

/**
 * Poll `fn` until it returns a truthy value (returned) or `timeoutMs` passes
 * (throws, with `what` in the message). `fn` may be async.
 */
export async function waitFor(fn, timeoutMs = 5000, what = 'condition', intervalMs = 50) {
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() >= deadline) {
      const e = new Error(`timed out after ${timeoutMs} ms waiting for ${what}` +
        (lastErr ? ` (last error: ${lastErr.message})` : ''));
      throw e;
    }
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------
// HTTP

/**
 * One HTTP request on a fresh connection (agent: false).
 * opts: { port, host = '127.0.0.1', socketPath, path = '/', method, headers, body, timeout = 5000, signal }
 * Resolves { status, headers, body } (body is a string).
 */
export function request(opts) {
  const { port, host = '127.0.0.1', socketPath, path: p = '/', method = 'GET',
    headers = {}, body, timeout = 5000, signal } = opts;
  return new Promise((resolve, reject) => {
    const hdrs = { ...headers };
    let payload;
    if (body !== undefined) {
      payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      if (typeof body !== 'string' && !Buffer.isBuffer(body) && !hdrs['content-type']) {
        hdrs['content-type'] = 'application/json';
      }
      hdrs['content-length'] = Buffer.byteLength(payload);
    }
    const reqOpts = { method, path: p, headers: hdrs, agent: false, signal };
    if (socketPath) reqOpts.socketPath = socketPath;
    else Object.assign(reqOpts, { host, port });
    const req = http.request(reqOpts, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`request ${method} ${p} timed out after ${timeout} ms`));
    }, timeout);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Is something accepting TCP connections at host:port? */
export function canConnect(port, host = '127.0.0.1', timeout = 1000) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    const t = setTimeout(() => { s.destroy(); resolve(false); }, timeout);
    s.on('connect', () => { clearTimeout(t); s.destroy(); resolve(true); });
    s.on('error', () => { clearTimeout(t); resolve(false); });
  });
}

/** Can this machine listen on ::1? */
export function hasIPv6Loopback() {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(0, '::1', () => srv.close(() => resolve(true)));
  });
}

// ---------------------------------------------------------------------------
// temp dirs

const tmpDirs = new Set();

export function mkTmp(prefix = 'tusk-test-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.add(dir);
  return dir;
}

export function rmTmp(dir) {
  try { fs.rmSync(dir, { recursive: true, force: true }); } catch { /* ignore */ }
  tmpDirs.delete(dir);
}

// ---------------------------------------------------------------------------
// the server under test

const live = new Set();

/** Parse a `Listening at:` address. */
function parseAddress(s) {
  if (s.startsWith('unix:')) return { kind: 'unix', path: s.slice(5), raw: s };
  const m = /^http:\/\/(\[[^\]]+\]|[^:/]+):(\d+)$/.exec(s);
  if (!m) return { kind: 'unknown', raw: s };
  const host = m[1].startsWith('[') ? m[1].slice(1, -1) : m[1];
  return { kind: host.includes(':') ? 'tcp6' : 'tcp', host, port: Number(m[2]), raw: s };
}

/**
 * Start the CLI. `args` are the CLI arguments (options and APP).
 * options: { cwd = ROOT, env (extra vars, merged into a scrubbed copy of process.env),
 *            rawEnv (use exactly this env), extraStdio (appended after stdin/out/err),
 *            command / commandArgs (spawn this instead of `node dist/cli.js args`) }
 */
export function startTusk(args = [], options = {}) {
  const { cwd = ROOT, env = {}, rawEnv, extraStdio = [], command, commandArgs } = options;
  const file = command ?? process.execPath;
  const argv = command ? commandArgs : [CLI, ...args];
  const child = spawn(file, argv, {
    cwd,
    env: rawEnv ?? cleanEnv(env),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', ...extraStdio],
  });

  let stderr = '';
  let stdout = '';
  const lines = []; // { text, at } for stderr lines
  let partial = '';
  child.stderr.setEncoding('utf8');
  child.stdout.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    stderr += d;
    const at = Date.now();
    partial += d;
    const parts = partial.split('\n');
    partial = parts.pop();
    for (const text of parts) lines.push({ text, at });
    if (process.env.TUSK_TEST_VERBOSE) process.stderr.write(d);
  });
  child.stdout.on('data', (d) => { stdout += d; });

  let exitInfo = null;
  let exitAt = 0;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      exitAt = Date.now();
      resolve(exitInfo);
    });
    child.on('error', (err) => {
      exitInfo = { code: null, signal: null, error: err };
      exitAt = Date.now();
      resolve(exitInfo);
    });
  });

  const seenWorkers = new Set();

  const h = {
    child,
    pid: child.pid,
    startedAt: Date.now(),
    exited,
    get exitInfo() { return exitInfo; },
    get exitAt() { return exitAt; },
    stderr: () => stderr,
    stdout: () => stdout,
    /** All complete stderr lines (plus a trailing partial one). */
    lines: () => (partial ? [...lines, { text: partial, at: Date.now() }] : lines.slice()),
    /** Lines matching re, with arrival times. */
    matches(re) {
      const out = [];
      for (const l of h.lines()) {
        const m = re.exec(l.text);
        if (m) out.push({ m, at: l.at, text: l.text });
      }
      return out;
    },
    count: (re) => h.matches(re).length,
    tail(n = 40) {
      return h.stderr().split('\n').slice(-n).join('\n');
    },
    /**
     * Wait until at least `n` stderr lines match `re`; resolves the n-th match
     * ({ m, at, text }). Fails fast if the process exits first.
     */
    async waitForLine(re, timeoutMs = 10000, n = 1) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const ms = h.matches(re);
        if (ms.length >= n) return ms[n - 1];
        if (exitInfo && Date.now() - exitAt > 300) {
          throw new Error(`tusk exited (${JSON.stringify(exitInfo)}) before printing ${re} ` +
            `(x${n}); stderr:\n${h.tail()}`);
        }
        if (Date.now() >= deadline) {
          throw new Error(`timed out after ${timeoutMs} ms waiting for ${re} (x${n}); stderr:\n${h.tail()}`);
        }
        await sleep(25);
      }
    },
    /** Addresses from `Listening at:` lines. */
    addresses() {
      return h.matches(/Listening at: (\S+) \((\d+)\)/).map(({ m }) => ({ ...parseAddress(m[1]), masterPid: Number(m[2]) }));
    },
    /** Pids from `Booting worker with pid:` lines. */
    bootedPids() {
      return h.matches(/Booting worker with pid: (\d+)/).map(({ m }) => Number(m[1]));
    },
    readyPids() {
      return h.matches(/Worker ready \(pid: (\d+)\)/).map(({ m }) => Number(m[1]));
    },
    /**
     * Wait for `nWorkers` `Worker ready` lines and at least `nBinds` `Listening at` lines.
     * Resolves { port, ports, addresses }.
     */
    async waitForReady(nWorkers = 1, timeoutMs = 15000, nBinds = 1) {
      await h.waitForLine(/Listening at: /, timeoutMs, nBinds);
      await h.waitForLine(/Worker ready \(pid: \d+\)/, timeoutMs, nWorkers);
      const addresses = h.addresses();
      const ports = addresses.filter((a) => a.port).map((a) => a.port);
      return { port: ports[0], ports, addresses };
    },
    workers: () => childPids(child.pid),
    alive: () => exitInfo === null && isAlive(child.pid),
    kill(sig = 'SIGTERM') {
      try { process.kill(child.pid, sig); } catch { /* gone */ }
    },
    /** Wait for the master to exit; throws on timeout. */
    async waitExit(timeoutMs = 10000) {
      let timer;
      const t = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(
          `tusk (pid ${child.pid}) did not exit within ${timeoutMs} ms; stderr:\n${h.tail()}`)), timeoutMs);
      });
      try {
        return await Promise.race([exited, t]);
      } finally {
        clearTimeout(timer);
      }
    },
    /** Wait (bounded) for stderr/stdout to reach EOF, e.g. after the master exited. */
    async drained(timeoutMs = 1500) {
      await Promise.race([
        Promise.all([
          new Promise((r) => (child.stdout.readableEnded || child.stdout.destroyed ? r() : child.stdout.on('close', r))),
          new Promise((r) => (child.stderr.readableEnded || child.stderr.destroyed ? r() : child.stderr.on('close', r))),
        ]),
        sleep(timeoutMs),
      ]);
    },
    /** Kill everything: the process group, every worker we know of. Idempotent. */
    async stop() {
      for (const p of childPids(child.pid)) seenWorkers.add(p);
      for (const p of h.bootedPids()) seenWorkers.add(p);
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
      try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
      for (const p of seenWorkers) {
        const st = procStat(p);
        // guard against pid reuse: only kill processes that still look like ours
        if (st && (st.ppid === child.pid || st.pgrp === child.pid || /tusk|node/.test(cmdline(p)))) {
          try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
        }
      }
      await Promise.race([exited, sleep(3000)]);
      live.delete(h);
    },
  };
  live.add(h);
  // Remember workers as they are announced, so stop() can find them even if
  // they left the process group.
  child.stderr.on('data', () => { for (const p of h.bootedPids()) seenWorkers.add(p); });
  return h;
}

/**
 * Run the CLI to completion (for --print-config, --help, bad arguments...).
 * Resolves { code, signal, stdout, stderr, timedOut, ms }.
 */
export async function runTusk(args, options = {}) {
  const { timeout = 15000 } = options;
  const h = startTusk(args, options);
  const t0 = Date.now();
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; h.stop(); }, timeout);
  const info = await h.exited;
  clearTimeout(timer);
  // let the pipes drain (they close when every holder has exited)
  await h.drained(1000);
  await h.stop();
  return { code: info.code, signal: info.signal, stdout: h.stdout(), stderr: h.stderr(), timedOut, ms: Date.now() - t0 };
}

/** Kill every server still running and remove temp dirs. Use in after(). */
export async function cleanupAll() {
  await Promise.all([...live].map((h) => h.stop()));
  for (const d of [...tmpDirs]) rmTmp(d);
}

process.on('exit', () => {
  for (const h of live) {
    try { process.kill(-h.pid, 'SIGKILL'); } catch { /* gone */ }
    try { process.kill(h.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  for (const d of tmpDirs) {
    try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* ignore */ }
  }
});

/** Parse `--print-config` output into { name: value }. */
export function parsePrintConfig(text) {
  const out = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][\w]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    try {
      out[m[1]] = JSON.parse(m[2]);
    } catch {
      out[m[1]] = { unparsed: m[2] };
    }
  }
  return out;
}
