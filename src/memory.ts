// memory.ts — reading a worker from /proc (procFile, residentBytes), and max_worker_memory: the master samples each serving worker's resident set size
// (VmRSS in /proc/PID/status: the worker process alone, not the processes it starts) once a
// second. A worker above the limit for SAMPLES_IN_A_ROW samples in a row is due for recycling; one
// sample under the limit starts the count again, so a short peak (a large upload, a burst of work
// that the garbage collector then returns) does not recycle a worker. The arbiter decides what to
// do with a worker that is due: start its replacement, then retire it gracefully.
import fs from 'node:fs';

/** How often a worker's RSS is read. */
export const SAMPLE_EVERY_MS = 1000;
/** How many samples in a row above the limit make a worker due for recycling. */
export const SAMPLES_IN_A_ROW = 3;

const MB = 1024 * 1024;

/** /proc/PID/NAME as text; null when the process is gone. */
export function procFile(pid: number, name: 'status' | 'stat'): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/${name}`, 'latin1');
  } catch {
    return null;
  }
}

/** A process's resident set size in bytes (VmRSS); null when it is gone or has no memory. */
export function residentBytes(pid: number): number | null {
  const status = procFile(pid, 'status');
  if (status === null) return null;
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return m ? Number(m[1]) * 1024 : null;
}

/** One worker's samples. */
export class MemoryWatch {
  private nextAt = 0;
  private over = 0;
  /** The last sample, in bytes. */
  rss = 0;

  constructor(private readonly pid: number) {}

  /**
   * Takes a sample when one is due; true once the RSS has been above `limitMb` for
   * SAMPLES_IN_A_ROW samples in a row. `limitMb` 0 never is.
   */
  due(limitMb: number, now: number): boolean {
    if (limitMb <= 0 || now < this.nextAt) return false;
    this.nextAt = now + SAMPLE_EVERY_MS;
    const rss = residentBytes(this.pid);
    if (rss === null) return false;
    this.rss = rss;
    this.over = rss > limitMb * MB ? this.over + 1 : 0;
    return this.over >= SAMPLES_IN_A_ROW;
  }

  /** The last sample in MB, for the log. */
  get rssMb(): number {
    return Math.round(this.rss / MB);
  }
}
