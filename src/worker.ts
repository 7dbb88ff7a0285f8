// worker.ts — a worker's whole life. The master exec's a fresh `node` on this file with the
// listeners at fds 3.. and the heartbeat file after them. It loads the app, serves it (node apps
// through Node's http on natively accepted sockets, fetch and native apps on the native engine),
// beats the heartbeat from its event loop, and leaves gracefully on TERM, quickly on INT/QUIT, and
// at once when its master is gone. A spare worker loads the app and serves nothing until the
// master promotes it (SIGUSR2). It runs the worker-side server hooks (hooks.ts), which it imports
// from the master's config file.
import { addon } from './native.js';
import { log, openErrorLog, reopenLogs, setLogLevel } from './log.js';
import { AccessLog } from './access-log.js';
import { loadServedApp, startServing, type Serving } from './interfaces/index.js';
import { captureListen, type ListenCapture } from './interfaces/listen.js';
import { BootError, EXIT, TuskError } from './errors.js';
import { WorkerHeartbeat, beatInterval } from './heartbeat.js';
import { ABORT_KEY, startStackThread } from './stack.js';
import { LoopLag, adoptStatsFile } from './stats.js';
import { FIRST_LISTENER_FD, NOTICE_SIGNAL, PROMOTE_SIGNAL, WORKER_ENV, type WorkerBoot } from './protocol.js';
import { awaitHook, callHook, withHooks } from './hooks.js';
import { requestHooks } from './interfaces/hooks.js';
import type { Hooks, ServerInfo, Worker as HookWorker } from './config/hooks.js';

/** A worker's exit code after worker_abort, as Gunicorn's; the master expects the exit, having aborted it. */
const ABORTED = 1;

class Worker {
  private serving: Serving | null = null;
  private ready = false;
  private stopping = false;
  private readonly heartbeatFile: WorkerHeartbeat;
  private heartbeat: NodeJS.Timeout | null = null;
  private capture: ListenCapture | null = null;
  /** The app's shutdown listeners have been given the signal. */
  private handedOver = false;
  /** process.emit as Node made it: reaches the app's own signal listeners. */
  private emitToApp: (event: string, ...args: unknown[]) => boolean = () => false;
  /** A spare that the master has told to start accepting (perhaps before the app finished loading). */
  private promoted = false;
  private requests = 0;
  private readonly maxRequests: number;
  /** What hooks see of the master and of this worker. */
  private readonly server: ServerInfo;
  private readonly view: HookWorker;
  /** worker_exit has been called (or there is none to call): the next exit is immediate. */
  private exiting = false;
  private readonly loopLag: LoopLag;

  constructor(private readonly boot: WorkerBoot) {
    const { max_requests, max_requests_jitter } = boot.settings;
    this.maxRequests = max_requests > 0 ? max_requests + Math.floor(Math.random() * (max_requests_jitter + 1)) : 0;
    this.heartbeatFile = new WorkerHeartbeat(boot.heartbeatFd);
    const worker = this;
    this.server = {
      pid: boot.masterPid, app: boot.app, log,
      get settings() {
        return worker.boot.settings;
      },
    };
    this.view = {
      pid: process.pid, ppid: boot.masterPid, app: boot.app, age: boot.age, generation: boot.generation, log,
      get slot() {
        return worker.slot();
      },
      get spare() {
        return !worker.accepting();
      },
      get ready() {
        return worker.ready;
      },
      get requests() {
        return worker.requests;
      },
      get settings() {
        return worker.boot.settings;
      },
    };
    this.loopLag = new LoopLag(adoptStatsFile(boot.statsFd));
  }

