// native.ts — the typed seam to the C++ addon. Everything the addon exports is declared here and
// nowhere else; the addon is found by node-gyp-build (prebuilds/ first, then build/Release).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** A listening socket made or adopted by the addon. */
export interface SocketInfo {
  fd: number;
  family: 'IPv4' | 'IPv6' | 'unix' | 'unknown';
  address?: string;
  port?: number;
  path?: string;
}

/** An exit status collected by `reap`. */
export interface ExitStatus {
  pid: number;
  /** Exit code, or null when the process was killed by a signal. */
  code: number | null;
  /** Signal number that killed the process, or null. */
  signal: number | null;
}

export interface SpawnOptions {
  file: string;
  args: string[];
  env: string[];
  /** fds[i] becomes descriptor 3 + i in the child; every other descriptor above 2 is closed. */
  fds: number[];
  /** Signal the child receives when the master dies (PR_SET_PDEATHSIG); 0 for none. */
  deathSignal: number;
}

export interface Acceptor {
  start(): void;
  pause(): void;
  close(): void;
}

export interface Addon {
  listenTcp(host: string, port: number, backlog: number, reusePort: boolean): SocketInfo;
  listenUnix(path: string, backlog: number): SocketInfo;
  adoptListener(fd: number): SocketInfo;
  closeFd(fd: number): void;
  spawn(options: SpawnOptions): number;
  heartbeatCreate(dir: string): number;
  heartbeatNotify(fd: number, mode: number): void;
  /** [ctime seconds, ctime nanoseconds, mode bits] */
  heartbeatCheck(fd: number): [number, number, number];
  reap(pid: number): ExitStatus | null;
  parentPid(): number;
  Acceptor: new (fds: number[], onConnections: (fds: number[]) => void) => Acceptor;
}

/** The package root: the folder holding package.json, binding.gyp and build/. */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const require = createRequire(import.meta.url);
const load = require('node-gyp-build') as (dir: string) => unknown;

export const addon = load(packageRoot) as Addon;
