// Configuration: --print-config, precedence (defaults < config file <
// TUSK_CMD_ARGS < command line), -c FILE, .cjs/.js/.mjs config files, PORT and
// WEB_CONCURRENCY, bad values (exit 2, one line naming the setting),
// --help, --version.

import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import {
  runTusk, startTusk, request, fixture, cleanupAll, mkTmp, parsePrintConfig, VERSION, workerPids,
  waitFor, cmdline,
  ROOT,
} from './helpers.mjs';

after(cleanupAll);

const APP = fixture('plain.mjs');

/** A temp dir holding the given files ({ name: contents }). */
function dirWith(files = {}) {
  const dir = mkTmp('tusk-cfg-');
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** Run `--print-config ... APP`; assert exit 0 and nothing started; return the parsed settings. */
async function printConfig(args, { cwd, env } = {}) {
  const r = await runTusk(['--print-config', ...args, APP], { cwd: cwd ?? dirWith(), env, timeout: 10000 });
  assert.equal(r.timedOut, false, '--print-config must not start a server');
  assert.equal(r.code, 0, `exit code; stderr:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr + r.stdout, /Listening at:|Booting worker/, '--print-config must start nothing');
  const cfg = parsePrintConfig(r.stdout);
  assert.ok(Object.keys(cfg).length >= 10, `could not parse --print-config output:\n${r.stdout}`);
  return cfg;
}

const SETTINGS = ['bind', 'backlog', 'workers', 'timeout', 'graceful_timeout', 'keepalive',
  'pidfile', 'worker_tmp_dir', 'umask', 'name', 'loglevel', 'max_requests'];

describe('--print-config and precedence', () => {
  test('prints every setting as `name = <JSON>`; defaults', async () => {
    const cfg = await printConfig([]);
    for (const s of SETTINGS) assert.ok(s in cfg, `setting ${s} missing from --print-config`);
    for (const [k, v] of Object.entries(cfg)) assert.ok(!(v && v.unparsed), `${k} value is not JSON: ${v && v.unparsed}`);
    assert.deepEqual(cfg.bind, ['127.0.0.1:8000']);
    assert.ok(Number.isInteger(cfg.workers) && cfg.workers >= 1);
    assert.equal(cfg.loglevel, 'info');
  });

  test('defaults < config file < TUSK_CMD_ARGS < command line', async () => {
    const cwd = dirWith({
      'tusk.config.mjs': "export default { workers: 3, keepalive: 7, name: 'file', gracefulTimeout: 12 };\n",
    });
    const fileOnly = await printConfig([], { cwd });
    assert.equal(fileOnly.workers, 3);
    assert.equal(fileOnly.keepalive, 7);
    assert.equal(fileOnly.name, 'file');
    assert.equal(fileOnly.graceful_timeout, 12, 'camelCase key gracefulTimeout');

    const env = { TUSK_CMD_ARGS: '-w 4 --keep-alive 8' };
    const withEnv = await printConfig([], { cwd, env });
    assert.equal(withEnv.workers, 4);
    assert.equal(withEnv.keepalive, 8);
    assert.equal(withEnv.name, 'file');

    const all = await printConfig(['-w', '5'], { cwd, env });
    assert.equal(all.workers, 5);
    assert.equal(all.keepalive, 8);
    assert.equal(all.name, 'file');
    assert.equal(all.graceful_timeout, 12);
  });

  test('TUSK_CMD_ARGS is shell-split (quotes)', async () => {
    const cfg = await printConfig([], {
      env: { TUSK_CMD_ARGS: `--name 'two words' -b 127.0.0.1:1 -b "127.0.0.1:2"` },
    });
    assert.equal(cfg.name, 'two words');
    assert.deepEqual(cfg.bind, ['127.0.0.1:1', '127.0.0.1:2']);
  });

  test('repeated -b and the other options reach the settings', async () => {
    const cfg = await printConfig([
      '-b', '127.0.0.1:1', '-b', 'unix:/tmp/x.sock', '-b', '[::1]:3',
      '--backlog', '77', '-t', '9', '--graceful-timeout', '4', '--keep-alive', '6',
      '-n', 'cli', '--log-level', 'debug', '--max-requests', '50', '-p', '/tmp/p.pid',
      '--worker-tmp-dir', '/tmp',
    ]);
    assert.deepEqual(cfg.bind, ['127.0.0.1:1', 'unix:/tmp/x.sock', '[::1]:3']);
    assert.equal(cfg.backlog, 77);
    assert.equal(cfg.timeout, 9);
    assert.equal(cfg.graceful_timeout, 4);
    assert.equal(cfg.keepalive, 6);
    assert.equal(cfg.name, 'cli');
    assert.equal(cfg.loglevel, 'debug');
    assert.equal(cfg.max_requests, 50);
    assert.equal(cfg.pidfile, '/tmp/p.pid');
    assert.equal(cfg.worker_tmp_dir, '/tmp');
  });

  test('umask accepts 0o22 and 022 alike', async () => {
    const a = await printConfig(['-m', '0o22']);
    const b = await printConfig(['-m', '022']);
    const c = await printConfig(['--umask', '077']);
    assert.deepEqual(a.umask, b.umask);
    assert.notDeepEqual(a.umask, c.umask);
    if (typeof a.umask === 'number') {
      assert.equal(a.umask, 0o22);
      assert.equal(c.umask, 0o77);
    }
  });

  test('-c FILE (any name, any directory)', async () => {
    const confDir = dirWith({ 'my-settings.mjs': "export default { workers: 6, name: 'explicit', max_requests: 9 };\n" });
    const cfg = await printConfig(['-c', path.join(confDir, 'my-settings.mjs')]);
    assert.equal(cfg.workers, 6);
    assert.equal(cfg.name, 'explicit');
    assert.equal(cfg.max_requests, 9);
    const cfg2 = await printConfig(['--config', path.join(confDir, 'my-settings.mjs'), '-n', 'cli']);
    assert.equal(cfg2.name, 'cli', 'command line beats -c file');
    assert.equal(cfg2.workers, 6);
  });

  test('tusk.config.cjs (module.exports, snake_case)', async () => {
    const cwd = dirWith({
      'tusk.config.cjs': "module.exports = { workers: 2, graceful_timeout: 11, bind: ['127.0.0.1:0'] };\n",
    });
    const cfg = await printConfig([], { cwd });
    assert.equal(cfg.workers, 2);
    assert.equal(cfg.graceful_timeout, 11);
    assert.deepEqual(cfg.bind, ['127.0.0.1:0']);
  });

  test('tusk.config.js', async () => {
    const cwd = dirWith({ 'tusk.config.js': "module.exports = { name: 'plainjs', workers: 4 };\n" });
    const cfg = await printConfig([], { cwd });
    assert.equal(cfg.name, 'plainjs');
    assert.equal(cfg.workers, 4);
  });

  test('PORT and WEB_CONCURRENCY are defaults; config file and CLI beat them', async () => {
    const env = { PORT: '1234', WEB_CONCURRENCY: '3' };
    const cfg = await printConfig([], { env });
    assert.deepEqual(cfg.bind, ['0.0.0.0:1234']);
    assert.equal(cfg.workers, 3);

    const cli = await printConfig(['-w', '5', '-b', '127.0.0.1:9'], { env });
    assert.equal(cli.workers, 5);
    assert.deepEqual(cli.bind, ['127.0.0.1:9']);

    const cwd = dirWith({ 'tusk.config.mjs': "export default { workers: 2, bind: ['127.0.0.1:7'] };\n" });
    const file = await printConfig([], { cwd, env });
    assert.equal(file.workers, 2, 'config file beats WEB_CONCURRENCY');
    assert.deepEqual(file.bind, ['127.0.0.1:7'], 'config file bind beats PORT');
  });
});

describe('bad configuration: exit 2, one stderr line naming the setting', () => {
  const cases = [
    { title: '-w abc', args: ['-w', 'abc'], names: /workers/ },
    { title: '-w 0', args: ['-w', '0'], names: /workers/ },
    { title: '-t -1', args: ['-t', '-1'], names: /timeout/ },
    { title: '--log-level loud', args: ['--log-level', 'loud'], names: /log-?level/ },
    { title: '-b nonsense:port', args: ['-b', 'nonsense:port'], names: /bind/ },
    { title: '--max-requests abc', args: ['--max-requests', 'abc'], names: /max[-_]requests/ },
    { title: '-m xyz', args: ['-m', 'xyz'], names: /umask/ },
    { title: 'unknown option --nope', args: ['--nope'], names: /--nope|nope/ },
    {
      title: 'unknown config file key',
      args: [],
      files: { 'tusk.config.mjs': 'export default { workers: 2, bogus_key: 1 };\n' },
      names: /bogus_key/,
    },
    {
      title: 'bad value in the config file',
      args: [],
      files: { 'tusk.config.mjs': "export default { workers: 'many' };\n" },
      names: /workers/,
    },
    { title: 'bad value in TUSK_CMD_ARGS', args: [], env: { TUSK_CMD_ARGS: '-w nine' }, names: /workers/ },
  ];
  for (const c of cases) {
    test(c.title, async () => {
      const cwd = dirWith(c.files ?? {});
      const bind = c.args.includes('-b') ? [] : ['-b', '127.0.0.1:0'];
      const r = await runTusk([...bind, ...c.args, APP], { cwd, env: c.env, timeout: 10000 });
      assert.equal(r.timedOut, false, `it started instead of refusing; stderr:\n${r.stderr}`);
      assert.equal(r.code, 2, `exit code; stderr:\n${r.stderr}`);
      const lines = r.stderr.trim().split('\n').filter((l) => l.trim() !== '');
      assert.equal(lines.length, 1, `expected one stderr line, got:\n${r.stderr}`);
      assert.match(lines[0], c.names);
      assert.doesNotMatch(r.stderr, /Listening at:|Booting worker/);
    });
  }
});

describe('--help and --version', () => {
  test('--help exits 0 and lists --bind and --workers', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await runTusk([flag], { timeout: 10000 });
      assert.equal(r.code, 0, `${flag}: stderr:\n${r.stderr}`);
      assert.match(r.stdout, /--bind/);
      assert.match(r.stdout, /--workers/);
      assert.match(r.stdout, /--graceful-timeout/);
    }
  });

  test("--help groups the settings like Gunicorn's reference, each under its section, every one listed", async () => {
    const { SETTINGS } = await import(path.join(ROOT, 'dist', 'index.js'));
    const r = await runTusk(['--help'], { timeout: 10000 });
    assert.equal(r.code, 0, r.stderr);
    const heading = (line) => /^([A-Z][\w ]*)(?: \(.*\))?:$/.exec(line)?.[1];
    const headings = r.stdout.split('\n').map(heading).filter(Boolean);
    const order = ['Actions', 'Server socket', 'Worker processes', 'Security', 'SSL', 'Logging', 'Process naming', 'Server mechanics', 'Server hooks'];
    assert.deepEqual(headings, order.filter((h) => headings.includes(h)), `sections out of order: ${headings.join(', ')}`);
    for (const h of order) assert.ok(headings.includes(h), `${h} missing`);
    const sectionOf = (flag) => {
      let current = null;
      for (const line of r.stdout.split('\n')) {
        if (heading(line)) current = heading(line);
        else if (line.trimStart().startsWith(flag)) return current;
      }
      return undefined;
    };
    for (const spec of SETTINGS.filter((s) => s.flags.length > 0)) assert.equal(sectionOf(spec.flags.join(', ')), spec.section, spec.name);
    assert.equal(sectionOf('-n, --name'), 'Process naming');
    const hooks = r.stdout.slice(r.stdout.indexOf('Server hooks ('));
    for (const spec of SETTINGS.filter((s) => s.section === 'Server hooks')) assert.match(hooks, new RegExp(`\\b${spec.name}\\b`));
  });

  test('--version prints the package version', async () => {
    for (const flag of ['--version', '-v']) {
      const r = await runTusk([flag], { timeout: 10000 });
      assert.equal(r.code, 0, `${flag}: stderr:\n${r.stderr}`);
      assert.ok((r.stdout + r.stderr).includes(VERSION), `${flag} output: ${r.stdout}${r.stderr}`);
    }
  });
});

describe('configuration at runtime', () => {
  test('config file bind, workers and name are used by a real server', async (t) => {
    const cwd = dirWith({
      'tusk.config.mjs': "export default { workers: 3, bind: ['127.0.0.1:0'], name: 'fromfile' };\n",
    });
    const srv = startTusk([APP], { cwd });
    t.after(() => srv.stop());
    const { port, addresses } = await srv.waitForReady(3);
    assert.equal(addresses.length, 1);
    assert.equal(addresses[0].host, '127.0.0.1');
    assert.equal(workerPids(srv.pid).length, 3);
    await waitFor(() => cmdline(srv.pid).includes('tusk: master [fromfile]'), 3000,
      `master title (now ${JSON.stringify(cmdline(srv.pid))})`);
    const r = await request({ port, path: '/' });
    assert.equal(r.status, 200);
  });

  test('WEB_CONCURRENCY drives a real server with no -w', async (t) => {
    // (PORT is checked with --print-config only: it binds 0.0.0.0, and these
    // tests stay on loopback)
    const srv = startTusk(['-b', '127.0.0.1:0', APP], { env: { WEB_CONCURRENCY: '3' } });
    t.after(() => srv.stop());
    const { port } = await srv.waitForReady(3);
    assert.equal(workerPids(srv.pid).length, 3);
    const r = await request({ port, path: '/' });
    assert.equal(r.status, 200);
  });

  test('TUSK_CMD_ARGS reaches a real server', async (t) => {
    const srv = startTusk([APP], { env: { TUSK_CMD_ARGS: '-w 3 -b 127.0.0.1:0 -n from-env' } });
    t.after(() => srv.stop());
    const { port } = await srv.waitForReady(3);
    assert.equal(workerPids(srv.pid).length, 3);
    await waitFor(() => cmdline(srv.pid).includes('tusk: master [from-env]'), 3000, 'master title');
    assert.equal((await request({ port, path: '/' })).status, 200);
  });

  test('--log-level warning hides INFO lines, the server still serves', async (t) => {
    const dir = mkTmp('tusk-log-');
    const sock = path.join(dir, 's.sock');
    const srv = startTusk(['-w', '1', '--log-level', 'warning', '-b', `unix:${sock}`, APP]);
    t.after(() => srv.stop());
    const r = await waitFor(() => request({ socketPath: sock, path: '/', timeout: 1000 }), 10000, 'server on the socket', 100);
    assert.equal(r.status, 200);
    await waitFor(() => workerPids(srv.pid).length === 1, 3000, 'one worker');
    assert.doesNotMatch(srv.stderr(), /\[INFO\]/, `INFO lines at level warning:\n${srv.stderr()}`);
    assert.equal(srv.count(/Starting tusk|Booting worker|Listening at/), 0);
  });

  test('--log-level debug still prints the INFO lines', async (t) => {
    const srv = startTusk(['-w', '1', '--log-level', 'debug', '-b', '127.0.0.1:0', APP]);
    t.after(() => srv.stop());
    await srv.waitForReady(1);
    assert.match(srv.stderr(), /\[INFO\] Starting tusk/);
  });

  test('-m/--umask applies to the unix socket and the pidfile', async (t) => {
    for (const [mask, sockMode] of [['0o077', 0o700], ['027', 0o750]]) {
      const dir = mkTmp('tusk-umask-');
      const sock = path.join(dir, 'u.sock');
      const pidfile = path.join(dir, 'u.pid');
      const srv = startTusk(['-w', '1', '-m', mask, '-p', pidfile, '-b', `unix:${sock}`, APP]);
      t.after(() => srv.stop());
      await srv.waitForReady(1);
      const mode = fs.statSync(sock).mode & 0o777;
      assert.equal(mode.toString(8), sockMode.toString(8), `socket mode with umask ${mask}`);
      const pmode = fs.statSync(pidfile).mode & 0o777;
      assert.equal(pmode & Number(mask.startsWith('0o') ? parseInt(mask.slice(2), 8) : parseInt(mask, 8)), 0,
        `pidfile mode ${pmode.toString(8)} with umask ${mask}`);
      await srv.stop();
    }
  });
});
