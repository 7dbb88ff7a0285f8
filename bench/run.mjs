#!/usr/bin/env node
// bench/run.mjs — `npm run bench`: the side-by-side benchmark. For each workload and each server
// available here: start the server fresh (one worker, pinned to one CPU, in its own session), wait
// until it answers, check it answers the workload correctly, warm up, measure with the load
// generator pinned to another CPU, stop it (SIGTERM to the session, SIGKILL after 3 s). Then write
// bench/results/<date>-<host>.json, .md and .svg (and latest.md / latest.svg) and print the table.
// Flags every figure that is not a server-bound figure. `--help` for the options.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  allowedCpus, pinSelf, startGroup, stopGroup, stopAll, killAllNow, sessionPids, cpuTicks,
  cpuSecondsBetween, rssBytes, cpuStat, CLK_TCK, onPath,
} from './lib/proc.mjs';
import { catalogue } from './lib/servers.mjs';
import { WORKLOADS, QUICK, answersHello, checkWorkload } from './lib/workloads.mjs';
import { pickLoadGenerator } from './lib/loadgen.mjs';
import { markdown, svg } from './lib/report.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = path.join(ROOT, 'bench', 'results');
const BASELINE = 'node-http';
const SERVER_BOUND = 0.8; // below this share of a core the server was not the bottleneck
const CLIENT_SATURATED = 0.9; // at or above this share of its core the load generator was
const NOISY = 0.1; // other processes' share of the server's core that makes a run noisy

const HELP = `usage: npm run bench [-- OPTIONS]

  --quick              hello keep-alive and connection-per-request only, 1 s warm-up, 3 s measured
  --only=a,b           servers to run (node-http, the baseline, always runs)
  --workloads=a,b      workloads to run
  --duration=SECONDS   measured window per run (default 10, quick 3)
  --warmup=SECONDS     warm-up per run (default 2, quick 1)
  --loadgen=autocannon use autocannon even where wrk is on the PATH
  --render=FILE.json   rewrite FILE.md and FILE.svg from a saved run, then exit (runs nothing)
  --list               list the servers and workloads and exit
  -h, --help           this help

servers:   ${catalogue(ROOT).map((s) => s.key).join(', ')}
workloads: ${WORKLOADS.map((w) => w.id).join(', ')}
`;

