// TLS on the engine (fetch) and the node interface: curl and openssl s_client handshake with ALPN
// http/1.1, a bad certificate path fails at startup naming the setting, and HUP serves a renewed
// certificate. Certificates are made with `openssl req` here.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startTusk, runTusk, mkTmp, cleanupAll, waitFor } from './helpers.mjs';

after(cleanupAll);

const dir = mkTmp('tusk-tls-');
function makeCert(name, cn) {
  const cert = path.join(dir, `${name}.crt`), key = path.join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key,
    '-out', cert, '-days', '2', '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  return { cert, key };
}
const first = makeCert('first', 'tusk-first');
const fetchApp = path.join(dir, 'fetch.mjs');
fs.writeFileSync(fetchApp, "export default { fetch(req) { return new Response('fetch ' + new URL(req.url).protocol + '\\n'); } };\n");
const nodeApp = path.join(dir, 'node.mjs');
fs.writeFileSync(nodeApp, "export default (req, res) => res.end('node ' + req.socket.encrypted + '\\n');\n");

function curl(port, url = '/') {
  return execFileSync('curl', ['-s', '--cacert', first.cert, `https://localhost:${port}${url}`, `https://localhost:${port}${url}`], { encoding: 'utf8' });
}
function sClient(port) {
  return execFileSync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-alpn', 'http/1.1', '-CAfile', first.cert], { input: '', encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] });
}
function servedCn(port) {
  return /subject=.*CN ?= ?([\w-]+)/.exec(sClient(port))?.[1];
}

async function serve(app) {
  const h = startTusk(['-b', '127.0.0.1:0', '--certfile', first.cert, '--keyfile', first.key, app]);
  await h.waitForReady(1);
  return { h, port: h.addresses()[0].port };
}

for (const [name, app, body] of [['engine (fetch)', fetchApp, 'fetch https:\n'], ['node interface', nodeApp, 'node true\n']]) {
  test(`${name}: curl (keep-alive) and openssl s_client handshake, ALPN http/1.1`, async () => {
    const { h, port } = await serve(app);
    assert.equal(curl(port), body + body);
    const out = sClient(port);
    assert.match(out, /ALPN protocol: http\/1\.1/);
    assert.match(out, /Verify return code: 0 \(ok\)/);
    // plain HTTP on a TLS listener gets no answer
    assert.throws(() => execFileSync('curl', ['-s', '-m', '3', `http://127.0.0.1:${port}/`]));
    await h.stop();
  });
}

test('a bad certfile or keyfile fails at startup with one line naming the setting', async () => {
  const missing = await runTusk(['--certfile', path.join(dir, 'nope.crt'), fetchApp]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /^tusk: error: certfile: cannot read .*nope\.crt \(ENOENT\)\n$/);
  const swapped = await runTusk(['--certfile', first.key, '--keyfile', first.key, fetchApp]);
  assert.notEqual(swapped.code, 0);
  assert.match(swapped.stderr, /^tusk: error: certfile: no PEM certificate/);
  const other = makeCert('other', 'tusk-other');
  const mismatch = await runTusk(['--certfile', first.cert, '--keyfile', other.key, fetchApp]);
  assert.match(mismatch.stderr, /^tusk: error: keyfile: the private key does not match/);
  const ciphers = await runTusk(['--certfile', first.cert, '--keyfile', first.key, '--ciphers', 'NOPE', fetchApp]);
  assert.match(ciphers.stderr, /^tusk: error: ciphers: /);
});

test('HUP serves a renewed certificate; a bad one on HUP keeps the old workers serving', async () => {
  const live = { cert: path.join(dir, 'live.crt'), key: path.join(dir, 'live.key') };
  fs.copyFileSync(first.cert, live.cert);
  fs.copyFileSync(first.key, live.key);
  const h = startTusk(['-b', '127.0.0.1:0', '--certfile', live.cert, '--keyfile', live.key, fetchApp]);
  await h.waitForReady(1);
  const port = h.addresses()[0].port;
  assert.equal(servedCn(port), 'tusk-first');
  fs.writeFileSync(live.cert, 'not a certificate\n');
  h.kill('SIGHUP');
  await waitFor(() => h.count(/Reload failed.*certfile/) > 0, 5000, 'the refused reload');
  assert.equal(servedCn(port), 'tusk-first');
  const renewed = makeCert('renewed', 'tusk-renewed');
  fs.copyFileSync(renewed.cert, live.cert);
  fs.copyFileSync(renewed.key, live.key);
  h.kill('SIGHUP');
  await waitFor(() => servedCn(port) === 'tusk-renewed', 10000, 'the renewed certificate');
  await h.stop();
});
