// control/client.ts — `tusk ctl`'s end of the control socket: finds the socket of the server meant
// (-s PATH; -p PIDFILE, whose socket is beside it; else the one tusk-<pid>.ctl of a running master
// in the worker tmp dir), refuses one that is not the user's own or that others may use, and sends
// one request. Every failure is a CtlError: one line, exit 1.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { heartbeatDir } from '../heartbeat.js';
import { processExists } from '../pidfile.js';
import { SOCKET_NAME, besidePidfile, type Request, type Response } from './protocol.js';

/** A failure of `tusk ctl`: one line on stderr, exit 1. */
export class CtlError extends Error {}

/** How long an answer may take: an action is answered once the master's loop has handled it. */
const ANSWER_TIMEOUT_MS = 10_000;

export interface SocketChoice {
  /** -s PATH */
  socket?: string;
  /** -p PIDFILE */
  pidfile?: string;
  /** --worker-tmp-dir DIR: where to look for tusk-<pid>.ctl. */
  tmpDir?: string;
}

const HOW_TO_PICK = 'give -s PATH or -p PIDFILE';

/** The socket path `tusk ctl` talks to. */
export function findSocket(choice: SocketChoice, cwd = process.cwd()): string {
  if (choice.socket) return path.resolve(cwd, choice.socket);
  if (choice.pidfile) return besidePidfile(path.resolve(cwd, choice.pidfile));
  const dir = heartbeatDir({ worker_tmp_dir: choice.tmpDir ? path.resolve(cwd, choice.tmpDir) : null });
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    throw new CtlError(`cannot read ${dir}: ${(err as Error).message}`);
  }
  const running = names.filter((name) => {
    const m = SOCKET_NAME.exec(name);
    return m !== null && processExists(Number(m[1]));
  });
  if (running.length === 0) throw new CtlError(`no control socket of a running tusk in ${dir}: is tusk running? (or ${HOW_TO_PICK})`);
  if (running.length > 1) throw new CtlError(`${running.length} servers have a control socket in ${dir} (${running.join(', ')}): ${HOW_TO_PICK}`);
  return path.join(dir, running[0]!);
}

/** Refuses a socket that is missing, not a socket, not the user's own, or open to others. */
export function checkSocket(file: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CtlError(`no control socket at ${file}: is tusk running? (or ${HOW_TO_PICK})`);
    throw new CtlError(`cannot reach ${file}: ${(err as Error).message}`);
  }
  if (!stat.isSocket()) throw new CtlError(`${file} is not a socket`);
  const uid = process.geteuid!();
  if (stat.uid !== uid) throw new CtlError(`${file} belongs to uid ${stat.uid}, not to you (uid ${uid}): refusing it; run tusk ctl as the server's user`);
  if ((stat.mode & 0o077) !== 0) throw new CtlError(`${file} has mode 0${(stat.mode & 0o777).toString(8)}, open to others: refusing it`);
}

function connectError(file: string, err: NodeJS.ErrnoException): CtlError {
  switch (err.code) {
    case 'ENOENT': return new CtlError(`no control socket at ${file}: is tusk running? (or ${HOW_TO_PICK})`);
    case 'ECONNREFUSED': return new CtlError(`${file} refused the connection: no server listens on it (a stale socket?)`);
    case 'EACCES': return new CtlError(`permission denied on ${file}: only the server's user may use its control socket`);
    default: return new CtlError(`cannot connect to ${file}: ${err.message}`);
  }
}

/** Sends one request to the socket `file` and returns the master's answer. */
export function send(file: string, request: Request): Promise<Response> {
  return new Promise((resolve, reject) => {
    const conn = net.connect(file);
    let buffered = '';
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      conn.destroy();
      fn();
    };
    const timer = setTimeout(() => finish(() => reject(new CtlError(`no answer from ${file} within ${ANSWER_TIMEOUT_MS / 1000} s`))), ANSWER_TIMEOUT_MS);
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(`${JSON.stringify(request)}\n`));
    conn.on('data', (chunk: string) => {
      buffered += chunk;
      const nl = buffered.indexOf('\n');
      if (nl < 0) return;
      const line = buffered.slice(0, nl);
      finish(() => {
        try {
          resolve(JSON.parse(line) as Response);
        } catch {
          reject(new CtlError(`${file} answered with something that is not tusk's protocol`));
        }
      });
    });
    conn.on('error', (err: NodeJS.ErrnoException) => finish(() => reject(connectError(file, err))));
    conn.on('end', () => finish(() => reject(new CtlError(`${file} closed the connection without an answer`))));
  });
}
