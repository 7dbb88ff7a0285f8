// bench/lib/loadgen.mjs — the load generators: wrk when it is on the PATH, autocannon (a
// devDependency) otherwise. Runs one load (pinned to the client CPU, fd limit raised) and returns
// the same shape for both: requests, duration, latency percentiles, errors, and the CPU time the
// load generator itself used (bash's `times` after it exits), to tell whether it was saturated.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { onPath, shellJoin, ULIMIT } from './proc.mjs';
import { jsonBody } from './workloads.mjs';

/** The load generator to use: { name, version, run(opts) }. */
export function pickLoadGenerator(root, { force } = {}) {
  const wrk = onPath('wrk');
  if (wrk && force !== 'autocannon') {
    let version = 'unknown';
    try {
      // `wrk -v` prints its banner and usage, and exits 1.
      execFileSync(wrk, ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      const m = /^wrk (\S+)/m.exec(`${e.stdout ?? ''}${e.stderr ?? ''}`);
      if (m) version = m[1];
    }
    return { name: 'wrk', version, threads: 1, run: (o) => runWrk(root, o) };
  }
  const require = createRequire(path.join(root, 'package.json'));
  let pkg;
  try {
    pkg = require.resolve('autocannon/package.json');
  } catch {
    return null;
  }
  const meta = JSON.parse(fs.readFileSync(pkg, 'utf8'));
  const bin = path.join(path.dirname(pkg), typeof meta.bin === 'string' ? meta.bin : meta.bin.autocannon);
  return { name: 'autocannon', version: meta.version, threads: 1, run: (o) => runAutocannon(root, bin, o) };
}

/**
 * Run `argv` through bash (fd limit raised, pinned to `cpu` unless null) and report its stdout
 * and the CPU seconds it used. `onChild` receives the child (leader of its own process group) so
 * that Ctrl-C can kill the group.
 */
function runTimed(argv, { cpu, cwd, onChild }) {
  const cmd = (cpu === null ? [] : ['taskset', '-c', String(cpu)]).concat(argv);
  const script = `${ULIMIT} ${shellJoin(cmd)}; rc=$?; echo @@TIMES; times; exit $rc`;
  return new Promise((resolve, reject) => {
    // Its own process group, so that stopping it reaches the load generator under bash too.
    const child = spawn('bash', ['-c', script], { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    onChild?.(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err = (err + d).slice(-4096)));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      onChild?.(null);
      const i = out.lastIndexOf('@@TIMES');
      const times = i >= 0 ? out.slice(i).split('\n')[2] ?? '' : '';
      const secs = [...times.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
      resolve({
        code, signal, stdout: i >= 0 ? out.slice(0, i) : out, stderr: err,
        cpuSeconds: secs.length === 2 ? secs[0] + secs[1] : null,
      });
    });
  });
}

async function runWrk(root, { url, workload, seconds, cpu, onChild, tmp }) {
  // wrk takes one script: the workload's own part, then report.lua's done().
  const parts = [workload.lua, 'report.lua'].filter(Boolean).map((f) => fs.readFileSync(path.join(root, 'bench', 'wrk', f), 'utf8'));
  const script = path.join(tmp, `${workload.id}.lua`);
  fs.writeFileSync(script, parts.join('\n'));
  const argv = ['wrk', '-t1', `-c${workload.connections}`, `-d${seconds}s`, '--latency', '-s', script];
  for (const [k, v] of Object.entries(workload.headers ?? {})) {
    if (!workload.lua) argv.push('-H', `${k}: ${v}`); // scripts set their own headers
  }
  argv.push(url);
  const r = await runTimed(argv, { cpu, cwd: root, onChild });
  const m = /@@BENCH (\{.*\})/.exec(r.stdout);
  if (!m) throw new Error(`wrk failed (exit ${r.code ?? r.signal}): ${(r.stderr || r.stdout).trim().slice(-500)}`);
  const j = JSON.parse(m[1]);
  let p50 = j.p50_us / 1000;
  let p99 = j.p99_us / 1000;
  // wrk 4.1's coordinated-omission correction assumes one request per round trip; under
  // pipelining it can put samples below the minimum, and the percentile it reports is then 0.
  if (!(p99 > 0) || p99 < p50) p99 = null;
  if (!(p50 > 0)) p50 = null;
  return {
    requests: j.requests,
    seconds: j.duration_us / 1e6,
    p50Ms: p50,
    p99Ms: p99,
    bytes: j.bytes,
    errors: { connect: j.connect, read: j.read, write: j.write, timeout: j.timeout, status: j.status },
    clientCpuSeconds: r.cpuSeconds,
    raw: r.stdout.replace(/\n?@@BENCH .*\n?/, '\n').trim(),
    command: shellJoin(argv).replace(script, `bench/wrk/{${[workload.lua, 'report.lua'].filter(Boolean).join(',')}}`),
  };
}

async function runAutocannon(root, bin, { url, workload, seconds, cpu, onChild, tmp }) {
  const argv = [process.execPath, bin, '-j', '-c', String(workload.connections), '-d', String(seconds)];
  if (workload.pipelining) argv.push('-p', String(workload.pipelining));
  if (workload.method) argv.push('-m', workload.method);
  for (const [k, v] of Object.entries(workload.headers ?? {})) argv.push('-H', `${k}=${v}`);
  if (workload.jsonBody) {
    const file = path.join(tmp, `${workload.id}.json`);
    fs.writeFileSync(file, jsonBody(workload.jsonBody));
    argv.push('-i', file);
  }
  argv.push(url);
  const r = await runTimed(argv, { cpu, cwd: root, onChild });
  let j;
  try {
    j = JSON.parse(r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop());
  } catch {
    throw new Error(`autocannon failed (exit ${r.code ?? r.signal}): ${(r.stderr || r.stdout).trim().slice(-500)}`);
  }
  return {
    requests: j.requests.total,
    seconds: j.duration,
    p50Ms: j.latency.p50 ?? null,
    p99Ms: j.latency.p99 ?? null,
    bytes: j.throughput?.total ?? null,
    errors: { connect: 0, read: j.errors ?? 0, write: 0, timeout: j.timeouts ?? 0, status: j.non2xx ?? 0 },
    clientCpuSeconds: r.cpuSeconds,
    raw: '',
    command: shellJoin(argv.slice(1)).replace(bin, 'autocannon').replace(tmp, '$TMP'),
  };
}
