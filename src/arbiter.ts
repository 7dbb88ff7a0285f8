// arbiter.ts — the master. It binds the listeners, spawns and watches the workers, and turns
// signals into actions: TERM graceful stop, INT/QUIT quick stop, HUP reload, TTIN/TTOU scale,
// USR2 binary upgrade (a new master on the same sockets), WINCH stop the workers but keep the
// master, CHLD reap (and a worker's notice that its heartbeat changed). Signal handlers only queue
// the signal; `tick` (the main loop) drains the queue, then murders silent workers, reaps dead ones
// and promotes spares, spawns or retires workers to match the target. The service manager hears of
// readiness, reloads and stops (systemd.ts); as PID 1 the loop also reaps orphans (orphans.ts).
// USR1 reopens the log files, here and in every worker (log.ts).
// The control socket (control/server.ts) reads the status and queues its commands on the same
// queue as the signals, so that `tusk ctl reload` is a HUP.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { addon, packageRoot, type ExitStatus } from './native.js';
import { errorLogFd, log, openErrorLog, openMasterLogs, reopenLogs, setLogLevel } from './log.js';
import { bindListeners, closeListeners, formatListener, type Listener } from './listeners.js';
import type { Settings } from './config/settings.js';
import { resolveConfig, type ConfigSources } from './config/load.js';
import { BootError, EXIT } from './errors.js';
import { awaitHook, callHook, hasWorkerHooks, workerInfo } from './hooks.js';
import type { Server } from './config/hooks.js';
import { HeartbeatWatch, heartbeatDir } from './heartbeat.js';
import { StatsBook, createStatsFile } from './stats.js';
import { Monitor, type MasterView } from './monitor.js';
import { Pidfile } from './pidfile.js';
import { MemoryWatch, SAMPLES_IN_A_ROW } from './memory.js';
import { userEnv, workerEnv, workerIdentity } from './identity.js';
import { inherit, spawnMaster } from './upgrade.js';
import { ServiceNotifier, newMasterEnv, withoutServiceEnv } from './systemd.js';
import { OrphanReaper } from './orphans.js';
import { ControlServer, type ControlTarget } from './control/server.js';
import type { Action, ActionResult } from './control/protocol.js';
import { Restarts } from './restarts.js';
import { workerState, workerStatus, type ServerStatus, type WorkerSummary } from './status.js';
import { shownSettings } from './config/load.js';
import { PROMOTE_SIGNAL, STACK_SIGNAL, WORKER_ENV, type WorkerBoot } from './protocol.js';

