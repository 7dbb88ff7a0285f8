// config/load.ts — resolves the settings from their four sources, lowest first:
// defaults (and PORT / WEB_CONCURRENCY) < config file < TUSK_CMD_ARGS < command line.
// Also splits TUSK_CMD_ARGS like a shell and parses argv against the registry.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { ConfigError, describe } from '../errors.js';
import { SETTINGS, defaultSettings, finishSettings, settingSections, settingSpec, type SettingSpec, type Settings } from './settings.js';

/** Looked for in this order; the TypeScript ones load where the running Node strips types. */
export const CONFIG_FILES = ['tusk.config.js', 'tusk.config.mjs', 'tusk.config.cjs', 'tusk.config.ts', 'tusk.config.mts', 'tusk.config.cts'];

const TYPESCRIPT = /\.[cm]?ts$/;

/** What the command line asks for besides settings. */
export interface Actions {
  help: boolean;
  version: boolean;
  printConfig: boolean;
  checkConfig: boolean;
}

interface ParsedArgs {
  values: Partial<Record<keyof Settings, unknown>>;
  config: string | null;
  app: string | null;
  actions: Actions;
}

export interface ResolvedConfig {
  settings: Settings;
  /** The APP argument. */
  app: string | null;
  /** The config file that was read, if any. */
  configFile: string | null;
  actions: Actions;
}