  async run(): Promise<void> {
    setLogLevel(this.boot.settings.loglevel);
    this.enterDirectory();
    const accessLog = this.openLogs();
    process.title = this.title();
    this.installSignals();
    this.startHeartbeat();
    await this.loadHooks();
    this.startStackThread();
    const { settings } = this.boot;
    await this.bootHook('post_fork', [this.server, this.view]);

    const fds = Array.from({ length: this.boot.listeners }, (_, i) => FIRST_LISTENER_FD + i);
    // Before the app loads: a server it starts with listen() is served on tusk's listeners.
    this.capture = captureListen(this.boot.addresses, () => this.slot(), () => this.appClosedServer());
    let serving: Serving;
    try {
      const { app, kind, onServer } = await loadServedApp(this.boot.app, this.boot.cwd, settings, this.capture);
      serving = await startServing(app, kind, fds, settings, {
        request: () => this.onRequest(),
        idle: (upgraded) => this.drained(upgraded),
        accessLog,
      }, onServer, requestHooks(settings, this.view));
      log.debug(`Serving ${this.boot.app} with the ${kind} interface`);
    } catch (err) {
      process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
      log.error(`Worker failed to load the application ${this.boot.app}`);
      this.leaveReason(err);
      return this.exit(EXIT.APP_LOAD_ERROR);
    }
    await this.bootHook('post_worker_init', [this.view]);
    if (this.stopping) return; // told to stop while it booted: it is leaving already
    this.serving = serving;
    if (this.accepting()) serving.start();
    this.ready = true;
    this.beat();
    this.notice();
    log.debug(`Worker booted ${performance.now().toFixed(0)} ms after its process started${this.boot.spare ? ' (spare)' : ''}`);
  }

  /**
   * The worker's own descriptors for the error log and the access log (USR1 reopens both). With
   * capture_output the master started it with stdout and stderr on the error log; after a reopen
   * they are moved onto the new file.
   */
  private openLogs(): AccessLog | null {
    const { settings, cwd } = this.boot;
    const capture = settings.capture_output
      ? (fd: number) => {
          addon.redirectFd(fd, 1);
          addon.redirectFd(fd, 2);
        }
      : undefined;
    openErrorLog(settings.errorlog, cwd, capture);
    return settings.accesslog === null ? null : new AccessLog({ ...settings, accesslog: settings.accesslog }, cwd);
  }

  /** This worker's slot (TUSK_WORKER_ID), or null for a spare not yet promoted. */
  private slot(): number | null {
    const id = process.env.TUSK_WORKER_ID;
    return id === undefined || process.env.TUSK_SPARE ? null : Number(id);
  }

  /** The app closed the server it started: the worker drains and leaves when the app is done. */
  private appClosedServer(): void {
    if (this.stopping) return;
    log.info('The app closed its server; the worker drains and exits');
    this.handedOver = true; // the app is shutting down of its own accord: no signal to hand over
    this.stop(true);
  }

  /** Whether this worker accepts connections: any worker but a spare not yet promoted. */
  private accepting(): boolean {
    return !this.boot.spare || this.promoted;
  }

  private title(): string {
    return `tusk: ${this.accepting() ? 'worker' : 'spare'} [${this.boot.settings.name ?? this.boot.app}]`;
  }

  /** The master's promotion of a spare: start accepting now, or as soon as the app is loaded. */
  private promote(): void {
    if (this.accepting() || this.stopping) return;
    this.promoted = true;
    this.takeSlot();
    process.title = this.title();
    this.serving?.start();
  }

  /** A promoted spare's identity: the slot the master wrote into the heartbeat file before the signal. */
  private takeSlot(): void {
    const slot = this.heartbeatFile.slot();
    if (slot === null) return; // unreadable: the worker serves without an identity
    delete process.env.TUSK_SPARE;
    process.env.TUSK_WORKER_ID = String(slot);
    if (this.boot.setAppInstance) process.env.NODE_APP_INSTANCE = String(slot);
  }

  /** Asks the master to read the heartbeat now (see NOTICE_SIGNAL). */
  private notice(): void {
    try {
      process.kill(this.boot.masterPid, NOTICE_SIGNAL);
    } catch {
      // the master is gone; the next beat notices
    }
  }

  private onRequest(): void {
    if (++this.requests === this.maxRequests) {
      log.info(`Autorestarting worker after current request (${this.requests} requests served).`);
      this.stop(true);
    }
  }

