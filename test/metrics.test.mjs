// Seeing a running server from outside: /metrics (Prometheus text format, checked strictly),
// /ready and /live on --metrics-bind, statsd datagrams with Gunicorn's names, and the app's own
// metrics (import { metrics } from 'tusk') aggregated over the workers. Real processes, real HTTP
// and UDP over loopback.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';

import { startTusk, runTusk, request, fixture, waitFor, cleanupAll, sleep } from './helpers.mjs';
import { parsePrometheus, sampleValue, samples } from './prometheus-format.mjs';

after(cleanupAll);

async function serve(t, args, workers = 1) {
  const srv = startTusk(['-b', '127.0.0.1:0', '--metrics-bind', '127.0.0.1:0', ...args]);
  t.after(() => srv.stop());
  const metricsLine = await srv.waitForLine(/Metrics at: http:\/\/127\.0\.0\.1:(\d+)\/metrics/, 15000);
  const { port } = await srv.waitForReady(workers);
  return { srv, port, metricsPort: Number(metricsLine.m[1]) };
}

async function scrape(metricsPort) {
  const res = await request({ port: metricsPort, path: '/metrics' });
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  return parsePrometheus(res.body);
}

const total = (fams, name) => samples(fams, name).reduce((n, s) => n + s.value, 0);

/** Every counter sample of the server's own families, for monotonicity checks. */
function counters(fams) {
  const out = new Map();
  for (const f of fams.values()) {
    if (!f.name.startsWith('tusk_') || (f.type !== 'counter' && f.type !== 'histogram')) continue;
    for (const s of f.samples) out.set(`${s.name}${JSON.stringify(s.labels)}`, s.value);
  }
  return out;
}

function assertMonotonic(before, after, when) {
  for (const [key, v] of before) {
    const now = after.get(key);
    assert.ok(now !== undefined && now >= v, `${key} went from ${v} to ${now} across ${when}`);
  }
}

describe('/metrics', () => {
  test('strict text format; per-worker request counts add up to what the client sent; counters survive SIGKILL and HUP', async (t) => {
    const { srv, port, metricsPort } = await serve(t, ['-w', '2', '--interface', 'native', fixture('hello-native.mjs')], 2);
    const sent = 60;
    await Promise.all(Array.from({ length: sent }, () => request({ port, path: '/' })));
    let fams;
    await waitFor(async () => total((fams = await scrape(metricsPort)), 'tusk_worker_requests') === sent, 5000, 'per-worker counts to reach what was sent');
    assert.equal(samples(fams, 'tusk_worker_requests').length, 2, 'one series per worker');
    assert.equal(sampleValue(fams, 'tusk_requests_total', { status: '2xx' }), sent);
    assert.equal(sampleValue(fams, 'tusk_request_duration_seconds_count'), sent);
    assert.equal(sampleValue(fams, 'tusk_connections_total'), sent);
    assert.ok(sampleValue(fams, 'tusk_sent_bytes_total') > sent * 50);
    assert.ok(sampleValue(fams, 'tusk_received_bytes_total') > sent * 30);
    assert.equal(sampleValue(fams, 'tusk_workers', { state: 'ready' }), 2);
    for (const name of ['tusk_heartbeat_timeouts_total', 'tusk_requests_in_flight', 'tusk_connections', 'tusk_worker_event_loop_lag_p99_seconds'])
      assert.ok(samples(fams, name).length > 0, `${name} is exposed`);

    // A worker SIGKILLed: its counts stay, its restart is counted.
    const before = counters(fams);
    const victim = sampleValue(fams, 'tusk_worker_pid', { slot: 0, generation: 1 });
    process.kill(victim, 'SIGKILL');
    await srv.waitForLine(/Worker ready \(pid: \d+\)/, 10000, 3);
    fams = await scrape(metricsPort);
    assertMonotonic(before, counters(fams), 'a worker SIGKILL');
    assert.equal(sampleValue(fams, 'tusk_requests_total', { status: '2xx' }), sent);
    assert.equal(sampleValue(fams, 'tusk_worker_restarts_total', { reason: 'crash' }), 1);

    // HUP: a new generation; the old one's counts stay.
    await request({ port, path: '/' });
    const beforeHup = counters(await scrape(metricsPort));
    process.kill(srv.pid, 'SIGHUP');
    // The old generation serves until the new one is ready: /ready stays 200 throughout.
    const readiness = [];
    const deadline = Date.now() + 15000;
    while (srv.count(/Reload complete/) === 0 && Date.now() < deadline) {
      readiness.push((await request({ port: metricsPort, path: '/ready' })).status);
      await sleep(20);
    }
    await srv.waitForLine(/Reload complete/, 1000);
    assert.ok(readiness.length > 0 && readiness.every((s) => s === 200), `/ready during the reload: ${readiness}`);
    await waitFor(async () => sampleValue((fams = await scrape(metricsPort)), 'tusk_workers', { state: 'draining' }) === 0, 10000, 'old generation gone');
    assertMonotonic(beforeHup, counters(fams), 'a HUP');
    assert.equal(sampleValue(fams, 'tusk_requests_total', { status: '2xx' }), sent + 1);
    assert.equal(sampleValue(fams, 'tusk_worker_restarts_total', { reason: 'reload' }), 2);
    assert.ok(samples(fams, 'tusk_worker_requests').every((s) => s.labels.generation === '2'));
  });

  test('status classes and the node interface', async (t) => {
    const { port, metricsPort } = await serve(t, [fixture('plain.mjs')]);
    for (let i = 0; i < 3; i++) await request({ port, path: '/nope' });
    await request({ port, path: '/' });
    let fams;
    await waitFor(async () => sampleValue((fams = await scrape(metricsPort)), 'tusk_requests_total', { status: '4xx' }) === 3, 5000, '3 responses 4xx');
    assert.equal(sampleValue(fams, 'tusk_requests_total', { status: '2xx' }), 1);
    assert.equal(sampleValue(fams, 'tusk_requests_total', { status: '5xx' }), 0);
  });
});