export interface ConfigSources {
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Splits a string into words like a POSIX shell: quotes and backslashes, no expansion. */
export function splitArgs(input: string): string[] {
  const out: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < input.length && '"\\$`'.includes(input[i + 1]!)) word += input[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < input.length) {
      word += input[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new ConfigError(`TUSK_CMD_ARGS: unterminated ${quote} quote`);
  if (inWord) out.push(word);
  return out;
}

const META_FLAGS: Record<string, keyof Actions | 'config'> = {
  '-c': 'config', '--config': 'config',
  '-h': 'help', '--help': 'help',
  '-v': 'version', '--version': 'version',
  '--print-config': 'printConfig',
  '--check-config': 'checkConfig',
};

const FLAG_INDEX = new Map<string, SettingSpec>();
for (const spec of SETTINGS) for (const f of spec.flags) FLAG_INDEX.set(f, spec);

/** Parses command-line words against the registry; values stay raw until resolve. */
export function parseArgs(argv: string[], source: string): ParsedArgs {
  const parsed: ParsedArgs = {
    values: {}, config: null, app: null,
    actions: { help: false, version: false, printConfig: false, checkConfig: false },
  };
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!word.startsWith('-') || word === '-') {
      positionals.push(word);
      continue;
    }
    let flag = word;
    let inline: string | undefined;
    const eq = word.indexOf('=');
    if (word.startsWith('--') && eq > 0) {
      flag = word.slice(0, eq);
      inline = word.slice(eq + 1);
    } else if (!word.startsWith('--') && word.length > 2) {
      flag = word.slice(0, 2);
      inline = word.slice(2);
    }
    const meta = META_FLAGS[flag];
    const spec = FLAG_INDEX.get(flag);
    if (!meta && !spec) throw new ConfigError(`unknown option ${flag} in ${source} (see tusk --help)`);
    const takesValue = meta === 'config' || (spec !== undefined && spec.metavar !== undefined);
    if (!takesValue) {
      if (inline !== undefined) throw new ConfigError(`${spec?.name ?? flag}: ${flag} takes no value`);
      if (meta) parsed.actions[meta as keyof Actions] = true;
      else parsed.values[spec!.name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new ConfigError(`${spec?.name ?? 'config'}: ${flag} needs a value`);
      value = argv[++i]!;
    }
    if (meta === 'config') parsed.config = value;
    else if (spec!.multiple) ((parsed.values[spec!.name] ??= []) as unknown[]).push(value);
    else parsed.values[spec!.name] = value;
  }
  if (positionals.length > 1) throw new ConfigError(`expected one APP argument, got ${positionals.length}: ${positionals.join(' ')}`);
  parsed.app = positionals[0] ?? null;
  return parsed;
}

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

let reloadCounter = 0;

/**
 * Imports a config file afresh (a reload must see its new contents), ESM or CommonJS; TypeScript
 * through Node's own type stripping (import(), which knows .ts, .mts and .cts where Node strips types).
 */
async function importFresh(file: string): Promise<unknown> {
  const require = createRequire(file);
  if (!file.endsWith('.mjs') && !TYPESCRIPT.test(file)) {
    try {
      delete require.cache[file];
      return require(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ERR_REQUIRE_ESM') throw err;
    }
  }
  const mod = (await import(`${pathToFileURL(file).href}?reload=${++reloadCounter}`)) as { default?: unknown };
  return mod.default ?? mod;
}

/** Reads a config file into raw setting values, checking every key against the registry. */
export async function readConfigFile(file: string): Promise<Partial<Record<keyof Settings, unknown>>> {
  let exported: unknown;
  try {
    exported = await importFresh(file);
  } catch (err) {
    if (TYPESCRIPT.test(file) && (err as NodeJS.ErrnoException).code === 'ERR_UNKNOWN_FILE_EXTENSION')
      throw new ConfigError(`config: ${file} is TypeScript, and Node ${process.versions.node} does not strip types: use Node 22.18+ or 23.6+ (or 22.6+ with NODE_OPTIONS=--experimental-strip-types), or write it as a .mjs file (defineConfig types it there too)`);
    throw new ConfigError(`config: cannot load ${file}: ${(err as Error).message}`);
  }
  if (exported === null || typeof exported !== 'object')
    throw new ConfigError(`config: ${file} must export an object of settings, got ${describe(exported)}`);
  const values: Partial<Record<keyof Settings, unknown>> = {};
  for (const [key, value] of Object.entries(exported)) {
    const spec = settingSpec(snakeCase(key));
    if (!spec) throw new ConfigError(`config: unknown setting ${JSON.stringify(key)} in ${file}`);
    values[spec.name] = value;
  }
  return values;
}

function findConfigFile(explicit: string | null, cwd: string): string | null {
  if (explicit) {
    const file = path.resolve(cwd, explicit);
    if (!fs.existsSync(file)) throw new ConfigError(`config: file not found: ${explicit}`);
    return file;
  }
  for (const name of CONFIG_FILES) {
    const file = path.join(cwd, name);
    if (fs.existsSync(file)) return file;
  }
  return null;
}

/** Resolves settings from every source; throws ConfigError for a bad value. */
export async function resolveConfig(sources: ConfigSources): Promise<ResolvedConfig> {
  const cli = parseArgs(sources.argv, 'the command line');
  const fromEnv = parseArgs(splitArgs(sources.env.TUSK_CMD_ARGS ?? ''), 'TUSK_CMD_ARGS');
  if (fromEnv.app) throw new ConfigError(`TUSK_CMD_ARGS: holds options only, got ${JSON.stringify(fromEnv.app)}`);
  const configFile = findConfigFile(cli.config ?? fromEnv.config, sources.cwd);
  const fromFile = configFile ? await readConfigFile(configFile) : {};

  const settings = defaultSettings(sources.env) as unknown as Record<string, unknown>;
  for (const layer of [fromFile, fromEnv.values, cli.values]) {
    for (const [name, raw] of Object.entries(layer)) settings[name] = settingSpec(name)!.parse(raw);
  }
  return { settings: finishSettings(settings as unknown as Settings, sources.cwd), app: cli.app, configFile, actions: cli.actions };
}

/** `--print-config`: one line per setting, `name = <JSON>`; a hook that is set shows as "[function]". */
export function formatSettings(settings: Settings): string {
  return formatSettingLines(shownSettings(settings));
}

/** The settings as plain data, in the registry's order; a function (a hook) is "[function]". */
export function shownSettings(settings: Settings): Record<string, unknown> {
  const shown = (value: unknown): unknown => (typeof value === 'function' ? '[function]' : value);
  return Object.fromEntries(SETTINGS.map((spec) => [spec.name, shown(settings[spec.name])]));
}

/** `name = <JSON>` lines of shownSettings (also how `tusk ctl config` prints a master's). */
export function formatSettingLines(shown: Record<string, unknown>): string {
  return Object.entries(shown).map(([name, value]) => `${name} = ${JSON.stringify(value)}`).join('\n');
}

/** `--help`, generated from the registry. */
export function formatHelp(version: string): string {
  const lines = [
    `tusk ${version} — a pre-fork HTTP server for Node.js`,
    '',
    'usage: tusk [options] APP',
    '',
    'APP is path/to/app.js, path/to/app.js:name, package:name, or a factory call app.js:create(...).',
    '',
    'Actions:',
    `  -c, --config FILE      Config file (default: the first of ${CONFIG_FILES.join(', ')} in the working directory).`,
    '  --print-config         Print the resolved settings and exit.',
    '  --check-config         Load the configuration and the app, then exit 0 (or 1 on error).',
    '  -h, --help             Show this help and exit.',
    '  -v, --version          Show the version and exit.',
  ];
  for (const [section, specs] of settingSections()) {
    if (section === 'Server hooks') {
      // Functions in the config file only (no flags): their names, seven to a line.
      const hooks = specs.map((spec) => spec.name);
      lines.push('', `${section} (functions in the config file; see docs/hooks.md):`);
      for (let i = 0; i < hooks.length; i += 7) lines.push(`  ${hooks.slice(i, i + 7).join(', ')}${i + 7 < hooks.length ? ',' : ''}`);
      continue;
    }
    lines.push('', `${section}:`);
    for (const spec of specs) {
      const flags = spec.flags.join(', ') + (spec.metavar ? ` ${spec.metavar}` : '');
      lines.push(`  ${flags.padEnd(22)} ${spec.help}`);
    }
  }
  lines.push('', 'Environment: TUSK_CMD_ARGS (extra options), PORT, WEB_CONCURRENCY.');
  return lines.join('\n');
}
