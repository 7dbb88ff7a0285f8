// The deploy guide's files, run: docs/deploy.md's systemd units started as systemd starts them
// (socket activation with LISTEN_FDS/LISTEN_PID, Type=notify, ExecReload, KillMode=mixed), and its
// nginx server block proxying to tusk over a unix socket, with a reload under load behind it.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

import { startTusk, fixture, cleanupAll, mkTmp, waitFor, sleep, CLI } from './helpers.mjs';
import { notifySocket } from './notify-socket.mjs';

after(cleanupAll);

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const GUIDE = fs.readFileSync(path.join(ROOT, 'docs', 'deploy.md'), 'utf8');

/** The code block that follows `<!-- file: NAME -->` in the guide. */
function guideFile(name) {
  const m = GUIDE.match(new RegExp(`<!-- file: ${name.replace('.', '\\.')} -->\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\`\`\``));
  assert.ok(m, `docs/deploy.md has no file ${name}`);
  return m[1];
}

/** An ini unit file as { Section: { Key: value } } (the last value of a key wins). */
function parseUnit(text) {
  const unit = {};
  let section = null;
  for (const line of text.split('\n')) {
    const s = line.match(/^\[(\w+)\]$/);
    if (s) unit[(section = s[1])] = {};
    const kv = line.match(/^(\w+)=(.*)$/);
    if (kv && section) unit[section][kv[1]] = kv[2];
  }
  return unit;
}

/** A unix socket listening at `file`, as systemd's socket unit makes it; its fd goes to tusk. */
async function activationSocket(file, backlog) {
  const server = net.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ path: file, backlog }, resolve);
  });
  return server;
}

