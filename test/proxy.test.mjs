// tusk behind proxies, on every interface, through the real CLI over loopback: forwarded_allow_ips
// and secure_scheme_headers (X-Forwarded-For, Forwarded, X-Forwarded-Proto) from a listed and an
// unlisted peer; the PROXY protocol v1 and v2 (raw bytes over net.connect) with proxy_allow_ips,
// and the connections it must close; request_timeout answering a hanging handler with 503 while
// the same worker keeps serving, with the app's abort signal observed; the settings' bad values.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { cleanupAll, fixture, request, runTusk, sleep, startTusk } from './helpers.mjs';
import { parseResponses } from './fixtures/engine/rawhttp.mjs';

const APPS = {
  fetch: [fixture('proxy/fetch-app.mjs')],
  native: ['--interface', 'native', fixture('proxy/native-app.mjs')],
  node: [fixture('proxy/node-app.mjs')],
};

async function serve(kind, args = []) {
  const h = startTusk(['-w', '1', '-b', '127.0.0.1:0', ...args, ...APPS[kind]]);
  const { port } = await h.waitForReady(1, 20000);
  return { h, port };
}

/** What the app saw, in one shape for every interface: { address, port, secure, peer }. */
function seen(kind, body) {
  const r = JSON.parse(body);
  if (kind === 'fetch') return { address: r.address, port: r.port, secure: r.url.startsWith('https://') };
  if (kind === 'native') return { address: r.address, port: r.port, secure: r.scheme === 'https' };
  return { address: r.client.remoteAddress, port: r.client.remotePort, secure: r.client.secure, socket: r.socket };
}

async function ask(port, headers = {}) {
  const res = await request({ port, path: '/who', headers });
  assert.equal(res.status, 200, res.body);
  return res;
}

// ---- raw connections ----

/** Sends `pieces` (with a pause between them) and collects everything until the server closes. */
function exchange(port, pieces, { pause = 50, timeout = 8000 } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks = [];
    let reset = false;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ data: Buffer.concat(chunks), closed: false, reset });
    }, timeout);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', (err) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') reset = true;
      else reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks), closed: true, reset });
    });
    socket.on('connect', async () => {
      for (let i = 0; i < pieces.length; i++) {
        if (i > 0) await sleep(pause);
        if (!socket.destroyed) socket.write(pieces[i]);
      }
    });
  });
}

