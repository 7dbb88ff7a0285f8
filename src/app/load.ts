// app/load.ts — finds, imports and unwraps the application an APP argument names. The master
// checks that the module exists (fast, one-line error, no respawn); the worker does the import.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { AppLoadError, ConfigError } from '../errors.js';
import { parseAppSpec, type AppSpec } from './spec.js';

const SCRIPT = /\.(?:[cm]?js|[cm]?ts|jsx|tsx)$/;

function looksLikePath(module: string): boolean {
  return module.startsWith('.') || module.startsWith('/') || SCRIPT.test(module) || (module.includes('/') && !module.startsWith('@'));
}

/** Resolves the module part of an APP to an absolute file; throws a one-line ConfigError. */
export function resolveAppModule(spec: AppSpec, cwd: string): string {
  const asFile = path.resolve(cwd, spec.module);
  if (looksLikePath(spec.module) || fs.existsSync(asFile)) {
    if (!fs.existsSync(asFile)) throw new ConfigError(`app: file not found: ${spec.module} (looked in ${cwd})`);
    if (fs.statSync(asFile).isDirectory()) {
      try {
        return createRequire(path.join(cwd, 'noop.js')).resolve(asFile);
      } catch {
        throw new ConfigError(`app: ${spec.module} is a directory with no index or package main`);
      }
    }
    return asFile;
  }
  try {
    return createRequire(path.join(cwd, 'noop.js')).resolve(spec.module);
  } catch {
    throw new ConfigError(`app: cannot find package ${JSON.stringify(spec.module)} from ${cwd}`);
  }
}

/** Called with the http.Server a node-interface app is served by, before it accepts connections. */
export type OnServer = (server: import('node:http').Server) => unknown;

/**
 * Imports the module and returns the application object the APP argument names; undefined when
 * the APP names no export and the module has no default one (it may start a server itself).
 */
export async function loadApp(appArg: string, cwd: string): Promise<unknown> {
  return (await importApp(appArg, cwd)).app;
}

/**
 * loadApp, and the module's `onServer` export (a named export, or a property of a CommonJS
 * module.exports): how an exported app reaches the server tusk builds for it, to attach WebSockets.
 */
export async function importApp(appArg: string, cwd: string): Promise<{ app: unknown; onServer: OnServer | undefined }> {
  const spec = parseAppSpec(appArg);
  const file = resolveAppModule(spec, cwd);
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  let app: unknown;
  if (spec.name === null) {
    app = 'default' in mod ? mod.default : undefined;
    // CommonJS: module.exports of a file that exports nothing is an empty object.
    if (isEmptyObject(app)) app = undefined;
  } else {
    const fromDefault = mod.default as Record<string, unknown> | undefined;
    app = spec.name in mod ? mod[spec.name] : fromDefault && typeof fromDefault === 'object' || typeof fromDefault === 'function' ? fromDefault?.[spec.name] : undefined;
    if (app === undefined) throw new AppLoadError(`app: ${spec.module} has no export named ${JSON.stringify(spec.name)}`);
  }
  if (spec.args !== null) {
    if (typeof app !== 'function') throw new AppLoadError(`app: ${spec.module}:${spec.name} is not a function, so it cannot be called`);
    app = await (app as (...args: unknown[]) => unknown)(...spec.args);
    if (app === undefined || app === null) throw new AppLoadError(`app: ${spec.module}:${spec.name}(...) returned ${String(app)}`);
  }
  const cjs = mod.default as { onServer?: unknown } | null | undefined;
  const onServer = typeof mod.onServer === 'function' ? mod.onServer : (typeof cjs === 'object' || typeof cjs === 'function') && typeof cjs?.onServer === 'function' ? cjs.onServer : undefined;
  if (onServer !== undefined && onServer.length !== 1) throw new AppLoadError(`app: ${spec.module}: onServer must take one argument, the http.Server`);
  return { app, onServer: onServer as OnServer | undefined };
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype && Object.keys(value).length === 0;
}