/** GET over a unix socket (or TCP) with a fresh connection. */
function get(target, urlPath = '/', headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get({ ...target, path: urlPath, headers, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/**
 * Starts the documented service the way systemd does: the socket unit's socket as fd 3
 * (LISTEN_FDS=1, LISTEN_PID = the master's pid), NOTIFY_SOCKET for Type=notify, the unit's
 * Environment=, and ExecStart's arguments with the app replaced by a test fixture.
 */
async function startService(t, { app = fixture('echo-forwarded.mjs'), dir = mkTmp('tusk-deploy-') } = {}) {
  const socketUnit = parseUnit(guideFile('tusk.socket'));
  const service = parseUnit(guideFile('tusk.service'));
  assert.equal(service.Service.Type, 'notify');
  assert.equal(service.Service.KillMode, 'mixed');
  assert.match(service.Service.ExecReload, /kill -HUP \$MAINPID/);
  const sockFile = path.join(dir, path.basename(socketUnit.Socket.ListenStream));
  const listening = await activationSocket(sockFile, Number(socketUnit.Socket.Backlog));
  fs.chmodSync(sockFile, Number.parseInt(socketUnit.Socket.SocketMode, 8));

  const [exe, ...args] = service.Service.ExecStart.split(/\s+/);
  assert.match(exe, /node_modules\/\.bin\/tusk$/, 'ExecStart runs tusk itself');
  assert.ok(!args.some((a) => a === '-b' || a.startsWith('--bind')), 'the service binds nothing: the socket unit does');
  const appIndex = args.indexOf('app.js');
  assert.ok(appIndex >= 0);
  args[appIndex] = app;

  const manager = await notifySocket(path.join(dir, 'notify'));
  t.after(() => manager.close());
  const [envKey, envValue] = service.Service.Environment.split('=');
  let srv;
  try {
    srv = startTusk([], {
      command: '/bin/sh',
      commandArgs: ['-c', 'export LISTEN_PID=$$ LISTEN_FDS=1; exec "$0" "$@"', process.execPath, CLI, ...args],
      extraStdio: [listening._handle.fd],
      env: { NOTIFY_SOCKET: path.join(dir, 'notify'), [envKey]: envValue },
    });
  } finally {
    // Closing our copy would unlink the socket file (libuv does), which systemd never does: the
    // file steps aside while it closes.
    fs.renameSync(sockFile, `${sockFile}.aside`);
    await new Promise((resolve) => listening.close(resolve));
    fs.renameSync(`${sockFile}.aside`, sockFile);
  }
  t.after(() => srv.stop());
  return { srv, manager, sockFile, service, dir };
}

describe('docs/deploy.md: the systemd units', () => {
  test('socket activation: READY=1 once serving, the socket answers, ExecReload reloads, stop drains and exits 0', { timeout: 60000 }, async (t) => {
    const { srv, manager, sockFile, service } = await startService(t);
    await manager.waitFor('READY', '1', 1, 30000);
    const r = await get({ socketPath: sockFile });
    assert.equal(r.status, 200);

    // ExecReload: kill -HUP $MAINPID
    srv.kill('SIGHUP');
    await manager.waitFor('RELOADING', '1', 1, 10000);
    await manager.waitFor('READY', '1', 2, 30000);
    assert.equal((await get({ socketPath: sockFile })).status, 200);

    // systemctl stop with KillMode=mixed: TERM to the main process only
    const stopBudget = Number(service.Service.TimeoutStopSec) * 1000;
    const t0 = Date.now();
    srv.kill('SIGTERM');
    await manager.waitFor('STOPPING', '1', 1, 10000);
    const { code } = await srv.waitExit(stopBudget);
    assert.equal(code, 0);
    assert.ok(Date.now() - t0 < stopBudget);
    assert.ok(fs.existsSync(sockFile), 'the socket unit\'s socket file stays for the next start');
  });
});

function nginxBinary() {
  for (const p of ['/usr/sbin/nginx', '/usr/bin/nginx']) if (fs.existsSync(p)) return p;
  const r = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Runs the guide's nginx server block (socket path and port changed) in a prefix of its own. */
async function startNginx(t, sockFile) {
  const bin = nginxBinary();
  assert.ok(bin, 'nginx is installed (.ci/run installs it)');
  const port = await freePort();
  const prefix = mkTmp('tusk-nginx-');
  fs.chmodSync(prefix, 0o755);
  const block = guideFile('nginx-tusk.conf')
    .replace('unix:/run/tusk/app.sock', `unix:${sockFile}`)
    .replace('listen 80;', `listen 127.0.0.1:${port};`);
  assert.notEqual(block, guideFile('nginx-tusk.conf'));
  fs.writeFileSync(path.join(prefix, 'nginx.conf'), `# the guide's block, inside a minimal nginx.conf for the test
user root;
worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
${block}
}
`);
  const child = spawn(bin, ['-p', prefix, '-c', path.join(prefix, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  t.after(() => {
    child.kill('SIGTERM');
  });
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    try {
      await get({ host: '127.0.0.1', port }, '/');
      return true;
    } catch {
      return false;
    }
  }, 10000, 'nginx answering');
  return { port, prefix };
}

describe('docs/deploy.md: nginx in front over a unix socket', () => {
  test('requests and WebSockets pass; the app sees the client\'s forwarded address and scheme; a reload under load behind nginx fails nothing', { timeout: 90000 }, async (t) => {
    const { srv, manager, sockFile } = await startService(t);
    await manager.waitFor('READY', '1', 1, 30000);
    const { port } = await startNginx(t, sockFile);
    const target = { host: '127.0.0.1', port };

    const seen = JSON.parse((await get(target, '/')).body);
    assert.equal(seen.forwardedFor, '127.0.0.1', 'nginx sent X-Forwarded-For');
    assert.equal(seen.forwardedProto, 'http');
    assert.equal(seen.host, '127.0.0.1', 'Host is nginx\'s $host');

    // a WebSocket through nginx's Upgrade headers
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    t.after(() => ws.terminate());
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const echoed = new Promise((resolve) => ws.once('message', (m) => resolve(String(m))));
    ws.send('through nginx');
    assert.equal(await echoed, 'echo: through nginx');

    // nginx keeps upstream connections alive; HUP replaces every worker under load
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    t.after(() => agent.destroy());
    let ok = 0;
    const failures = [];
    let running = true;
    const loops = Array.from({ length: 8 }, async () => {
      while (running) {
        try {
          const r = await new Promise((resolve, reject) => {
            const req = http.get({ ...target, path: '/', agent, timeout: 10000 }, (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode));
            });
            req.on('timeout', () => req.destroy(new Error('timeout')));
            req.on('error', reject);
          });
          if (r === 200) ok++;
          else failures.push(`status ${r}`);
        } catch (err) {
          failures.push(err.message);
        }
      }
    });
    await sleep(500);
    srv.kill('SIGHUP');
    await manager.waitFor('READY', '1', 2, 30000);
    await sleep(1000);
    running = false;
    await Promise.all(loops);
    assert.deepEqual(failures, [], `${failures.length} failed of ${ok + failures.length}`);
    assert.ok(ok > 100, `only ${ok} requests`);
  });
});