  /**
   * Graceful: stop accepting, let in-flight requests finish, then hand over to the app's own
   * shutdown (see `drained`); all of it within graceful_timeout. Quick: exit now.
   */
  private stop(graceful: boolean): void {
    if (!graceful) return void this.quit();
    if (this.stopping) return;
    this.stopping = true;
    setTimeout(() => {
      log.warning(`Worker still busy after graceful_timeout (${this.boot.settings.graceful_timeout} s); exiting`);
      void this.exit(EXIT.OK);
    }, this.boot.settings.graceful_timeout * 1000).unref();
    if (!this.serving) return this.drained();
    this.capture?.closeExtras();
    this.serving.drain();
    // Tell the master at once, so that a spare (or a new worker) takes this one's place now.
    this.beat();
    this.notice();
    // This worker's copies of the listeners; once every process has closed its own, the kernel
    // refuses new connections instead of queueing them for nobody.
    for (let i = 0; i < this.boot.listeners; i++) addon.closeFd(FIRST_LISTENER_FD + i);
  }

  /**
   * Every HTTP connection is closed; `upgraded` WebSocket connections may remain. An app with its
   * own shutdown code (SIGTERM listeners, or SIGINT ones when it has no SIGTERM listener) now gets
   * the signal (its code is what closes its WebSockets with a proper close frame), and the worker
   * exits when the app calls process.exit or its event loop runs empty (tusk's own timers are
   * unref'd), or at graceful_timeout. An app without any exits once its upgraded connections have
   * closed too, or at graceful_timeout, which closes them.
   */
  private drained(upgraded = 0): void {
    if (this.handedOver) return void this.heartbeat?.unref();
    const signal = (['SIGTERM', 'SIGINT'] as const).find((sig) => process.listenerCount(sig) > 1);
    if (!signal) {
      if (upgraded === 0) void this.exit(EXIT.OK);
      return;
    }
    this.handedOver = true;
    this.heartbeat?.unref(); // beats on while the app cleans up, but does not keep it alive
    log.debug(`Running the app's ${signal} handlers`);
    this.emitToApp(signal, signal);
  }

  // ---- hooks ----

  /**
   * The hooks, from the config file the master names (only when a worker-side hook is set there):
   * a file that cannot be imported here is a boot failure. The fallbacks for worker_exit are
   * installed when it is set (worker_abort is the stack thread's: startStackThread).
   */
  private async loadHooks(): Promise<void> {
    try {
      this.boot.settings = await withHooks(this.boot.settings, this.boot.configFile);
    } catch (err) {
      log.error(`Worker cannot load the hooks: ${(err as Error).message}`);
      this.leaveReason(err);
      await this.exit(EXIT.BOOT_ERROR);
    }
    const { settings } = this.boot;
    if (settings.worker_exit) {
      // The app's own way out: an event loop run empty gets the hook awaited, process.exit()
      // or an uncaught exception gets it called.
      process.on('beforeExit', (code) => void this.exit(code));
      process.on('exit', () => {
        if (this.exiting) return;
        this.exiting = true;
        callHook(this.boot.settings, 'worker_exit', this.server, this.view);
      });
    }
  }

  /** post_fork and post_worker_init: awaited, and a failure is a boot failure (the master stops, or rolls a reload back). */
  private async bootHook<K extends 'post_fork' | 'post_worker_init'>(name: K, args: Parameters<Hooks[K]>): Promise<void> {
    const failure = await awaitHook(this.boot.settings, name, args);
    if (!failure) return;
    this.heartbeatFile.leaveReason(failure.message);
    await this.exit(EXIT.BOOT_ERROR);
  }

  /** INT or QUIT: worker_int, then out. */
  private async quit(): Promise<void> {
    await awaitHook(this.boot.settings, 'worker_int', [this.view]);
    await this.exit(EXIT.OK);
  }

  /**
   * SIGABRT (the master timed this worker out), run by the stack thread inside whatever JavaScript
   * the main thread is running, stuck or not: worker_abort now. A worker whose event loop is free
   * then runs worker_exit and exits; a stuck one is SIGKILLed, and its master runs worker_exit.
   */
  private abort(): void {
    callHook(this.boot.settings, 'worker_abort', this.view);
    setImmediate(() => void this.exit(ABORTED));
  }

  /**
   * Every way out of tusk's own: worker_exit is awaited first (bounded by whoever waits for this
   * worker: its graceful_timeout, the master's SIGKILL). A second call exits at once.
   */
  private async exit(code: number): Promise<never> {
    if (!this.exiting) {
      this.exiting = true;
      await awaitHook(this.boot.settings, 'worker_exit', [this.server, this.view]);
    }
    process.exit(code);
  }

