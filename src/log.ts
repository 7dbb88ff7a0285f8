// log.ts — the error log, Gunicorn's format: "[2026-11-21 13:39:26 +0000] [pid] [INFO] message".
// One process-wide logger; the level comes from the `loglevel` setting.

export const LEVELS = ['debug', 'info', 'warning', 'error', 'critical'] as const;
export type LogLevel = (typeof LEVELS)[number];

let threshold = LEVELS.indexOf('info');

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
  process.stderr.write(`[${stamp(new Date())}] [${process.pid}] [${level.toUpperCase()}] ${message}\n`);
}

export const log = {
  debug: (message: string): void => write('debug', message),
  info: (message: string): void => write('info', message),
  warning: (message: string): void => write('warning', message),
  error: (message: string): void => write('error', message),
  critical: (message: string): void => write('critical', message),
};
