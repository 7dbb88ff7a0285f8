// keepalive-client.mjs — a load client that reuses connections the way wrk, browsers and HTTP
// client pools do: each of `connections` sockets sends its next request the moment the previous
// response is complete, and opens a new connection only after a response that said
// `Connection: close` (or when the server closed an idle connection before any byte of a request
// was sent on it — which this client never lets happen: it is never idle). Every other way a
// request can end — a reset, an EOF before the whole response, a timeout — is counted as a failure.
import net from 'node:net';

/**
 * Runs until `stop()` is called; resolves with { ok, failed, errors, statuses, connects }.
 * `onResponse(status, headers, body)` is called for every complete response.
 */
export function keepAliveLoad({ port, host = '127.0.0.1', connections = 20, path = '/', timeoutMs = 10000, onResponse }) {
  const stats = { ok: 0, failed: 0, connects: 0, errors: [], statuses: {} };
  let stopping = false;
  const live = new Set();
  let resolveDone;
  const done = new Promise((resolve) => (resolveDone = resolve));

  const fail = (why) => {
    stats.failed++;
    if (stats.errors.length < 20) stats.errors.push(why);
  };

  function finishIfDone() {
    if (stopping && live.size === 0) resolveDone(stats);
  }

  function open() {
    if (stopping) return finishIfDone();
    stats.connects++;
    const sock = net.connect({ port, host });
    live.add(sock);
    let buf = Buffer.alloc(0);
    let pending = false; // a request was sent and its response is not complete
    let sentAt = 0;
    let closeAfter = false;
    let timer = null;

    const send = () => {
      if (stopping) {
        sock.end();
        return;
      }
      pending = true;
      sentAt = Date.now();
      sock.write(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUser-Agent: tusk-test\r\n\r\n`);
      clearTimeout(timer);
      timer = setTimeout(() => {
        fail(`no response within ${timeoutMs} ms`);
        pending = false;
        sock.destroy();
      }, timeoutMs);
    };

    const parse = () => {
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1').split('\r\n');
        const status = Number(head[0].split(' ')[1]);
        const headers = {};
        for (const line of head.slice(1)) {
          const i = line.indexOf(':');
          headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
        }
        let bodyEnd;
        let body;
        if (headers['transfer-encoding'] === 'chunked') {
          let p = end + 4;
          const parts = [];
          for (;;) {
            const lineEnd = buf.indexOf('\r\n', p);
            if (lineEnd < 0) return;
            const size = parseInt(buf.subarray(p, lineEnd).toString('latin1'), 16);
            if (buf.length < lineEnd + 2 + size + 2) return;
            parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
            p = lineEnd + 2 + size + 2;
            if (size === 0) break;
          }
          bodyEnd = p;
          body = Buffer.concat(parts);
        } else {
          const length = Number(headers['content-length'] ?? 0);
          if (buf.length < end + 4 + length) return;
          bodyEnd = end + 4 + length;
          body = buf.subarray(end + 4, bodyEnd);
        }
        buf = buf.subarray(bodyEnd);
        clearTimeout(timer);
        pending = false;
        stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
        if (status >= 200 && status < 400) stats.ok++;
        else fail(`status ${status}`);
        onResponse?.(status, headers, body);
        if ((headers.connection ?? '').toLowerCase() === 'close') {
          closeAfter = true;
          sock.end();
          return;
        }
        send();
      }
    };

    sock.setNoDelay(true);
    sock.on('connect', send);
    sock.on('data', (chunk) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      parse();
    });
    sock.on('error', (err) => {
      if (pending) fail(`${err.code ?? err.message} ${Date.now() - sentAt} ms after the request`);
      else if (!closeAfter) fail(`${err.code ?? err.message} on an idle connection`);
      pending = false;
    });
    sock.on('close', () => {
      clearTimeout(timer);
      live.delete(sock);
      if (pending) fail(`connection closed ${Date.now() - sentAt} ms after the request, before a whole response`);
      pending = false;
      open();
    });
  }

  for (let i = 0; i < connections; i++) open();
  return {
    stats,
    stop() {
      stopping = true; // each connection ends after its response in flight
      setTimeout(() => {
        for (const s of live) s.destroy();
      }, 5000).unref();
      finishIfDone();
      return done;
    },
  };
}
