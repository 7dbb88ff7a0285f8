// pidfile.ts — the master's pidfile (Gunicorn's Pidfile): written at start, refused when it names
// another running process, renamed during a binary upgrade (PIDFILE.oldbin), and removed at exit
// only while it still names this process.
import fs from 'node:fs';

export class Pidfile {
  constructor(private file: string) {}

  get path(): string {
    return this.file;
  }

  /** Writes this process's pid; throws when the file names another process that is running. */
  create(): void {
    const old = this.read();
    if (old !== null && old !== process.pid && processExists(old)) throw new Error(`pidfile ${this.path} names a running process (${old}): already running?`);
    fs.writeFileSync(this.path, `${process.pid}\n`);
  }

  /** Moves the file to `to` (written afresh if it went missing); later calls act on `to`. */
  rename(to: string): void {
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
