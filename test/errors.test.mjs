// App errors: an app that throws at import, missing file, missing export,
// --check-config.

import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';

import { startTusk, runTusk, fixture, cleanupAll, waitFor, isAlive } from './helpers.mjs';

after(cleanupAll);

/** Run a server that is expected to die on its own; returns the handle after exit. */
async function expectExit(t, args, timeoutMs = 10000) {
  const srv = startTusk(['-b', '127.0.0.1:0', ...args]);
  t.after(() => srv.stop());
  const t0 = Date.now();
  const info = await srv.waitExit(timeoutMs);
  const ms = Date.now() - t0;
  await srv.drained();
  return { srv, ...info, ms };
}

describe('app errors', () => {
  test('app throwing at import with -w 2: exit 4, message shown, no respawn storm', { timeout: 30000 }, async (t) => {
    const { srv, code, signal, ms } = await expectExit(t, ['-w', '2', fixture('throws.mjs')]);
    assert.equal(signal, null);
    assert.equal(code, 4, `exit code (after ${ms} ms); stderr:\n${srv.tail()}`);
    assert.match(srv.stderr(), /boom-at-import-xyz/);
    const booted = srv.count(/Booting worker with pid:/);
    assert.ok(booted <= 2, `${booted} "Booting worker" lines: respawn storm`);
    assert.equal(srv.count(/Worker ready/), 0);
    // the workers are gone with the master
    await waitFor(() => srv.bootedPids().every((p) => !isAlive(p)), 2000, 'workers to be gone');
  });

  test('CommonJS app throwing at require: exit 4 with its message', { timeout: 30000 }, async (t) => {
    const { srv, code } = await expectExit(t, ['-w', '1', fixture('throws.cjs')]);
    assert.equal(code, 4, `stderr:\n${srv.tail()}`);
    assert.match(srv.stderr(), /boom-at-require-cjs/);
  });

  test('missing app file: non-zero exit naming the file', { timeout: 30000 }, async (t) => {
    const { srv, code, signal } = await expectExit(t, ['-w', '2', fixture('does-not-exist-42.mjs')]);
    assert.equal(signal, null);
    assert.notEqual(code, 0);
    assert.match(srv.stderr(), /does-not-exist-42\.mjs/);
    assert.ok(srv.count(/Booting worker/) <= 2, 'respawn storm');
    assert.equal(srv.count(/Worker ready/), 0);
  });

  test('missing export: non-zero exit naming the export', { timeout: 30000 }, async (t) => {
    const { srv, code, signal } = await expectExit(t, ['-w', '2', `${fixture('named.mjs')}:noSuchExport`]);
    assert.equal(signal, null);
    assert.notEqual(code, 0);
    assert.match(srv.stderr(), /noSuchExport/);
    assert.ok(srv.count(/Booting worker/) <= 2, 'respawn storm');
  });

  test('missing package: non-zero exit naming the package', { timeout: 30000 }, async (t) => {
    const { srv, code } = await expectExit(t, ['-w', '1', 'no-such-package-tusk-test:app']);
    assert.notEqual(code, 0);
    assert.match(srv.stderr(), /no-such-package-tusk-test/);
  });
});

describe('--check-config', () => {
  test('good app: exit 0, nothing started', async () => {
    const r = await runTusk(['--check-config', '-b', '127.0.0.1:0', fixture('express-app.mjs')]);
    assert.equal(r.timedOut, false, 'must not start serving');
    assert.equal(r.code, 0, `stderr:\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /Listening at:|Booting worker/);
  });

  test('throwing app: exit 1 with the error', async () => {
    const r = await runTusk(['--check-config', '-b', '127.0.0.1:0', fixture('throws.mjs')]);
    assert.equal(r.timedOut, false);
    assert.equal(r.code, 1, `stderr:\n${r.stderr}`);
    assert.match(r.stderr + r.stdout, /boom-at-import-xyz/);
    assert.doesNotMatch(r.stderr, /Listening at:|Booting worker/);
  });

  test('missing export: exit 1 naming it', async () => {
    const r = await runTusk(['--check-config', '-b', '127.0.0.1:0', `${fixture('named.mjs')}:noSuchExport`]);
    assert.equal(r.code, 1, `stderr:\n${r.stderr}`);
    assert.match(r.stderr + r.stdout, /noSuchExport/);
  });
});
