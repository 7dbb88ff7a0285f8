// bench/lib/servers.mjs — the servers the bench compares: how each one is started (one worker,
// listening on 127.0.0.1:PORT), whether it is available on this machine, and which workloads it
// cannot serve. Every server answers the same routes (bench/servers/routes.js and its twins).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { onPath } from './proc.mjs';

const ONE_MIB = 1024 * 1024;

/**
 * null when this build of tusk has interface `name` (the CLI accepts `--interface NAME`: with
 * --print-config it validates the settings and exits 0; an unknown interface exits 2), else why not.
 */
function tuskInterfaceMissing(root, name) {
  try {
    execFileSync(process.execPath, [path.join(root, 'dist', 'cli.js'), '--interface', name, '--print-config'], {
      cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env: { ...process.env, TUSK_CMD_ARGS: '' },
    });
    return null;
  } catch (e) {
    const err = String(e.stderr ?? '');
    if (e.status === 2 && /interface/.test(err)) return `not available in this build (\`tusk --interface ${name}\` is refused)`;
    return `\`tusk --interface ${name} --print-config\` failed: ${err.trim().split('\n')[0] || `exit ${e.status}`}`;
  }
}

/**
 * The catalogue. Each entry: key (for --only), name (in the table), group ('tusk' or 'other'),
 * available() -> null or the reason it is skipped, start(port, tmp) -> { argv, env, cwd },
 * unsupported: { workloadId: reason }.
 */
export function catalogue(root) {
  const node = process.execPath;
  const srv = (f) => path.join('bench', 'servers', f);
  const cli = path.join('dist', 'cli.js');
  const tuskAvailable = () =>
    fs.existsSync(path.join(root, cli)) ? null : 'dist/cli.js missing: run `npm run build` first';
  // worker_connections defaults to 1000, above which a worker stops accepting: the 10,000
  // connection workload needs more, and node:http has no such cap, so every tusk run raises it.
  const tusk = (extra, app) => (port) => ({
    argv: [node, cli, '-w', '1', '-b', `127.0.0.1:${port}`, '--log-level', 'warning',
      '--worker-connections', '12000', ...extra, srv(app)],
  });
  const tuskIface = (name) => () =>
    tuskAvailable() ?? tuskInterfaceMissing(root, name);
  const nodeScript = (file, env = {}) => (port) => ({
    argv: [node, srv(file)],
    env: { PORT: String(port), ...env },
  });
  const needs = (cmd) => () => (onPath(cmd) ? null : `\`${cmd}\` not found on PATH`);

  return [
    { key: 'node-http', name: 'node:http', group: 'node', available: () => null, start: nodeScript('http-listen.js') },
    { key: 'tusk-node', name: 'tusk (node, listener)', group: 'tusk', available: tuskAvailable, start: tusk([], 'tusk-listener.js') },
    { key: 'tusk-express', name: 'tusk (node, Express)', group: 'tusk', available: tuskAvailable, start: tusk([], 'express-app.js') },
    // The file Fastify's docs write (it calls listen() itself), served unchanged by tusk's listen() capture.
    { key: 'tusk-fastify', name: 'tusk (node, Fastify)', group: 'tusk', available: tuskAvailable, start: tusk([], 'fastify-listen.js') },
    // The native and fetch interfaces run only where this build of tusk has them.
    { key: 'tusk-native', name: 'tusk (native interface)', group: 'tusk', available: tuskIface('native'), start: tusk(['--interface', 'native'], 'hello-native.js') },
    { key: 'tusk-fetch', name: 'tusk (fetch interface)', group: 'tusk', available: tuskIface('fetch'), start: tusk(['--interface', 'fetch'], 'hello-fetch.js') },
    { key: 'node-cluster', name: 'node:cluster (1 worker)', group: 'node', available: () => null, start: nodeScript('cluster-listen.js', { WORKERS: '1' }) },
    { key: 'express', name: 'Express (node:http)', group: 'node', available: () => null, start: nodeScript('express-listen.js') },
    { key: 'fastify', name: 'Fastify', group: 'node', available: () => null, start: nodeScript('fastify-listen.js') },
    { key: 'hono', name: 'Hono (@hono/node-server)', group: 'node', available: () => null, start: nodeScript('hono-listen.js') },
    {
      key: 'bun', name: 'Bun', group: 'other', available: needs('bun'),
      start: (port) => ({ argv: ['bun', srv('bun-listen.js')], env: { PORT: String(port) } }),
    },
    {
      key: 'deno', name: 'Deno', group: 'other', available: needs('deno'),
      start: (port) => ({ argv: ['deno', 'serve', '--allow-net', '--host', '127.0.0.1', '--port', String(port), srv('hello-fetch.js')] }),
    },
    {
      key: 'nginx', name: 'nginx', group: 'other', available: needs('nginx'),
      start: (port, tmp) => nginx(port, tmp),
      unsupported: { echo: 'nginx has no JSON echo without a module or an upstream' },
    },
    // uWebSockets' C++ hello world, built by whoever runs the bench from uWebSockets' own source
    // (tusk carries neither its code nor a build script): TUSK_BENCH_UWS names the binary, which
    // must answer every GET with 'Hello, World!' on 127.0.0.1:$PORT. It serves nothing else.
    {
      key: 'uws', name: 'uWebSockets (C++ hello world)', group: 'other',
      available: () => {
        const bin = process.env.TUSK_BENCH_UWS;
        if (!bin) return 'TUSK_BENCH_UWS (path to a uWebSockets hello-world binary) not set';
        return fs.existsSync(bin) ? null : `TUSK_BENCH_UWS=${bin} does not exist`;
      },
      start: (port) => ({ argv: [process.env.TUSK_BENCH_UWS], env: { PORT: String(port) } }),
      unsupported: {
        echo: 'the uWebSockets hello world serves only GET /',
        '1mb': 'the uWebSockets hello world serves only GET /',
      },
    },
    {
      key: 'gunicorn', name: 'Gunicorn (sync worker)', group: 'other', available: needs('gunicorn'),
      start: (port) => ({
        argv: ['gunicorn', '-w', '1', '-b', `127.0.0.1:${port}`, '--log-level', 'warning',
          '--chdir', srv(''), 'wsgi_app:app'],
      }),
    },
  ];
}

