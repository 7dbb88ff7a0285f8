// log.ts — the error log, Gunicorn's format: "[2026-11-21 13:39:26 +0000] [pid] [INFO] message".
// One process-wide logger: the level comes from the `loglevel` setting, the target from `errorlog`
// (stderr until it is opened, and for `-`). Each line is written at once: the error log tells what
// happened before a process died. Every process (master, worker) opens the file itself.
import { LogFile, reopenAll } from './logfile.js';
import { ConfigError } from './errors.js';

export const LEVELS = ['debug', 'info', 'warning', 'error', 'critical'] as const;
export type LogLevel = (typeof LEVELS)[number];

let threshold = LEVELS.indexOf('info');
let target: LogFile | null = null;

export function setLogLevel(level: LogLevel): void {
  threshold = LEVELS.indexOf(level);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function stamp(now: Date): string {
  const offset = -now.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return (
    `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ` +
    `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())} ` +
    `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}

/** Lines logged by this process at each level, shown or not (statsd's log.* counters). */
export const logCounts: Record<LogLevel, number> = { debug: 0, info: 0, warning: 0, error: 0, critical: 0 };

function write(level: LogLevel, message: string): void {
  logCounts[level]++;
  if (LEVELS.indexOf(level) < threshold) return;
  const line = `[${stamp(new Date())}] [${process.pid}] [${level.toUpperCase()}] ${message}\n`;
  if (target) target.write(line);
  else process.stderr.write(line);
}

/**
 * Sends the error log to `errorlog` (`-` is stderr; a path is resolved against `cwd`). Throws the
 * open error for a path that cannot be written. `reopened` runs with the new descriptor after each
 * reopen (a worker that captures its output moves its stdout and stderr onto it).
 */
export function openErrorLog(errorlog: string, cwd: string, reopened?: (fd: number) => void): void {
  const next = new LogFile(errorlog, cwd, 2, 'utf8', reopened);
  target?.close();
  target = next;
}

/** Where the error log goes: its file's descriptor, or 2. */
export function errorLogFd(): number {
  return target?.descriptor ?? 2;
}

export const log = {
  debug: (message: string): void => write('debug', message),
  info: (message: string): void => write('info', message),
  warning: (message: string): void => write('warning', message),
  error: (message: string): void => write('error', message),
  critical: (message: string): void => write('critical', message),
};

/**
 * The master's logs: the error log is opened (and used from now on), and the access log, which
 * each worker opens for itself, is checked to be writable (and created). A path that cannot be
 * opened is a ConfigError naming the setting.
 */
export function openMasterLogs(settings: { errorlog: string; accesslog: string | null }, cwd: string): void {
  try {
    openErrorLog(settings.errorlog, cwd);
  } catch (err) {
    throw new ConfigError(`errorlog: cannot open ${settings.errorlog} for appending (${(err as Error).message})`);
  }
  if (settings.accesslog === null) return;
  try {
    new LogFile(settings.accesslog, cwd, 1).close();
  } catch (err) {
    throw new ConfigError(`accesslog: cannot open ${settings.accesslog} for appending (${(err as Error).message})`);
  }
}

/** USR1: every log file of this process is opened afresh at its path (after logrotate moved it). */
export function reopenLogs(): void {
  const errors = reopenAll();
  for (const err of errors) log.error(`Cannot reopen a log file, still writing to the old one: ${err.message}`);
  if (errors.length === 0) log.info('Log files reopened');
}
