// control/server.ts — the master's control socket (`tusk ctl` talks to it): a node:net unix server
// made mode 0600 from its first instant (bound under umask 0177), one JSON request per line (see
// control/protocol.ts). It only reads and queues: `status` and `config` are read from the arbiter,
// every action goes through the arbiter's signal queue (ControlTarget.act), so that a command does
// exactly what its signal does. During a binary upgrade a fixed path is renamed PATH.oldbin like
// the pidfile, so that the new master can take PATH.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { log } from '../log.js';
import { BindError } from '../errors.js';
import { heartbeatDir } from '../heartbeat.js';
import { settingSpec, type Settings } from '../config/settings.js';
import type { ServerStatus } from '../status.js';
import { processExists } from '../pidfile.js';
import { MAX_REQUEST_BYTES, SOCKET_NAME, besidePidfile, inTmpDir, type Action, type ActionResult, type ConfigResult, type Request, type Response } from './protocol.js';

/** What the control socket asks of the master. */
export interface ControlTarget {
  status(): ServerStatus;
  config(): ConfigResult;
  /** Queues the action like its signal; resolves once the loop has handled it, rejects with a one-line reason. */
  act(action: Action): Promise<ActionResult>;
}

/** Where this master's socket goes; `fixed` when another master of an upgrade would want the same path. */
export function controlSocketPath(settings: Settings): { file: string; fixed: boolean } | null {
  if (settings.control_socket_disable) return null;
  if (settings.control_socket) return { file: path.resolve(settings.control_socket), fixed: true };
  if (settings.pidfile) return { file: besidePidfile(path.resolve(settings.pidfile)), fixed: true };
  return { file: inTmpDir(heartbeatDir(settings), process.pid), fixed: false };
}

/** Turns a parsed line into a request; throws a one-line reason. */
function parseRequest(value: unknown): Request {
  const req = value as { command?: unknown; workers?: unknown; pid?: unknown; graceful?: unknown } | null;
  switch (typeof req === 'object' && req !== null ? req.command : undefined) {
    case 'status': return { command: 'status' };
    case 'config': return { command: 'config' };
    case 'reload': return { command: 'reload' };
    case 'add': return { command: 'add' };
    case 'remove': return { command: 'remove' };
    case 'reopen-logs': return { command: 'reopen-logs' };
    case 'stop': return { command: 'stop', graceful: req!.graceful === true };
    case 'scale': return { command: 'scale', workers: settingSpec('workers')!.parse(req!.workers) as number };
    case 'kill': {
      const pid = req!.pid;
      if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) throw new Error(`kill: expected a worker's pid, got ${JSON.stringify(pid)}`);
      return { command: 'kill', pid };
    }
    default:
      throw new Error(`unknown command ${JSON.stringify(req?.command)}: expected status, config, reload, add, remove, scale, reopen-logs, stop or kill`);
  }
}

/** Is a server answering on the socket `file`? A socket nobody listens on is a stale one. */
function answers(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(file);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/**
 * Removes the sockets masters that were killed left in the tmp dir (tusk-<pid>.ctl of this user
 * whose pid no longer runs), so that the names there are those of running masters.
 */
function removeStale(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = SOCKET_NAME.exec(name);
    if (!m || processExists(Number(m[1]))) continue;
    const file = path.join(dir, name);
    try {
      const stat = fs.lstatSync(file);
      if (stat.isSocket() && stat.uid === process.geteuid!()) fs.rmSync(file);
    } catch {
      // gone, or not ours to remove
    }
  }
}

export class ControlServer {
  private readonly server: net.Server;
  /** Where the socket is now: the configured path, or PATH.oldbin while a new master runs. */
  private file: string;
  private ino = 0;

  private constructor(private readonly configured: string, private readonly fixed: boolean, private readonly target: ControlTarget) {
    this.file = configured;
    this.server = net.createServer((conn) => this.serve(conn));
  }

  /**
   * Opens the socket of these settings (none with control_socket_disable). A path given with
   * control_socket that cannot be used stops the start (BindError); the default one is only
   * warned about, and the server runs without it.
   */
  static async open(settings: Settings, target: ControlTarget): Promise<ControlServer | null> {
    const where = controlSocketPath(settings);
    if (!where) return null;
    const control = new ControlServer(where.file, where.fixed, target);
    if (!where.fixed) removeStale(path.dirname(where.file));
    try {
      await control.listen();
    } catch (err) {
      const message = `control_socket: cannot listen on ${where.file}: ${(err as Error).message}`;
      if (settings.control_socket) throw new BindError(message);
      log.warning(`${message}; running without a control socket`);
      return null;
    }
    log.info(`Control socket: ${where.file}`);
    return control;
  }

  get path(): string {
    return this.file;
  }

  private async listen(): Promise<void> {
    const file = this.file;
    let stat: fs.Stats | null = null;
    try {
      stat = fs.lstatSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (stat && !stat.isSocket()) throw new Error('it exists and is not a socket');
    if (stat && (await answers(file))) throw new Error('another server answers on it');
    if (stat) fs.rmSync(file); // stale: its server is gone
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      const umask = process.umask(0o177); // the file is born 0600: no instant where others may connect
      try {
        this.server.listen(file, () => {
          this.server.off('error', reject);
          resolve();
        });
      } finally {
        process.umask(umask);
      }
    });
    fs.chmodSync(file, 0o600);
    this.ino = fs.statSync(file).ino;
    this.server.on('error', (err) => log.error(`Control socket: ${err.message}`));
  }

  /** A binary upgrade begins: a fixed path becomes PATH.oldbin, for the new master to take PATH. */
  retire(): void {
    if (this.fixed) this.rename(`${this.configured}.oldbin`);
  }

  /** The new master is gone: the socket takes its path again. */
  reclaim(): void {
    if (this.file !== this.configured) this.rename(this.configured);
  }

  private rename(to: string): void {
    try {
      if (this.isOurs()) fs.renameSync(this.file, to);
      this.file = to;
    } catch (err) {
      log.error(`Control socket: cannot rename ${this.file} to ${to}: ${(err as Error).message}`);
    }
  }

  /** The file at our path is still the socket we bound (not another master's). */
  private isOurs(): boolean {
    try {
      return fs.lstatSync(this.file).ino === this.ino;
    } catch {
      return false;
    }
  }

  /** Stops listening and removes the file while it is ours. */
  close(): void {
    if (this.isOurs()) fs.rmSync(this.file, { force: true });
    this.server.close();
  }

  /** One connection: lines in, one answer per line, in order. */
  private serve(conn: net.Socket): void {
    let buffered = '';
    let chain = Promise.resolve();
    conn.setEncoding('utf8');
    conn.on('error', () => conn.destroy());
    conn.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.trim() === '') continue;
        chain = chain.then(async () => {
          const answer = await this.answer(line);
          if (!conn.destroyed) conn.write(`${JSON.stringify(answer)}\n`);
        });
      }
      if (buffered.length > MAX_REQUEST_BYTES) {
        conn.end(`${JSON.stringify({ ok: false, error: `request line longer than ${MAX_REQUEST_BYTES} bytes` })}\n`);
        buffered = '';
      }
    });
  }

  private async answer(line: string): Promise<Response> {
    try {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        throw new Error('a request is one line of JSON, such as {"command":"status"}');
      }
      const req = parseRequest(parsed);
      if (req.command === 'status') return { ok: true, result: this.target.status() };
      if (req.command === 'config') return { ok: true, result: this.target.config() };
      return { ok: true, result: await this.target.act(req) };
    } catch (err) {
      return { ok: false, error: (err as Error).message.split('\n')[0]! };
    }
  }
}
