// heartbeat.ts — the heartbeat protocol, both ends (Gunicorn's WorkerTmp). Each worker has an
// unlinked temp file (native/heartbeat.cc makes it, in worker_tmp_dir, /dev/shm or the OS temp
// dir). The worker fchmods it from its event loop (`WorkerHeartbeat.notify`); the master fstats it
// (`HeartbeatWatch.check`) and only looks for st_ctime to change, timing the silence on its own
// monotonic clock, so a wall-clock jump never kills a healthy worker. The mode bits carry the
// worker's state (READY, DRAINING); the file's bytes carry three messages: the slot the master
// gives a promoted spare, the line a worker that cannot start leaves to say why, and the JavaScript
// stack of a worker whose event loop is blocked (src/stack.ts writes it when the master asks).
import fs from 'node:fs';
import os from 'node:os';
import { addon } from './native.js';
import type { Settings } from './config/settings.js';

/**
 * Mode bits: the worker flips SPIN on each beat, sets READY once the app is loaded and it can
 * serve, and DRAINING once it has stopped accepting (TERM, max_requests).
 */
const BITS = {
  SPIN: 0o001,
  DRAINING: 0o010,
  READY: 0o100,
  INITIAL: 0o600,
} as const;

/** Longest message either end writes into the file. */
const MESSAGE_BYTES = 1000;
/** Longest stack a worker leaves; a stack message is framed by these lines, so a partial one is not read. */
const STACK_BYTES = 16384;
const STACK_BEGIN = '-- tusk stack --';
const STACK_END = '-- end of stack --';

/** What a worker's heartbeat says about it. */
export interface WorkerState {
  ready: boolean;
  draining: boolean;
}

/** Where heartbeat files go: worker_tmp_dir, else /dev/shm when it exists, else the OS temp dir. */
export function heartbeatDir(settings: Pick<Settings, 'worker_tmp_dir'>): string {
  if (settings.worker_tmp_dir) return settings.worker_tmp_dir;
  try {
    if (fs.statSync('/dev/shm').isDirectory()) return '/dev/shm';
  } catch {
    // no /dev/shm on this system
  }
  return os.tmpdir();
}

/** How often a worker beats: a quarter of timeout, between 50 ms and 1 s. */
export function beatInterval(timeoutSeconds: number): number {
  return timeoutSeconds > 0 ? Math.min(1000, Math.max(50, (timeoutSeconds * 1000) / 4)) : 1000;
}

function readText(fd: number, bytes: number): string {
  try {
    const buf = Buffer.alloc(bytes);
    return buf.toString('utf8', 0, fs.readSync(fd, buf, 0, buf.length, 0)).trim();
  } catch {
    return '';
  }
}

/** The master's end of one worker's heartbeat file. */
export class HeartbeatWatch {
  private ctime: [number, number];
  /** Monotonic ms when st_ctime last changed (or the file was made). */
  lastBeat: number;

  private constructor(readonly fd: number, now: number) {
    const [sec, nsec] = addon.heartbeatCheck(fd);
    this.ctime = [sec, nsec];
    this.lastBeat = now;
  }

  /**
   * Makes a new file for a worker about to be spawned, owned by the worker's user when it runs as
   * another (it fchmods the file); throws the addon's system error.
   */
  static create(settings: Settings, now: number, owner: { uid: number; gid: number } | null = null): HeartbeatWatch {
    const fd = addon.heartbeatCreate(heartbeatDir(settings));
    try {
      if (owner) addon.chownFd(fd, owner.uid, owner.gid);
      return new HeartbeatWatch(fd, now);
    } catch (err) {
      addon.closeFd(fd);
      throw err;
    }
  }

  /** Reads the file: notes a beat if st_ctime changed, returns the state bits. Throws if unreadable. */
  check(now: number): WorkerState {
    const [sec, nsec, mode] = addon.heartbeatCheck(this.fd);
    if (sec !== this.ctime[0] || nsec !== this.ctime[1]) {
      this.ctime = [sec, nsec];
      this.lastBeat = now;
    }
    return { ready: (mode & BITS.READY) !== 0, draining: (mode & BITS.DRAINING) !== 0 };
  }

  /** Gives a spare its slot, for it to read when it is promoted (WorkerHeartbeat.slot). */
  writeSlot(slot: number): void {
    fs.ftruncateSync(this.fd, 0);
    fs.writeSync(this.fd, `${slot}\n`, 0);
  }

  /** The stack a blocked worker left (WorkerHeartbeat.leaveStack), once it is whole; null before. */
  stack(): string | null {
    const text = readText(this.fd, STACK_BYTES + STACK_BEGIN.length + STACK_END.length + 2);
    if (!text.startsWith(`${STACK_BEGIN}\n`) || !text.endsWith(`\n${STACK_END}`)) return null;
    return text.slice(STACK_BEGIN.length + 1, -STACK_END.length - 1);
  }

  /** The line a worker that could not start left (WorkerHeartbeat.leaveReason); '' when none. */
  reason(): string {
    return readText(this.fd, MESSAGE_BYTES);
  }

  close(): void {
    try {
      addon.closeFd(this.fd);
    } catch {
      // closed already
    }
  }
}

/** The worker's end of its heartbeat file. */
export class WorkerHeartbeat {
  private spin = 0;

  constructor(private readonly fd: number) {}

  /** One beat: fchmod with the worker's state, which changes st_ctime. */
  notify(state: WorkerState): void {
    this.spin ^= BITS.SPIN;
    addon.heartbeatNotify(this.fd, BITS.INITIAL | (state.ready ? BITS.READY : 0) | (state.draining ? BITS.DRAINING : 0) | this.spin);
  }

  /** The slot the master wrote before promoting this spare; null when there is none. */
  slot(): number | null {
    const text = readText(this.fd, 16);
    return /^\d+$/.test(text) ? Number(text) : null;
  }

  /**
   * Leaves the stack where the event loop is blocked, for the master to log. Called from another
   * thread than the blocked one; the file is the same (descriptors are per process).
   */
  leaveStack(stack: string): void {
    fs.ftruncateSync(this.fd, 0);
    fs.writeSync(this.fd, `${STACK_BEGIN}\n${stack.slice(0, STACK_BYTES)}\n${STACK_END}`, 0);
  }

  /** Leaves one line saying why this worker cannot start, for the master's message. */
  leaveReason(text: string): void {
    try {
      fs.writeSync(this.fd, text.split('\n')[0]!.slice(0, MESSAGE_BYTES), 0);
    } catch {
      // the master still sees the exit code
    }
  }
}
