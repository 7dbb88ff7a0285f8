// Who the workers are and what they see: -u/--user, -g/--group, --initgroups (switched in the child
// between fork and exec; the master stays as started), --chdir, -e/--env (raw_env). Checked from
// /proc and from an app that reports its process.cwd() and process.env.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { startTusk, runTusk, request, fixture, cleanupAll, mkTmp, sleep, CLI, ROOT, cleanEnv } from './helpers.mjs';

after(cleanupAll);

const APP = fixture('whoami.mjs');
const root = process.getuid() === 0;
const nobody = root ? Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' })) : -1;
const nobodyGroup = root ? Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' })) : -1;
const asRoot = { skip: !root && 'needs root' };

async function serve(t, args, options = {}) {
  const srv = startTusk(['-b', '127.0.0.1:0', ...args], options);
  t.after(() => srv.stop());
  const { port } = await srv.waitForReady(1);
  return { srv, port };
}

async function whoami(port, vars = []) {
  const r = await request({ port, path: `/?vars=${vars.join(',')}` });
  assert.equal(r.status, 200);
  return JSON.parse(r.body);
}

/** /proc/PID/status Uid or Gid: [real, effective, saved, filesystem]. */
function ids(pid, key) {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${key}:`));
  return line.slice(key.length + 1).trim().split(/\s+/).map(Number);
}

/** A directory anyone may read, for apps that a worker running as nobody loads. */
function publicDir() {
  const dir = mkTmp('tusk-user-');
  fs.chmodSync(dir, 0o755);
  return dir;
}

describe('user and group', () => {
  test('--user nobody: workers run as nobody with its primary group and no supplementary groups; the master stays root', asRoot, async (t) => {
    const { srv, port } = await serve(t, ['-u', 'nobody', '-t', '2', APP]);
    const me = await whoami(port);
    assert.deepEqual(me.uid, [nobody, nobody, nobody, nobody]);
    assert.deepEqual(me.gid, [nobodyGroup, nobodyGroup, nobodyGroup, nobodyGroup]);
    assert.deepEqual(me.groups, []);
    assert.deepEqual(ids(me.pid, 'Uid'), [nobody, nobody, nobody, nobody], 'seen from /proc of the worker');
    assert.deepEqual(ids(srv.pid, 'Uid'), [0, 0, 0, 0], 'the master keeps its user');
    // The worker can still beat its heartbeat (the file is its own): not timed out after -t 2.
    await sleep(3000);
    assert.equal((await whoami(port)).pid, me.pid, 'the same worker serves after the timeout');
    assert.equal(srv.count(/Worker timeout/), 0, srv.tail());
  });

  test('numeric -u and -g; --initgroups gives the user\'s supplementary groups', asRoot, async (t) => {
    const { port } = await serve(t, ['-u', String(nobody), '-g', '0', APP]);
    const me = await whoami(port);
    assert.deepEqual(me.uid, [nobody, nobody, nobody, nobody]);
    assert.deepEqual(me.gid, [0, 0, 0, 0]);
    assert.deepEqual(me.groups, [], 'root\'s supplementary groups are not kept');

    const expected = execFileSync('id', ['-G', 'nobody'], { encoding: 'utf8' }).trim().split(/\s+/).map(Number).sort();
    const withGroups = await serve(t, ['-u', 'nobody', '--initgroups', APP]);
    assert.deepEqual((await whoami(withGroups.port)).groups.sort(), expected);
  });

  test('a worker replaced after a kill runs as the same user', asRoot, async (t) => {
    const { srv, port } = await serve(t, ['-u', 'nobody', '-g', 'nogroup', APP]);
    const first = await whoami(port);
    process.kill(first.pid, 'SIGKILL');
    await srv.waitForLine(/Worker ready/, 10000, 2);
    const second = await whoami(port);
    assert.notEqual(second.pid, first.pid);
    assert.deepEqual(second.uid, first.uid);
  });

  for (const [args, name] of [
    [['-u', 'no-such-user-tusk'], /^tusk: error: user: .*"no-such-user-tusk"/],
    [['--group', 'no-such-group-tusk'], /^tusk: error: group: .*"no-such-group-tusk"/],
    [['--user', '-5'], /^tusk: error: user: /],
  ]) {
    test(`${args.join(' ')}: one line naming the setting, exit 2`, async () => {
      const r = await runTusk([...args, APP]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, name);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    });
  }

  test('not root: another user or --initgroups is a configuration error; one\'s own user is fine', asRoot, () => {
    const run = (args) => spawnSync(process.execPath, [CLI, '--print-config', ...args, APP], {
      cwd: ROOT, env: cleanEnv(), uid: nobody, gid: nobodyGroup, encoding: 'utf8', timeout: 15000,
    });
    const other = run(['-u', 'root']);
    assert.equal(other.status, 2, other.stderr);
    assert.match(other.stderr, /^tusk: error: user: .*needs root/);
    const group = run(['-g', 'root']);
    assert.equal(group.status, 2, group.stderr);
    assert.match(group.stderr, /^tusk: error: group: .*needs root/);
    const initgroups = run(['-u', 'nobody', '--initgroups']);
    assert.equal(initgroups.status, 2, initgroups.stderr);
    assert.match(initgroups.stderr, /^tusk: error: initgroups: .*needs root/);
    const own = run(['-u', 'nobody']);
    assert.equal(own.status, 0, own.stderr);
    assert.match(own.stdout, new RegExp(`^user = ${nobody}$`, 'm'));
  });
});

describe('chdir and raw_env', () => {
  test('--chdir: the app path is found in DIR and the workers run in it', async (t) => {
    const dir = publicDir();
    fs.copyFileSync(APP, path.join(dir, 'app.mjs'));
    const { port } = await serve(t, ['--chdir', dir, 'app.mjs'], { cwd: mkTmp() });
    assert.equal((await whoami(port)).cwd, fs.realpathSync(dir));
  });

  test('--chdir to a missing directory: one line naming chdir, exit 2', async () => {
    const r = await runTusk(['--chdir', '/no/such/dir/tusk', APP]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^tusk: error: chdir: expected an existing directory, got "\/no\/such\/dir\/tusk"\n$/);
  });

  test('-e KEY=VALUE (repeatable) sets the workers\' environment over the master\'s', async (t) => {
    const { port } = await serve(t, ['-e', 'TUSK_T_A=1', '--env', 'TUSK_T_B=x=y', '-e', 'TUSK_T_C=', APP], { env: { TUSK_T_A: 'master', TUSK_T_D: 'kept' } });
    const me = await whoami(port, ['TUSK_T_A', 'TUSK_T_B', 'TUSK_T_C', 'TUSK_T_D']);
    assert.deepEqual(me.env, { TUSK_T_A: '1', TUSK_T_B: 'x=y', TUSK_T_C: '', TUSK_T_D: 'kept' });
  });

  test('raw_env in a config file; NODE_APP_INSTANCE from -e is left alone', async (t) => {
    const cwd = mkTmp();
    fs.writeFileSync(path.join(cwd, 'tusk.config.mjs'), "export default { rawEnv: ['TUSK_T_FILE=from-file', 'NODE_APP_INSTANCE=mine'] };\n");
    const { port } = await serve(t, [APP], { cwd });
    const me = await whoami(port, ['TUSK_T_FILE', 'NODE_APP_INSTANCE', 'TUSK_WORKER_ID']);
    assert.deepEqual(me.env, { TUSK_T_FILE: 'from-file', NODE_APP_INSTANCE: 'mine', TUSK_WORKER_ID: '0' });
  });

  test('raw_env as an object in a config file; a value that is not a string is refused', async (t) => {
    const cwd = mkTmp();
    fs.writeFileSync(path.join(cwd, 'tusk.config.mjs'), "export default { raw_env: { TUSK_T_OBJ: 'yes' } };\n");
    const { port } = await serve(t, [APP], { cwd });
    assert.deepEqual((await whoami(port, ['TUSK_T_OBJ'])).env, { TUSK_T_OBJ: 'yes' });
    const bad = mkTmp();
    fs.writeFileSync(path.join(bad, 'tusk.config.mjs'), 'export default { raw_env: { TUSK_T_OBJ: 3 } };\n');
    const r = await runTusk([APP], { cwd: bad });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^tusk: error: raw_env: expected KEY=VALUE, got 3\n$/);
  });

  test('-e without = : one line naming raw_env, exit 2', async () => {
    const r = await runTusk(['-e', 'NOVALUE', APP]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^tusk: error: raw_env: expected KEY=VALUE, got "NOVALUE"\n$/);
  });

  test('--user nobody with a --chdir it cannot enter: the server stops with a message naming the directory, exit 3', asRoot, async () => {
    const dir = mkTmp(); // 0700, root's
    const r = await runTusk(['-b', '127.0.0.1:0', '-u', 'nobody', '--chdir', dir, APP]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, new RegExp(`Worker failed to boot: chdir: uid ${nobody} cannot enter ${dir} \\(EACCES\\)`));
  });

  test('--user nobody with --chdir and -e together', asRoot, async (t) => {
    const dir = publicDir();
    fs.copyFileSync(APP, path.join(dir, 'app.mjs'));
    const { port } = await serve(t, ['-u', 'nobody', '--chdir', dir, '-e', 'TUSK_T_X=y', 'app.mjs']);
    const me = await whoami(port, ['TUSK_T_X']);
    assert.equal(me.uid[1], nobody);
    assert.equal(me.cwd, fs.realpathSync(dir));
    assert.deepEqual(me.env, { TUSK_T_X: 'y' });
  });
});

describe('the switch in the child', () => {
  test('a child that cannot switch (not root) fails spawn with the step and errno; nothing is left running', asRoot, () => {
    const script = `
      const { createRequire } = require('node:module');
      const addon = createRequire(${JSON.stringify(path.join(ROOT, 'package.json'))})('node-gyp-build')(${JSON.stringify(ROOT)});
      try {
        addon.spawn({ file: '/bin/true', args: ['true'], env: [], fds: [], deathSignal: 0, identity: { uid: 0, gid: 0, groups: [] } });
        console.log('spawned');
      } catch (err) {
        console.log(err.syscall, err.code);
      }`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, uid: nobody, gid: nobodyGroup, encoding: 'utf8', timeout: 15000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'setgroups EPERM');
  });
});

describe('the look-ups (the addon)', () => {
  test('users and groups by name and id; unknown ones are null; bad arguments and descriptors throw', () => {
    const script = `
      const addon = require('node-gyp-build')(${JSON.stringify(ROOT)});
      const attempt = (f) => { try { return f(); } catch (err) { return err.code ?? err.name; } };
      console.log(JSON.stringify({
        byName: addon.lookupUser('root'), byId: addon.lookupUser(0), missing: addon.lookupUser('no-such-user-tusk'),
        group: addon.lookupGroup(0), missingGroup: addon.lookupGroup('no-such-group-tusk'),
        list: addon.groupList('root', 0),
        badUser: attempt(() => addon.lookupUser(-1)), badGroup: attempt(() => addon.lookupGroup({})),
        badFd: attempt(() => addon.chownFd(987654, 0, 0)),
      }));`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 15000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.byName, { uid: 0, gid: 0, name: 'root' });
    assert.deepEqual(out.byId, out.byName);
    assert.equal(out.missing, null);
    assert.equal(out.group.gid, 0);
    assert.equal(out.missingGroup, null);
    assert.ok(out.list.includes(0), JSON.stringify(out.list));
    assert.equal(out.badUser, 'TypeError');
    assert.equal(out.badGroup, 'TypeError');
    assert.equal(out.badFd, 'EBADF');
  });
});