const GET = (path = '/who', close = true) => `GET ${path} HTTP/1.1\r\nHost: test\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;

function proxyV1(src, dst, sport, dport) {
  const family = net.isIPv6(src) ? 'TCP6' : 'TCP4';
  return `PROXY ${family} ${src} ${dst} ${sport} ${dport}\r\n`;
}

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

function ipBytes(ip) {
  if (net.isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return Buffer.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}

/** A v2 header: command 1 PROXY / 0 LOCAL; TLVs (a Buffer) appended after the addresses. */
function proxyV2({ command = 1, src, dst, sport, dport, tlvs = Buffer.alloc(0), family } = {}) {
  let fam = 0x00;
  let addresses = Buffer.alloc(0);
  if (src) {
    const v6 = net.isIPv6(src);
    fam = family ?? (v6 ? 0x21 : 0x11);
    const ports = Buffer.alloc(4);
    ports.writeUInt16BE(sport, 0);
    ports.writeUInt16BE(dport, 2);
    addresses = Buffer.concat([ipBytes(src), ipBytes(dst), ports]);
  }
  const len = Buffer.alloc(2);
  len.writeUInt16BE(addresses.length + tlvs.length);
  return Buffer.concat([V2_SIGNATURE, Buffer.from([0x20 | command, fam]), len, addresses, tlvs]);
}

function responsesOf(result) {
  const { responses } = parseResponses(result.data, { closed: result.closed });
  return responses;
}

after(async () => {
  await cleanupAll();
});

// ---- forwarded_allow_ips, X-Forwarded-For, Forwarded, secure_scheme_headers ----

for (const kind of Object.keys(APPS)) {
  describe(`forwarded headers, ${kind} interface`, () => {
    let trusted; // the default: 127.0.0.1,::1
    let untrusted;
    let chain; // 127.0.0.1 and 10.0.0.0/8
    before(async () => {
      [trusted, untrusted, chain] = await Promise.all([
        serve(kind),
        serve(kind, ['--forwarded-allow-ips', '10.1.2.3']),
        serve(kind, ['--forwarded-allow-ips', '127.0.0.1, 10.0.0.0/8']),
      ]);
    });

    test('a trusted peer: X-Forwarded-For names the client, X-Forwarded-Proto: https makes it https', async () => {
      const s = seen(kind, (await ask(trusted.port, { 'X-Forwarded-For': '203.0.113.7', 'X-Forwarded-Proto': 'https' })).body);
      assert.equal(s.address, '203.0.113.7');
      assert.equal(s.secure, true);
      if (kind === 'node') assert.equal(s.socket[0], '127.0.0.1', 'req.socket.remoteAddress stays the peer');
    });

    test('a trusted peer: RFC 7239 Forwarded with an IPv6 node, its port and proto=https', async () => {
      const s = seen(kind, (await ask(trusted.port, { Forwarded: 'for="[2001:db8::17]:4711";proto=https;by=10.0.0.1' })).body);
      assert.deepEqual([s.address, s.port, s.secure], ['2001:db8::17', 4711, true]);
    });

    test('each default secure scheme header, and a value that does not match', async () => {
      for (const [name, value] of [['X-Forwarded-Protocol', 'ssl'], ['X-Forwarded-Ssl', 'on'], ['X-Forwarded-Proto', 'HTTPS']]) {
        assert.equal(seen(kind, (await ask(trusted.port, { [name]: value })).body).secure, true, name);
      }
      assert.equal(seen(kind, (await ask(trusted.port, { 'X-Forwarded-Proto': 'http' })).body).secure, false);
    });

    test('no forwarding headers: the peer, over http', async () => {
      const s = seen(kind, (await ask(trusted.port)).body);
      assert.equal(s.address, '127.0.0.1');
      assert.ok(s.port > 0);
      assert.equal(s.secure, false);
    });

    test('an unlisted peer is not believed: the client is the peer, the scheme http', async () => {
      const s = seen(kind, (await ask(untrusted.port, {
        'X-Forwarded-For': '203.0.113.7', 'X-Forwarded-Proto': 'https', Forwarded: 'for=198.51.100.2;proto=https',
      })).body);
      assert.equal(s.address, '127.0.0.1');
      assert.equal(s.secure, false);
    });

    test('a chain: every trusted hop is skipped from the right, the first untrusted one is the client', async () => {
      const xff = { 'X-Forwarded-For': '192.0.2.1, 198.51.100.9, 10.0.0.5' };
      assert.equal(seen(kind, (await ask(chain.port, xff)).body).address, '198.51.100.9');
      assert.equal(seen(kind, (await ask(trusted.port, xff)).body).address, '10.0.0.5', 'only 127.0.0.1 trusted');
      // A spoofed entry on the left is not reached; a garbage entry ends the walk at the hop before it.
      assert.equal(seen(kind, (await ask(chain.port, { 'X-Forwarded-For': 'not-an-ip, 10.0.0.5' })).body).address, '10.0.0.5');
    });
  });
}

// ---- the PROXY protocol ----

for (const kind of Object.keys(APPS)) {
  describe(`PROXY protocol, ${kind} interface`, () => {
    let server;
    let unlisted;
    before(async () => {
      [server, unlisted] = await Promise.all([
        serve(kind, ['--proxy-protocol', '--header-timeout', '2']),
        serve(kind, ['--proxy-protocol', '--proxy-allow-ips', '10.9.9.9']),
      ]);
    });

    const check = async (pieces, address, port) => {
      const result = await exchange(server.port, pieces);
      const [res] = responsesOf(result);
      assert.ok(res, `no response: ${result.data.toString('latin1')}`);
      assert.equal(res.status, 200);
      const s = seen(kind, res.body.toString());
      assert.deepEqual([s.address, s.port], [address, port]);
      if (kind === 'node') assert.deepEqual(s.socket, [address, port], 'the socket shows the PROXY source');
    };

    test('v1 TCP4 and TCP6: the header names the client', async () => {
      await check([proxyV1('198.51.100.20', '10.0.0.1', 40123, 443) + GET()], '198.51.100.20', 40123);
      await check([proxyV1('2001:db8::5', '2001:db8::1', 5555, 443) + GET()], '2001:db8::5', 5555);
    });

    test('v2 INET and INET6 (with a TLV): the header names the client', async () => {
      const tlv = Buffer.from([0x04, 0x00, 0x03, 0x61, 0x62, 0x63]); // PP2_TYPE_NOOP
      await check([Buffer.concat([proxyV2({ src: '192.0.2.44', dst: '10.0.0.1', sport: 1234, dport: 443 }), Buffer.from(GET())])], '192.0.2.44', 1234);
      await check([Buffer.concat([proxyV2({ src: '2001:db8::44', dst: '2001:db8::1', sport: 65535, dport: 443, tlvs: tlv }), Buffer.from(GET())])], '2001:db8::44', 65535);
    });

    test('a header split across packets, and the HTTP request after it on the same connection', async () => {
      const header = proxyV2({ src: '192.0.2.45', dst: '10.0.0.1', sport: 999, dport: 80 });
      await check([header.subarray(0, 5), header.subarray(5, 20), Buffer.concat([header.subarray(20), Buffer.from(GET())])], '192.0.2.45', 999);
      await check(['PROX', 'Y TCP4 192.0.2.46 10.0.0.1 77 80', '\r', '\n' + GET()], '192.0.2.46', 77);
    });

    test('keep-alive: every request on the connection comes from the header\'s client', async () => {
      const result = await exchange(server.port, [proxyV1('198.51.100.21', '10.0.0.1', 3000, 80) + GET('/who', false) + GET('/who', true)]);
      const responses = responsesOf(result);
      assert.equal(responses.length, 2);
      for (const res of responses) assert.equal(seen(kind, res.body.toString()).address, '198.51.100.21');
    });

    test('LOCAL (v2) and UNKNOWN (v1): the connection\'s own peer stands', async () => {
      const local = await exchange(server.port, [Buffer.concat([proxyV2({ command: 0 }), Buffer.from(GET())])]);
      assert.equal(seen(kind, responsesOf(local)[0].body.toString()).address, '127.0.0.1');
      const unknown = await exchange(server.port, ['PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n' + GET()]);
      assert.equal(seen(kind, responsesOf(unknown)[0].body.toString()).address, '127.0.0.1');
    });

    test('forwarded headers are then judged against the PROXY source, not the proxy', async () => {
      // 198.51.100.20 is not in forwarded_allow_ips: its X-Forwarded-For is not believed.
      const req = `GET /who HTTP/1.1\r\nHost: test\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n`;
      await check([proxyV1('198.51.100.20', '10.0.0.1', 40123, 443) + req], '198.51.100.20', 40123);
    });

    const refused = async (port, pieces, what) => {
      const result = await exchange(port, pieces);
      assert.equal(result.closed, true, `${what}: the connection is closed`);
      assert.equal(responsesOf(result).length, 0, `${what}: no response, got ${JSON.stringify(result.data.toString('latin1'))}`);
    };

    test('no header, a malformed one, an oversized one: closed without an answer', async () => {
      await refused(server.port, [GET()], 'plain HTTP');
      await refused(server.port, ['PROXY TCP4 198.51.100.1 10.0.0.1 99999 80\r\n' + GET()], 'port out of range');
      await refused(server.port, ['PROXY TCP4 2001:db8::1 10.0.0.1 1 80\r\n' + GET()], 'IPv6 address as TCP4');
      await refused(server.port, ['PROXY TCP4 198.51.100.1 10.0.0.1 1 80\n' + GET()], 'bare LF');
      await refused(server.port, [`PROXY TCP4 ${'1'.repeat(120)}\r\n` + GET()], 'v1 over 107 bytes');
      const badVersion = proxyV2({ src: '192.0.2.1', dst: '10.0.0.1', sport: 1, dport: 2 });
      badVersion[12] = 0x31;
      await refused(server.port, [Buffer.concat([badVersion, Buffer.from(GET())])], 'v2 version 3');
      const big = proxyV2({ src: '192.0.2.1', dst: '10.0.0.1', sport: 1, dport: 2, tlvs: Buffer.alloc(5000) });
      await refused(server.port, [Buffer.concat([big, Buffer.from(GET())])], 'v2 over 4096 bytes');
      const short = proxyV2({ src: '192.0.2.1', dst: '10.0.0.1', sport: 1, dport: 2 });
      short.writeUInt16BE(4, 14); // says INET but carries 4 bytes of addresses
      await refused(server.port, [Buffer.concat([short.subarray(0, 20), Buffer.from(GET())])], 'v2 addresses cut short');
    });

    test('a header that does not arrive within header_timeout: closed', async () => {
      const t0 = Date.now();
      await refused(server.port, ['PROXY TCP4 198.51.100.1'], 'incomplete header');
      const ms = Date.now() - t0;
      assert.ok(ms >= 1500 && ms < 7000, `closed after ${ms} ms (header_timeout 2 s)`);
    });

    test('a peer not in proxy_allow_ips: closed, even with a valid header', async () => {
      await refused(unlisted.port, [proxyV1('198.51.100.20', '10.0.0.1', 40123, 443) + GET()], 'unlisted peer');
    });

    test('the worker keeps serving after all of it', async () => {
      await check([proxyV1('198.51.100.30', '10.0.0.1', 1, 80) + GET()], '198.51.100.30', 1);
    });
  });
}

// ---- request_timeout ----

for (const kind of Object.keys(APPS)) {
  test(`request_timeout, ${kind} interface: 503 for a hanging handler, the abort seen, other requests served meanwhile`, async () => {
    const { port } = await serve(kind, ['--request-timeout', '1']);
    const t0 = Date.now();
    const hanging = request({ port, path: '/hang?1', timeout: 10000 });
    // While it hangs, the same (only) worker answers others.
    for (let i = 0; i < 5; i++) {
      assert.equal((await ask(port)).status, 200);
      await sleep(100);
    }
    const res = await hanging;
    const ms = Date.now() - t0;
    assert.equal(res.status, 503);
    assert.equal(res.headers.connection, 'close');
    assert.ok(ms >= 900 && ms < 4000, `answered after ${ms} ms (request_timeout 1 s)`);
    const aborted = JSON.parse((await request({ port, path: '/aborted' })).body);
    assert.ok(aborted.some((u) => u.startsWith('/hang?1')), `the app saw its abort: ${JSON.stringify(aborted)}`);

    // A response already begun: the connection is closed, the body left incomplete.
    const t1 = Date.now();
    const result = await exchange(port, [GET('/hang-stream')], { timeout: 8000 });
    assert.equal(result.closed, true, 'closed');
    const text = result.data.toString('latin1');
    assert.match(text, /^HTTP\/1\.1 200 /);
    assert.match(text, /partial/);
    assert.doesNotMatch(text, /0\r\n\r\n$/, 'no final chunk: the client can tell the body is cut');
    assert.ok(Date.now() - t1 < 4000);
    await sleep(100);
    const later = JSON.parse((await request({ port, path: '/aborted' })).body);
    assert.ok(later.some((u) => u.startsWith('/hang-stream')), `the app saw the second abort: ${JSON.stringify(later)}`);
  });
}

test('request_timeout 0 (the default) never cuts a slow request', async () => {
  const { port } = await serve('fetch');
  const hanging = request({ port, path: '/hang?slow', timeout: 2500 });
  await assert.rejects(hanging, /timed out/);
});

// ---- bad values ----

describe('settings', () => {
  const bad = [
    [['--forwarded-allow-ips', '300.1.1.1'], /forwarded_allow_ips: expected .*IP addresses and CIDRs.*300\.1\.1\.1/],
    [['--forwarded-allow-ips', '10.0.0.0/33'], /forwarded_allow_ips: .*prefix length/],
    [['--proxy-allow-ips', 'example.com'], /proxy_allow_ips: expected .*example\.com/],
    [['--secure-scheme-headers', 'X-Forwarded-Proto'], /secure_scheme_headers: expected .*HEADER=VALUE/],
    [['--secure-scheme-headers', 'Bad Header=on'], /secure_scheme_headers: expected/],
    [['--request-timeout', '-1'], /request_timeout: expected a number of seconds >= 0/],
    [['--proxy-protocol=yes'], /proxy_protocol: --proxy-protocol takes no value/],
  ];
  for (const [args, message] of bad) {
    test(`${args.join(' ')} is refused with one line and exit 2`, async () => {
      const r = await runTusk([...args, fixture('proxy/fetch-app.mjs')]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    });
  }

  test('FORWARDED_ALLOW_IPS sets the default; a config file takes an array and an object', async () => {
    const env = await runTusk(['--print-config'], { env: { FORWARDED_ALLOW_IPS: '10.0.0.0/8, *' } });
    assert.match(env.stdout, /^forwarded_allow_ips = \["10\.0\.0\.0\/8","\*"\]$/m);
    const cli = await runTusk(['--print-config', '--secure-scheme-headers', 'X-Scheme=https,Front-End-Https=on', '--proxy-allow-ips', '*']);
    assert.match(cli.stdout, /^secure_scheme_headers = \{"X-SCHEME":"https","FRONT-END-HTTPS":"on"\}$/m);
    assert.match(cli.stdout, /^proxy_allow_ips = \["\*"\]$/m);
    const none = await runTusk(['--print-config', '--secure-scheme-headers', '']);
    assert.match(none.stdout, /^secure_scheme_headers = \{\}$/m);
  });
});
