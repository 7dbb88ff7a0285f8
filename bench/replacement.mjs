// bench/replacement.mjs — how long a server is short of a worker: SIGKILL one worker and time how
// long until its replacement is ready (the master's "Worker ready" / "Spare promoted" line) and
// until a request on a fresh connection is answered by the new worker (with -w 1, the listen
// queue holds the connections meanwhile). Median of N kills. Kills are 10.5 s apart: a worker that
// dies sooner after it became ready counts as a crash loop, and its slot is restarted with a backoff.
//
//   node bench/replacement.mjs [--rounds=10] [--spare=0] [--app=bench/servers/hello-node.js] [-- extra tusk args]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const opts = Object.fromEntries((dash < 0 ? argv : argv.slice(0, dash)).map((a) => a.replace(/^--/, '').split('=')));
const extra = dash < 0 ? [] : argv.slice(dash + 1);
const rounds = Number(opts.rounds ?? 10);
const spare = Number(opts.spare ?? 0);
const app = opts.app ?? path.join(ROOT, 'bench', 'servers', 'hello-node.js');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const args = [path.join(ROOT, 'dist', 'cli.js'), '-b', '127.0.0.1:0', '-w', '1', ...(spare ? ['--spare-workers', String(spare)] : []), ...extra, app];
const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
const lines = [];
let text = '';
child.stderr.setEncoding('utf8');
child.stderr.on('data', (d) => {
  text += d;
  const parts = text.split('\n');
  text = parts.pop();
  const at = performance.now();
  for (const line of parts) lines.push({ line, at });
  if (process.env.VERBOSE) process.stderr.write(d);
});

async function waitLine(re, from = 0, ms = 20000) {
  const end = performance.now() + ms;
  for (;;) {
    for (let i = from; i < lines.length; i++) {
      const m = re.exec(lines[i].line);
      if (m) return { m, at: lines[i].at, index: i };
    }
    if (performance.now() > end) throw new Error(`timed out waiting for ${re}:\n${lines.map((l) => l.line).join('\n')}`);
    await sleep(2);
  }
}

function get(port) {
  return new Promise((resolve, reject) => {
    const req = http.get({ port, host: '127.0.0.1', path: '/', agent: false }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
  });
}

/** The master's children that are serving: spares wait without accepting, so ask the log. */
function servingWorker() {
  const children = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
  const serving = lines.map((l) => /(?:Worker ready|Spare promoted) \(pid: (\d+)[,)]/.exec(l.line)).filter(Boolean).map((m) => Number(m[1]));
  const pid = serving.reverse().find((p) => children.includes(p));
  if (!pid) throw new Error('no serving worker found');
  return pid;
}

const { m } = await waitLine(/Listening at: http:\/\/[^:]+:(\d+)/);
const port = Number(m[1]);
await waitLine(/Worker ready \(pid: (\d+)\)/, 0);
await sleep(spare ? 1500 : 300);

const ready = [];
const served = [];
try {
  for (let r = 0; r < rounds; r++) {
    await get(port);
    const pid = servingWorker();
    const from = lines.length;
    const t0 = performance.now();
    process.kill(pid, 'SIGKILL');
    // A request sent right after the kill waits in the listen queue until a worker accepts it.
    const answer = (async () => {
      for (;;) {
        try {
          await get(port);
          return performance.now();
        } catch {
          await sleep(1);
        }
      }
    })();
    const readyLine = await waitLine(/(Worker ready|Spare promoted) \(pid: (\d+)[,)]/, from);
    ready.push(readyLine.at - t0);
    served.push((await answer) - t0);
    await sleep(10_500); // longer than the master's crash-loop window
  }
} finally {
  try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
}
const fmt = (xs) => `median ${median(xs).toFixed(1)} ms (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`;
console.log(`spare workers: ${spare}; ${rounds} SIGKILLs of the only worker`);
console.log(`  kill -> replacement ready:   ${fmt(ready)}`);
console.log(`  kill -> first answer by it:  ${fmt(served)}`);