function parseArgs(argv) {
  const o = { quick: false, only: null, workloads: null, duration: null, warmup: null, loadgen: null, list: false };
  for (const a of argv) {
    const [k, v] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, null];
    if (k === '--quick') o.quick = true;
    else if (k === '--only') o.only = v.split(',').filter(Boolean);
    else if (k === '--workloads') o.workloads = v.split(',').filter(Boolean);
    else if (k === '--duration') o.duration = Number(v);
    else if (k === '--warmup') o.warmup = Number(v);
    else if (k === '--loadgen') o.loadgen = v;
    else if (k === '--list') o.list = true;
    else if (k === '--render') o.render = v;
    else if (k === '-h' || k === '--help') {
      process.stdout.write(HELP);
      process.exit(0);
    } else {
      process.stderr.write(`bench: unknown option ${a}\n\n${HELP}`);
      process.exit(2);
    }
  }
  for (const k of ['duration', 'warmup']) {
    if (o[k] !== null && !(o[k] > 0 && Number.isInteger(o[k]))) {
      process.stderr.write(`bench: --${k} takes a whole number of seconds\n`);
      process.exit(2);
    }
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const log = (s) => process.stderr.write(`${s}\n`);
if (opts.render) {
  const saved = JSON.parse(fs.readFileSync(opts.render, 'utf8'));
  const stem = opts.render.replace(/\.json$/, '');
  fs.writeFileSync(`${stem}.md`, markdown(saved));
  fs.writeFileSync(`${stem}.svg`, svg(saved));
  log(`wrote ${stem}.md and ${stem}.svg`);
  process.exit(0);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- what to run -------------------------------------------------------------------------------
const servers = catalogue(ROOT);
const workloadIds = opts.workloads ?? (opts.quick ? QUICK : WORKLOADS.map((w) => w.id));
for (const id of workloadIds) {
  if (!WORKLOADS.some((w) => w.id === id)) {
    log(`bench: unknown workload ${id} (known: ${WORKLOADS.map((w) => w.id).join(', ')})`);
    process.exit(2);
  }
}
for (const k of opts.only ?? []) {
  if (!servers.some((s) => s.key === k)) {
    log(`bench: unknown server ${k} (known: ${servers.map((s) => s.key).join(', ')})`);
    process.exit(2);
  }
}
if (opts.list) {
  process.stdout.write(HELP.slice(HELP.indexOf('servers:')));
  process.exit(0);
}
const workloads = WORKLOADS.filter((w) => workloadIds.includes(w.id));
const wanted = servers.filter((s) => !opts.only || s.key === BASELINE || opts.only.includes(s.key));
const skipped = [];
const toRun = [];
for (const s of wanted) {
  const why = s.available();
  if (why) skipped.push({ key: s.key, name: s.name, reason: why });
  else toRun.push(s);
}
const seconds = opts.duration ?? (opts.quick ? 3 : 10);
const warmupSeconds = opts.warmup ?? (opts.quick ? 1 : 2);
const mode = opts.quick ? 'quick' : opts.only || opts.workloads || opts.duration || opts.warmup ? 'partial' : 'full';

// ---- machine, pinning, load generator ----------------------------------------------------------
const cpus = allowedCpus();
const sharedCpu = cpus.length < 2;
const pinned = !sharedCpu && onPath('taskset') !== null;
const clientCpu = pinned ? cpus[0] : null;
const serverCpu = pinned ? cpus[1] : null;
if (pinned) pinSelf(clientCpu); // the harness's own sampling stays off the server's core
const pinning = pinned
  ? `server pinned to CPU ${serverCpu}, load generator and harness to CPU ${clientCpu}`
  : sharedCpu
    ? 'NOT pinned: only one CPU available, so server and load generator share it'
    : 'NOT pinned: taskset not found';

const loadgen = pickLoadGenerator(ROOT, { force: opts.loadgen });
if (!loadgen) {
  log('bench: no load generator: install wrk (apt-get install wrk) or run npm install (autocannon)');
  process.exit(1);
}

function sh(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT }).trim();
  } catch (e) {
    return `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() || null;
  }
}
function pkgVersion(name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}
const cpuModel = (/^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8')) ?? [])[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown CPU';
const now = new Date();
const commit = sh('git', ['rev-parse', '--short', 'HEAD']);
const machine = {
  hostname: os.hostname(),
  cpuModel,
  cpus: os.cpus().length,
  cpusAllowed: cpus,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  kernel: os.release(),
  node: process.version,
  loadgen: { name: loadgen.name, version: loadgen.version, threads: loadgen.threads },
  pinning,
  clkTck: CLK_TCK,
  date: now.toISOString(),
  tusk: commit && /^[0-9a-f]+$/.test(commit)
    ? `${commit}${sh('git', ['status', '--porcelain', '--', 'src', 'native']) ? ' (with uncommitted changes in src/ or native/)' : ''}`
    : null,
  versions: {
    express: pkgVersion('express'), fastify: pkgVersion('fastify'), hono: pkgVersion('hono'),
    '@hono/node-server': pkgVersion('@hono/node-server'),
    ...(onPath('bun') && { bun: sh('bun', ['--version']) }),
    ...(onPath('deno') && { deno: sh('deno', ['--version'])?.split('\n')[0] }),
    ...(onPath('nginx') && { nginx: sh('nginx', ['-v']) }),
    ...(onPath('gunicorn') && { gunicorn: sh('gunicorn', ['--version']) }),
  },
};

// ---- clean shutdown ----------------------------------------------------------------------------
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tusk-bench-'));
let loadChild = null;
function killLoad(sig) {
  try {
    if (loadChild) process.kill(-loadChild.pid, sig);
  } catch {
    // gone
  }
}
let aborting = null; // the stopping promise once a signal came: nothing is written after that
function abort(sig) {
  if (aborting) return;
  log(`\nbench: ${sig}: stopping every started server; no results are written`);
  killLoad('SIGTERM');
  aborting = stopAll(3000).finally(() => process.exit(130));
}
process.on('SIGINT', () => abort('SIGINT'));
process.on('SIGTERM', () => abort('SIGTERM'));
process.on('SIGHUP', () => abort('SIGHUP'));
process.on('exit', () => {
  killLoad('SIGKILL');
  killAllNow();
  fs.rmSync(tmp, { recursive: true, force: true });
});

// ---- one measurement ---------------------------------------------------------------------------
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function serverEnv(extra = {}) {
  const env = { ...process.env, NODE_ENV: 'production', ...extra };
  for (const k of ['TUSK_CMD_ARGS', 'WEB_CONCURRENCY', 'LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES', 'NODE_CHANNEL_FD']) delete env[k];
  if (!('PORT' in extra)) delete env.PORT;
  return env;
}

async function waitUp(g, port, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (g.exited()) return `exited (${g.exited().code ?? g.exited().signal}) before answering: ${g.output().trim().slice(-600)}`;
    if (await answersHello(port)) return null;
    await sleep(50);
  }
  return `did not answer GET / within ${ms / 1000} s: ${g.output().trim().slice(-600)}`;
}

const load = (url, workload, secs) =>
  loadgen.run({ url, workload, seconds: secs, cpu: clientCpu, tmp, onChild: (c) => (loadChild = c) });

async function measure(server, workload) {
  const port = await freePort();
  const spec = server.start(port, tmp);
  const g = startGroup(spec.argv, { cpu: serverCpu, env: serverEnv(spec.env), cwd: ROOT });
  const base = {
    server: server.key, name: server.name, group: server.group, workload: workload.id, workloadTitle: workload.title,
    command: spec.argv.map((a) => (a === process.execPath ? 'node' : a.replaceAll(tmp, '$TMP'))).join(' '),
  };
  let out;
  try {
    out = await measureOn(g, port, workload, base);
  } catch (e) {
    out = { ...base, status: 'failed', reason: e.message };
  }
  out.stop = await stopGroup(g, 3000);
  if (out.stop === 'killed' && out.flags) out.flags.push('killed');
  return out;
}

async function measureOn(g, port, workload, base) {
  const up = await waitUp(g, port, 20000);
  if (up) return { ...base, status: 'failed', reason: up };
  const wrong = await checkWorkload(workload.id, port);
  if (wrong) return { ...base, status: 'skipped', reason: `does not serve this workload correctly: ${wrong}` };
  const url = `http://127.0.0.1:${port}${workload.path}`;

  await load(url, workload, warmupSeconds);
  await sleep(250); // let the warm-up's connections close

  let pids = sessionPids(g.sid);
  const seen = new Set(pids);
  let peak = rssBytes(pids);
  let tick = 0;
  const sampler = setInterval(() => {
    if (++tick % 10 === 0) {
      pids = sessionPids(g.sid);
      pids.forEach((p) => seen.add(p));
    }
    peak = Math.max(peak, rssBytes(pids));
  }, 100);
  const statBefore = cpuStat();
  const harnessCpu = process.cpuUsage();
  const before = cpuTicks(pids);
  const t0 = performance.now();
  let lr;
  try {
    lr = await load(url, workload, seconds);
  } finally {
    clearInterval(sampler);
  }
  const after = cpuTicks(new Set([...seen, ...sessionPids(g.sid)]));
  const t1 = performance.now();
  const statAfter = cpuStat();
  peak = Math.max(peak, rssBytes(sessionPids(g.sid)));
  if (g.exited()) return { ...base, status: 'failed', reason: `server exited during the run: ${g.output().trim().slice(-600)}` };

  if (lr.requests === 0) {
    return { ...base, status: 'failed', reason: `no request completed in ${seconds} s (${JSON.stringify(lr.errors)})`, loadgenOutput: lr.raw };
  }
  const wall = (t1 - t0) / 1000;
  const cpuSec = cpuSecondsBetween(before, after);
  const errors = { ...lr.errors };
  errors.total = Object.values(lr.errors).reduce((a, b) => a + b, 0);
  const serverShare = cpuSec / wall;
  const clientShare = lr.clientCpuSeconds === null ? null : lr.clientCpuSeconds / lr.seconds;
  // What else ran on each pinned CPU during the window (other processes, VM steal): the harness
  // shares the client's CPU, so its own CPU time is not counted as other load there.
  let otherOnServerCpu = null;
  let otherOnClientCpu = null;
  let clientCpuBusy = null;
  let serverCpuBusy = null;
  if (serverCpu !== null && statBefore[serverCpu] && statAfter[clientCpu]) {
    const d = (cpu, k) => (statAfter[cpu][k] - statBefore[cpu][k]) / CLK_TCK;
    otherOnServerCpu = Math.max(0, d(serverCpu, 'task') - cpuSec + d(serverCpu, 'steal')) / wall;
    const harness = (process.cpuUsage(harnessCpu).user + process.cpuUsage(harnessCpu).system) / 1e6;
    otherOnClientCpu = Math.max(0, d(clientCpu, 'task') - (lr.clientCpuSeconds ?? 0) - harness + d(clientCpu, 'steal')) / wall;
    clientCpuBusy = (d(clientCpu, 'task') + d(clientCpu, 'irq') + d(clientCpu, 'steal')) / wall;
    serverCpuBusy = (d(serverCpu, 'task') + d(serverCpu, 'irq') + d(serverCpu, 'steal')) / wall;
  }
  // The client side is saturated when the load generator's core is full, whether by the load
  // generator itself or by something else competing with it (then the run is also noisy).
  const clientSaturated = (clientShare !== null && clientShare >= CLIENT_SATURATED) ||
    (clientCpuBusy !== null && clientCpuBusy >= CLIENT_SATURATED);
  const flags = [];
  if (sharedCpu) {
    // One core for both: the server never has it to itself, so only a core left idle is a finding.
    flags.push('shared-cpu');
    if (serverShare + (clientShare ?? 0) < SERVER_BOUND) flags.push('under-loaded');
  } else if (serverShare < SERVER_BOUND) {
    // Below 80% of its core: either other processes took the rest of the server's core, or the
    // client side could not send more, or neither side was busy.
    if (serverCpuBusy !== null && serverCpuBusy >= CLIENT_SATURATED) flags.push('contended');
    else flags.push(clientSaturated ? 'client-bound' : 'under-loaded');
  }
  if (errors.total > 0) flags.push('errors');
  if (Math.max(otherOnServerCpu ?? 0, otherOnClientCpu ?? 0) >= NOISY) flags.push('noisy');
  return {
    ...base,
    status: 'ok',
    requests: lr.requests,
    seconds: lr.seconds,
    rps: lr.requests / lr.seconds,
    p50Ms: lr.p50Ms,
    p99Ms: lr.p99Ms,
    cpuSeconds: cpuSec,
    cpuUsPerReq: lr.requests > 0 ? (cpuSec * 1e6) / lr.requests : null,
    serverCpu: serverShare,
    clientCpu: clientShare,
    clientCpuBusy,
    serverCpuBusy,
    otherLoadOnServerCpu: otherOnServerCpu,
    otherLoadOnClientCpu: otherOnClientCpu,
    peakRssBytes: peak,
    processes: seen.size,
    errors,
    flags,
    loadgenCommand: lr.command,
    loadgenOutput: lr.raw,
  };
}