describe('/ready and /live', () => {
  test('/ready is 503 until a worker is ready and again once the server stops; /live is 200 meanwhile', async (t) => {
    const srv = startTusk(['-b', '127.0.0.1:0', '--metrics-bind', '127.0.0.1:0', '--graceful-timeout', '5', fixture('slow-boot.mjs')], { env: { SLOW_BOOT_MS: '1500' } });
    t.after(() => srv.stop());
    const metricsPort = Number((await srv.waitForLine(/Metrics at: http:\/\/127\.0\.0\.1:(\d+)\/metrics/, 15000)).m[1]);
    assert.equal((await request({ port: metricsPort, path: '/ready' })).status, 503, 'no worker is ready yet');
    assert.equal((await request({ port: metricsPort, path: '/live' })).status, 200);
    const { port } = await srv.waitForReady(1);
    assert.equal((await request({ port: metricsPort, path: '/ready' })).status, 200);
  });

  test('/ready turns 503 as soon as the server stops, while a request is finishing; /live stays 200', async (t) => {
    const { srv, port, metricsPort } = await serve(t, ['--graceful-timeout', '10', fixture('plain.mjs')]);
    assert.equal((await request({ port: metricsPort, path: '/ready' })).status, 200);
    const slow = request({ port, path: '/slow?ms=2500', timeout: 10000 });
    await sleep(200);
    process.kill(srv.pid, 'SIGTERM');
    await waitFor(async () => (await request({ port: metricsPort, path: '/ready' })).status === 503, 2000, '/ready 503 while stopping');
    assert.equal((await request({ port: metricsPort, path: '/live' })).status, 200);
    assert.equal((await request({ port: metricsPort, path: '/elsewhere' })).status, 404);
    assert.equal((await slow).status, 200);
  });
});

