// stack.ts — the worker's end of hung-worker diagnosis: where is a worker whose event loop is
// blocked? Such a worker cannot run a JavaScript signal handler, so it keeps a small thread for the
// question (a worker_threads Worker started at boot, idle on a pipe). The master asks with
// STACK_SIGNAL, which a native handler turns into a byte on that pipe (addon.signalPipe). The
// thread then connects to the main thread's inspector (inspector.Session.connectToMainThread, no
// port is opened) and evaluates `new Error().stack` there: Node delivers inspector messages to a
// busy main thread with V8's Isolate::RequestInterrupt, so the evaluation runs inside the running
// JavaScript, on top of the frames where it is stuck. The thread writes the stack into the
// heartbeat file (the master logs it) and tells the master at once (NOTICE_SIGNAL).
//
// The same thread runs the worker_abort hook (hooks.ts) when it is set: SIGABRT, which the master
// sends once it has the stack, then reaches the thread through a second pipe, and the thread
// evaluates the worker's abort function (ABORT_KEY) in the main thread the same way, so that the
// hook runs even in a worker stuck in `while (true) {}`, as Gunicorn's runs in a stuck Python loop.
//
// Only N-API and public Node modules: the addon uses no V8 API, so one binary still serves every
// Node version. A thread blocked outside JavaScript (a synchronous native call that never returns)
// cannot be interrupted: the master waits a bounded time, then kills it anyway.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { SHARE_ENV, Worker, isMainThread, workerData } from 'node:worker_threads';
import { addon } from './native.js';
import { WorkerHeartbeat } from './heartbeat.js';
import { NOTICE_SIGNAL, STACK_SIGNAL } from './protocol.js';

/** What the thread is given. */
interface StackThreadData {
  tuskStackThread: true;
  pipeFd: number;
  /** SIGABRT's pipe when the worker has an abort function to run; null otherwise. */
  abortPipeFd: number | null;
  heartbeatFd: number;
  masterPid: number;
}

/** Frames kept: enough to reach from the stuck function back to its caller in the app. */
const FRAMES = 64;
const SOURCE = 'tusk:stack';
/** Evaluated in the blocked thread; its own frames carry the SOURCE name and are dropped. */
const EXPRESSION = `(() => {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = ${FRAMES};
  try { return String(new Error().stack); } finally { Error.stackTraceLimit = limit; }
})()
//# sourceURL=${SOURCE}`;

/** Where the worker puts the function the thread runs on SIGABRT (globalThis[ABORT_KEY]). */
export const ABORT_KEY = Symbol.for('tusk.abort');
const ABORT_EXPRESSION = `globalThis[Symbol.for('tusk.abort')]?.()\n//# sourceURL=${SOURCE}`;

/**
 * Starts the stack thread of this worker (from the main thread, at boot, before the app loads so
 * that a load that hangs is covered too). Throws when the signal's handler cannot be installed.
 * With `abort`, SIGABRT no longer ends the worker: the thread runs globalThis[ABORT_KEY] instead.
 */
export function startStackThread(heartbeatFd: number, masterPid: number, abort = false): Worker {
  const data: StackThreadData = {
    tuskStackThread: true,
    pipeFd: addon.signalPipe(os.constants.signals[STACK_SIGNAL]),
    abortPipeFd: abort ? addon.signalPipe(os.constants.signals.SIGABRT) : null,
    heartbeatFd,
    masterPid,
  };
  const thread = new Worker(new URL(import.meta.url), { workerData: data, env: SHARE_ENV, stdout: true, stderr: true, resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8, codeRangeSizeMb: 4 } });
  thread.unref();
  return thread;
}

/** The frames of a stack string, without the message line and the evaluation's own frames. */
export function framesOf(stack: string): string {
  return stack.split('\n').filter((line) => /^\s+at /.test(line) && !line.includes(SOURCE)).join('\n');
}

type Inspector = typeof import('node:inspector');

/**
 * The thread: waits for the master's request and answers each one. The inspector is loaded here
 * only: a Node built without it still runs workers, whose answer then says so.
 */
async function serve(data: StackThreadData): Promise<void> {
  const inspector = await import('node:inspector').catch((err: Error) => err);
  const heartbeat = new WorkerHeartbeat(data.heartbeatFd);
  const pipe = new net.Socket({ fd: data.pipeFd, readable: true, writable: false });
  if (data.abortPipeFd !== null) {
    const abort = new net.Socket({ fd: data.abortPipeFd, readable: true, writable: false });
    abort.once('data', () => evaluate(inspector, ABORT_EXPRESSION, () => {}));
  }
  let busy = false;
  pipe.on('data', () => {
    if (busy) return;
    busy = true;
    capture(inspector, (stack) => {
      busy = false;
      try {
        heartbeat.leaveStack(stack);
        process.kill(data.masterPid, NOTICE_SIGNAL);
      } catch {
        // the master reads the file on its next tick, or it is gone
      }
    });
  });
}

/** Evaluates the stack in the main thread; `done` gets the frames, or why there are none. */
function capture(inspector: Inspector | Error, done: (stack: string) => void): void {
  evaluate(inspector, EXPRESSION, (err, value) => {
    if (err || typeof value !== 'string') return done(`(no stack: ${err?.message ?? 'no answer'})`);
    done(framesOf(value) || '(no JavaScript frames)');
  });
}

/** Evaluates `expression` in the main thread, inside whatever JavaScript it is running. */
function evaluate(inspector: Inspector | Error, expression: string, done: (err: Error | null, value: unknown) => void): void {
  if (inspector instanceof Error) return done(inspector, undefined);
  const session = new inspector.Session();
  try {
    session.connectToMainThread();
  } catch (err) {
    return done(err as Error, undefined);
  }
  session.post('Runtime.evaluate', { expression, returnByValue: true, silent: true }, (err, reply) => {
    session.disconnect();
    const failure = err ?? (reply?.exceptionDetails ? new Error(reply.exceptionDetails.text) : null);
    done(failure, reply?.result?.value);
  });
}

if (!isMainThread && (workerData as Partial<StackThreadData> | null)?.tuskStackThread) {
  serve(workerData as StackThreadData).catch((err: unknown) => {
    fs.writeSync(2, `tusk: the stack thread could not start: ${(err as Error).message}\n`);
  });
}
