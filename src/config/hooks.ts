// config/hooks.ts — Gunicorn's server hooks as settings: the signature of each hook (what it
// receives, in which process, at which moment), the views of the master and of a worker that hooks
// are given, and the hooks' rows of the settings registry. Hooks are functions, so they come from
// the config file only (no flags). Calling them is ../hooks.ts's job.
import type http from 'node:http';
import { ConfigError, describe } from '../errors.js';
import type { LogLevel } from '../log.js';
import type { Settings } from './settings.js';

/** What a hook may return: nothing, or a promise that tusk awaits where the hook's row says so. */
export type HookResult = void | PromiseLike<unknown>;

/** The error log, as hooks may write to it (the line carries the time, the pid and the level). */
export type HookLogger = { readonly [L in LogLevel]: (message: string) => void };

/** The master as every hook that receives `server` sees it. */
export interface ServerInfo {
  /** The master's pid. */
  readonly pid: number;
  /** The APP argument. */
  readonly app: string;
  /** The settings in force (a reload replaces them). */
  readonly settings: Settings;
  readonly log: HookLogger;
}

/** The master, in the master process: ServerInfo plus its workers. */
export interface Server extends ServerInfo {
  /** Every worker process the master has now (serving, spare, booting or stopping), oldest first. */
  readonly workers: readonly WorkerInfo[];
  /** How many serving workers the master keeps (workers, changed by TTIN/TTOU and reloads). */
  readonly numWorkers: number;
  /** The current generation: 1, plus one per reload (HUP). */
  readonly generation: number;
}

/** How a worker process ended, as the master collected it. */
export interface WorkerExit {
  /** Its exit code, or null when a signal killed it. */
  readonly code: number | null;
  /** The signal that killed it ("SIGKILL"), or null. */
  readonly signal: string | null;
}

/** One worker as the master knows it. */
export interface WorkerInfo {
  /** Its pid; null in pre_fork, before the process exists. */
  readonly pid: number | null;
  /** Its stable slot 0..workers-1 (TUSK_WORKER_ID), null for a spare that has not been promoted. */
  readonly slot: number | null;
  /** Spawn order: 1 for the first worker this master started. */
  readonly age: number;
  /** The generation it belongs to (see Server.generation). */
  readonly generation: number;
  /** A warm spare (--spare-workers) not yet promoted. */
  readonly spare: boolean;
  /** It has loaded the app and reported ready. */
  readonly ready: boolean;
  /** In child_exit, and in a worker_exit the master runs: how the process ended. */
  readonly exit?: WorkerExit;
}

/** The worker process itself, as the hooks that run in it see it. */
export interface Worker extends WorkerInfo {
  readonly pid: number;
  /** The master's pid. */
  readonly ppid: number;
  /** The APP argument. */
  readonly app: string;
  /** The settings this worker runs with, hooks included. */
  readonly settings: Settings;
  /** Requests it has served so far. */
  readonly requests: number;
  readonly log: HookLogger;
}

/** A request as pre_request and post_request see it, the same on every interface. */
export interface HookRequest {
  /** The interface serving it: node, fetch or native. */
  readonly interface: 'node' | 'fetch' | 'native';
  readonly method: string;
  /** The request-target as sent: path and query, e.g. "/items?id=2". */
  readonly url: string;
  /** "1.1" or "1.0". */
  readonly httpVersion: string;
  /** Header fields, names in lower case, repeated ones joined with ", " ("; " for cookie). */
  readonly headers: Readonly<Record<string, string>>;
  /** The peer's address ('' on a unix socket). */
  readonly remoteAddress: string;
  /** The node interface's http.IncomingMessage; absent on the engine's interfaces. */
  readonly raw?: http.IncomingMessage;
}

/** How the response to a request ended, for post_request. */
export interface HookResponse {
  /** The status sent (or being sent when the connection was cut); 0 when none was. */
  readonly status: number;
  /** The response did not end normally: the client left, or the app failed after it had begun. */
  readonly aborted: boolean;
  /** Milliseconds from the request reaching the worker to the response's end. */
  readonly duration: number;
  /** The node interface's http.ServerResponse; absent on the engine's interfaces. */
  readonly raw?: http.ServerResponse;
}

/** Every hook's signature, by Gunicorn's name. */
export interface Hooks {
  on_starting(server: Server): HookResult;
  on_reload(server: Server): HookResult;
  pre_exec(server: Server): HookResult;
  when_ready(server: Server): HookResult;
  pre_fork(server: Server, worker: WorkerInfo): HookResult;
  post_fork(server: ServerInfo, worker: Worker): HookResult;
  post_worker_init(worker: Worker): HookResult;
  worker_int(worker: Worker): HookResult;
  worker_abort(worker: Worker): HookResult;
  pre_request(worker: Worker, req: HookRequest): HookResult;
  post_request(worker: Worker, req: HookRequest, res: HookResponse): HookResult;
  child_exit(server: Server, worker: WorkerInfo): HookResult;
  worker_exit(server: ServerInfo, worker: WorkerInfo | Worker): HookResult;
  nworkers_changed(server: Server, newValue: number, oldValue: number | null): HookResult;
  on_exit(server: Server): HookResult;
}

export type HookName = keyof Hooks;

/** The hooks as settings: each is a function or null. */
export type HookSettings = { [K in HookName]: Hooks[K] | null };

/** Where and when a hook runs, and what tusk does with its result; the docs' table is made from it. */
export interface HookSpec {
  name: HookName;
  process: 'master' | 'worker';
  /** The moment it is called. */
  moment: string;
  /** Its arguments, as they appear in the docs. */
  args: string;
  /** What a returned promise does. */
  awaited: string;
  /** What a throw (or a rejected promise) does. */
  failure: string;
}

