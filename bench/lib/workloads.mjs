// bench/lib/workloads.mjs — the workloads: what the load generator sends (path, method, body,
// headers, connections, pipelining) and how to check, before measuring, that a server answers
// that workload correctly.
import http from 'node:http';
import net from 'node:net';

export const HELLO = 'Hello, World!';
const ONE_MIB = 1024 * 1024;

/**
 * id (for --workloads), title (in the table), path, connections, and for wrk a Lua script from
 * bench/wrk/ (report.lua is always appended) and extra headers. autocannon gets the same shape
 * through `pipelining`, `method`, `body` and `headers`.
 */
export const WORKLOADS = [
  { id: 'hello', title: 'hello, keep-alive (50 conns)', path: '/', connections: 50 },
  {
    id: 'close', title: 'new connection per request (50 conns)', path: '/', connections: 50,
    headers: { Connection: 'close' },
  },
  { id: 'pipeline', title: 'pipelined ×16 (50 conns)', path: '/', connections: 50, lua: 'pipeline.lua', pipelining: 16 },
  {
    id: 'echo', title: '64 KiB JSON POST /echo (50 conns)', path: '/echo', connections: 50, lua: 'echo.lua',
    method: 'POST', headers: { 'Content-Type': 'application/json' }, jsonBody: 65536,
  },
  { id: '1mb', title: '1 MiB response (50 conns)', path: '/1mb', connections: 50 },
  { id: 'c1000', title: 'hello, 1,000 keep-alive conns', path: '/', connections: 1000 },
  { id: 'c5000', title: 'hello, 5,000 keep-alive conns', path: '/', connections: 5000 },
  { id: 'c10000', title: 'hello, 10,000 keep-alive conns', path: '/', connections: 10000 },
];

export const QUICK = ['hello', 'close'];

/** The same 64 KiB JSON body as bench/wrk/echo.lua builds (for autocannon). */
export function jsonBody(size) {
  const items = [];
  let len = 0;
  for (let i = 1; ; i++) {
    const item = `{"id":${i},"name":"item-${String(i).padStart(6, '0')}","active":${i % 2 === 0},` +
      `"price":${i % 1000}.${String(i % 100).padStart(2, '0')},"tags":["alpha","beta","gamma"]}`;
    if (len + item.length + 1 + 12 + 32 > size) break;
    items.push(item);
    len += item.length + 1;
  }
  const head = `{"items":[${items.join(',')}],"pad":"`;
  return `${head}${'x'.repeat(size - head.length - 2)}"}`;
}

function request(port, { method = 'GET', path = '/', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false, timeout: 5000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** GET / answers 200 'Hello, World!' (used to wait for a server to come up). */
export async function answersHello(port) {
  try {
    const r = await request(port);
    return r.status === 200 && r.body.toString() === HELLO;
  } catch {
    return false;
  }
}

/** Two pipelined GET / in one write get two hello-world responses on the same connection. */
function pipelines(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    const done = (ok) => {
      clearTimeout(t);
      s.destroy();
      resolve(ok);
    };
    const t = setTimeout(() => done(got.split(HELLO).length - 1 >= 2 ? null : 'second pipelined response missing'), 3000);
    s.on('connect', () => s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (got.split(HELLO).length - 1 >= 2) done(null);
    });
    s.on('error', () => done(got.split(HELLO).length - 1 >= 2 ? null : 'connection failed'));
    s.on('close', () => done(got.split(HELLO).length - 1 >= 2 ? null : 'closed before the second pipelined response'));
  });
}

/** null when the server answers workload `id` correctly, else what is wrong. */
export async function checkWorkload(id, port) {
  try {
    if (id === 'pipeline') return await pipelines(port);
    if (id === 'echo') {
      const sent = { items: [{ id: 1, name: 'item-000001', tags: ['alpha', 'beta'] }], pad: 'xyz', n: 1.5 };
      const r = await request(port, {
        method: 'POST', path: '/echo', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sent),
      });
      if (r.status !== 200) return `POST /echo answered ${r.status}`;
      return JSON.stringify(JSON.parse(r.body.toString())) === JSON.stringify(sent) ? null : 'POST /echo did not echo the body';
    }
    if (id === '1mb') {
      const r = await request(port, { path: '/1mb' });
      if (r.status !== 200) return `GET /1mb answered ${r.status}`;
      return r.body.length === ONE_MIB ? null : `GET /1mb sent ${r.body.length} bytes`;
    }
    const r = await request(port, { headers: id === 'close' ? { connection: 'close' } : {} });
    return r.status === 200 && r.body.toString() === HELLO ? null : `GET / answered ${r.status} ${JSON.stringify(r.body.toString().slice(0, 40))}`;
  } catch (e) {
    return `check failed: ${e.message}`;
  }
}
