// max_worker_memory: a worker whose RSS stays above the limit is recycled (its replacement first,
// then a graceful stop) with no failed request under keep-alive load; one under the limit is left
// alone; a bad value is a one-line configuration error.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';

import { startTusk, runTusk, fixture, waitFor, sleep, cleanupAll, isAlive } from './helpers.mjs';
import { keepAliveLoad } from './keepalive-client.mjs';

after(cleanupAll);

const LEAKY = fixture('leaky.mjs');

async function serve(t, args, env = {}) {
  const srv = startTusk(['-b', '127.0.0.1:0', '--keep-alive', '2', '--graceful-timeout', '10', ...args], { env });
  t.after(() => srv.stop());
  const { port } = await srv.waitForReady(1);
  return { srv, port };
}

function pidCollector() {
  const pids = new Set();
  return { pids, onResponse: (_s, _h, body) => pids.add(JSON.parse(body.toString()).pid) };
}

describe('max_worker_memory', () => {
  test('a leaking worker is recycled under keep-alive load: replacement ready first, no failed request', { timeout: 60000 }, async (t) => {
    // Baseline RSS of a worker is 50-80 MB; the app holds up to 200 MB more.
    const { srv, port } = await serve(t, ['-w', '1', '--max-worker-memory', '150', LEAKY], { LEAK_KB: '256', LEAK_CAP_MB: '200' });
    const [first] = srv.readyPids();
    const seen = pidCollector();
    const load = keepAliveLoad({ port, connections: 10, onResponse: seen.onResponse });
    const recycled = await srv.waitForLine(/Worker \(pid: (\d+)\) RSS (\d+) MB above max_worker_memory \(150 MB\) for \d+ samples: recycling it/, 30000);
    assert.equal(Number(recycled.m[1]), first);
    assert.ok(Number(recycled.m[2]) > 150, recycled.text);
    const retiring = await srv.waitForLine(new RegExp(`Worker \\(pid: (\\d+)\\) ready in slot 0: retiring worker \\(pid: ${first}\\)`), 20000);
    const replacement = Number(retiring.m[1]);
    assert.notEqual(replacement, first);
    await waitFor(() => !isAlive(first), 15000, `recycled worker ${first} to exit`);
    await sleep(500);
    const stats = await load.stop();
    assert.ok(stats.ok > 0, 'no request succeeded');
    assert.equal(stats.failed, 0, `${stats.failed} failed of ${stats.ok + stats.failed}: ${stats.errors.join('; ')}`);
    assert.ok(seen.pids.has(first) && seen.pids.has(replacement), `responses from ${[...seen.pids]}`);
    // The replacement was ready before the recycled worker was told to stop.
    const ready = srv.matches(new RegExp(`Worker ready \\(pid: ${replacement}\\)`))[0];
    assert.ok(ready && srv.lines().findIndex((l) => l.text === ready.text) < srv.lines().findIndex((l) => l.text === retiring.text));
    assert.equal(srv.count(/Worker exiting \(pid: \d+\)/), 1, srv.tail());
    assert.ok(srv.alive());
  });

  test('a worker under the limit is not recycled; 0 (the default) never recycles', { timeout: 30000 }, async (t) => {
    const under = await serve(t, ['--max-worker-memory', '2000', LEAKY], { LEAK_KB: '64', LEAK_CAP_MB: '20' });
    const off = await serve(t, [LEAKY], { LEAK_KB: '256', LEAK_CAP_MB: '200' });
    const loads = [under, off].map(({ port }) => keepAliveLoad({ port, connections: 5 }));
    await sleep(4500);
    for (const load of loads) assert.equal((await load.stop()).failed, 0);
    for (const { srv } of [under, off]) {
      assert.equal(srv.count(/recycling it/), 0, srv.tail());
      assert.equal(srv.readyPids().length, 1);
    }
  });

  for (const value of ['-1', 'lots', '1.5']) {
    test(`--max-worker-memory ${value}: one line naming the setting, exit 2`, async () => {
      const r = await runTusk(['--max-worker-memory', value, LEAKY]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^tusk: error: max_worker_memory: expected an integer from 0 to \d+, got "[^"]*"\n$/);
    });
  }
});
