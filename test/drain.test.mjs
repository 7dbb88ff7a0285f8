// Zero lost requests while workers come and go: keep-alive load with connection reuse (every
// connection sends its next request the moment a response completes, like wrk and client pools)
// through HUP reloads, TERMs of single workers and max_requests recycling, on the native, fetch
// and node interfaces. A request that ends in a reset, an EOF or a timeout is a failure.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';

import { startTusk, fixture, waitFor, sleep, cleanupAll } from './helpers.mjs';
import { keepAliveLoad } from './keepalive-client.mjs';

after(cleanupAll);

const INTERFACES = [
  { name: 'native', args: ['--interface', 'native', fixture('hello-native.mjs')] },
  { name: 'fetch', args: [fixture('hello-fetch.mjs')] },
  { name: 'node', args: [fixture('plain.mjs')] },
];

const CONNECTIONS = 20;

async function serve(t, args) {
  const srv = startTusk(['-b', '127.0.0.1:0', '-w', '2', '--keep-alive', '2', '--graceful-timeout', '10', ...args]);
  t.after(() => srv.stop());
  const { port } = await srv.waitForReady(2);
  return { srv, port };
}

/** Workers that served responses, from the body "hello from <pid>". */
function pidCollector() {
  const pids = new Set();
  return {
    pids,
    onResponse(_status, _headers, body) {
      const m = /hello from (\d+)/.exec(body.toString());
      if (m) pids.add(Number(m[1]));
    },
  };
}

function assertNoLoss(stats, what) {
  assert.ok(stats.ok > 0, `${what}: no request succeeded`);
  assert.equal(stats.failed, 0, `${what}: ${stats.failed} failed of ${stats.ok + stats.failed}: ${stats.errors.join('; ')}`);
}

describe('no request is lost while workers are replaced, under keep-alive load', { concurrency: false }, () => {
  for (const { name, args } of INTERFACES) {
    test(`${name}: 10 HUP reloads`, { timeout: 120000 }, async (t) => {
      const { srv, port } = await serve(t, args);
      const seen = pidCollector();
      const load = keepAliveLoad({ port, connections: CONNECTIONS, onResponse: seen.onResponse });
      await sleep(300);
      for (let i = 1; i <= 10; i++) {
        srv.kill('SIGHUP');
        await srv.waitForLine(/Reload complete/, 20000, i);
        await sleep(150);
      }
      await sleep(300);
      const stats = await load.stop();
      assertNoLoss(stats, `${name} through 10 HUPs`);
      // Proof that the load really moved across generations: 2 workers x 11 generations.
      assert.ok(seen.pids.size >= 8, `responses came from only ${seen.pids.size} workers`);
      assert.ok(stats.connects > CONNECTIONS, 'connections were never replaced: the drain did not happen under load');
    });

    test(`${name}: 10 TERMs of single workers, each replaced`, { timeout: 120000 }, async (t) => {
      const { srv, port } = await serve(t, args);
      const seen = pidCollector();
      const load = keepAliveLoad({ port, connections: CONNECTIONS, onResponse: seen.onResponse });
      await sleep(300);
      for (let i = 1; i <= 10; i++) {
        const [victim] = srv.workers();
        process.kill(victim, 'SIGTERM');
        await waitFor(() => !srv.workers().includes(victim), 15000, `worker ${victim} to leave`);
        await waitFor(() => srv.readyPids().length >= 2 + i, 15000, `replacement ${i} to be ready`);
        await sleep(100);
      }
      const stats = await load.stop();
      assertNoLoss(stats, `${name} through 10 worker TERMs`);
      // Proof that the load moved to replacements (a replacement may be TERMed before it served).
      assert.ok(seen.pids.size >= 6, `responses came from only ${seen.pids.size} workers`);
    });
  }

  for (const { name, args } of [INTERFACES[0], INTERFACES[2]]) {
    test(`${name}: --max-requests recycling under load`, { timeout: 60000 }, async (t) => {
      const { srv, port } = await serve(t, ['--max-requests', '400', ...args]);
      const load = keepAliveLoad({ port, connections: CONNECTIONS });
      await waitFor(() => srv.bootedPids().length >= 8, 30000, 'six recycled workers', 100);
      const stats = await load.stop();
      assertNoLoss(stats, `${name} with max_requests 400`);
    });
  }
});
