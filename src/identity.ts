// identity.ts — who a worker runs as and what environment it starts with. The user and group
// settings (names or numbers) are looked up here, in the master, before any fork: the child of
// fork may only apply numbers (native/spawn.cc sets groups, gid, uid in that order). Also here:
// the one rule for who may change them (root), and the worker's environment (the master's, the
// raw_env settings over it, then tusk's own variables).
import os from 'node:os';
import path from 'node:path';
import module from 'node:module';
import { addon } from './native.js';
import { ConfigError, describe } from './errors.js';

/** What a worker's process is switched to before it execs node. */
export interface WorkerIdentity {
  uid: number;
  gid: number;
  /** Supplementary groups: the user's (initgroups) or none. */
  groups: number[];
}

/** The settings this module reads. */
export interface IdentitySettings {
  user: number | null;
  group: number | null;
  initgroups: boolean;
  raw_env: string[];
}

const isRoot = (): boolean => process.geteuid?.() === 0;

/** A name or a non-negative integer (a number, or a string of digits). */
function nameOrId(value: unknown): string | number | null {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value < 2 ** 32 - 1 ? value : null;
  if (typeof value !== 'string' || value.trim() === '') return null;
  const s = value.trim();
  return /^\d+$/.test(s) ? Number(s) : s;
}

/**
 * The parser of the user or group setting: a name, or an id (which need not be in the database).
 * Switching to another id than the master's own needs root.
 */
function idSetting(setting: 'user' | 'group', what: 'uid' | 'gid', lookup: (key: string | number) => number | undefined, current: () => number | undefined) {
  return (value: unknown): number | null => {
    if (value === null || value === undefined) return null;
    const key = nameOrId(value);
    const found = key === null ? undefined : lookup(key);
    if (key === null || (found === undefined && typeof key === 'string'))
      throw new ConfigError(`${setting}: expected a ${setting} name or ${what} known to this system, got ${describe(value)}`);
    const id = found ?? (key as number);
    if (!isRoot() && id !== current()) throw new ConfigError(`${setting}: running the workers as ${what} ${id} needs root (tusk runs as ${what} ${current()})`);
    return id;
  };
}

/** The user setting: a user name or uid. */
export const parseUser = idSetting('user', 'uid', (key) => addon.lookupUser(key)?.uid, () => process.geteuid?.());

/** The group setting: a group name or gid. */
export const parseGroup = idSetting('group', 'gid', (key) => addon.lookupGroup(key)?.gid, () => process.getegid?.());

/** The raw_env setting: KEY=VALUE strings (one, or a list in a config file), or an object of strings. */
export function parseRawEnv(value: unknown): string[] {
  const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
  const list = isObject ? Object.entries(value).map(([k, v]) => (typeof v === 'string' ? `${k}=${v}` : v)) : Array.isArray(value) ? value : [value];
  for (const item of list) {
    if (typeof item !== 'string' || !/^[^=\0]+=[^\0]*$/.test(item)) throw new ConfigError(`raw_env: expected KEY=VALUE, got ${describe(item)}`);
  }
  return list as string[];
}

/**
 * The identity workers are switched to, or null to leave them as the master is. The group defaults
 * to the user's primary group (never the master's, which is root's when the master runs as root);
 * supplementary groups are the user's with initgroups, else none. Throws ConfigError for a
 * combination that cannot work.
 */
export function workerIdentity(settings: IdentitySettings): WorkerIdentity | null {
  const { user, group, initgroups } = settings;
  if (user === null && group === null) return null;
  const uid = user ?? process.geteuid!();
  const record = addon.lookupUser(uid);
  const gid = group ?? (user !== null ? record?.gid : process.getegid!());
  if (gid === undefined) throw new ConfigError(`group: uid ${uid} has no entry in the user database, so no primary group; set group too`);
  if (!isRoot()) {
    if (initgroups) throw new ConfigError('initgroups: setting the workers\' supplementary groups needs root');
    return null; // the same user and group as the master (parseUser/parseGroup checked): nothing to change
  }
  const groups = initgroups && record ? addon.groupList(record.name, gid) : [];
  return { uid, gid, groups };
}

/** What tusk itself puts into a worker's environment. */
export interface TuskEnv {
  /** tusk's first TCP port: apps that read PORT (app.listen(process.env.PORT)) agree with the bind. */
  port: number | undefined;
  /** The worker's slot, or null for a spare. */
  slot: number | null;
  /** Whether the slot also goes into NODE_APP_INSTANCE (the user did not set it). */
  setAppInstance: boolean;
  /** The uid the worker runs as: its compile cache is its own. */
  uid: number;
  /** The variable and value that carry the boot record. */
  boot: [string, string];
}

/** The master's environment with raw_env over it: what the user's variables are. */
export function userEnv(settings: IdentitySettings): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const pair of settings.raw_env) {
    const eq = pair.indexOf('=');
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/** A worker's whole environment as KEY=VALUE strings: userEnv, then tusk's own variables. */
export function workerEnv(user: NodeJS.ProcessEnv, tusk: TuskEnv): string[] {
  const env: NodeJS.ProcessEnv = {
    ...user,
    ...(tusk.port !== undefined ? { PORT: String(tusk.port) } : {}),
    ...compileCacheEnv(user, tusk.uid),
    ...slotEnv(tusk.slot, tusk.setAppInstance),
    [tusk.boot[0]]: tusk.boot[1],
  };
  return Object.entries(env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
}

/** A worker's identity: TUSK_WORKER_ID, and NODE_APP_INSTANCE (PM2's name) unless the user set it. */
function slotEnv(slot: number | null, setAppInstance: boolean): Record<string, string> {
  if (slot === null) return { TUSK_SPARE: '1' };
  return setAppInstance ? { TUSK_WORKER_ID: String(slot), NODE_APP_INSTANCE: String(slot) } : { TUSK_WORKER_ID: String(slot) };
}

/**
 * Node's on-disk compile cache (Node 22.1+, `module.enableCompileCache`) makes every worker after
 * the first skip compiling tusk's and the app's modules. Used unless the operator set or disabled
 * it; on a Node without it, nothing changes. One directory per uid: a worker cannot write another
 * user's cache.
 */
function compileCacheEnv(env: NodeJS.ProcessEnv, uid: number): Record<string, string> {
  if (typeof (module as { enableCompileCache?: unknown }).enableCompileCache !== 'function') return {};
  if (env.NODE_COMPILE_CACHE !== undefined || env.NODE_DISABLE_COMPILE_CACHE !== undefined) return {};
  return { NODE_COMPILE_CACHE: path.join(os.tmpdir(), `tusk-compile-cache-${uid}`) };
}