const LOGGED = 'logged with the hook\'s name; tusk carries on';
const NOT_AWAITED = 'not awaited (a rejection is logged)';

/** The hooks in the order of a server's life. */
export const HOOKS: readonly HookSpec[] = [
  { name: 'on_starting', process: 'master', moment: 'as the master starts: after the pidfile is written, before the listeners are bound', args: 'server',
    awaited: 'awaited before binding', failure: 'the server does not start (exit 3)' },
  { name: 'nworkers_changed', process: 'master', moment: 'after on_starting with oldValue null, then whenever the number of workers changes: TTIN, TTOU, WINCH (to 0), a reload with another `workers`, a failed reload rolled back', args: 'server, newValue, oldValue',
    awaited: NOT_AWAITED, failure: LOGGED },
  { name: 'when_ready', process: 'master', moment: 'once the listeners are bound, before the first workers are spawned', args: 'server',
    awaited: 'awaited before the first workers are spawned', failure: 'the server does not start (exit 3)' },
  { name: 'pre_fork', process: 'master', moment: 'just before each worker (or spare) is spawned; worker.pid is null', args: 'server, worker',
    awaited: NOT_AWAITED, failure: LOGGED },
  { name: 'post_fork', process: 'worker', moment: 'first thing in the new worker process, before the app is loaded', args: 'server, worker',
    awaited: 'awaited before the app is loaded', failure: 'the worker fails to boot (exit 3): the server stops, or a reload is rolled back' },
  { name: 'post_worker_init', process: 'worker', moment: 'after the app is loaded, before the worker accepts or reports ready', args: 'worker',
    awaited: 'awaited before the worker accepts', failure: 'the worker fails to boot (exit 3): the server stops, or a reload is rolled back' },
  { name: 'pre_request', process: 'worker', moment: 'for each request, before the app sees it (requests refused for a limit never reach it)', args: 'worker, req',
    awaited: NOT_AWAITED, failure: `${LOGGED}; the request is served` },
  { name: 'post_request', process: 'worker', moment: 'after each response has ended, or was cut short', args: 'worker, req, res',
    awaited: NOT_AWAITED, failure: LOGGED },
  { name: 'on_reload', process: 'master', moment: 'on HUP, once the configuration is read again (server.settings shows the new one), before anything changes and the new generation is spawned', args: 'server',
    awaited: 'awaited before the new generation is spawned', failure: LOGGED },
  { name: 'pre_exec', process: 'master', moment: 'on USR2, just before the new master is started (the pidfile is already renamed to PIDFILE.oldbin)', args: 'server',
    awaited: NOT_AWAITED, failure: LOGGED },
  { name: 'worker_int', process: 'worker', moment: 'on INT or QUIT (a quick stop), before the worker exits', args: 'worker',
    awaited: 'awaited (the master SIGKILLs a worker 1 s into a quick stop)', failure: LOGGED },
  { name: 'worker_abort', process: 'worker', moment: 'on SIGABRT, which the master sends to a worker whose heartbeat timed out (after logging its stack), even when its event loop is stuck in JavaScript; SIGKILL follows 1 s later', args: 'worker',
    awaited: 'not awaited (a stuck worker runs nothing after it)', failure: LOGGED },
  { name: 'worker_exit', process: 'worker', moment: 'as a worker exits (graceful stop, quick stop, max_requests, the app\'s own exit); for a worker a signal killed (SIGKILL, a native crash), the master runs it after reaping', args: 'server, worker',
    awaited: 'awaited before the worker exits (within graceful_timeout)', failure: LOGGED },
  { name: 'child_exit', process: 'master', moment: 'after each worker process is reaped, however it ended', args: 'server, worker',
    awaited: NOT_AWAITED, failure: LOGGED },
  { name: 'on_exit', process: 'master', moment: 'after the last worker is gone, just before the master exits', args: 'server',
    awaited: 'awaited before exit, up to graceful_timeout', failure: LOGGED },
];

export const HOOK_NAMES: readonly HookName[] = HOOKS.map((h) => h.name);

/** The hooks that run in worker processes, and therefore need the config file loaded there. */
export const WORKER_HOOKS: readonly HookName[] = HOOKS.filter((h) => h.process === 'worker').map((h) => h.name);

function hookValue<K extends HookName>(name: K): (value: unknown) => Hooks[K] | null {
  return (value) => {
    if (value === null || value === undefined) return null;
    if (typeof value !== 'function') throw new ConfigError(`${name}: expected a function (a server hook) or null, got ${describe(value)}`);
    return value as Hooks[K];
  };
}

/** A registry row, as config/settings.ts declares them (kept structural to avoid an import cycle). */
interface HookRow<K extends HookName> {
  name: K;
  flags: string[];
  section: 'Server hooks';
  help: string;
  input: string;
  default: () => null;
  parse: (value: unknown) => Hooks[K] | null;
}

/** The hooks' rows of the settings registry. */
export const HOOK_SETTINGS = Object.fromEntries(
  HOOKS.map((h) => [
    h.name,
    {
      name: h.name, flags: [], section: 'Server hooks', default: () => null, parse: hookValue(h.name),
      input: `Hooks['${h.name}'] | null`,
      help: `${h.name}(${h.args}), in the ${h.process}: ${h.moment}. A promise it returns: ${h.awaited}. A throw: ${h.failure}.`,
    },
  ]),
) as unknown as { [K in HookName]: HookRow<K> };
