// The figures channel: each worker's engine (and the node interface, from JavaScript) counts into
// a shared-memory block the master reads; the master's totals stay monotonic across a worker's
// death. Driven through the master's own reader (StatsBook), in a master run from the package.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';

import { startTusk, request, fixture, waitFor, cleanupAll } from './helpers.mjs';

after(cleanupAll);

function serve(t, args) {
  const srv = startTusk([], { command: process.execPath, commandArgs: [fixture('stats-master.mjs'), '-b', '127.0.0.1:0', ...args] });
  t.after(() => srv.stop());
  /** The latest line the master printed. */
  srv.figures = () => {
    const lines = srv.stdout().trim().split('\n');
    return lines.length && lines.at(-1) ? JSON.parse(lines.at(-1)) : null;
  };
  return srv;
}

async function figuresWhen(srv, ok, what) {
  let last = null;
  await waitFor(() => (last = srv.figures()) !== null && ok(last), 10000, what);
  return last;
}

for (const [name, args] of [
  ['native', ['--interface', 'native', fixture('hello-native.mjs')]],
  ['node', [fixture('plain.mjs')]],
]) {
  describe(`figures of the ${name} interface`, () => {
    test('requests, status codes, bytes, connections and durations are counted per worker; totals survive a SIGKILL', async (t) => {
      const srv = serve(t, ['-w', '2', ...args]);
      const { port } = await srv.waitForReady(2);
      for (let i = 0; i < 20; i++) await request({ port, path: '/' });
      let f = await figuresWhen(srv, (x) => x.totals.requests === 20, '20 requests counted');
      assert.equal(f.workers.length, 2);
      assert.equal(f.workers.reduce((n, w) => n + w.requests, 0), 20, 'per-worker counts add up to what was sent');
      assert.equal(f.totals.classes['2xx'], 20);
      assert.equal(f.totals.statuses['200'], 20);
      assert.equal(f.totals.buckets.reduce((a, b) => a + b, 0), 20, 'every request is in one duration bucket');
      assert.ok(f.totals.durationSum > 0 && f.totals.durationSum < 20, `duration sum ${f.totals.durationSum}`);
      assert.ok(f.totals.bytesIn > 20 * 30, `bytes in ${f.totals.bytesIn}`);
      assert.ok(f.totals.bytesOut > 20 * 50, `bytes out ${f.totals.bytesOut}`);
      assert.equal(f.totals.connectionsTotal, 20, 'each request came on its own connection');
      assert.equal(f.totals.inFlight, 0);

      const victim = f.workers.find((w) => w.requests > 0);
      process.kill(victim.pid, 'SIGKILL');
      f = await figuresWhen(srv, (x) => x.workers.length === 2 && !x.workers.some((w) => w.pid === victim.pid), 'the killed worker replaced');
      assert.equal(f.totals.requests, 20, 'a dead worker\'s counts stay in the totals');
      for (let i = 0; i < 5; i++) await request({ port, path: '/missing-or-not' });
      f = await figuresWhen(srv, (x) => x.totals.requests === 25, '25 requests counted');
      assert.equal(f.totals.classes['2xx'] + f.totals.classes['4xx'], 25);
    });
  });
}

test('requests in flight and open connections are gauges the master sees move', async (t) => {
  const srv = serve(t, ['-w', '1', fixture('plain.mjs')]);
  const { port } = await srv.waitForReady(1);
  const pending = [request({ port, path: '/slow?ms=800' }), request({ port, path: '/slow?ms=800' })];
  const busy = await figuresWhen(srv, (x) => x.totals.inFlight === 2, 'two requests in flight');
  assert.equal(busy.totals.connectionsOpen, 2);
  await Promise.all(pending);
  const done = await figuresWhen(srv, (x) => x.totals.inFlight === 0 && x.totals.requests === 2, 'both answered');
  assert.ok(done.totals.buckets.slice(0, 9).reduce((a, b) => a + b, 0) === 0, 'an 800 ms answer is in no bucket below 0.5 s');
});

describe('the addon\'s stats block', () => {
  test('statsMap and the engine refuse what they cannot use, with the addon\'s errors', async () => {
    const { addon } = await import('../dist/native.js');
    const { STATS_BYTES, StatsBlock } = await import('../dist/stats.js');
    assert.throws(() => addon.statsMap(), TypeError);
    assert.throws(() => addon.statsMap(0, 8), /bytes out of range/);
    assert.throws(() => addon.statsMap(1 << 20, STATS_BYTES), (err) => err.code === 'EBADF' && err.syscall === 'mmap');
    const handlers = { request() {}, body() {}, drain() {}, abort() {}, idle() {} };
    assert.throws(() => new addon.Engine([], { stats: new ArrayBuffer(8) }, handlers), /stats block is too small/);
    // A block of the right size works, and the same memory is seen through two mappings.
    const fd = addon.heartbeatCreate((await import('node:os')).tmpdir());
    (await import('node:fs')).ftruncateSync(fd, STATS_BYTES);
    const a = StatsBlock.map(fd);
    const b = StatsBlock.map(fd);
    addon.closeFd(fd);
    a.slots[0] = 42;
    assert.equal(b.slots[0], 42);
    const engine = new addon.Engine([], { stats: a.buffer }, handlers);
    assert.equal(engine.connections(), 0);
  });
});
