// errors.ts — tusk's exit codes and the one error type for each. The CLI turns a TuskError into one
// line on stderr and its exit code; a worker exits with the code to tell its master why it stopped.

/** Exit codes of the master (the CLI) and of a worker. */
export const EXIT = {
  OK: 0,
  /** A listener could not be made or adopted (address in use, bad LISTEN_FDS). */
  BIND_ERROR: 1,
  /** A bad setting, config file, option or APP argument. */
  CONFIG_ERROR: 2,
  /** tusk could not start a worker (bad descriptors, broken install, fork/exec failed). */
  BOOT_ERROR: 3,
  /** The application could not be loaded (missing file/export, threw on import). */
  APP_LOAD_ERROR: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error that stops tusk with a one-line message and its own exit code. */
export abstract class TuskError extends Error {
  abstract readonly exitCode: ExitCode;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A bad setting: the message names the setting and what it accepts. Exit 2. */
export class ConfigError extends TuskError {
  readonly exitCode = EXIT.CONFIG_ERROR;
}

/** A listener that cannot be made or adopted. Exit 1. */
export class BindError extends TuskError {
  readonly exitCode = EXIT.BIND_ERROR;
}

/** A worker that tusk itself cannot start. Exit 3. */
export class BootError extends TuskError {
  readonly exitCode = EXIT.BOOT_ERROR;
}

/** An application that cannot be loaded or has nothing to serve. Exit 4. */
export class AppLoadError extends TuskError {
  readonly exitCode = EXIT.APP_LOAD_ERROR;
}

/** A value as it appears in an error message: strings quoted, objects as JSON. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