describe('statsd', () => {
  test('Gunicorn\'s metric names arrive over UDP on loopback, with the prefix and DogStatsD tags', async (t) => {
    const sock = dgram.createSocket('udp4');
    const received = [];
    sock.on('message', (m) => received.push(...m.toString().split('\n')));
    await new Promise((r) => sock.bind(0, '127.0.0.1', r));
    t.after(() => sock.close());
    const srv = startTusk(['-b', '127.0.0.1:0', '-w', '2', '--statsd-host', `127.0.0.1:${sock.address().port}`, '--statsd-prefix', 'shop',
      '--dogstatsd-tags', 'env:test,team:web', '--interface', 'native', fixture('hello-native.mjs')]);
    t.after(() => srv.stop());
    const { port } = await srv.waitForReady(2);
    for (let i = 0; i < 7; i++) await request({ port, path: '/' });
    const sum = (re) => received.map((l) => re.exec(l)).filter(Boolean).reduce((n, m) => n + Number(m[1]), 0);
    await waitFor(() => sum(/^shop\.tusk\.requests:(\d+)\|c\|#env:test,team:web$/) === 7, 5000, 'shop.tusk.requests to add up to 7');
    assert.equal(sum(/^shop\.tusk\.request\.status\.200:(\d+)\|c\|#env:test,team:web$/), 7);
    assert.ok(received.some((l) => /^shop\.tusk\.request\.duration:\d+(\.\d+)?\|ms(\|@[\d.e-]+)?\|#env:test,team:web$/.test(l)), received.join('\n'));
    await waitFor(() => received.some((l) => l === 'shop.tusk.workers:2|g|#env:test,team:web'), 3000, 'the workers gauge');
    // A worker killed: the master logs an error, which statsd counts as log.error.
    process.kill(srv.workers()[0], 'SIGKILL');
    await waitFor(() => sum(/^shop\.tusk\.log\.error:(\d+)\|c/) >= 1, 5000, 'log.error counted');
  });
});

describe('app metrics', () => {
  test('an app\'s own counter, histogram and gauge aggregate over 2 workers and survive a worker kill', async (t) => {
    const { srv, port, metricsPort } = await serve(t, ['-w', '2', fixture('app-metrics.mjs')], 2);
    const pids = new Set();
    for (let i = 0; i < 20; i++) {
      await request({ port, path: '/hit' });
      pids.add((await request({ port, path: '/pid' })).body);
    }
    let fams;
    await waitFor(async () => sampleValue((fams = await scrape(metricsPort)), 'app_hits_total', { route: '/hit' }) === 20, 5000, 'app_hits_total 20');
    assert.equal(fams.get('app_hits_total').type, 'counter');
    assert.equal(fams.get('app_hits_total').help, 'Hits of /hit.');
    assert.equal(sampleValue(fams, 'app_work_seconds_count'), 20);
    assert.equal(sampleValue(fams, 'app_work_seconds_bucket', { le: '0.1' }), 20);
    assert.equal(sampleValue(fams, 'app_work_seconds_bucket', { le: '0.01' }), 0);
    assert.equal(sampleValue(fams, 'app_workers_alive'), 2, 'a gauge is summed over the live workers');
    if (pids.size === 2) {
      // Both workers served: the sum really is over two processes.
      const perWorker = samples(fams, 'tusk_worker_requests').map((s) => s.value);
      assert.ok(perWorker.every((n) => n > 0), `both workers served: ${perWorker}`);
    }
    process.kill(srv.workers()[0], 'SIGKILL');
    await srv.waitForLine(/Worker ready \(pid: \d+\)/, 10000, 3);
    fams = await scrape(metricsPort);
    assert.equal(sampleValue(fams, 'app_hits_total', { route: '/hit' }), 20, 'a dead worker\'s counts stay');
    assert.equal(sampleValue(fams, 'app_work_seconds_count'), 20);
    for (let i = 0; i < 5; i++) await request({ port, path: '/hit' });
    await waitFor(async () => sampleValue((fams = await scrape(metricsPort)), 'app_hits_total', { route: '/hit' }) === 25, 5000, 'app_hits_total 25');
    assert.equal(sampleValue(fams, 'app_workers_alive'), 2);
  });
});

describe('settings', () => {
  for (const [flag, value, name] of [['--metrics-bind', 'nowhere', 'metrics_bind'], ['--statsd-host', 'localhost:0', 'statsd_host'], ['--dogstatsd-tags', 'a b', 'dogstatsd_tags'], ['--statsd-prefix', 'a:b', 'statsd_prefix']]) {
    test(`${flag} ${value} is refused in one line naming ${name}`, async () => {
      const r = await runTusk([flag, value, fixture('plain.mjs')]);
      assert.equal(r.code, 2);
      assert.match(r.stderr.trim(), new RegExp(`^tusk: error: ${name}: expected [^\\n]+$`));
    });
  }
});