// ---- main --------------------------------------------------------------------------------------
log(`tusk bench (${mode}): ${workloads.length} workloads × ${toRun.length} servers, warm-up ${warmupSeconds} s, measured ${seconds} s`);
log(`machine: ${cpuModel}, ${machine.cpus} CPUs, Linux ${machine.kernel}, Node ${process.version}`);
log(`load generator: ${loadgen.name} ${loadgen.version}${loadgen.name === 'wrk' ? '' : opts.loadgen ? ' (--loadgen)' : ' (wrk not found on PATH)'}`);
log(`pinning: ${pinning}`);
for (const s of skipped) log(`skipped: ${s.name}: ${s.reason}`);
const load1 = os.loadavg()[0];
if (load1 > 0.5) log(`note: load average ${load1.toFixed(2)} before the run: other work on this machine can skew the figures (see the noisy flag)`);

const results = [];
for (const w of workloads) {
  for (const s of toRun) {
    if (aborting) break;
    if (s.unsupported?.[w.id]) {
      results.push({ server: s.key, name: s.name, group: s.group, workload: w.id, workloadTitle: w.title, status: 'skipped', reason: s.unsupported[w.id] });
      continue;
    }
    const r = await measure(s, w);
    results.push(r);
    const fmt = (n, d = 0) => (n === null || n === undefined ? '–' : n.toFixed(d));
    log(r.status === 'ok'
      ? `  ${w.id.padEnd(8)} ${s.name.padEnd(26)} ${fmt(r.rps).padStart(8)} req/s  ${fmt(r.cpuUsPerReq, 1).padStart(7)} µs/req  server ${fmt(r.serverCpu * 100)}%  client ${fmt(r.clientCpu * 100)}%${r.flags.length ? `  [${r.flags.join(', ')}]` : ''}`
      : `  ${w.id.padEnd(8)} ${s.name.padEnd(26)} ${r.status}: ${r.reason.split('\n')[0].slice(0, 200)}`);
  }
}

