// protocol.ts — what the master and a worker agree on: how the worker learns its job (one
// environment variable), where its descriptors are, what its exit codes mean, and what the
// heartbeat file's mode bits say.
import type { Settings } from './config/settings.js';
import type { SocketInfo } from './native.js';

/** The environment variable that carries a worker's boot record (JSON). */
export const WORKER_ENV = 'TUSK_WORKER';

/** Listeners sit at descriptors 3 .. 3+n-1, the heartbeat file right after them. */
export const FIRST_LISTENER_FD = 3;

export interface WorkerBoot {
  masterPid: number;
  /** Spawn order: 1 for the first worker the master ever started. */
  age: number;
  listeners: number;
  heartbeatFd: number;
  app: string;
  cwd: string;
  settings: Settings;
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

/** Exit codes a worker uses to tell the master why it stopped. */
export const EXIT = {
  OK: 0,
  /** tusk could not start the worker (bad descriptors, broken install). */
  BOOT_ERROR: 3,
  /** The application could not be loaded (missing file/export, threw on import). */
  APP_LOAD_ERROR: 4,
} as const;

/**
 * Heartbeat file mode bits: the worker flips SPIN on each beat, sets READY once the app is loaded
 * and it can serve, and DRAINING once it has stopped accepting (TERM, max_requests).
 */
export const HEARTBEAT = {
  SPIN: 0o001,
  DRAINING: 0o010,
  READY: 0o100,
  INITIAL: 0o600,
} as const;