  /** Writes why the worker could not start into its heartbeat file, for the master's message. */
  private leaveReason(err: unknown): void {
    // tusk's own one-line errors say what is wrong already; an app's error keeps its name.
    this.heartbeatFile.leaveReason(err instanceof TuskError ? err.message : err instanceof Error ? `${err.name}: ${err.message}` : String(err));
  }

  /** chdir, as the master read it when it started this worker; a user without access cannot boot. */
  private enterDirectory(): void {
    try {
      process.chdir(this.boot.cwd);
    } catch (err) {
      const uid = process.getuid?.();
      this.leaveReason(new BootError(`chdir: uid ${uid} cannot enter ${this.boot.cwd} (${(err as NodeJS.ErrnoException).code})`));
      process.exit(EXIT.BOOT_ERROR);
    }
  }

  /**
   * TERM, INT and QUIT are tusk's first: process.emit is wrapped before any signal listener exists
   * (Node binds each signal's watcher to process.emit when its first listener is added), so the
   * app's own listeners for them run only when `drained` hands the signal over.
   */
  private installSignals(): void {
    const emit = process.emit;
    const call = emit as (this: NodeJS.Process, event: string | symbol, ...args: unknown[]) => boolean;
    this.emitToApp = (event, ...args) => call.call(process, event, ...args);
    const stops: Record<string, boolean> = { SIGTERM: true, SIGINT: false, SIGQUIT: false };
    const worker = this;
    process.emit = function (this: NodeJS.Process, event: string | symbol, ...args: unknown[]): boolean {
      if (typeof event === 'string' && event in stops) {
        worker.stop(stops[event]!);
        return true;
      }
      return call.call(this, event, ...args);
    } as typeof process.emit;
    for (const sig of Object.keys(stops)) process.on(sig, () => {}); // starts Node's watcher for it
    // The master's signals, when a terminal or `kill -- -PGID` sends them to the whole group: HUP
    // (the master reloads), TTIN/TTOU (it scales), TSTP (a worker is not stopped from outside: it
    // would hold its connections, then be killed by the heartbeat). WINCH and PIPE Node ignores.
    for (const sig of ['SIGHUP', 'SIGTTIN', 'SIGTTOU', 'SIGTSTP'] as const) process.on(sig, () => {});
    process.on(PROMOTE_SIGNAL, () => this.promote());
    // Reopen the logs, as the master does. Listening for it also keeps Node's default action for
    // SIGUSR1, starting the inspector, from opening a debugger port on a production server.
    process.on('SIGUSR1', () => reopenLogs());
  }

  /** fchmod the heartbeat file; also the moment to notice that the master is gone. */
  private beat(): void {
    if (addon.parentPid() !== this.boot.masterPid) {
      log.info(`Parent changed, shutting down: ${this.boot.masterPid}`);
      void this.exit(EXIT.OK);
      return;
    }
    this.heartbeatFile.notify({ ready: this.ready, draining: this.stopping });
  }

  /** The thread that answers the master's request for the stack of a blocked event loop (stack.ts). */
  private startStackThread(): void {
    if (this.boot.settings.timeout <= 0) return; // no heartbeat timeout, no question
    try {
      const abort = this.boot.settings.worker_abort !== null;
      if (abort) (globalThis as Record<symbol, unknown>)[ABORT_KEY] = () => this.abort();
      startStackThread(this.boot.heartbeatFd, this.boot.masterPid, abort).on('error', (err) => log.warning(`The stack thread failed: ${err.message}`));
    } catch (err) {
      log.warning(`No stack on a heartbeat timeout: ${(err as Error).message}`);
    }
  }

  private startHeartbeat(): void {
    this.heartbeat = setInterval(() => {
      this.beat();
      this.loopLag.sample();
    }, beatInterval(this.boot.settings.timeout));
    this.beat();
  }
}

function readBoot(): WorkerBoot {
  const text = process.env[WORKER_ENV];
  delete process.env[WORKER_ENV];
  if (!text) {
    process.stderr.write('tusk: error: the worker is started by the tusk master, not by hand\n');
    process.exit(EXIT.BOOT_ERROR);
  }
  return JSON.parse(text) as WorkerBoot;
}

new Worker(readBoot()).run().catch((err: unknown) => {
  process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(EXIT.BOOT_ERROR);
});
