// pidfile.ts — the master's pidfile (Gunicorn's Pidfile): written at start, refused when it names
// another running process, renamed during a binary upgrade (PIDFILE.oldbin), and removed at exit
// only while it still names this process.
import fs from 'node:fs';

export class Pidfile {
  /** Where the file is now: the configured path, or PIDFILE.oldbin while a new master runs. */
  private file: string;

  constructor(private readonly configured: string) {
    this.file = configured;
  }

  get path(): string {
    return this.file;
  }

  /** Writes this process's pid; throws when the file names another process that is running. */
  create(): void {
    const old = this.read();
    if (old !== null && old !== process.pid && processExists(old)) throw new Error(`pidfile ${this.path} names a running process (${old}): already running?`);
    fs.writeFileSync(this.path, `${process.pid}\n`);
  }

  /** A binary upgrade begins: this master's file becomes PIDFILE.oldbin, the new master writes PIDFILE. */
  retire(): void {
    this.rename(`${this.configured}.oldbin`);
  }

  /** The new master is gone (or never started): PIDFILE names this master again. */
  reclaim(): void {
    if (this.file !== this.configured) this.rename(this.configured);
  }

  /** Moves the file to `to` (written afresh if it went missing); later calls act on `to`. */
  private rename(to: string): void {
    try {
      fs.renameSync(this.file, to);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      fs.writeFileSync(to, `${process.pid}\n`);
    }
    this.file = to;
  }

  /** Removes the file if it still names this process. */
  unlink(): void {
    try {
      if (this.read() === process.pid) fs.rmSync(this.path);
    } catch {
      // gone already
    }
  }

  /** The pid the file names, or null when there is no file or no pid in it. */
  read(): number | null {
    let text: string;
    try {
      text = fs.readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const pid = Number(text.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  }
}

export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
