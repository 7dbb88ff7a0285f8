// bench/lib/proc.mjs — the bench's process plumbing: starting a server in its own session (so every
// process of it can be found and killed), finding a session's processes and summing their CPU time
// and RSS from /proc, per-CPU busy time from /proc/stat, CPU affinity, and killing every started
// server group on exit or Ctrl-C.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

let clkTck = 100;
try {
  clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // USER_HZ is 100 on every Linux build that matters.
}
export const CLK_TCK = clkTck;

/** Fields of /proc/PID/stat after the command name; null when the process is gone. */
function statFields(pid) {
  let text;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** Live (non-zombie) pids whose session id is `sid`. */
export function sessionPids(sid) {
  const out = [];
  for (const name of fs.readdirSync('/proc')) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    const f = statFields(name);
    if (f && Number(f[3]) === sid && f[0] !== 'Z' && f[0] !== 'X') out.push(Number(name));
  }
  return out;
}

/**
 * CPU time in clock ticks per pid: utime + stime + cutime + cstime (the last two hold children
 * that were reaped, so a process that dies mid-window is not lost once its parent reaps it).
 */
export function cpuTicks(pids) {
  const m = new Map();
  for (const pid of pids) {
    const f = statFields(pid);
    if (f) m.set(pid, Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]));
  }
  return m;
}

/** Seconds of CPU used between two cpuTicks() maps (pids new in `after` count from zero). */
export function cpuSecondsBetween(before, after) {
  let ticks = 0;
  for (const [pid, t] of after) ticks += Math.max(0, t - (before.get(pid) ?? 0));
  return ticks / CLK_TCK;
}

/** Sum of VmRSS (bytes) over pids. */
export function rssBytes(pids) {
  let kb = 0;
  for (const pid of pids) {
    try {
      const m = /VmRSS:\s+(\d+)\s*kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      // gone
    }
  }
  return kb * 1024;
}

/** Per-CPU tick counters from /proc/stat: { cpuN: { busy, irq, steal, total } }. */
export function cpuStat() {
  const out = {};
  for (const line of fs.readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = m[2].split(/\s+/).map(Number);
    out[m[1]] = {
      task: user + nice + system, // time charged to processes (what utime/stime add up to)
      irq: irq + softirq,
      steal: steal || 0,
      total: user + nice + system + idle + iowait + irq + softirq + (steal || 0),
    };
  }
  return out;
}

/** The CPUs this process may run on (Cpus_allowed_list), as numbers. */
export function allowedCpus() {
  try {
    const m = /Cpus_allowed_list:\s*(\S+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    const cpus = [];
    for (const part of m[1].split(',')) {
      const [a, b] = part.split('-').map(Number);
      for (let c = a; c <= (b ?? a); c++) cpus.push(c);
    }
    return cpus;
  } catch {
    return os.cpus().map((_, i) => i);
  }
}

/** Pin every thread of this process to `cpu` (so the harness's own work stays off the server's CPU). */
export function pinSelf(cpu) {
  try {
    execFileSync('taskset', ['-a', '-c', '-p', String(cpu), String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function onPath(cmd) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!dir) continue;
    try {
      fs.accessSync(`${dir}/${cmd}`, fs.constants.X_OK);
      return `${dir}/${cmd}`;
    } catch {
      // next
    }
  }
  return null;
}

const shq = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${String(s).replace(/'/g, `'\\''`)}'`);
/** A shell command line from an argv, quoted. */
export const shellJoin = (argv) => argv.map(shq).join(' ');

/**
 * The bash prologue that raises the open-file limit (5,000 connections need more than the usual
 * 1,024) before exec'ing the real command.
 */
export const ULIMIT = 'ulimit -n 65536 2>/dev/null || ulimit -n hard 2>/dev/null;';

/** Every server group started and not yet known to be gone. */
const live = new Set();

/**
 * Start `argv` in a new session (setsid), optionally pinned to `cpu`, with a raised fd limit.
 * Returns { pid, sid, child, output() } where output() is the tail of its stdout+stderr.
 */
export function startGroup(argv, { cpu = null, env = process.env, cwd } = {}) {
  const cmd = (cpu === null ? [] : ['taskset', '-c', String(cpu)]).concat(argv);
  const child = spawn('bash', ['-c', `${ULIMIT} exec ${shellJoin(cmd)}`], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
    cwd,
  });
  let tail = '';
  const keep = (d) => {
    tail = (tail + d.toString()).slice(-8192);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  const g = { pid: child.pid, sid: child.pid, child, output: () => tail, exited: () => exited };
  live.add(g);
  return g;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function signalGroup(g, sig) {
  try {
    process.kill(-g.sid, sig);
  } catch {
    // group already empty
  }
  // A process that moved to a group of its own is still in the session.
  for (const pid of sessionPids(g.sid)) {
    try {
      process.kill(pid, sig);
    } catch {
      // gone
    }
  }
}

/**
 * SIGTERM to the whole session, SIGKILL to whatever is left after `graceMs`. Resolves to
 * 'clean' or 'killed'.
 */
export async function stopGroup(g, graceMs = 3000) {
  signalGroup(g, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (sessionPids(g.sid).length === 0) {
      live.delete(g);
      return 'clean';
    }
    await sleep(25);
  }
  signalGroup(g, 'SIGKILL');
  for (let i = 0; i < 40 && sessionPids(g.sid).length; i++) await sleep(25);
  live.delete(g);
  return 'killed';
}

/** Stop every live group (TERM, then KILL after graceMs). */
export async function stopAll(graceMs = 3000) {
  await Promise.all([...live].map((g) => stopGroup(g, graceMs)));
}

/** Last resort on process exit: SIGKILL every group still live (synchronous). */
export function killAllNow() {
  for (const g of live) signalGroup(g, 'SIGKILL');
  live.clear();
}