/** The hard open-file limit, for nginx's worker_rlimit_nofile. */
function hardNoFile() {
  try {
    const v = execFileSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
    return v === 'unlimited' ? 65536 : Math.min(65536, Number(v) || 1024);
  } catch {
    return 1024;
  }
}

/** A throw-away nginx prefix: one worker, hello world at /, a 1 MiB file at /1mb, no echo. */
function nginx(port, tmp) {
  // The worker runs as nobody when the master is root: it must be able to reach 1mb.bin.
  fs.chmodSync(tmp, 0o755);
  const dir = fs.mkdtempSync(path.join(tmp, 'nginx-'));
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, '1mb.bin'), Buffer.alloc(ONE_MIB, 'x'), { mode: 0o644 });
  const nofile = hardNoFile();
  const conf = `# written by bench/lib/servers.mjs for one bench run
worker_processes 1;
daemon off;
master_process on;
pid ${dir}/nginx.pid;
error_log stderr warn;
worker_rlimit_nofile ${nofile};
events { worker_connections ${Math.max(1024, nofile - 100)}; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_timeout 5s;
  keepalive_requests 1000000;
  sendfile on;
  server {
    listen 127.0.0.1:${port} backlog=2048;
    location = / { default_type text/plain; return 200 'Hello, World!'; }
    location = /1mb { default_type application/octet-stream; alias ${dir}/1mb.bin; }
  }
}
`;
  fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
  return { argv: ['nginx', '-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', 'stderr'] };
}
