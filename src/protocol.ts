// protocol.ts — what the master and a worker agree on: how the worker learns its job (one
// environment variable), where its descriptors are, and which signals they send each other. Exit
// codes are in errors.ts, the heartbeat file's meaning in heartbeat.ts.
import type { Settings } from './config/settings.js';
import type { SocketInfo } from './native.js';

/** The environment variable that carries a worker's boot record (JSON). */
export const WORKER_ENV = 'TUSK_WORKER';

/** Listeners sit at descriptors 3 .. 3+n-1, the heartbeat file right after them, then the stats file. */
export const FIRST_LISTENER_FD = 3;

export interface WorkerBoot {
  masterPid: number;
  /** Spawn order: 1 for the first worker the master ever started. */
  age: number;
  /** The master's generation the worker belongs to: 1, plus one per reload. */
  generation: number;
  listeners: number;
  heartbeatFd: number;
  /** The worker's stats file (src/stats.ts). */
  statsFd: number;
  app: string;
  cwd: string;
  /** The settings, less the hooks: functions do not survive JSON. */
  settings: Settings;
  /** The config file to import the hooks from, when a hook that runs in workers is set; else null. */
  configFile: string | null;
  /** What each listener is: where an app's own server is really served. */
  addresses: SocketInfo[];
  /** A warm spare: load the app, then wait without accepting until the master sends SIGUSR2. */
  spare: boolean;
  /** Whether the worker's slot also goes into NODE_APP_INSTANCE (the user did not set it). */
  setAppInstance: boolean;
}

/** What a spare worker waits for before it starts accepting. */
export const PROMOTE_SIGNAL = 'SIGUSR2';

/**
 * A worker whose state changed (ready, draining) sends this to the master so that it reads the
 * heartbeat now rather than on its next tick: the signal that means "a child's state changed",
 * which the master already watches, and whose default action is to be ignored.
 */
export const NOTICE_SIGNAL = 'SIGCHLD';

/**
 * The master's request for a blocked worker's JavaScript stack, sent when its heartbeat times out
 * (src/stack.ts answers it). SIGURG: Node does not use it, and its default action is to be ignored,
 * so a worker that cannot answer yet is not harmed by it.
 */
export const STACK_SIGNAL = 'SIGURG';
