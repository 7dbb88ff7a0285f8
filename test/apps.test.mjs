// App shapes and APP forms: Express, Koa, Fastify, plain listener,
// http.Server, CommonJS, named export, factory call, package-name:name.

import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import {
  startTusk, request, fixture, workerPids, cleanupAll, mkTmp, ROOT,
} from './helpers.mjs';

after(cleanupAll);

const PAYLOAD = { hello: 'world', n: 42, list: [1, 'two', { three: 3 }], unicode: 'héllo ☃' };

/** Start `-w 2 -b 127.0.0.1:0 APP`, wait for both workers; registers cleanup. */
async function serve(t, app, extra = [], opts = {}) {
  const srv = startTusk(['-w', '2', '-b', '127.0.0.1:0', ...extra, app], opts);
  t.after(() => srv.stop());
  const { port } = await srv.waitForReady(2);
  assert.ok(port > 0, `no port in Listening line; stderr:\n${srv.tail()}`);
  return { srv, port };
}

describe('frameworks served with -w 2', () => {
  test('plain (req, res) listener', async (t) => {
    const { srv, port } = await serve(t, fixture('plain.mjs'));

    const workers = workerPids(srv.pid);
    assert.equal(workers.length, 2, `expected 2 worker processes, got ${workers}`);

    const r = await request({ port, path: '/' });
    assert.equal(r.status, 200);
    assert.match(r.body, /^hello from \d+$/);
    assert.equal(r.headers['x-app'], 'plain');
    const servedBy = Number(r.body.split(' ').pop());
    assert.notEqual(servedBy, srv.pid, 'request was answered by the master, not a worker');
    assert.ok(workers.includes(servedBy), `answered by pid ${servedBy}, not one of the workers ${workers}`);

    const e = await request({ port, path: '/echo', method: 'POST', body: PAYLOAD });
    assert.equal(e.status, 200);
    assert.match(e.headers['content-type'], /application\/json/);
    assert.deepEqual(JSON.parse(e.body), PAYLOAD);

    // a larger body, to cross a few TCP segments
    const big = { blob: 'x'.repeat(200_000) };
    const b = await request({ port, path: '/echo', method: 'POST', body: big });
    assert.equal(b.status, 200);
    assert.deepEqual(JSON.parse(b.body), big);

    const nf = await request({ port, path: '/no/such/path' });
    assert.equal(nf.status, 404);
    assert.equal(nf.body, 'not found');

    const head = await request({ port, path: '/', method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
  });

  test('Express app', async (t) => {
    const { port } = await serve(t, fixture('express-app.mjs'));
    const r = await request({ port, path: '/' });
    assert.equal(r.status, 200);
    assert.match(r.body, /^hello from express \d+$/);
    assert.equal(r.headers['x-app'], 'express');
    assert.match(r.headers['content-type'], /text\/plain/);

    const e = await request({ port, path: '/echo', method: 'POST', body: PAYLOAD });
    assert.equal(e.status, 201);
    assert.equal(e.headers['x-app'], 'express');
    assert.deepEqual(JSON.parse(e.body), { got: PAYLOAD, framework: 'express' });

    const nf = await request({ port, path: '/nope' });
    assert.equal(nf.status, 404);
    assert.match(nf.body, /Cannot GET \/nope/);
  });

  test('Koa app instance (tusk calls app.callback())', async (t) => {
    const { port } = await serve(t, fixture('koa-app.mjs'));
    const r = await request({ port, path: '/' });
    assert.equal(r.status, 200);
    assert.match(r.body, /^hello from koa \d+$/);
    assert.equal(r.headers['x-app'], 'koa');

    const e = await request({ port, path: '/echo', method: 'POST', body: PAYLOAD });
    assert.equal(e.status, 201);
    assert.deepEqual(JSON.parse(e.body), { got: PAYLOAD, framework: 'koa' });

    const nf = await request({ port, path: '/nope' });
    assert.equal(nf.status, 404);
    assert.equal(nf.body, 'Not Found');
    assert.equal(nf.headers['x-app'], 'koa');
  });

  test('Koa app.callback() as a named export', async (t) => {
    const { port } = await serve(t, `${fixture('koa-app.mjs')}:handler`);
    const r = await request({ port, path: '/' });
    assert.equal(r.status, 200);
    assert.match(r.body, /^hello from koa \d+$/);
    const e = await request({ port, path: '/echo', method: 'POST', body: PAYLOAD });
    assert.equal(e.status, 201);
    assert.deepEqual(JSON.parse(e.body), { got: PAYLOAD, framework: 'koa' });
  });

  test('Fastify instance (tusk awaits ready())', async (t) => {
    const { port } = await serve(t, fixture('fastify-app.mjs'));
    const r = await request({ port, path: '/' });
    assert.equal(r.status, 200);
    assert.match(r.body, /^hello from fastify \d+$/);
    assert.equal(r.headers['x-app'], 'fastify');

    const e = await request({ port, path: '/echo', method: 'POST', body: PAYLOAD });
    assert.equal(e.status, 201);
    assert.equal(e.headers['x-app'], 'fastify');
    assert.deepEqual(JSON.parse(e.body), { got: PAYLOAD, framework: 'fastify' });

    const nf = await request({ port, path: '/nope' });
    assert.equal(nf.status, 404);
    assert.deepEqual(JSON.parse(nf.body), {
      message: 'Route GET:/nope not found', error: 'Not Found', statusCode: 404,
    });
  });
});

describe('app shapes and APP forms', () => {
  test('http.Server created without listen()', async (t) => {
    const { port } = await serve(t, fixture('http-server.mjs'));
    const r = await request({ port, path: '/' });
    assert.equal(r.status, 200);
    assert.match(r.body, /^hello from http\.Server \d+$/);
    assert.equal(r.headers['x-app'], 'http-server');
  });

  test('CommonJS app (module.exports) and a CJS named export', async (t) => {
    const { port } = await serve(t, fixture('cjs-app.cjs'));
    const r = await request({ port, path: '/' });
    assert.equal(r.status, 200);
    // `typeof require` is "function" only if the file really ran as CommonJS
    assert.match(r.body, /^hello from cjs function \d+$/);
    assert.equal(r.headers['x-app'], 'cjs');

    const { port: port2 } = await serve(t, `${fixture('cjs-app.cjs')}:other`);
    const o = await request({ port: port2, path: '/' });
    assert.equal(o.status, 200);
    assert.equal(o.body, 'hello from cjs other');
  });

  test('CommonJS Express app', async (t) => {
    const { port } = await serve(t, fixture('cjs-express.cjs'));
    const r = await request({ port, path: '/' });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'hello from cjs express');
  });

  test('ESM in a .js file (package type module)', async (t) => {
    const { port } = await serve(t, fixture('esm-app.js'));
    const r = await request({ port, path: '/' });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'hello from esm js string');
  });

  test('ESM named export app.js:name (not the default export)', async (t) => {
    const { port } = await serve(t, `${fixture('named.mjs')}:api`);
    const r = await request({ port, path: '/' });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'this is the api export');
  });

  test("factory call app.js:create('x', 2) with literal arguments", async (t) => {
    const { port } = await serve(t, `${fixture('factory.mjs')}:create('x', 2)`);
    const r = await request({ port, path: '/' });
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { factory: 'create', args: ['x', 2] });
  });

  test('async factory returning a Promise, no-arg call and relative APP path', async (t) => {
    // relative to the working directory (ROOT)
    const rel = path.relative(ROOT, fixture('factory.mjs'));
    const { port } = await serve(t, `${rel}:createAsync("y", true, null)`, [], { cwd: ROOT });
    const r = await request({ port, path: '/' });
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { factory: 'createAsync', args: ['y', true, null] });

    const { port: port2 } = await serve(t, `${rel}:create()`, [], { cwd: ROOT });
    const r2 = await request({ port: port2, path: '/' });
    assert.equal(r2.status, 200);
    assert.deepEqual(JSON.parse(r2.body), { factory: 'create', args: [] });
  });

  test('package-name:name resolved from the working directory', async (t) => {
    const dir = mkTmp('tusk-pkg-');
    const pkgDir = path.join(dir, 'node_modules', 'somepkg');
    fs.mkdirSync(pkgDir, { recursive: true });
    fs.writeFileSync(path.join(pkgDir, 'package.json'),
      JSON.stringify({ name: 'somepkg', version: '1.0.0', main: 'index.js' }));
    fs.writeFileSync(path.join(pkgDir, 'index.js'), [
      "'use strict';",
      'exports.handler = function (req, res) {',
      "  res.setHeader('content-type', 'text/plain');",
      "  res.end('hello from somepkg ' + req.url);",
      '};',
      '',
    ].join('\n'));
    const { port } = await serve(t, 'somepkg:handler', [], { cwd: dir });
    const r = await request({ port, path: '/abc?d=1' });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'hello from somepkg /abc?d=1');
  });
});