if (aborting) await new Promise(() => {}); // abort() exits once every server is stopped

for (const r of results) {
  if (r.status !== 'ok') continue;
  const b = results.find((x) => x.server === BASELINE && x.workload === r.workload && x.status === 'ok');
  r.ratio = {
    rps: b ? r.rps / b.rps : null,
    cpu: b && b.cpuUsPerReq && r.cpuUsPerReq !== null ? r.cpuUsPerReq / b.cpuUsPerReq : null,
  };
}

// No machine-specific paths in what is written: the checkout and the temp dir become relative.
const relative = (value) => JSON.parse(JSON.stringify(value, (k, v) =>
  (typeof v === 'string' ? v.replaceAll(tmp, '$TMP').replaceAll(ROOT, './').replaceAll(ROOT.replace(/\/$/, ''), '.') : v)));
const run = relative({ mode, seconds, warmupSeconds, machine, skipped, workloads: workloads.map((w) => ({ id: w.id, title: w.title })), results });
const pad = (n) => String(n).padStart(2, '0');
const stem = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}-${os.hostname().replace(/[^A-Za-z0-9._-]/g, '-')}${mode === 'full' ? '' : `-${mode}`}`;
fs.mkdirSync(RESULTS, { recursive: true });
const md = markdown(run);
const chart = svg(run);
fs.writeFileSync(path.join(RESULTS, `${stem}.json`), `${JSON.stringify(run, null, 2)}\n`);
fs.writeFileSync(path.join(RESULTS, `${stem}.md`), md);
fs.writeFileSync(path.join(RESULTS, `${stem}.svg`), chart);
fs.writeFileSync(path.join(RESULTS, 'latest.md'), `${md}\n![CPU µs per request](latest.svg)\n`);
fs.writeFileSync(path.join(RESULTS, 'latest.svg'), chart);
process.stdout.write(`\n${md}\n`);
log(`wrote bench/results/${stem}.{json,md,svg} and bench/results/latest.{md,svg}`);
