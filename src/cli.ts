#!/usr/bin/env node
// cli.ts — `tusk [options] APP`: argv → settings → arbiter (`tusk ctl ...` is control/ctl.ts). Exit
// codes: 0 clean stop, 1 runtime failure (cannot bind), 2 bad configuration, 3 a worker failed to
// boot, 4 the app failed to load.
import { TuskError } from './errors.js';
import type { Settings } from './config/settings.js';
import { requireAddon } from './native.js';

function die(message: string, code: number): never {
  process.stderr.write(`tusk: error: ${message}\n`);
  process.exit(code);
}

// The addon opens before the modules that use it as they load (stats.ts does): one that is missing
// or cannot be opened is then one line and exit 3, not an import's stack trace.
try {
  requireAddon();
} catch (err) {
  if (err instanceof TuskError) die(err.message, err.exitCode);
  throw err;
}
const [{ Arbiter, VERSION }, { ConfigError }, { formatHelp, formatSettings, resolveConfig }, { resolveAppModule }, { parseAppSpec }, { loadServedApp }, { captureListen }] =
  await Promise.all([
    import('./arbiter.js'), import('./errors.js'), import('./config/load.js'), import('./app/load.js'), import('./app/spec.js'),
    import('./interfaces/index.js'), import('./interfaces/listen.js'),
  ]);
const { ctl } = await import('./control/ctl.js');

async function checkConfig(app: string, cwd: string, settings: Settings): Promise<never> {
  try {
    // An app that starts its own server is told it listens, and nothing is bound.
    await loadServedApp(app, cwd, settings, captureListen([], () => null, () => {}));
  } catch (err) {
    process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    die(`--check-config: cannot load ${app}`, 1);
  }
  process.stdout.write(`${app}: OK\n`);
  process.exit(0);
}

async function main(): Promise<void> {
  if (process.argv[2] === 'ctl') return process.exit(await ctl(process.argv.slice(3))); // a file named ctl is ./ctl
  const sources = { argv: process.argv.slice(2), env: process.env, cwd: process.cwd() };
  let resolved;
  try {
    resolved = await resolveConfig(sources);
    if (resolved.actions.help) {
      process.stdout.write(`${formatHelp(VERSION)}\n`);
      return;
    }
    if (resolved.actions.version) {
      process.stdout.write(`tusk ${VERSION}\n`);
      return;
    }
    if (resolved.actions.printConfig) {
      process.stdout.write(`${formatSettings(resolved.settings)}\n`);
      return;
    }
    if (!resolved.app) throw new ConfigError('app: missing the APP argument (usage: tusk [options] APP; see tusk --help)');
    if (resolved.settings.chdir) process.chdir(resolved.settings.chdir);
    resolveAppModule(parseAppSpec(resolved.app), process.cwd());
  } catch (err) {
    if (err instanceof TuskError) die(err.message, err.exitCode);
    throw err;
  }
  if (resolved.actions.checkConfig) return checkConfig(resolved.app, process.cwd(), resolved.settings);

  const arbiter = new Arbiter({ sources, settings: resolved.settings, app: resolved.app, configFile: resolved.configFile });
  try {
    await arbiter.start();
  } catch (err) {
    if (err instanceof TuskError) die(err.message, err.exitCode);
    throw err;
  }
}

main().catch((err: unknown) => die((err as Error)?.message ?? String(err), 1));
