// protocol.ts — what the master and a worker agree on: how the worker learns its job (one
// environment variable), where its descriptors are, what its exit codes mean, and what the
// heartbeat file's mode bits say.
import type { Settings } from './config/settings.js';

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
  /** What each listener is, for the worker's own log. */
  addresses: string[];
}

/** Exit codes a worker uses to tell the master why it stopped. */
export const EXIT = {
  OK: 0,
  /** tusk could not start the worker (bad descriptors, broken install). */
  BOOT_ERROR: 3,
  /** The application could not be loaded (missing file/export, threw on import). */
  APP_LOAD_ERROR: 4,
} as const;

/** Heartbeat file mode bits: the worker flips SPIN on each beat and sets READY once it accepts. */
export const HEARTBEAT = {
  SPIN: 0o001,
  READY: 0o100,
  INITIAL: 0o600,
} as const;
