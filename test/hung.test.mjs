// Hung-worker diagnosis: before a worker whose heartbeat timed out is killed, the master logs the
// JavaScript stack where its event loop is stuck (taken by the worker's stack thread through a V8
// interrupt), then aborts it; a worker blocked outside JavaScript leaves no stack and is killed on
// time all the same; a stray request for a stack does not disturb a healthy worker.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { startTusk, request, fixture, waitFor, sleep, cleanupAll, isAlive, ROOT } from './helpers.mjs';

after(cleanupAll);

const APP = fixture('blocking.mjs');
const TIMEOUT_S = 2;

async function serve(t, args = []) {
  const srv = startTusk(['-b', '127.0.0.1:0', '-t', String(TIMEOUT_S), ...args, APP]);
  t.after(() => srv.stop());
  const { port } = await srv.waitForReady(1);
  return { srv, port, pid: Number((await request({ port })).body) };
}

/** Sends a request that blocks the worker; its answer never comes. */
function block(port, what) {
  request({ port, path: `/${what}`, timeout: 20000 }).catch(() => {});
  return Date.now();
}

/** Waits for the replacement of `pid` to be ready; returns when that was logged. */
async function replaced(srv, pid) {
  const line = await srv.waitForLine(/Worker ready \(pid: (\d+)\)/, 15000, 2);
  assert.notEqual(Number(line.m[1]), pid);
  return line.at;
}

describe('a timed-out worker\'s stack is logged before it is killed', () => {
  test('while (true) in a named function: its name and file:line are logged, then the worker is replaced within timeout + 2 s', async (t) => {
    const { srv, port, pid } = await serve(t);
    const blockedAt = block(port, 'spin');
    await srv.waitForLine(new RegExp(`Worker timeout \\(pid: ${pid}\\)`), 10000);
    const stack = await srv.waitForLine(new RegExp(`Worker \\(pid: ${pid}\\) event loop blocked at:`), 5000);
    const text = srv.stderr();
    const frames = text.slice(text.indexOf(stack.text) + stack.text.length).split('\n').slice(1).filter((l) => /^\s+at /.test(l));
    assert.match(frames[0] ?? '', /^\s+at spinForever \(file:\/\/\S+\/blocking\.mjs:8:\d+\)$/, `stack:\n${frames.join('\n')}`);
    assert.ok(frames.some((l) => /at (Server\.)?blocking \(\S+blocking\.mjs:23:\d+\)/.test(l)), 'the caller is in the stack too');
    const readyAt = await replaced(srv, pid);
    assert.ok(readyAt - blockedAt < (TIMEOUT_S + 2) * 1000, `replaced ${readyAt - blockedAt} ms after the loop blocked`);
    await waitFor(() => !isAlive(pid), 5000, 'the blocked worker to be gone');
    const killed = srv.matches(new RegExp(`Worker \\(pid: ${pid}\\) was killed by signal SIGABRT`))[0];
    assert.ok(killed, srv.tail());
    assert.ok(killed.at >= stack.at, 'the stack is logged before the worker is killed');
    const after = Number((await request({ port })).body);
    assert.notEqual(after, pid);
  });

  test('Atomics.wait: the stack shows the waiting function; killed on time', async (t) => {
    const { srv, port, pid } = await serve(t);
    const blockedAt = block(port, 'wait');
    await srv.waitForLine(new RegExp(`Worker \\(pid: ${pid}\\) event loop blocked at:`), 10000);
    assert.match(srv.stderr(), /\n\s+at waitForever \(\S+blocking\.mjs:12:\d+\)\n/);
    await waitFor(() => !isAlive(pid), 5000, 'the blocked worker to be gone');
    assert.ok(Date.now() - blockedAt < (TIMEOUT_S + 2) * 1000 + 500, `killed ${Date.now() - blockedAt} ms after the loop blocked`);
    await replaced(srv, pid);
  });

  test('blocked in a synchronous native call: no stack comes, the worker is killed on time anyway', async (t) => {
    const { srv, port, pid } = await serve(t);
    const blockedAt = block(port, 'native');
    await srv.waitForLine(new RegExp(`Worker \\(pid: ${pid}\\) left no JavaScript stack within \\d+ ms`), 10000);
    await waitFor(() => !isAlive(pid), 5000, 'the blocked worker to be gone');
    assert.ok(Date.now() - blockedAt < (TIMEOUT_S + 2) * 1000 + 500, `killed ${Date.now() - blockedAt} ms after the loop blocked`);
    const readyAt = await replaced(srv, pid);
    assert.ok(readyAt - blockedAt < (TIMEOUT_S + 2) * 1000, `replaced ${readyAt - blockedAt} ms after the loop blocked`);
  });

  test('a worker running as another user (--user nobody) leaves its stack too', { skip: process.getuid() !== 0 && 'needs root' }, async (t) => {
    const { srv, port, pid } = await serve(t, ['-u', 'nobody']);
    block(port, 'spin');
    await srv.waitForLine(new RegExp(`Worker \\(pid: ${pid}\\) event loop blocked at:`), 10000);
    assert.match(srv.stderr(), /\n\s+at spinForever \(\S+blocking\.mjs:8:\d+\)\n/);
    await replaced(srv, pid);
  });

  test('a stray stack request (SIGURG) to a healthy worker changes nothing', async (t) => {
    const { srv, port, pid } = await serve(t);
    for (let i = 0; i < 5; i++) {
      process.kill(pid, 'SIGURG');
      await sleep(50);
    }
    await sleep(TIMEOUT_S * 1000 + 500);
    for (let i = 0; i < 5; i++) assert.equal(Number((await request({ port })).body), pid);
    assert.equal(srv.count(/Worker timeout|blocked at|no JavaScript stack/), 0, srv.tail());
  });
});

describe('signalPipe (the addon)', () => {
  test('refuses SIGKILL, a bad number and a second pipe for the same signal', () => {
    const script = `
      const addon = require('node-gyp-build')(${JSON.stringify(ROOT)});
      const tryIt = (sig) => { try { return 'fd ' + (addon.signalPipe(sig) > 2); } catch (err) { return err.code; } };
      console.log([tryIt(9), tryIt(0), tryIt(1000), tryIt(23), tryIt(23)].join(' '));`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 15000, env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'EINVAL EINVAL EINVAL fd true EBUSY');
  });
});
