// hooks.ts — calls the server hooks (config/hooks.ts says which exist, where and when each runs).
// A hook that throws or rejects is logged with its name and tusk carries on; the startup hooks'
// callers turn a failure into a stop instead. Also how a worker gets its hooks: functions cannot
// travel in its JSON boot record, so a worker imports the master's config file and takes them
// from there.
import { log } from './log.js';
import { readConfigFile } from './config/load.js';
import { HOOK_NAMES, WORKER_HOOKS, type HookName, type HookResult, type Hooks, type HookSettings, type WorkerExit, type WorkerInfo } from './config/hooks.js';
import { settingSpec, type Settings } from './config/settings.js';

/** A hook that threw or rejected: its name and the error's first line, for a one-line message. */
export interface HookFailure {
  name: HookName;
  message: string;
}

type AnyHook = (...args: unknown[]) => HookResult;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

function failed(name: HookName, err: unknown): HookFailure {
  log.error(`Exception in ${name} hook: ${(err as Error)?.stack ?? String(err)}`);
  const first = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { name, message: `${name} hook: ${first.split('\n')[0]}` };
}

/** Calls a hook tusk does not wait for; a throw or a rejection is logged. */
export function callHook<K extends HookName>(settings: HookSettings, name: K, ...args: Parameters<Hooks[K]>): void {
  const hook = settings[name] as AnyHook | null;
  if (!hook) return;
  try {
    const result = hook(...args);
    if (isThenable(result)) result.then(undefined, (err: unknown) => failed(name, err));
  } catch (err) {
    failed(name, err);
  }
}

/**
 * Calls a hook and waits for the promise it returns, for at most `timeoutMs` (when given; then tusk
 * goes on without it). Resolves null, or the failure (already logged) for the caller to act on.
 */
export async function awaitHook<K extends HookName>(settings: HookSettings, name: K, args: Parameters<Hooks[K]>, timeoutMs?: number): Promise<HookFailure | null> {
  const hook = settings[name] as AnyHook | null;
  if (!hook) return null;
  try {
    const result = hook(...args);
    if (!isThenable(result)) return null;
    if (timeoutMs === undefined) {
      await result;
      return null;
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, timeoutMs, 'late')));
    try {
      if ((await Promise.race([result, late])) === 'late') log.warning(`The ${name} hook is still running after ${timeoutMs / 1000} s; going on without it`);
    } finally {
      clearTimeout(timer);
    }
    return null;
  } catch (err) {
    return failed(name, err);
  }
}

/** Whether any hook that runs in a worker is set: only then does a worker load the config file. */
export function hasWorkerHooks(settings: HookSettings): boolean {
  return WORKER_HOOKS.some((name) => settings[name] !== null);
}

/**
 * A worker's settings with its hooks: the boot record's settings (which lost every function on the
 * way) plus the hooks of the config file the master read, imported afresh in this process.
 */
export async function withHooks(settings: Settings, configFile: string | null): Promise<Settings> {
  const out = { ...settings } as Record<HookName, unknown>;
  const fromFile = configFile ? await readConfigFile(configFile) : {};
  for (const name of HOOK_NAMES) out[name] = settingSpec(name)!.parse(fromFile[name] ?? null);
  return out as unknown as Settings;
}

/** A snapshot of a worker for a hook's `worker` argument. */
export function workerInfo(w: Omit<WorkerInfo, 'exit'>, exit?: WorkerExit): WorkerInfo {
  const { pid, slot, age, generation, spare, ready } = w;
  return Object.freeze(exit ? { pid, slot, age, generation, spare, ready, exit } : { pid, slot, age, generation, spare, ready });
}
