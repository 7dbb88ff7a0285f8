// notify-socket.mjs — a service manager's end of NOTIFY_SOCKET for tests: a unix datagram socket
// (a path, or an abstract '@name') whose every message is recorded with its arrival time. Node has
// no unix datagram sockets, so a small python3 receiver holds the socket and prints each datagram
// as one JSON line.
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const RECEIVER = `
import json, os, socket, sys
name = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind('\\0' + name[1:] if name.startswith('@') else name)
print(json.dumps({"bound": True}), flush=True)
while True:
    data, _ = s.recvfrom(65536)
    print(json.dumps({"message": data.decode()}), flush=True)
`;

/**
 * Listens at `name`; resolves { messages, lines(field), waitFor(re, n), close() } once bound.
 * Each message is { text, fields: { KEY: value }, at } (at: Date.now() on arrival).
 */
export async function notifySocket(name) {
  const child = spawn('python3', ['-c', RECEIVER, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages = [];
  let partial = '';
  let bound;
  const ready = new Promise((resolve, reject) => {
    bound = resolve;
    child.once('exit', (code) => reject(new Error(`the notify receiver exited (${code})`)));
  });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop();
    for (const line of lines) {
      const record = JSON.parse(line);
      if (record.bound) bound();
      else {
        const fields = Object.fromEntries(record.message.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
        messages.push({ text: record.message, fields, at: Date.now() });
      }
    }
  });
  await ready;
  return {
    messages,
    /** Messages that set `key` (optionally to `value`). */
    with: (key, value) => messages.filter((m) => key in m.fields && (value === undefined || m.fields[key] === String(value))),
    async waitFor(key, value, n = 1, timeoutMs = 15000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.filter((m) => key in m.fields && (value === undefined || m.fields[key] === String(value)));
        if (found.length >= n) return found[n - 1];
        if (Date.now() > deadline) throw new Error(`no ${key}=${value ?? '*'} (x${n}) within ${timeoutMs} ms; got ${JSON.stringify(messages.map((m) => m.text))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      child.kill('SIGKILL');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}
