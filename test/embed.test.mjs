// Embedding (`import { serve } from 'tusk'`) and the bridge's promises: the engine runs in this
// process; handlers await promises, process.nextTick and timers, and AsyncLocalStorage context
// set in a handler survives all of them, for concurrent requests each with its own store.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { serve } from '../dist/index.js';

const als = new AsyncLocalStorage();

async function hops() {
  await Promise.resolve();
  await new Promise((resolve) => process.nextTick(resolve));
  await sleep(Math.floor(Math.random() * 10));
  await new Promise((resolve) => setImmediate(resolve));
}

async function hammer(port, n = 40) {
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) => fetch(`http://127.0.0.1:${port}/r${i}`).then(async (r) => [i, r.status, await r.text()])),
  );
  for (const [i, status, text] of results) {
    assert.equal(status, 200);
    assert.equal(text, `/r${i} /r${i}`, `request ${i} saw another request's context`);
  }
}

describe('serve() in this process', () => {
  test('fetch interface: AsyncLocalStorage survives awaits, nextTick, timers', async () => {
    const server = await serve({
      fetch(request) {
        const path = new URL(request.url).pathname;
        return als.run(path, async () => {
          await hops();
          return new Response(`${path} ${als.getStore()}`);
        });
      },
    }, { port: 0 });
    try {
      assert.equal(server.interface, 'fetch');
      assert.match(server.addresses[0], /^http:\/\/127\.0\.0\.1:\d+$/);
      await hammer(server.port);
    } finally {
      await server.close();
    }
    await assert.rejects(fetch(`http://127.0.0.1:${server.port}/`), 'closed server refuses');
  });

  test('native interface: enterWith in the handler, read after hops', async () => {
    const server = await serve(async (req, res) => {
      als.enterWith(req.url);
      await hops();
      res.end(`${req.url} ${als.getStore()}`);
    }, { port: 0, interface: 'native' });
    try {
      assert.equal(server.interface, 'native');
      await hammer(server.port);
    } finally {
      await server.close();
    }
  });

  test('node interface through serve()', async () => {
    const server = await serve((req, res) => {
      als.run(req.url, async () => {
        await hops();
        res.end(`${req.url} ${als.getStore()}`);
      });
    }, { port: 0 });
    try {
      assert.equal(server.interface, 'node');
      await hammer(server.port);
    } finally {
      await server.close();
    }
  });

  test('close() waits for an in-flight request', async () => {
    let release;
    const server = await serve({ fetch: () => new Promise((r) => (release = r)).then(() => new Response('done')) }, { port: 0 });
    const pending = fetch(`http://127.0.0.1:${server.port}/`).then((r) => r.text());
    while (!release) await sleep(5);
    const closing = server.close();
    release();
    assert.equal(await pending, 'done');
    await closing;
  });

  test('a bad option is a ConfigError naming it', async () => {
    await assert.rejects(serve({ fetch: () => new Response('x') }, { port: 0, keepalive: -1 }), /keepalive/);
    await assert.rejects(serve({ fetch: () => new Response('x') }, { port: 0, nope: 1 }), /unknown option "nope"/);
    await assert.rejects(serve({ fetch: () => new Response('x') }, { port: 0, preRequest: () => {} }), /serve: pre_request is a server hook/);
  });
});