export const VERSION = (JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** Signals the master acts on; each has a handle method below. */
const SIGNALS = ['SIGHUP', 'SIGQUIT', 'SIGINT', 'SIGTERM', 'SIGTTIN', 'SIGTTOU', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCHLD'] as const;
type MasterSignal = (typeof SIGNALS)[number];

/** What the loop acts on: a signal, or a control-socket command that no single signal is. */
type Queued = MasterSignal | { scale: number } | { kill: number };
/** How many signals (and commands) wait at most; more are dropped, as Gunicorn does. */
const QUEUE_MAX = 5;

/**
 * After a heartbeat timeout: how long the worker has to leave its JavaScript stack, and then how
 * long it gets between SIGABRT and SIGKILL.
 */
const ABORT_GRACE_MS = 1000;
/** How long a quick stop (INT/QUIT) waits before SIGKILL. */
const QUICK_STOP_MS = 1000;
/** Pause before replacing a worker that died before it was ready with no boot-failure code. */
const RESPAWN_BACKOFF_MS = 1000;
/** A slot whose workers keep dying after they are ready is restarted after 0.5 s, 1 s, 2 s, ... */
const CRASH_BACKOFF_FIRST_MS = 500;
const CRASH_BACKOFF_MAX_MS = 30_000;
/** A worker that served this long before it died starts its slot's count of crashes afresh. */
const CRASH_FORGIVEN_AFTER_MS = 10_000;
/** The master's boot_timeout check waits this much longer than the worker's own wait for listen(). */
const BOOT_TIMEOUT_MARGIN_MS = 2000;

/** Why a slot is waiting before its worker is restarted. */
interface SlotBackoff {
  /** Crashes after ready in a row. */
  crashes: number;
  /** Monotonic ms before which the slot is not restarted. */
  until: number;
}

/** The master's record of one worker. */
interface WorkerRecord {
  pid: number;
  age: number;
  /** Stable number 0..workers-1 that a replacement inherits (TUSK_WORKER_ID); null for a spare. */
  slot: number | null;
  /** Monotonic ms when it was spawned, and when it became ready. */
  bornAt: number;
  readyAt: number;
  generation: number;
  heartbeat: HeartbeatWatch;
  ready: boolean;
  /** A warm spare: loaded, not accepting until promoted. */
  spare: boolean;
  /** Monotonic ms when it was told to stop (TERM/INT), or was aborted for a timeout. */
  stopAt: number | null;
  killDeadline: number | null;
  aborted: boolean;
  /** Killed because it was not ready within boot_timeout. */
  bootTimedOut?: boolean;
  /** Timed out and asked for its stack: monotonic ms until which the master waits for it. */
  stackDeadline: number | null;
  /** Its RSS samples against max_worker_memory. */
  memory: MemoryWatch;
  /** Over max_worker_memory: its replacement is starting, and it is retired once that one is ready. */
  recycling: boolean;
  /** USR1 came while it was booting: it is passed on once the worker is ready. */
  reopenLogs?: boolean;
}

const now = (): number => performance.now();

export interface ArbiterOptions {
  /** Where the settings came from; HUP resolves them again from the same sources. */
  sources: ConfigSources;
  settings: Settings;
  app: string;
  /** The config file the settings were read from: workers import their hooks from it. */
  configFile?: string | null;
}

export class Arbiter implements MasterView {
  private settings: Settings;
  private readonly app: string;
  private readonly sources: ConfigSources;
  private listeners: Listener[] = [];
  private readonly workers = new Map<number, WorkerRecord>();
  private readonly queue: { item: Queued; done?: (error: string | null) => void }[] = [];
  private generation = 1;
  /** The generation being retired by a reload, until the new one is ready. */
  private reloading: number | null = null;
  /** What a failed reload rolls back to. */
  private previous: { settings: Settings; targetWorkers: number } | null = null;
  private targetWorkers: number;
  private lastAge = 0;
  private stopping: { graceful: boolean; deadline: number } | null = null;
  private respawnAfter = 0;
  private readonly backoff = new Map<number, SlotBackoff>();
  private timer: NodeJS.Timeout | null = null;
  private wakeScheduled = false;
  private exitCode: number = EXIT.OK;
  private readonly pidfile: Pidfile | null;
  /** The new master a USR2 started, until it exits. */
  private childMaster: number | null = null;
  /** The master that started this one with USR2, until it exits. */
  private parentMaster: number | null = null;
  private readonly service = ServiceNotifier.fromEnv();
  /** READY=1 has been sent for the first generation. */
  private announced = false;
  /** Every worker's figures, and the retired totals of the dead (stats.ts). */
  readonly stats = new StatsBook();
  /** metrics_bind and statsd (monitor.ts), when either is set. */
  private monitor: Monitor | null = null;
  private lastTurn = now();
  private readonly orphans = OrphanReaper.needed() ? new OrphanReaper((pid) => this.workers.has(pid) || pid === this.childMaster) : null;
  private configFile: string | null;
  /** What hooks see of the master. */
  private readonly server: Server;
  private exiting = false;
  private control: ControlServer | null = null;
  /** Restarts of each slot and why, for `tusk ctl status`. */
  readonly restarts = new Restarts();
  private readonly startedAt = now();

  constructor(options: ArbiterOptions) {
    this.settings = options.settings;
    this.app = options.app;
    this.sources = options.sources;
    this.configFile = options.configFile ?? null;
    this.server = this.serverView();
    this.targetWorkers = options.settings.workers;
    this.pidfile = options.settings.pidfile ? new Pidfile(path.resolve(options.settings.pidfile)) : null; // in chdir
  }

  /** Where the workers run (chdir), which relative log paths are relative to in every process. */
  private get workDir(): string {
    return path.resolve(this.sources.cwd, this.settings.chdir ?? '.');
  }

  private get name(): string {
    return this.settings.name ?? this.app;
  }

  /** Binds, writes the pidfile, installs signal handlers, spawns the workers and runs the loop. */
  async start(): Promise<void> {
    setLogLevel(this.settings.loglevel);
    openMasterLogs(this.settings, this.workDir);
    process.umask(this.settings.umask);
    log.info(`Starting tusk ${VERSION}`);
    this.pidfile?.create();
    await this.startupHook('on_starting');
    callHook(this.settings, 'nworkers_changed', this.server, this.targetWorkers, null);
    const inherited = inherit();
    if (inherited) {
      this.parentMaster = inherited.parentPid || null;
      this.listeners = inherited.listeners;
      if (JSON.stringify(this.settings.bind) !== JSON.stringify(this.listeners.map((l) => l.bind)))
        log.warning('bind changed in the configuration; a new master serves on the sockets it inherits');
    } else {
      this.listeners = await bindListeners(this.settings.bind, this.settings.backlog, this.settings.reuse_port);
    }
    for (const l of this.listeners) log.info(`Listening at: ${formatListener(l)} (${process.pid})`);
    await this.startupHook('when_ready');
    if (this.settings.metrics_bind || this.settings.statsd_host) (this.monitor = new Monitor(this.settings, this)).start();
    try {
      this.control = await ControlServer.open(this.settings, this.controlTarget());
    } catch (err) {
      closeListeners(this.listeners, !this.upgrading()); // the other master of an upgrade keeps its files
      this.pidfile?.unlink();
      throw err;
    }
    process.title = `tusk: master [${this.name}]`;
    this.service.startWatchdog();
    for (const sig of SIGNALS) process.on(sig, () => this.signal(sig));
    this.manageWorkers();
    this.schedule();
  }

  // ---- what the monitor and ctl read (MasterView) ----

  workerSummaries(): WorkerSummary[] {
    const t = now();
    return [...this.workers.values()].map((w) => ({
      pid: w.pid, slot: w.slot, generation: w.generation, spare: w.spare, age: (t - w.bornAt) / 1000,
      state: workerState(w),
    }));
  }

  /** Not stopping, and some worker accepts: of any generation (the old one serves through a reload). */
  serving(): boolean {
    return this.stopping === null && [...this.workers.values()].some((w) => w.ready && !w.spare && w.stopAt === null);
  }

  lastTick(): number {
    return this.lastTurn;
  }

  // ---- the loop ----

  private signal(sig: MasterSignal): void {
    if (sig !== 'SIGCHLD') this.enqueue(sig); // CHLD only wakes the loop to reap
    this.wakeup();
  }

  /** Queues a signal or a command; false when the queue is full. `done` hears how it went once handled. */
  private enqueue(item: Queued, done?: (error: string | null) => void): boolean {
    if (this.queue.length >= QUEUE_MAX) return false;
    this.queue.push({ item, done });
    this.wakeup();
    return true;
  }

  private wakeup(): void {
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.tick();
    });
  }

  private schedule(): void {
    const timeout = this.settings.timeout;
    // Quicker while stopping, and while a timed-out worker's stack is awaited (a worker running as
    // another user cannot signal the master that it is there).
    const urgent = this.stopping !== null || [...this.workers.values()].some((w) => w.stackDeadline !== null);
    const every = urgent ? 50 : timeout > 0 ? Math.min(250, Math.max(50, (timeout * 1000) / 8)) : 250;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), every);
  }

  private tick(): void {
    this.lastTurn = now();
    while (this.queue.length > 0) {
      const { item, done } = this.queue.shift()!;
      if (typeof item === 'string') log.info(`Handling signal: ${item.slice(3).toLowerCase()}`);
      const error = this.handle(item);
      done?.(error || null);
    }
    this.murderWorkers();
    this.reapWorkers();
    this.reapChildMaster();
    this.orphans?.reap();
    this.maybePromote();
    this.recycleWorkers();
    if (this.stopping) {
      if (this.workers.size === 0) return void this.exit();
    } else {
      this.manageWorkers();
      this.announceReady();
    }
    this.schedule();
  }

  /** Acts on one queued item; a string says why a command was refused. */
  private handle(sig: Queued): string | void {
    if (typeof sig === 'object') return 'scale' in sig ? this.handleScale(sig.scale) : this.handleKill(sig.kill);
    switch (sig) {
      case 'SIGHUP': return this.handleHup();
      case 'SIGTERM': return this.handleTerm();
      case 'SIGINT': return this.handleInt();
      case 'SIGQUIT': return this.handleQuit();
      case 'SIGTTIN': return this.handleTtin();
      case 'SIGTTOU': return this.handleTtou();
      case 'SIGUSR1': return this.handleUsr1();
      case 'SIGUSR2': return this.handleUsr2();
      case 'SIGWINCH': return this.handleWinch();
      case 'SIGCHLD': return; // the loop reaps after draining the queue
    }
  }

  // ---- one small method per signal ----

  /** Graceful stop: workers finish in-flight requests within graceful_timeout. */
  private handleTerm(): void {
    this.stop(true);
  }

  /** Quick stop. */
  private handleInt(): void {
    this.stop(false);
  }

  /** Quick stop. */
  private handleQuit(): void {
    this.stop(false);
  }

  /** Reload: resolve the configuration again, start a new generation, retire the old one once it is ready. */
  private handleHup(): void {
    if (this.stopping) return;
    this.service.reloading();
    void this.reload();
  }

  /** One more worker. */
  private handleTtin(): string | void {
    return this.handleScale(this.targetWorkers + 1);
  }

  /** One worker fewer, never below one. */
  private handleTtou(): string | void {
    if (this.targetWorkers <= 1) return 'already at one worker';
    return this.handleScale(this.targetWorkers - 1);
  }

  /** `tusk ctl scale N` (and TTIN/TTOU): keep N serving workers. */
  private handleScale(n: number): string | void {
    if (this.stopping) return 'the server is stopping';
    this.setTargetWorkers(n);
    log.info(`Number of workers: ${this.targetWorkers}`);
  }

  /** `tusk ctl kill PID`: that worker stops gracefully (a TERM) and its slot gets a new one. */
  private handleKill(pid: number): string | void {
    const w = this.workers.get(pid);
    if (!w) return `no worker with pid ${pid}`;
    if (w.stopAt !== null) return `worker ${pid} is stopping already`;
    log.info(`Stopping worker (pid: ${pid}) on request`);
    this.restarts.record(w.slot, 'kill', pid);
    this.killWorker(w, 'SIGTERM', this.settings.graceful_timeout * 1000);
  }

  /**
   * Binary upgrade: a new master (same node, argv, environment) on the same sockets starts its own
   * workers; this one keeps serving until WINCH/TERM (upgrade) or until the new one is stopped.
   */
  private handleUsr2(): void {
    if (this.stopping) return;
    if (this.childMaster !== null) return log.warning('USR2 signal ignored. Child exists.');
    if (this.parentMaster !== null) return log.warning('USR2 signal ignored. Parent exists.');
    if (process.pid === 1) return log.warning('USR2 signal ignored: as PID 1 this master cannot hand over (its exit ends the container); use HUP');
    try {
      this.pidfile?.retire();
      this.control?.retire();
      callHook(this.settings, 'pre_exec', this.server);
      this.childMaster = spawnMaster(this.listeners, newMasterEnv(process.env), this.sources.cwd);
    } catch (err) {
      this.pidfile?.reclaim();
      this.control?.reclaim();
      return log.error(`Cannot start a new master: ${(err as Error).message}`);
    }
    log.info(`Started a new master (pid: ${this.childMaster})`);
  }

  /** Stops the workers gracefully and keeps the master and its sockets (an upgrade's second step). */
  private handleWinch(): void {
    if (this.stopping) return;
    // A terminal sends WINCH to its foreground group on every resize: only meant for us elsewhere.
    if (addon.inForeground()) return log.debug('SIGWINCH ignored: in the foreground of a terminal');
    log.info('Graceful stop of workers');
    this.setTargetWorkers(0);
    for (const w of this.workers.values()) this.killWorker(w, 'SIGTERM', this.settings.graceful_timeout * 1000);
  }

  /**
   * Reopen the log files (logrotate moved them) here and in every worker. A worker still booting
   * may not listen for USR1 yet (Node would open its inspector): it gets the signal once it is ready.
   */
  private handleUsr1(): void {
    reopenLogs();
    for (const w of this.workers.values()) {
      if (w.ready) this.signalWorker(w, 'SIGUSR1');
      else w.reopenLogs = true;
    }
  }

  // ---- lifecycle ----

  private async reload(): Promise<void> {
    let settings: Settings;
    let configFile: string | null;
    try {
      ({ settings, configFile } = await resolveConfig({ ...this.sources, env: process.env }));
    } catch (err) {
      log.error(`Reload failed, keeping the current configuration: ${(err as Error).message}`);
      return this.serviceReady();
    }
    // The new configuration's on_reload, shown the new settings, before anything changes.
    await awaitHook(settings, 'on_reload', [{ ...this.server, settings }]);
    if (this.stopping) return;
    this.configFile = configFile;
    if (JSON.stringify(settings.bind) !== JSON.stringify(this.settings.bind))
      log.warning('bind changed in the configuration; new addresses take effect after a restart');
    if (this.reloading === null) {
      this.reloading = this.generation;
      this.previous = { settings: this.settings, targetWorkers: this.targetWorkers };
    }
    if (settings.errorlog !== this.settings.errorlog) {
      try {
        openErrorLog(settings.errorlog, this.workDir);
      } catch (err) {
        log.error(`errorlog: cannot open ${settings.errorlog}, keeping ${this.settings.errorlog}: ${(err as Error).message}`);
        settings.errorlog = this.settings.errorlog;
      }
    }
    this.settings = { ...settings, bind: this.settings.bind };
    this.setTargetWorkers(settings.workers);
    setLogLevel(settings.loglevel);
    this.generation++;
    log.info(`Reloading: starting generation ${this.generation}`);
    this.wakeup();
  }

  private stop(graceful: boolean): void {
    if (this.stopping && (graceful || !this.stopping.graceful)) return;
    const grace = graceful ? this.settings.graceful_timeout * 1000 : QUICK_STOP_MS;
    this.stopping = { graceful, deadline: now() + grace };
    if (!this.upgrading()) this.service.stopping(); // else the service goes on in the other master
    // New connections are refused at once; queued ones are served by workers still accepting.
    // Another master of an upgrade still serves on the sockets: their files stay.
    closeListeners(this.listeners, !this.upgrading());
    this.listeners = [];
    for (const w of this.workers.values()) this.killWorker(w, graceful ? 'SIGTERM' : 'SIGINT', grace);
    this.schedule();
  }

  private async exit(): Promise<void> {
    if (this.exiting) return;
    this.exiting = true;
    log.info('Shutting down: Master');
    if (this.timer) clearTimeout(this.timer);
    if (this.childMaster !== null) this.service.mainPid(this.childMaster);
    this.pidfile?.unlink();
    this.monitor?.flush();
    this.control?.close();
    await awaitHook(this.settings, 'on_exit', [this.server], this.settings.graceful_timeout * 1000);
    process.exit(this.exitCode);
  }

  /** Another master of a binary upgrade runs: the one that started this one, or the one this one started. */
  private upgrading(): boolean {
    return this.childMaster !== null || this.parentMaster !== null;
  }

  /** READY=1 for the service manager; during an upgrade also MAINPID, so that it follows this master. */
  private serviceReady(): void {
    this.announced = true;
    this.service.ready(this.upgrading() ? process.pid : undefined);
  }

  /** The first generation serves: every one of its workers is ready. */
  private announceReady(): void {
    if (this.announced || this.reloading !== null) return;
    const serving = this.activeWorkers();
    if (serving.length < this.targetWorkers || !serving.every((w) => w.ready)) return;
    this.serviceReady();
  }

  /** Stops everything because the workers cannot run; `code` becomes the exit code. */
  private halt(reason: string, code: number): void {
    log.error(reason);
    this.exitCode = code;
    this.stop(false);
  }

  // ---- hooks ----

  /** The master as hooks see it: live views of its settings and workers. */
  private serverView(): Server {
    const arbiter = this;
    return {
      pid: process.pid,
      app: this.app,
      log,
      get settings() {
        return arbiter.settings;
      },
      get workers() {
        return [...arbiter.workers.values()].map((w) => workerInfo(w));
      },
      get numWorkers() {
        return arbiter.targetWorkers;
      },
      get generation() {
        return arbiter.generation;
      },
    };
  }

  // ---- the control socket ----

  /** What `tusk ctl` sees and asks of this master (control/server.ts). */
  private controlTarget(): ControlTarget {
    return {
      status: () => this.status(),
      config: () => ({ settings: shownSettings(this.settings) }),
      act: (action) => this.act(action),
    };
  }

  /** Queues a command as the signal it stands for; resolves once the loop has handled it. */
  private act(action: Action): Promise<ActionResult> {
    const item: Queued = (() => {
      switch (action.command) {
        case 'reload': return 'SIGHUP';
        case 'add': return 'SIGTTIN';
        case 'remove': return 'SIGTTOU';
        case 'reopen-logs': return 'SIGUSR1';
        case 'stop': return action.graceful ? 'SIGTERM' : 'SIGINT';
        case 'scale': return { scale: action.workers };
        case 'kill': return { kill: action.pid };
      }
    })();
    return new Promise((resolve, reject) => {
      const queued = this.enqueue(item, (error) => (error ? reject(new Error(`${action.command}: ${error}`)) : resolve({ workers: this.targetWorkers })));
      if (!queued) reject(new Error(`${action.command}: the master is busy (${QUEUE_MAX} signals queued); try again`));
    });
  }

  private status(): ServerStatus {
    const t = now();
    const workers = [...this.workers.values()]
      .map((w) => workerStatus({ ...w, lastBeat: w.heartbeat.lastBeat }, t, this.restarts, this.stats.worker(w.pid)))
      .sort((a, b) => Number(a.spare) - Number(b.spare) || (a.slot ?? 0) - (b.slot ?? 0) || a.age - b.age);
    return {
      master: {
        pid: process.pid,
        version: VERSION,
        name: this.name,
        state: this.stopping ? 'stopping' : this.reloading !== null ? 'reloading' : 'running',
        generation: this.generation,
        workers: this.targetWorkers,
        spareWorkers: this.settings.spare_workers,
        uptime: Math.round(t - this.startedAt) / 1000,
      },
      workers,
      slots: this.restarts.all(),
    };
  }

  /** on_starting and when_ready: awaited, and a failure stops the server before it serves. */
  private async startupHook(name: 'on_starting' | 'when_ready'): Promise<void> {
    const failure = await awaitHook(this.settings, name, [this.server]);
    if (!failure) return;
    closeListeners(this.listeners);
    this.pidfile?.unlink();
    throw new BootError(`${failure.message}; not starting`);
  }

  /** The number of serving workers to keep; nworkers_changed hears of each change. */
  private setTargetWorkers(n: number): void {
    const old = this.targetWorkers;
    this.targetWorkers = n;
    if (n !== old) callHook(this.settings, 'nworkers_changed', this.server, n, old);
  }

  // ---- workers ----

  /** Starts a worker for `slot`, or a spare (slot null). */
  private spawnWorker(slot: number | null): void {
    const spare = slot === null;
    const age = ++this.lastAge;
    const user = withoutServiceEnv(userEnv(this.settings));
    callHook(this.settings, 'pre_fork', this.server, workerInfo({ pid: null, slot, age, generation: this.generation, spare, ready: false }));
    const boot: WorkerBoot = {
      masterPid: process.pid,
      age,
      generation: this.generation,
      listeners: this.listeners.length,
      heartbeatFd: 3 + this.listeners.length,
      statsFd: 4 + this.listeners.length,
      app: this.app,
      cwd: this.settings.chdir ?? this.sources.cwd,
      settings: this.settings,
      configFile: hasWorkerHooks(this.settings) ? this.configFile : null,
      addresses: this.listeners,
      spare,
      setAppInstance: user.NODE_APP_INSTANCE === undefined,
    };
    let heartbeat: HeartbeatWatch | null = null;
    let stats: ReturnType<typeof createStatsFile> | null = null;
    let pid: number;
    try {
      const identity = workerIdentity(this.settings);
      heartbeat = HeartbeatWatch.create(this.settings, now(), identity);
      stats = createStatsFile(heartbeatDir(this.settings), identity);
      const port = this.listeners.find((l) => l.port !== undefined)?.port;
      pid = addon.spawn({
        file: process.execPath,
        args: [`tusk: worker [${this.name}]`, ...process.execArgv, path.join(packageRoot, 'dist', 'worker.js')],
        env: workerEnv(user, { port, slot, setAppInstance: boot.setAppInstance, uid: identity?.uid ?? process.getuid!(), boot: [WORKER_ENV, JSON.stringify(boot)] }),
        fds: [...this.listeners.map((l) => l.fd), heartbeat.fd, stats.fd],
        deathSignal: os.constants.signals.SIGINT,
        identity,
        // capture_output: the worker's stdout and stderr are the error log from its first byte.
        ...(this.settings.capture_output ? { stdout: errorLogFd(), stderr: errorLogFd() } : {}),
      });
    } catch (err) {
      heartbeat?.close();
      if (stats) addon.closeFd(stats.fd);
      return this.halt(`Cannot start a worker: ${(err as Error).message}`, EXIT.BOOT_ERROR);
    }
    this.workers.set(pid, {
      pid, age, slot, bornAt: now(), readyAt: 0, generation: this.generation, heartbeat,
      ready: false, spare, stopAt: null, killDeadline: null, aborted: false, stackDeadline: null, memory: new MemoryWatch(pid), recycling: false,
    });
    addon.closeFd(stats.fd); // the master keeps its mapping
    this.stats.track(pid, stats.block);
    log.info(`Booting ${spare ? 'spare ' : ''}worker with pid: ${pid}${spare ? '' : ` (slot ${slot})`}`);
  }

  /** Sends `sig`; SIGKILL follows if the worker is still there after `graceMs`. */
  private killWorker(w: WorkerRecord, sig: NodeJS.Signals, graceMs: number): void {
    try {
      process.kill(w.pid, sig);
    } catch {
      return; // already gone; the reaper will see it
    }
    w.stopAt ??= now();
    const deadline = now() + graceMs;
    w.killDeadline = w.killDeadline === null ? deadline : Math.min(w.killDeadline, deadline);
  }

  /** Sends a signal that asks for no stop (USR1); a worker already gone is the reaper's business. */
  private signalWorker(w: WorkerRecord, sig: NodeJS.Signals): void {
    w.reopenLogs = false;
    try {
      process.kill(w.pid, sig);
    } catch {
      // gone already
    }
  }

  /**
   * Workers of the current generation that have not been told to stop and are not being recycled:
   * serving ones, or spares.
   */
  private activeWorkers(spare = false): WorkerRecord[] {
    return [...this.workers.values()].filter((w) => w.generation === this.generation && w.stopAt === null && !w.recycling && w.spare === spare);
  }

  /**
   * Brings the current generation to the target count: a missing worker is replaced by promoting a
   * spare (ready ones first) when there is one, else by spawning; then the spares are topped up.
   */
  private manageWorkers(): void {
    const active = this.activeWorkers();
    if (active.length < this.targetWorkers) {
      const spares = this.activeWorkers(true).sort((a, b) => Number(b.ready) - Number(a.ready) || a.age - b.age);
      const taken = new Set(active.map((w) => w.slot));
      for (let slot = 0; slot < this.targetWorkers && !this.stopping; slot++) {
        if (taken.has(slot) || (this.backoff.get(slot)?.until ?? 0) > now()) continue;
        if (spares.length > 0) this.promote(spares.shift()!, slot);
        else if (now() >= this.respawnAfter) this.spawnWorker(slot);
      }
    } else if (active.length > this.targetWorkers) {
      // The highest slots go, so that the others keep 0..workers-1.
      const extra = active.sort((a, b) => (b.slot ?? 0) - (a.slot ?? 0)).slice(0, active.length - this.targetWorkers);
      for (const w of extra) this.killWorker(w, 'SIGTERM', this.settings.graceful_timeout * 1000);
    }
    const spares = this.activeWorkers(true);
    const spareTarget = this.targetWorkers > 0 ? this.settings.spare_workers : 0; // none after WINCH
    if (spares.length < spareTarget && now() >= this.respawnAfter) {
      for (let i = spares.length; i < spareTarget && !this.stopping; i++) this.spawnWorker(null);
    } else if (spares.length > spareTarget) {
      for (const w of spares.slice(spareTarget)) this.killWorker(w, 'SIGTERM', QUICK_STOP_MS);
    }
    this.retireOldGeneration();
  }

  /**
   * A spare takes `slot` and starts accepting at once; it has loaded the app already (or starts when
   * it has). Its slot number is written into its heartbeat file for it to read on the signal.
   */
  private promote(w: WorkerRecord, slot: number): void {
    try {
      w.heartbeat.writeSlot(slot);
      process.kill(w.pid, PROMOTE_SIGNAL);
    } catch {
      return; // gone: the reaper will see it
    }
    w.spare = false;
    w.slot = slot;
    log.info(`Spare promoted (pid: ${w.pid}, slot ${slot})`);
  }

  /** After a reload, the old generation is told to stop once the whole new one is ready. */
  private retireOldGeneration(): void {
    if (this.reloading === null) return;
    const current = this.activeWorkers();
    if (current.length < this.targetWorkers || !current.every((w) => w.ready)) return;
    for (const w of this.workers.values()) {
      if (w.generation < this.generation && w.stopAt === null) {
        this.restarts.record(w.slot, 'reload', w.pid);
        this.killWorker(w, 'SIGTERM', this.settings.graceful_timeout * 1000);
      }
    }
    log.info(`Reload complete: generation ${this.generation} serving`);
    this.reloading = null;
    this.serviceReady();
  }

  /**
   * max_worker_memory: a serving worker whose RSS stays above the limit is recycled like a reload
   * recycles a generation. It leaves the active set, so manageWorkers starts (or promotes) a
   * replacement for its slot; once that one is ready, it is told to stop gracefully.
   */
  private recycleWorkers(): void {
    if (this.stopping) return;
    const t = now();
    const limit = this.settings.max_worker_memory;
    for (const w of this.workers.values()) {
      if (w.recycling || w.spare || !w.ready || w.stopAt !== null || w.generation !== this.generation) continue;
      if (!w.memory.due(limit, t)) continue;
      log.warning(`Worker (pid: ${w.pid}) RSS ${w.memory.rssMb} MB above max_worker_memory (${limit} MB) for ${SAMPLES_IN_A_ROW} samples: recycling it`);
      w.recycling = true;
      this.restarts.record(w.slot, 'max_worker_memory', w.pid, `RSS ${w.memory.rssMb} MB`);
    }
    for (const w of this.workers.values()) {
      if (!w.recycling || w.stopAt !== null) continue;
      const replacement = this.activeWorkers().find((r) => r.slot === w.slot && r.ready);
      const replaced = w.generation === this.generation && w.slot !== null && w.slot < this.targetWorkers;
      if (replaced && !replacement) continue; // wait for it (a scale-down or a reload needs none)
      if (replacement) log.info(`Worker (pid: ${replacement.pid}) ready in slot ${w.slot}: retiring worker (pid: ${w.pid})`);
      this.killWorker(w, 'SIGTERM', this.settings.graceful_timeout * 1000);
    }
  }

  /** Reads every heartbeat; a silent worker gets SIGABRT, then SIGKILL; overdue stops get SIGKILL. */
  private murderWorkers(): void {
    const t = now();
    for (const w of this.workers.values()) {
      let state;
      try {
        state = w.heartbeat.check(t);
      } catch {
        continue;
      }
      if (!w.ready && state.ready) {
        w.ready = true;
        w.readyAt = t;
        log.info(`${w.spare ? 'Spare' : 'Worker'} ready (pid: ${w.pid})`);
        if (w.reopenLogs) this.signalWorker(w, 'SIGUSR1');
      }
      if (state.draining && w.stopAt === null) {
        // It retired itself (max_requests, or a TERM sent by someone else): replace it now, and
        // make sure it is gone by the end of its own graceful_timeout.
        w.stopAt = t;
        w.killDeadline = t + this.settings.graceful_timeout * 1000 + ABORT_GRACE_MS;
        this.restarts.record(w.slot, 'retired', w.pid, 'it stopped accepting on its own (max_requests, or a TERM from elsewhere)');
      }
      if (w.killDeadline !== null && t >= w.killDeadline) {
        w.killDeadline = Number.POSITIVE_INFINITY;
        try {
          process.kill(w.pid, 'SIGKILL');
        } catch {
          // gone already
        }
      } else if (!w.ready && !w.aborted && w.stopAt === null && this.settings.boot_timeout > 0 && t - w.bornAt > this.settings.boot_timeout * 1000 + BOOT_TIMEOUT_MARGIN_MS) {
        log.critical(`Worker (pid: ${w.pid}) not ready after boot_timeout (${this.settings.boot_timeout} s)`);
        w.aborted = true;
        w.bootTimedOut = true; // its exit is a boot failure, not an expected stop: stopAt stays null
        this.restarts.record(w.slot, 'boot_timeout', w.pid);
        try {
          process.kill(w.pid, 'SIGKILL');
        } catch {
          // gone already; the reaper will see it
        }
      } else if (w.stackDeadline !== null) {
        this.abortTimedOut(w, t);
      } else if (!w.aborted && this.settings.timeout > 0 && t - w.heartbeat.lastBeat > this.settings.timeout * 1000) {
        log.critical(`Worker timeout (pid: ${w.pid})`);
        this.restarts.record(w.slot, 'timeout', w.pid);
        w.aborted = true;
        w.stopAt ??= t; // its replacement starts now
        w.stackDeadline = t + ABORT_GRACE_MS;
        try {
          process.kill(w.pid, STACK_SIGNAL); // answered by its stack thread (stack.ts)
        } catch {
          w.stackDeadline = t; // gone already
        }
      }
    }
  }

  /**
   * A timed-out worker: once it has left its JavaScript stack (or did not within ABORT_GRACE_MS,
   * blocked outside JavaScript), log it and abort the worker.
   */
  private abortTimedOut(w: WorkerRecord, t: number): void {
    const stack = w.heartbeat.stack();
    if (stack === null && t < w.stackDeadline!) return;
    w.stackDeadline = null;
    if (stack !== null) log.error(`Worker (pid: ${w.pid}) event loop blocked at:\n${stack}`);
    else log.error(`Worker (pid: ${w.pid}) left no JavaScript stack within ${ABORT_GRACE_MS} ms: blocked outside JavaScript (a synchronous native call?)`);
    this.killWorker(w, 'SIGABRT', ABORT_GRACE_MS);
  }

  /** Collects every worker that exited, and decides whether its death stops the server. */
  private reapWorkers(): void {
    for (const w of [...this.workers.values()]) {
      const status = collect(w.pid);
      if (!status) continue;
      this.workers.delete(w.pid);
      const reason = status.code === EXIT.APP_LOAD_ERROR || status.code === EXIT.BOOT_ERROR ? w.heartbeat.reason() : '';
      w.heartbeat.close();
      const info = workerInfo(w, { code: status.code, signal: status.signal ? signalName(status.signal) : null });
      // A worker a signal killed could not run its own worker_exit: the master runs it for it.
      if (info.exit?.signal) callHook(this.settings, 'worker_exit', this.server, info);
      callHook(this.settings, 'child_exit', this.server, info);
      this.stats.retire(w.pid);
      this.workerExited(w, status, reason);
    }
  }

  /** The new master of an upgrade exited (stopped for a rollback, or failed): this one is the master again. */
  private reapChildMaster(): void {
    const status = this.childMaster === null ? null : collect(this.childMaster);
    if (!status) return;
    (status.code === EXIT.OK ? log.info : log.error)(`New master (pid: ${status.pid}) ${describeExit(status)}; this master serves on`);
    this.childMaster = null;
    this.service.mainPid(process.pid);
    this.pidfile?.reclaim();
    this.control?.reclaim();
  }

  /** The master that started this one exited: the upgrade is complete. */
  private maybePromote(): void {
    if (this.parentMaster === null || addon.parentPid() === this.parentMaster) return;
    log.info('Master has been promoted.');
    this.parentMaster = null;
  }

  private workerExited(w: WorkerRecord, status: ExitStatus, reason: string): void {
    const how = describeExit(status);
    const expected = w.stopAt !== null || this.stopping !== null;
    if (expected && status.code === EXIT.OK) log.info(`Worker exiting (pid: ${w.pid})`);
    else if (expected) log.info(`Worker (pid: ${w.pid}) ${how}`);
    else log.error(`Worker (pid: ${w.pid}) ${how}`);
    if (this.stopping || expected) return;
    if (!w.bootTimedOut) this.restarts.record(w.slot, 'crash', w.pid, how);
    if (w.ready) return this.crashed(w);

    if (w.bootTimedOut) reason ||= `not ready within boot_timeout (${this.settings.boot_timeout} s)`;
    const bootFailure = w.bootTimedOut === true || status.code === EXIT.APP_LOAD_ERROR || status.code === EXIT.BOOT_ERROR;
    if (bootFailure && this.reloading !== null && w.generation === this.generation) {
      log.error(`Reload failed: generation ${this.generation} could not start (${reason || 'see the worker\'s log'}); the previous workers keep serving`);
      for (const other of this.workers.values()) if (other.generation === this.generation) this.killWorker(other, 'SIGINT', QUICK_STOP_MS);
      this.generation = this.reloading;
      this.reloading = null;
      if (this.previous) {
        this.settings = this.previous.settings;
        this.setTargetWorkers(this.previous.targetWorkers);
      }
      return this.serviceReady();
    }
    const why = reason ? `: ${reason}` : '';
    if (status.code === EXIT.APP_LOAD_ERROR) return this.halt(`App failed to load${why}; shutting down`, EXIT.APP_LOAD_ERROR);
    if (bootFailure) return this.halt(`Worker failed to boot${why}; shutting down`, EXIT.BOOT_ERROR);
    this.respawnAfter = now() + RESPAWN_BACKOFF_MS; // died while booting for another reason: pace the retries
  }

  /**
   * A worker died on its own after it was ready. Its slot is restarted at once the first time, then
   * after an exponential backoff while its workers keep dying young; the other slots keep serving.
   */
  private crashed(w: WorkerRecord): void {
    if (w.slot === null) return; // a spare: topped up by manageWorkers
    const previous = this.backoff.get(w.slot);
    const forgiven = now() - w.readyAt >= CRASH_FORGIVEN_AFTER_MS;
    const crashes = forgiven || !previous ? 1 : previous.crashes + 1;
    const delay = crashes === 1 ? 0 : Math.min(CRASH_BACKOFF_FIRST_MS * 2 ** (crashes - 2), CRASH_BACKOFF_MAX_MS);
    this.backoff.set(w.slot, { crashes, until: now() + delay });
    if (delay > 0) log.warning(`Slot ${w.slot} restarts in ${(delay / 1000).toFixed(1)} s (crash ${crashes} in a row after ${((now() - w.readyAt) / 1000).toFixed(1)} s of serving)`);
  }
}

/** The exit status of a child the master forked, or null while it runs; unknown when not ours. */
function collect(pid: number): ExitStatus | null {
  try {
    return addon.reap(pid);
  } catch {
    return { pid, code: null, signal: null };
  }
}

function describeExit(status: ExitStatus): string {
  return status.signal !== null && status.signal !== 0 ? `was killed by signal ${signalName(status.signal)}` : `exited with code ${status.code}`;
}

function signalName(n: number): string {
  const entry = Object.entries(os.constants.signals).find(([, v]) => v === n);
  return entry ? entry[0] : String(n);
}
