// listeners.ts — the master's listening sockets: make or adopt each bind address's socket through
// the addon, retry a busy address, and take systemd's sockets (LISTEN_PID/LISTEN_FDS).
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { addon, type SocketInfo } from './native.js';
import { BindError, describe } from './errors.js';
import { parseBind } from './config/bind.js';
import { log } from './log.js';

/** A socket the master listens on and hands to every worker. */
export interface Listener extends SocketInfo {
  /** The bind address it came from (or "systemd"). */
  bind: string;
}

/** The address as people write it: http://127.0.0.1:8000, http://[::1]:8000, unix:/run/app.sock. */
export function formatListener(l: SocketInfo): string {
  if (l.family === 'unix') return `unix:${l.path ?? ''}`;
  if (l.family === 'IPv6') return `http://[${l.address}]:${l.port}`;
  if (l.family === 'IPv4') return `http://${l.address}:${l.port}`;
  return `fd://${l.fd}`;
}

function isBusy(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
}

async function bindOne(spec: string, backlog: number, reusePort: boolean, retries: number): Promise<Listener> {
  const address = parseBind(spec);
  for (let attempt = 1; ; attempt++) {
    try {
      if (address.kind === 'unix') return { ...addon.listenUnix(address.path, backlog), bind: spec };
      if (address.kind === 'fd') return { ...addon.adoptListener(address.fd), bind: spec };
      return { ...addon.listenTcp(address.host, address.port, backlog, reusePort), bind: spec };
    } catch (err) {
      if (isBusy(err) && attempt < retries) {
        log.error(`Connection in use: ${spec}, retrying in 1 second`);
        await sleep(1000);
        continue;
      }
      const reason = isBusy(err) ? 'address already in use' : (err as Error).message;
      throw new BindError(`cannot listen on ${spec}: ${reason}`);
    }
  }
}

/** Sockets passed by systemd socket activation, when they are meant for this process. */
function systemdListeners(env: NodeJS.ProcessEnv): Listener[] | null {
  if (!env.LISTEN_FDS || Number(env.LISTEN_PID) !== process.pid) return null;
  const count = Number(env.LISTEN_FDS);
  delete env.LISTEN_PID;
  delete env.LISTEN_FDS;
  delete env.LISTEN_FDNAMES;
  if (!Number.isInteger(count) || count < 1) throw new BindError(`LISTEN_FDS: expected a count >= 1, got ${describe(count)}`);
  const out: Listener[] = [];
  for (let fd = 3; fd < 3 + count; fd++) {
    try {
      out.push({ ...addon.adoptListener(fd), bind: 'systemd' });
    } catch (err) {
      throw new BindError(`LISTEN_FDS: descriptor ${fd}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** Binds every address (or adopts systemd's sockets); a busy address is tried `retries` times. */
export async function bindListeners(binds: string[], backlog: number, reusePort: boolean, retries = 5): Promise<Listener[]> {
  const fromSystemd = systemdListeners(process.env);
  if (fromSystemd) return fromSystemd;
  const out: Listener[] = [];
  try {
    for (const spec of binds) out.push(await bindOne(spec, backlog, reusePort, retries));
  } catch (err) {
    closeListeners(out);
    throw err;
  }
  return out;
}

/**
 * Closes the master's copies; removes the unix socket files this master created, unless `unlink`
 * is false (another master, during a binary upgrade, still serves on them).
 */
export function closeListeners(listeners: Listener[], unlink = true): void {
  for (const l of listeners) {
    try {
      addon.closeFd(l.fd);
    } catch {
      // already closed
    }
    if (unlink && l.family === 'unix' && l.path && l.bind.startsWith('unix:')) fs.rmSync(l.path, { force: true });
  }
}
