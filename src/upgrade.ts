// upgrade.ts — the binary upgrade (USR2), both ends. The old master starts a new master: the same
// node, the same argv and environment, with the listening sockets placed at descriptors 3.. (the
// only descriptors that survive its exec) and named in TUSK_FDS, and its own pid in TUSK_MASTER_PID.
// The new master adopts those sockets instead of binding, starts its own workers, and knows its
// parent master until that one exits. The pidfile's part (PIDFILE.oldbin) is the arbiter's.
import { addon } from './native.js';
import { BindError } from './errors.js';
import { FIRST_LISTENER_FD } from './protocol.js';
import type { Listener } from './listeners.js';

/** In a new master: the bind address of each inherited listener, JSON; listener i is at fd 3+i. */
const FDS_ENV = 'TUSK_FDS';
/** In a new master: the pid of the master that started it. */
const PARENT_ENV = 'TUSK_MASTER_PID';

/** What a new master inherits from the master that started it. */
export interface Inheritance {
  parentPid: number;
  listeners: Listener[];
}

/**
 * Starts a new master on `listeners` in `cwd` (where this one was started: its argv's relative
 * paths are relative to it); returns its pid. `env` is the environment it gets, before tusk's own
 * variables are added. Throws the addon's error when fork, chdir or exec fails.
 */
export function spawnMaster(listeners: Listener[], env: NodeJS.ProcessEnv, cwd: string): number {
  const vars = { ...env, [FDS_ENV]: JSON.stringify(listeners.map((l) => l.bind)), [PARENT_ENV]: String(process.pid) };
  return addon.spawn({
    file: process.execPath,
    args: [process.argv0, ...process.execArgv, ...process.argv.slice(1)],
    env: Object.entries(vars).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`),
    fds: listeners.map((l) => l.fd),
    deathSignal: 0, // it outlives this master: that is the point
    cwd,
  });
}

/**
 * In a master started by USR2: the sockets it inherited (adopted, close-on-exec again) and its
 * parent's pid, or null for a master started by hand. The variables are removed, so that workers
 * and a later upgrade do not see them.
 */
export function inherit(env: NodeJS.ProcessEnv = process.env): Inheritance | null {
  const fds = env[FDS_ENV];
  const parent = env[PARENT_ENV];
  delete env[FDS_ENV];
  delete env[PARENT_ENV];
  if (fds === undefined) return null;
  let binds: unknown;
  try {
    binds = JSON.parse(fds);
  } catch {
    binds = null;
  }
  if (!Array.isArray(binds) || !binds.every((b) => typeof b === 'string')) throw new BindError(`${FDS_ENV}: expected a JSON list of bind addresses, got ${fds}`);
  const listeners = (binds as string[]).map((bind, i) => {
    const fd = FIRST_LISTENER_FD + i;
    try {
      return { ...addon.adoptListener(fd), bind };
    } catch (err) {
      throw new BindError(`${FDS_ENV}: descriptor ${fd} (${bind}): ${(err as Error).message}`);
    }
  });
  return { parentPid: Number(parent) || 0, listeners };
}
