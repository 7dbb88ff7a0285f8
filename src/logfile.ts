// logfile.ts — where a log's lines go: a file opened for appending (each process opens it itself,
// with O_APPEND, so that the lines of the master and of every worker interleave whole), or the
// process's stdout / stderr for `-`. Owns writing whole lines, buffering (a line waits for the
// end of the loop turn, or for the buffer to fill, never for a system call of its own), reopening
// at the same path (logrotate's model: the file was moved, new lines go to a new file), and the
// last flush when the process exits.
import fs from 'node:fs';
import path from 'node:path';

/** The one encoding a log target is written in; access lines are byte strings (see access-log.ts). */
export type LineEncoding = 'utf8' | 'latin1';

/** Lines buffered beyond this many bytes are written at once rather than at the end of the turn. */
const FLUSH_AT = 64 * 1024;
/** A write to a pipe of at most this many bytes is never interleaved with another writer's. */
const PIPE_BUF = 4096;

const open = new Set<LogFile>();
/** Code that hands its last lines to a LogFile before the final flush (the engine's pending records). */
const feeders: Array<() => void> = [];
let exitHook = false;

export class LogFile {
  /** The descriptor of an opened file; null for stdout/stderr. */
  private fd: number | null = null;
  private pipe = false;
  private pending = '';
  private scheduled = false;
  private readonly flushNow = (): void => {
    this.scheduled = false;
    this.flush();
  };

  /** The absolute path written to, or null for stdout/stderr. */
  readonly path: string | null;

  /**
   * `target` is `-` (the process's stdout or stderr, by descriptor number), or a path, resolved
   * against `cwd`. Throws the open error (ENOENT, EACCES, ...) so that a bad path is reported when
   * the process starts.
   */
  constructor(
    readonly target: string,
    cwd: string,
    private readonly std: 1 | 2,
    private readonly encoding: LineEncoding = 'utf8',
    /** Runs with the new descriptor after each reopen. */
    private readonly reopened?: (fd: number) => void,
  ) {
    this.path = target === '-' ? null : path.resolve(cwd, target);
    this.openFile();
    open.add(this);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', flushAll);
    }
  }

  /** The descriptor lines are written to: the file's, or 1/2 for stdout/stderr. */
  get descriptor(): number {
    return this.fd ?? this.std;
  }

  /** Writes `text` (whole lines) now. */
  write(text: string): void {
    if (this.pending !== '') {
      text = this.pending + text;
      this.pending = '';
    }
    if (text === '') return;
    try {
      if (this.fd === null) this.writeStream(text);
      else if (this.pipe) this.writePipe(this.fd, text);
      else fs.writeSync(this.fd, text, null, this.encoding);
    } catch {
      // A log that cannot be written (disk full, a closed pipe) must not take the server down.
    }
  }

  /** Queues `text` (whole lines) for the end of this loop turn, or writes it now when enough is waiting. */
  append(text: string): void {
    this.pending += text;
    if (this.pending.length >= FLUSH_AT) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushNow);
    }
  }

  /** Writes whatever is queued. */
  flush(): void {
    if (this.pending !== '') this.write('');
  }

  /** Flushes, then opens the path afresh: after a move, new lines go to a new file at the path. */
  reopen(): void {
    this.flush();
    if (this.fd === null) return;
    const old = this.fd;
    const fd = this.openFile();
    fs.closeSync(old);
    if (fd !== null) this.reopened?.(fd);
  }

  close(): void {
    this.flush();
    open.delete(this);
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }

  private openFile(): number | null {
    if (this.path === null) return null;
    const fd = fs.openSync(this.path, 'a'); // O_APPEND | O_CREAT, close-on-exec (libuv opens every file so)
    const st = fs.fstatSync(fd);
    this.fd = fd;
    this.pipe = st.isFIFO() || st.isSocket();
    return fd;
  }

  /** stdout/stderr: Node writes them synchronously on Linux; each piece is one write(). */
  private writeStream(text: string): void {
    const stream = this.std === 1 ? process.stdout : process.stderr;
    if (stream.isTTY || text.length <= PIPE_BUF) {
      stream.write(text, this.encoding);
      return;
    }
    for (const piece of pieces(text)) stream.write(piece, this.encoding);
  }

  private writePipe(fd: number, text: string): void {
    for (const piece of pieces(text)) fs.writeSync(fd, piece, null, this.encoding);
  }
}

/**
 * Splits text into pieces of at most PIPE_BUF characters that end at a line's end (a longer line
 * is one piece), so that two processes writing to one pipe never interleave inside a line.
 * Counted in UTF-16 units: a piece of non-ASCII text may pass PIPE_BUF bytes, and is then one
 * write() that the kernel may split.
 */
function* pieces(text: string): Generator<string> {
  let start = 0;
  while (start < text.length) {
    if (text.length - start <= PIPE_BUF) {
      yield text.slice(start);
      return;
    }
    let end = text.lastIndexOf('\n', start + PIPE_BUF - 1);
    if (end < start) end = text.indexOf('\n', start + PIPE_BUF);
    if (end < 0) end = text.length - 1;
    yield text.slice(start, end + 1);
    start = end + 1;
  }
}

/**
 * Reopens every log file of this process (USR1). A path that cannot be opened any more keeps its
 * old file, and the error is returned for the caller to log.
 */
export function reopenAll(): Error[] {
  const errors: Error[] = [];
  for (const file of open) {
    try {
      file.reopen();
    } catch (err) {
      errors.push(err as Error);
    }
  }
  return errors;
}

/** Registers code that queues its last lines when the process exits, before they are written. */
export function beforeFinalFlush(feed: () => void): void {
  feeders.push(feed);
}

/** Every open log's queued lines, written: at exit, and before a process replaces itself. */
export function flushAll(): void {
  for (const feed of feeders) {
    try {
      feed();
    } catch {
      // the lines it held are lost; the others are still written
    }
  }
  for (const file of open) file.flush();
}