describe('connections', () => {
  test('concurrent requests are served concurrently', async (t) => {
    const { port } = await serve(t, fixture('plain.mjs'));
    const t0 = Date.now();
    const all = await Promise.all(Array.from({ length: 40 }, (_, i) =>
      request({ port, path: `/slow?ms=300&i=${i}`, timeout: 10000 })));
    const ms = Date.now() - t0;
    for (const r of all) {
      assert.equal(r.status, 200);
      assert.equal(r.body, 'slow 300');
    }
    assert.ok(ms < 3000, `40 concurrent 300 ms requests took ${ms} ms`);
  });

  test('HTTP/1.1 keep-alive: several requests on one connection', async (t) => {
    const { port } = await serve(t, fixture('plain.mjs'));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    t.after(() => agent.destroy());
    const pids = [];
    let reused = 0;
    for (let i = 0; i < 5; i++) {
      const r = await new Promise((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/pid', agent }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d) => { body += d; });
          res.on('end', () => resolve({ status: res.statusCode, body, reused: req.reusedSocket }));
        });
        req.setTimeout(5000, () => req.destroy(new Error('timeout')));
        req.on('error', reject);
      });
      assert.equal(r.status, 200);
      pids.push(r.body);
      if (r.reused) reused++;
    }
    assert.equal(reused, 4, 'requests 2..5 should reuse the first connection');
    assert.equal(new Set(pids).size, 1, `one connection is served by one worker: ${pids}`);
  });
});
