// The app's own shutdown: after TERM has drained its connections, a worker hands the signal to the
// app's listeners and waits for their work (its event loop to run empty, or process.exit) within
// graceful_timeout.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { startTusk, request, fixture, cleanupAll, mkTmp } from './helpers.mjs';

after(cleanupAll);

const APP = fixture('shutdown.mjs');

async function run(t, env, args = []) {
  const dir = mkTmp();
  const marker = path.join(dir, 'marker');
  const srv = startTusk(['-b', '127.0.0.1:0', '-w', '2', ...args, APP], { env: { MARKER: marker, ...env } });
  t.after(() => srv.stop());
  const { port } = await srv.waitForReady(2);
  assert.equal((await request({ port, path: '/' })).status, 200);
  const t0 = Date.now();
  srv.kill('SIGTERM');
  const { code } = await srv.waitExit(20000);
  const lines = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').trim().split('\n') : [];
  return { code, ms: Date.now() - t0, lines, srv };
}

describe("the app's own shutdown code", () => {
  test('an async SIGTERM cleanup that takes 1 s completes in every worker; the master exits 0', async (t) => {
    const { code, ms, lines } = await run(t, { SHUTDOWN_MS: '1000' });
    assert.equal(code, 0);
    assert.equal(lines.filter((l) => l.startsWith('start')).length, 2, lines.join('|'));
    assert.equal(lines.filter((l) => l.startsWith('done')).length, 2, lines.join('|'));
    assert.ok(ms >= 1000, `the master exited after ${ms} ms, before the cleanup could finish`);
  });

  test('a cleanup that ends with process.exit(0)', async (t) => {
    const { code, lines } = await run(t, { SHUTDOWN_MS: '300', SHUTDOWN_EXIT: '1' });
    assert.equal(code, 0);
    assert.equal(lines.filter((l) => l.startsWith('done')).length, 2, lines.join('|'));
  });

  test('an app that listens only for SIGINT gets it on a graceful stop', async (t) => {
    const { code, lines } = await run(t, { SHUTDOWN_MS: '300', SHUTDOWN_ON: 'SIGINT' });
    assert.equal(code, 0);
    assert.equal(lines.filter((l) => l.startsWith('done')).length, 2, lines.join('|'));
  });

  test('a cleanup that never finishes is cut at graceful_timeout', async (t) => {
    const { code, ms, lines, srv } = await run(t, { SHUTDOWN_MS: 'never' }, ['--graceful-timeout', '2']);
    assert.equal(code, 0);
    assert.equal(lines.filter((l) => l.startsWith('start')).length, 2, lines.join('|'));
    assert.ok(ms >= 1800 && ms < 6000, `exited after ${ms} ms`);
    assert.match(srv.stderr(), /still busy after graceful_timeout \(2 s\)/);
  });

  test('an app without shutdown code exits as soon as its connections are closed', async (t) => {
    const srv = startTusk(['-b', '127.0.0.1:0', '-w', '2', fixture('plain.mjs')]);
    t.after(() => srv.stop());
    await srv.waitForReady(2);
    const t0 = Date.now();
    srv.kill('SIGTERM');
    const { code } = await srv.waitExit(10000);
    assert.equal(code, 0);
    assert.ok(Date.now() - t0 < 1500, `took ${Date.now() - t0} ms`);
  });
});
