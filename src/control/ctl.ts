// control/ctl.ts — the `tusk ctl` command: argv → one request on the control socket → output (a
// table or lines for people, --json for machines). Exit codes: 0 done, 1 the socket cannot be used
// or the master refused the command, 2 bad usage.
import { formatSettingLines } from '../config/load.js';
import type { ServerStatus, WorkerStatus } from '../status.js';
import { CtlError, checkSocket, findSocket, send, type SocketChoice } from './client.js';
import type { ActionResult, ConfigResult, Request } from './protocol.js';

export const CTL_USAGE = `usage: tusk ctl [-s PATH | -p PIDFILE | --worker-tmp-dir DIR] [--json] COMMAND

Talks to a running master through its control socket.

Commands:
  status              The master and a table of its workers.
  config              The settings the master runs with.
  reload              Reload the configuration and replace the workers gracefully (HUP).
  scale N             Keep N serving workers (auto: one per usable CPU).
  add                 One more worker (TTIN).
  remove              One worker fewer, never below one (TTOU).
  reopen-logs         Reopen the log files (USR1).
  stop [--graceful]   Stop the server: quickly (INT), or letting requests finish (TERM).
  kill PID            Stop that worker gracefully; its slot gets a new one.

Which server:
  -s, --socket PATH       The control socket (--control-socket of the server).
  -p, --pid PIDFILE       The server's pidfile: its socket is beside it (app.pid: app.ctl).
  --worker-tmp-dir DIR    Look for tusk-<pid>.ctl in DIR (default /dev/shm, else the temp dir).
  Otherwise: the one running server whose socket is in the worker tmp dir.

  --json                  Print the master's answer as JSON.`;

/** A bad command line: exit 2. */
class UsageError extends Error {}

interface CtlArgs extends SocketChoice {
  json: boolean;
  request: Request;
}

function parseCtlArgs(argv: string[]): CtlArgs | 'help' {
  const choice: SocketChoice = {};
  let json = false;
  let graceful = false;
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '-h' || arg === '--help') return 'help';
    else if (arg === '-s' || arg === '--socket') choice.socket = value();
    else if (arg === '-p' || arg === '--pid') choice.pidfile = value();
    else if (arg === '--worker-tmp-dir') choice.tmpDir = value();
    else if (arg === '--json') json = true;
    else if (arg === '--graceful') graceful = true;
    else if (arg.startsWith('-') && !/^\d+$/.test(arg)) throw new UsageError(`unknown option ${arg}`);
    else words.push(arg);
  }
  const [command, ...rest] = words;
  const expect = (n: number): void => {
    if (rest.length !== n) throw new UsageError(`${command} takes ${n === 0 ? 'no argument' : 'one argument'}, got ${rest.length}`);
  };
  if (graceful && command !== 'stop') throw new UsageError('--graceful goes with stop');
  let request: Request;
  switch (command) {
    case 'status':
    case 'config':
    case 'reload':
    case 'add':
    case 'remove':
    case 'reopen-logs':
      expect(0);
      request = { command };
      break;
    case 'stop':
      expect(0);
      request = { command, graceful };
      break;
    case 'scale': {
      expect(1);
      const n = rest[0]!;
      // The master checks it like the workers setting; only its shape is checked here.
      request = { command, workers: /^\d+$/.test(n) ? Number(n) : (n as unknown as number) };
      break;
    }
    case 'kill': {
      expect(1);
      if (!/^\d+$/.test(rest[0]!)) throw new UsageError(`kill: expected a worker's pid, got ${JSON.stringify(rest[0])}`);
      request = { command, pid: Number(rest[0]) };
      break;
    }
    case undefined:
      throw new UsageError('missing the COMMAND');
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
  return { ...choice, json, request };
}

const mb = (bytes: number | null): string => (bytes === null ? '-' : `${(bytes / (1024 * 1024)).toFixed(1)}M`);
const secs = (s: number | null): string => (s === null ? '-' : s < 120 ? `${s.toFixed(1)}s` : s < 7200 ? `${Math.floor(s / 60)}m` : `${Math.floor(s / 3600)}h`);

const count = (n: number | undefined): string => (n === undefined ? '-' : String(n));
const ms = (s: number): string => `${(s * 1000).toFixed(1)}ms`;

/** The columns of the table, and how each cell is written. */
const COLUMNS: [string, (w: WorkerStatus) => string][] = [
  ['PID', (w) => String(w.pid)],
  ['SLOT', (w) => (w.slot === null ? 'spare' : String(w.slot))],
  ['GEN', (w) => String(w.generation)],
  ['AGE', (w) => String(w.age)],
  ['STATE', (w) => w.state],
  ['UPTIME', (w) => secs(w.uptime)],
  ['RSS', (w) => mb(w.rss)],
  ['CPU', (w) => secs(w.cpu)],
  ['BEAT', (w) => `${secs(w.heartbeat)} ago`],
  ['REQS', (w) => count(w.requests)],
  ['INFL', (w) => count(w.inFlight)],
  ['CONNS', (w) => count(w.connections)],
  ['LAG p50/p99', (w) => (w.loopLagP50 === undefined ? '-' : `${ms(w.loopLagP50)}/${ms(w.loopLagP99!)}`)],
  ['RESTARTS', (w) => String(w.restarts)],
  ['LAST RESTART', (w) => (w.lastRestart ? `${w.lastRestart.reason}${w.lastRestart.detail ? ` (${w.lastRestart.detail})` : ''}` : '-')],
];

export function formatStatus(status: ServerStatus): string {
  const m = status.master;
  const head = `master ${m.pid} [${m.name}] tusk ${m.version}: ${m.state}, generation ${m.generation}, ${m.workers} worker${m.workers === 1 ? '' : 's'}` +
    `${m.spareWorkers ? ` + ${m.spareWorkers} spare` : ''}, up ${secs(m.uptime)}`;
  const rows = [COLUMNS.map(([name]) => name), ...status.workers.map((w) => COLUMNS.map(([, cell]) => cell(w)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
  return [head, '', ...table].join('\n');
}

/** Runs `tusk ctl ARGS`; resolves the exit code. */
export async function ctl(argv: string[]): Promise<number> {
  let args: CtlArgs | 'help';
  try {
    args = parseCtlArgs(argv);
  } catch (err) {
    process.stderr.write(`tusk ctl: error: ${(err as Error).message} (see tusk ctl --help)\n`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(`${CTL_USAGE}\n`);
    return 0;
  }
  try {
    const file = findSocket(args);
    checkSocket(file);
    const answer = await send(file, args.request);
    if (!answer.ok) throw new CtlError(answer.error);
    const { command } = args.request;
    let out: string;
    if (args.json) out = JSON.stringify(answer.result, null, 2);
    else if (command === 'status') out = formatStatus(answer.result as ServerStatus);
    else if (command === 'config') out = formatSettingLines((answer.result as ConfigResult).settings);
    else out = `${command}: done (${(answer.result as ActionResult).workers} workers)`;
    process.stdout.write(`${out}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof CtlError)) throw err;
    process.stderr.write(`tusk ctl: error: ${err.message}\n`);
    return 1;
  }
}
