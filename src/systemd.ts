// systemd.ts — what the master tells its service manager (sd_notify, for Type=notify units): READY=1
// once the first generation of workers serves, RELOADING=1 and READY=1 around a HUP, STOPPING=1 on
// a stop, MAINPID when a binary upgrade hands the service to another master, and WATCHDOG=1 every
// WATCHDOG_USEC/2. Messages go to the unix datagram socket in NOTIFY_SOCKET (native/notify.cc);
// without it every call does nothing. A failed send is logged once, never fatal.
import { addon } from './native.js';
import { log } from './log.js';

/** The variables through which a service manager talks to its main process: not for workers. */
const SERVICE_ENV = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'] as const;

export class ServiceNotifier {
  private watchdog: NodeJS.Timeout | null = null;
  private warned = false;

  private constructor(
    private readonly socket: string | null,
    /** Microseconds between the pings the manager expects, or 0 for no watchdog. */
    private readonly watchdogUsec: number,
  ) {}

  /** Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID (the watchdog is this process's only when it names it or is absent). */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): ServiceNotifier {
    const socket = env.NOTIFY_SOCKET || null;
    const usec = Number(env.WATCHDOG_USEC);
    const mine = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === process.pid;
    return new ServiceNotifier(socket, socket && mine && Number.isInteger(usec) && usec > 0 ? usec : 0);
  }

  /** Starts the WATCHDOG=1 pings when the manager asked for them. */
  startWatchdog(): void {
    if (this.watchdogUsec === 0 || this.watchdog) return;
    const every = Math.max(1, Math.floor(this.watchdogUsec / 2000));
    this.watchdog = setInterval(() => this.send('WATCHDOG=1'), every);
    this.watchdog.unref();
    this.send('WATCHDOG=1');
  }

  /** The server serves; `mainPid` tells the manager that this process is now the service's main one. */
  ready(mainPid?: number): void {
    this.send(mainPid === undefined ? 'READY=1' : `MAINPID=${mainPid}\nREADY=1`);
  }

  /** A reload begins (RELOADING=1 with the monotonic time, as Type=notify-reload wants); ready() ends it. */
  reloading(): void {
    this.send(`RELOADING=1\nMONOTONIC_USEC=${process.hrtime.bigint() / 1000n}`);
  }

  stopping(): void {
    this.send('STOPPING=1');
  }

  /** The service's main process is now `pid`. */
  mainPid(pid: number): void {
    this.send(`MAINPID=${pid}`);
  }

  private send(message: string): void {
    if (!this.socket) return;
    try {
      addon.notify(this.socket, message);
    } catch (err) {
      if (!this.warned) log.warning(`Cannot notify the service manager at NOTIFY_SOCKET=${this.socket}: ${(err as Error).message}`);
      this.warned = true;
    }
  }
}

/** `env` without the service manager's variables, for a worker (its app must not speak for the service). */
export function withoutServiceEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of SERVICE_ENV) delete out[name];
  return out;
}

/**
 * The environment for a new master (USR2): the watchdog variables name this process, and the new
 * master must ping too, so WATCHDOG_PID is dropped (pings are then every holder's).
 */
export function newMasterEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) !== process.pid) return env;
  const { WATCHDOG_PID: _mine, ...rest } = env;
  return rest;
}
