// control/protocol.ts — the control socket's protocol and where the socket is, shared by the master
// (control/server.ts) and `tusk ctl` (control/client.ts). The socket is a unix stream socket, mode
// 0600; each request is one line of JSON, answered by one line of JSON, in order, on a connection
// that may carry several (docs/control.md). Where it is: --control-socket PATH; else beside the
// pidfile (app.pid → app.ctl); else tusk-<master pid>.ctl in the worker tmp dir, where `tusk ctl`
// looks for it.
import path from 'node:path';
import type { ServerStatus } from '../status.js';

/** The commands that act; each does what a signal does (docs/control.md lists which). */
export type Action =
  | { command: 'reload' }
  | { command: 'add' }
  | { command: 'remove' }
  | { command: 'reopen-logs' }
  | { command: 'stop'; graceful: boolean }
  | { command: 'scale'; workers: number }
  | { command: 'kill'; pid: number };

/** One request line. */
export type Request = { command: 'status' } | { command: 'config' } | Action;

export type Command = Request['command'];

/** One answer line: `result` is the status, the settings, or what an action changed. */
export type Response = { ok: true; result: ServerStatus | ConfigResult | ActionResult } | { ok: false; error: string };

/** `config`: the resolved settings (a function, such as a hook, as "[function]"). */
export interface ConfigResult {
  settings: Record<string, unknown>;
}

/** An action's answer: the number of serving workers it now keeps. */
export interface ActionResult {
  workers: number;
}

/** The largest request line the master reads. */
export const MAX_REQUEST_BYTES = 4096;

/** The names of the master's own sockets in the worker tmp dir. */
export const SOCKET_NAME = /^tusk-(\d+)\.ctl$/;

/** The control socket beside a pidfile: app.pid → app.ctl (app.pid.oldbin → app.ctl.oldbin during an upgrade). */
export function besidePidfile(pidfile: string): string {
  const oldbin = pidfile.endsWith('.oldbin');
  const base = oldbin ? pidfile.slice(0, -'.oldbin'.length) : pidfile;
  const ctl = `${base.endsWith('.pid') ? base.slice(0, -'.pid'.length) : base}.ctl`;
  return oldbin ? `${ctl}.oldbin` : ctl;
}

/** The default socket of the master `pid` in `dir` (the worker tmp dir). */
export function inTmpDir(dir: string, pid: number): string {
  return path.join(dir, `tusk-${pid}.ctl`);
}
