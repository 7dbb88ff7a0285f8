// Fast replacement: warm spares (--spare-workers) that have loaded the app and wait without
// accepting, promoted when a worker dies, retires itself or is retired; a worker that retires
// itself (max_requests) is replaced while it drains, not after it exits.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';

import { startTusk, request, fixture, waitFor, cleanupAll, cmdline, isAlive } from './helpers.mjs';

after(cleanupAll);

const APP = fixture('plain.mjs');

async function serve(t, args, ready) {
  const srv = startTusk(['-b', '127.0.0.1:0', ...args, APP]);
  t.after(() => srv.stop());
  const { port } = await srv.waitForReady(ready);
  return { srv, port };
}

const spares = (srv) => srv.workers().filter((p) => cmdline(p).startsWith('tusk: spare'));
const serving = (srv) => srv.workers().filter((p) => cmdline(p).startsWith('tusk: worker'));
const spareReady = (srv) => srv.matches(/Spare ready \(pid: (\d+)\)/).map(({ m }) => Number(m[1]));

/** Pids that answered `n` requests, each on a fresh connection. */
async function answeredBy(port, n = 30) {
  const pids = new Set();
  for (let i = 0; i < n; i++) pids.add(Number((await request({ port, path: '/pid' })).body));
  return pids;
}

describe('spare workers', () => {
  test('a spare loads the app, is titled as a spare and accepts nothing', async (t) => {
    const { srv, port } = await serve(t, ['-w', '2', '--spare-workers', '1'], 2);
    await srv.waitForLine(/Spare ready \(pid: \d+\)/, 10000);
    await waitFor(() => spares(srv).length === 1 && serving(srv).length === 2, 5000, 'one spare and two workers');
    const [spare] = spares(srv);
    assert.ok(srv.matches(new RegExp(`Booting spare worker with pid: ${spare}`)).length === 1);
    const pids = await answeredBy(port, 40);
    assert.ok(!pids.has(spare), `the spare ${spare} answered a request`);
    assert.deepEqual([...pids].sort(), serving(srv).sort());
  });

  test('a SIGKILLed worker is replaced by the spare at once, and a new spare is started', async (t) => {
    const { srv, port } = await serve(t, ['-w', '1', '--spare-workers', '1'], 1);
    const ready = await srv.waitForLine(/Spare ready \(pid: (\d+)\)/, 10000);
    const spare = Number(ready.m[1]);
    const [victim] = serving(srv);
    const killedAt = Date.now();
    process.kill(victim, 'SIGKILL');
    const promoted = await srv.waitForLine(new RegExp(`Spare promoted \\(pid: ${spare}, slot \\d+\\)`), 5000);
    // The promotion does not wait for a boot (~100 ms or more): it follows the master's reaping.
    assert.ok(promoted.at - killedAt < 1000, `promoted ${promoted.at - killedAt} ms after the kill`);
    const r = await request({ port, path: '/pid' });
    assert.equal(Number(r.body), spare);
    await waitFor(() => cmdline(spare).startsWith('tusk: worker'), 2000, 'the promoted spare to retitle itself');
    await waitFor(() => spareReady(srv).length === 2, 10000, 'a new spare');
    assert.equal(spares(srv).length, 1);
  });

  test('a worker retiring itself (max_requests) hands over to the spare before it exits', async (t) => {
    const { srv, port } = await serve(t, ['-w', '1', '--spare-workers', '1', '--max-requests', '5', '--keep-alive', '5'], 1);
    const ready = await srv.waitForLine(/Spare ready \(pid: (\d+)\)/, 10000);
    const spare = Number(ready.m[1]);
    const [first] = serving(srv);
    // An idle keep-alive connection keeps the retiring worker draining for up to --keep-alive.
    const idle = net.connect(port, '127.0.0.1');
    t.after(() => idle.destroy());
    await new Promise((resolve) => idle.once('connect', resolve));
    idle.write('GET /pid HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => idle.once('data', resolve));
    for (let i = 0; i < 5; i++) await request({ port, path: '/pid' });
    await srv.waitForLine(new RegExp(`Spare promoted \\(pid: ${spare}, slot \\d+\\)`), 3000);
    assert.ok(isAlive(first), 'the retiring worker should still be draining its idle connection');
    assert.equal(Number((await request({ port, path: '/pid' })).body), spare);
  });

  test('HUP replaces the spares with ones of the new generation', async (t) => {
    const { srv } = await serve(t, ['-w', '1', '--spare-workers', '1'], 1);
    const old = Number((await srv.waitForLine(/Spare ready \(pid: (\d+)\)/, 10000)).m[1]);
    srv.kill('SIGHUP');
    await srv.waitForLine(/Reload complete/, 15000);
    await waitFor(() => spareReady(srv).length === 2, 10000, 'a spare of the new generation');
    await waitFor(() => !isAlive(old), 5000, 'the old spare to exit');
    assert.equal(spares(srv).length, 1);
  });

  test('TTIN promotes the spare and starts another', async (t) => {
    const { srv, port } = await serve(t, ['-w', '1', '--spare-workers', '1'], 1);
    const spare = Number((await srv.waitForLine(/Spare ready \(pid: (\d+)\)/, 10000)).m[1]);
    srv.kill('SIGTTIN');
    await srv.waitForLine(new RegExp(`Spare promoted \\(pid: ${spare}, slot \\d+\\)`), 3000);
    await waitFor(() => spareReady(srv).length === 2, 10000, 'a new spare');
    await waitFor(async () => (await answeredBy(port, 20)).has(spare) || null, 5000, 'the promoted spare to serve');
  });
});
