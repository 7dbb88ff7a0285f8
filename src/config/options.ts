// config/options.ts — generated from the settings registry (config/settings.ts) by
// `node scripts/settings-doc.mjs`: do not edit. What a config file may export, each setting with
// its help, by its registry name (ConfigOptions) and its camelCase spelling (CamelCaseOptions);
// config/define.ts joins them into TuskConfig.
import type { Hooks } from './hooks.js';

/** The settings of a config file (tusk.config.mjs, tusk.config.ts), by their registry names; every one is optional. */
export interface ConfigOptions {
  /**
   * Socket to bind: HOST:PORT, [IPv6]:PORT, unix:PATH or fd://N. Repeat to bind several. Default 127.0.0.1:8000, or 0.0.0.0:$PORT when PORT is set.
   *
   * Server socket. Flag: `-b ADDRESS`, `--bind ADDRESS`. Default: `["127.0.0.1:8000"]`.
   */
  bind?: string | string[];
  /**
   * Maximum number of pending connections in the listen queue.
   *
   * Server socket. Flag: `--backlog INT`. Default: `2048`.
   */
  backlog?: number;
  /**
   * Set SO_REUSEPORT on TCP listeners, so that another master can bind the same address.
   *
   * Server socket. Flag: `--reuse-port`. Default: `false`.
   */
  reuse_port?: boolean;
  /**
   * Number of worker processes, or auto (also: max) for one per CPU this process may use (its CPU affinity and cgroup quota). Default $WEB_CONCURRENCY, else 1.
   *
   * Worker processes. Flag: `-w INT`, `--workers INT`. Default: `1`.
   */
  workers?: number | 'auto' | 'max';
  /**
   * Warm spares: workers that have loaded the app and wait without accepting, promoted at once when a worker dies, is retired (max_requests, TERM) or is timed out. 0 disables.
   *
   * Worker processes. Flag: `--spare-workers INT`. Default: `0`.
   */
  spare_workers?: number;
  /**
   * How long a worker may take to load the app and start serving (an app that calls listen() may do so this long after it loads, e.g. once its database is connected). A worker not ready by then is a boot failure (PM2's listen_timeout). 0 waits forever.
   *
   * Worker processes. Flag: `--boot-timeout SECONDS`. Default: `30`.
   */
  boot_timeout?: number;
  /**
   * Maximum number of open connections per worker; above it the worker stops accepting.
   *
   * Worker processes. Flag: `--worker-connections INT`. Default: `1000`.
   */
  worker_connections?: number;
  /**
   * Restart a worker gracefully after it has served this many requests (0 disables).
   *
   * Worker processes. Flag: `--max-requests INT`. Default: `0`.
   */
  max_requests?: number;
  /**
   * Add a random 0..N to max_requests per worker, so that workers do not restart together.
   *
   * Worker processes. Flag: `--max-requests-jitter INT`. Default: `0`.
   */
  max_requests_jitter?: number;
  /**
   * Recycle a worker whose resident memory (RSS, sampled by the master every 1 s) stays above this many megabytes for 3 samples in a row: its replacement is started first, then it stops gracefully (like a reload). 0 disables.
   *
   * Worker processes. Flag: `--max-worker-memory MB`. Default: `0`.
   */
  max_worker_memory?: number;
  /**
   * A worker whose event loop has not turned for this long is replaced: the JavaScript stack where it is stuck is logged, then it is killed (0 disables).
   *
   * Worker processes. Flag: `-t SECONDS`, `--timeout SECONDS`. Default: `30`.
   */
  timeout?: number;
  /**
   * After TERM (or a reload), how long workers may finish in-flight requests before they are killed.
   *
   * Worker processes. Flag: `--graceful-timeout SECONDS`. Default: `30`.
   */
  graceful_timeout?: number;
  /**
   * How long an idle keep-alive connection is kept open.
   *
   * Worker processes. Flag: `--keep-alive SECONDS`. Default: `5`.
   */
  keepalive?: number;
  /**
   * How the application is called: auto (from the app's shape), node ((req, res) listeners, http.Server, Express, Koa, Fastify; served by Node's http), fetch ({ fetch(request) } or (request) => Response, Hono; served by the native engine) or native (tusk's (req, res) interface on the native engine).
   *
   * Worker processes. Flag: `--interface NAME`. Default: `"auto"`.
   */
  interface?: 'auto' | 'node' | 'fetch' | 'native';
  /**
   * A request not answered this long after its head arrived gets 503 and a closed connection (or, when its response has begun, only the closed connection), and the app's abort signal fires (fetch: request.signal; node: 'aborted' and 'close' on req; native: onAbort); the worker keeps serving. Checked every quarter of the timeout, at most every second. 0 disables.
   *
   * Worker processes. Flag: `--request-timeout SECONDS`. Default: `0`.
   */
  request_timeout?: number;
  /**
   * Largest request line in bytes (method, target and version; CRLF excluded); longer ones get 414. 0 for no limit.
   *
   * Security. Flag: `--limit-request-line INT`. Default: `4094`.
   */
  limit_request_line?: number;
  /**
   * Most header field lines in a request; more get 431.
   *
   * Security. Flag: `--limit-request-fields INT`. Default: `100`.
   */
  limit_request_fields?: number;
  /**
   * Largest header field line in bytes, its CRLF included; larger ones get 431. 0 for no limit.
   *
   * Security. Flag: `--limit-request-field-size INT`. Default: `8190`.
   */
  limit_request_field_size?: number;
  /**
   * Largest request body in bytes (Content-Length, or the decoded size of a chunked body); larger ones get 413. 0 for no limit.
   *
   * Security. Flag: `--limit-request-body BYTES`. Default: `0`.
   */
  limit_request_body?: number;
  /**
   * Time a client has to send a whole request head, counted from its first byte (or from the connection's opening); a slower client is disconnected (slowloris protection).
   *
   * Security. Flag: `--header-timeout SECONDS`. Default: `10`.
   */
  header_timeout?: number;
  /**
   * PEM certificate chain (the server's certificate first). Setting it serves TLS on every bind, on every interface; read anew by each worker, so a HUP picks up a renewed certificate (see docs/tls.md).
   *
   * SSL. Flag: `--certfile FILE`. Default: `null`.
   */
  certfile?: string | null;
  /**
   * PEM private key of the certificate. Default: the key in certfile.
   *
   * SSL. Flag: `--keyfile FILE`. Default: `null`.
   */
  keyfile?: string | null;
  /**
   * PEM CA certificates that client certificates are checked against (with cert_reqs).
   *
   * SSL. Flag: `--ca-certs FILE`. Default: `null`.
   */
  ca_certs?: string | null;
  /**
   * Client certificates, as Gunicorn: 0 not asked for, 1 asked for and checked when given (optional), 2 required (a client without a valid one fails the handshake).
   *
   * SSL. Flag: `--cert-reqs INT`. Default: `0`.
   */
  cert_reqs?: 0 | 1 | 2 | 'none' | 'optional' | 'required';
  /**
   * OpenSSL cipher list for TLS 1.2 (like ECDHE+AESGCM:ECDHE+CHACHA20). Default: Node's default list. TLS 1.3 suites are not changed by it.
   *
   * SSL. Flag: `--ciphers CIPHERS`. Default: `null`.
   */
  ciphers?: string | null;
  /**
   * The lowest TLS version accepted: TLSv1.2 or TLSv1.3. Gunicorn's names are taken too: TLS, TLS_SERVER, SSLv23 and TLSv1_2 mean TLSv1.2, TLSv1_3 means TLSv1.3.
   *
   * SSL. Flag: `--ssl-version VERSION`. Default: `"TLSv1.2"`.
   */
  ssl_version?: 'TLSv1.2' | 'TLSv1.3' | 'TLS' | 'TLS_SERVER' | 'SSLv23' | 'TLSv1_2' | 'TLSv1_3';
  /**
   * Granularity of the error log: debug, info, warning, error, critical.
   *
   * Logging. Flag: `--log-level LEVEL`. Default: `"info"`.
   */
  loglevel?: 'debug' | 'info' | 'warning' | 'error' | 'critical';
  /**
   * The access log file to write to; '-' means stdout. Off by default. One line per answered request on every interface, written at most once per event-loop turn.
   *
   * Logging. Flag: `--access-logfile FILE`. Default: `null`.
   */
  accesslog?: string | null;
  /**
   * The access log format: Gunicorn's atoms as %(atom)s (h l u t r m U q H s B b f a T M D L p, %({header}i)s, %({header}o)s, %({variable}e)s), or json for one JSON object per line. Default %(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"
   *
   * Logging. Flag: `--access-logformat STRING`, `--access-log-format STRING`. Default: `"%(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\""`.
   */
  access_log_format?: string;
  /**
   * The error log file to write to; '-' means stderr.
   *
   * Logging. Flag: `--error-logfile FILE`, `--log-file FILE`. Default: `"-"`.
   */
  errorlog?: string;
  /**
   * Redirect the workers' stdout and stderr (console.log, uncaught errors) into the error log.
   *
   * Logging. Flag: `--capture-output`. Default: `false`.
   */
  capture_output?: boolean;
  /**
   * Serve /metrics (Prometheus text format, aggregated over every worker), /ready and /live from the master at HOST:PORT. Off by default. Never exposed to the app's clients: bind it to a private address.
   *
   * Logging. Flag: `--metrics-bind ADDRESS`. Default: `null`.
   */
  metrics_bind?: string | null;
  /**
   * Send Gunicorn's statsd metrics (tusk.requests, tusk.request.duration, tusk.request.status.CODE, tusk.workers, tusk.log.*) to HOST:PORT over UDP, from the master, once a second. Off by default.
   *
   * Logging. Flag: `--statsd-host STATSD_ADDR`. Default: `null`.
   */
  statsd_host?: string | null;
  /**
   * Prefix before every statsd metric name, a dot added: shop gives shop.tusk.requests. Default: none (tusk.requests).
   *
   * Logging. Flag: `--statsd-prefix STATSD_PREFIX`. Default: `""`.
   */
  statsd_prefix?: string;
  /**
   * Tags added to every statsd metric, DogStatsD style: comma-separated key:value (or key) pairs, e.g. env:prod,app:shop.
   *
   * Logging. Flag: `--dogstatsd-tags DOGSTATSD_TAGS`. Default: `""`.
   */
  dogstatsd_tags?: string;
  /**
   * Name in the process titles (tusk: master [NAME]). Default: the APP argument.
   *
   * Process naming. Flag: `-n STRING`, `--name STRING`. Default: `null`.
   */
  name?: string | null;
  /**
   * Peers trusted to say who the client is (X-Forwarded-For, Forwarded) and whether it came over https (secure_scheme_headers, Forwarded proto=): a comma list of IPs and CIDRs, or * for any. Peers on unix sockets are always trusted. Default $FORWARDED_ALLOW_IPS, else 127.0.0.1,::1.
   *
   * Server mechanics. Flag: `--forwarded-allow-ips STRING`. Default: `["127.0.0.1","::1"]`.
   */
  forwarded_allow_ips?: string[];
  /**
   * Headers with which a trusted proxy (forwarded_allow_ips) marks a request as https, and the value each must have (compared without regard to case). A config file gives an object; the command line a comma list of HEADER=VALUE; "" for none.
   *
   * Server mechanics. Flag: `--secure-scheme-headers HEADER=VALUE,...`. Default: `{"X-FORWARDED-PROTOCOL":"ssl","X-FORWARDED-PROTO":"https","X-FORWARDED-SSL":"on"}`.
   */
  secure_scheme_headers?: object;
  /**
   * Every connection starts with a PROXY protocol header (version 1 or 2, as haproxy, nginx and cloud load balancers send), whose source address becomes the client address. A connection from a peer not in proxy_allow_ips, or without a valid header within header_timeout, is closed.
   *
   * Server mechanics. Flag: `--proxy-protocol`. Default: `false`.
   */
  proxy_protocol?: boolean;
  /**
   * Peers allowed to connect with a PROXY protocol header: a comma list of IPs and CIDRs, or * for any. Peers on unix sockets are always allowed.
   *
   * Server mechanics. Flag: `--proxy-allow-ips STRING`. Default: `["127.0.0.1","::1"]`.
   */
  proxy_allow_ips?: string[];
  /**
   * File to write the master's pid to; removed on exit.
   *
   * Server mechanics. Flag: `-p FILE`, `--pid FILE`. Default: `null`.
   */
  pidfile?: string | null;
  /**
   * Directory for the workers' heartbeat files. Default /dev/shm when it exists, else the OS temp dir.
   *
   * Server mechanics. Flag: `--worker-tmp-dir DIR`. Default: `null`.
   */
  worker_tmp_dir?: string | null;
  /**
   * File mode creation mask of the server processes (affects unix sockets), like 0o22 or 022.
   *
   * Server mechanics. Flag: `-m MODE`, `--umask MODE`. Default: `0`.
   */
  umask?: number | string;
  /**
   * Run the workers as this user: a name or a uid (resolved once, when the configuration is read). Changing it needs root; the master stays as it was started (it must be root to start workers as another user). Default: the master's user.
   *
   * Server mechanics. Flag: `-u USER`, `--user USER`. Default: `null`.
   */
  user?: string | number | null;
  /**
   * Run the workers with this group: a name or a gid. Default: the user's primary group when user is set, else the master's group.
   *
   * Server mechanics. Flag: `-g GROUP`, `--group GROUP`. Default: `null`.
   */
  group?: string | number | null;
  /**
   * Give the workers every supplementary group of their user (initgroups). Off: a worker whose user or group is changed has no supplementary groups. Needs root.
   *
   * Server mechanics. Flag: `--initgroups`. Default: `false`.
   */
  initgroups?: boolean;
  /**
   * Change to this directory once the configuration is read, before the app is loaded: APP, a relative pidfile, unix:PATH binds and the workers are all in it (the config file is still found where tusk started). Default: where tusk started.
   *
   * Server mechanics. Flag: `--chdir DIR`. Default: `null`.
   */
  chdir?: string | null;
  /**
   * Set an environment variable in the workers: KEY=VALUE, repeatable (in a config file a list of them, or an object { KEY: 'VALUE' }). It wins over the master's environment; tusk's own variables (TUSK_WORKER_ID, PORT) win over it, except NODE_APP_INSTANCE, which tusk leaves alone when set.
   *
   * Server mechanics. Flag: `-e ENV`, `--env ENV`. Default: `[]`.
   */
  raw_env?: string | string[] | Record<string, string>;
  /**
   * The master's control socket, which tusk ctl talks to (mode 0600: only its user, and root). Default: beside the pidfile when there is one (app.pid: app.ctl), else tusk-<master pid>.ctl in the worker tmp dir.
   *
   * Server mechanics. Flag: `--control-socket PATH`. Default: `null`.
   */
  control_socket?: string | null;
  /**
   * Run without a control socket.
   *
   * Server mechanics. Flag: `--no-control-socket`. Default: `false`.
   */
  control_socket_disable?: boolean;
  /**
   * on_starting(server), in the master: as the master starts: after the pidfile is written, before the listeners are bound. A promise it returns: awaited before binding. A throw: the server does not start (exit 3).
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  on_starting?: Hooks['on_starting'] | null;
  /**
   * nworkers_changed(server, newValue, oldValue), in the master: after on_starting with oldValue null, then whenever the number of workers changes: TTIN, TTOU, WINCH (to 0), a reload with another `workers`, a failed reload rolled back. A promise it returns: not awaited (a rejection is logged). A throw: logged with the hook's name; tusk carries on.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  nworkers_changed?: Hooks['nworkers_changed'] | null;
  /**
   * when_ready(server), in the master: once the listeners are bound, before the first workers are spawned. A promise it returns: awaited before the first workers are spawned. A throw: the server does not start (exit 3).
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  when_ready?: Hooks['when_ready'] | null;
  /**
   * pre_fork(server, worker), in the master: just before each worker (or spare) is spawned; worker.pid is null. A promise it returns: not awaited (a rejection is logged). A throw: logged with the hook's name; tusk carries on.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  pre_fork?: Hooks['pre_fork'] | null;
  /**
   * post_fork(server, worker), in the worker: first thing in the new worker process, before the app is loaded. A promise it returns: awaited before the app is loaded. A throw: the worker fails to boot (exit 3): the server stops, or a reload is rolled back.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  post_fork?: Hooks['post_fork'] | null;
  /**
   * post_worker_init(worker), in the worker: after the app is loaded, before the worker accepts or reports ready. A promise it returns: awaited before the worker accepts. A throw: the worker fails to boot (exit 3): the server stops, or a reload is rolled back.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  post_worker_init?: Hooks['post_worker_init'] | null;
  /**
   * pre_request(worker, req), in the worker: for each request, before the app sees it (requests refused for a limit never reach it). A promise it returns: not awaited (a rejection is logged). A throw: logged with the hook's name; tusk carries on; the request is served.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  pre_request?: Hooks['pre_request'] | null;
  /**
   * post_request(worker, req, res), in the worker: after each response has ended, or was cut short. A promise it returns: not awaited (a rejection is logged). A throw: logged with the hook's name; tusk carries on.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  post_request?: Hooks['post_request'] | null;
  /**
   * on_reload(server), in the master: on HUP, once the configuration is read again (server.settings shows the new one), before anything changes and the new generation is spawned. A promise it returns: awaited before the new generation is spawned. A throw: logged with the hook's name; tusk carries on.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  on_reload?: Hooks['on_reload'] | null;
  /**
   * pre_exec(server), in the master: on USR2, just before the new master is started (the pidfile is already renamed to PIDFILE.oldbin). A promise it returns: not awaited (a rejection is logged). A throw: logged with the hook's name; tusk carries on.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  pre_exec?: Hooks['pre_exec'] | null;
  /**
   * worker_int(worker), in the worker: on INT or QUIT (a quick stop), before the worker exits. A promise it returns: awaited (the master SIGKILLs a worker 1 s into a quick stop). A throw: logged with the hook's name; tusk carries on.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  worker_int?: Hooks['worker_int'] | null;
  /**
   * worker_abort(worker), in the worker: on SIGABRT, which the master sends to a worker whose heartbeat timed out (after logging its stack), even when its event loop is stuck in JavaScript; SIGKILL follows 1 s later. A promise it returns: not awaited (a stuck worker runs nothing after it). A throw: logged with the hook's name; tusk carries on.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  worker_abort?: Hooks['worker_abort'] | null;
  /**
   * worker_exit(server, worker), in the worker: as a worker exits (graceful stop, quick stop, max_requests, the app's own exit); for a worker a signal killed (SIGKILL, a native crash), the master runs it after reaping. A promise it returns: awaited before the worker exits (within graceful_timeout). A throw: logged with the hook's name; tusk carries on.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  worker_exit?: Hooks['worker_exit'] | null;
  /**
   * child_exit(server, worker), in the master: after each worker process is reaped, however it ended. A promise it returns: not awaited (a rejection is logged). A throw: logged with the hook's name; tusk carries on.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  child_exit?: Hooks['child_exit'] | null;
  /**
   * on_exit(server), in the master: after the last worker is gone, just before the master exits. A promise it returns: awaited before exit, up to graceful_timeout. A throw: logged with the hook's name; tusk carries on.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  on_exit?: Hooks['on_exit'] | null;
}

/** The same settings by their camelCase spellings (gracefulTimeout for graceful_timeout), which config files may use too. */
export interface CamelCaseOptions {
  /**
   * Set SO_REUSEPORT on TCP listeners, so that another master can bind the same address.
   *
   * Server socket. Flag: `--reuse-port`. Default: `false`.
   */
  reusePort?: boolean;
  /**
   * Warm spares: workers that have loaded the app and wait without accepting, promoted at once when a worker dies, is retired (max_requests, TERM) or is timed out. 0 disables.
   *
   * Worker processes. Flag: `--spare-workers INT`. Default: `0`.
   */
  spareWorkers?: number;
  /**
   * How long a worker may take to load the app and start serving (an app that calls listen() may do so this long after it loads, e.g. once its database is connected). A worker not ready by then is a boot failure (PM2's listen_timeout). 0 waits forever.
   *
   * Worker processes. Flag: `--boot-timeout SECONDS`. Default: `30`.
   */
  bootTimeout?: number;
  /**
   * Maximum number of open connections per worker; above it the worker stops accepting.
   *
   * Worker processes. Flag: `--worker-connections INT`. Default: `1000`.
   */
  workerConnections?: number;
  /**
   * Restart a worker gracefully after it has served this many requests (0 disables).
   *
   * Worker processes. Flag: `--max-requests INT`. Default: `0`.
   */
  maxRequests?: number;
  /**
   * Add a random 0..N to max_requests per worker, so that workers do not restart together.
   *
   * Worker processes. Flag: `--max-requests-jitter INT`. Default: `0`.
   */
  maxRequestsJitter?: number;
  /**
   * Recycle a worker whose resident memory (RSS, sampled by the master every 1 s) stays above this many megabytes for 3 samples in a row: its replacement is started first, then it stops gracefully (like a reload). 0 disables.
   *
   * Worker processes. Flag: `--max-worker-memory MB`. Default: `0`.
   */
  maxWorkerMemory?: number;
  /**
   * After TERM (or a reload), how long workers may finish in-flight requests before they are killed.
   *
   * Worker processes. Flag: `--graceful-timeout SECONDS`. Default: `30`.
   */
  gracefulTimeout?: number;
  /**
   * A request not answered this long after its head arrived gets 503 and a closed connection (or, when its response has begun, only the closed connection), and the app's abort signal fires (fetch: request.signal; node: 'aborted' and 'close' on req; native: onAbort); the worker keeps serving. Checked every quarter of the timeout, at most every second. 0 disables.
   *
   * Worker processes. Flag: `--request-timeout SECONDS`. Default: `0`.
   */
  requestTimeout?: number;
  /**
   * Largest request line in bytes (method, target and version; CRLF excluded); longer ones get 414. 0 for no limit.
   *
   * Security. Flag: `--limit-request-line INT`. Default: `4094`.
   */
  limitRequestLine?: number;
  /**
   * Most header field lines in a request; more get 431.
   *
   * Security. Flag: `--limit-request-fields INT`. Default: `100`.
   */
  limitRequestFields?: number;
  /**
   * Largest header field line in bytes, its CRLF included; larger ones get 431. 0 for no limit.
   *
   * Security. Flag: `--limit-request-field-size INT`. Default: `8190`.
   */
  limitRequestFieldSize?: number;
  /**
   * Largest request body in bytes (Content-Length, or the decoded size of a chunked body); larger ones get 413. 0 for no limit.
   *
   * Security. Flag: `--limit-request-body BYTES`. Default: `0`.
   */
  limitRequestBody?: number;
  /**
   * Time a client has to send a whole request head, counted from its first byte (or from the connection's opening); a slower client is disconnected (slowloris protection).
   *
   * Security. Flag: `--header-timeout SECONDS`. Default: `10`.
   */
  headerTimeout?: number;
  /**
   * PEM CA certificates that client certificates are checked against (with cert_reqs).
   *
   * SSL. Flag: `--ca-certs FILE`. Default: `null`.
   */
  caCerts?: string | null;
  /**
   * Client certificates, as Gunicorn: 0 not asked for, 1 asked for and checked when given (optional), 2 required (a client without a valid one fails the handshake).
   *
   * SSL. Flag: `--cert-reqs INT`. Default: `0`.
   */
  certReqs?: 0 | 1 | 2 | 'none' | 'optional' | 'required';
  /**
   * The lowest TLS version accepted: TLSv1.2 or TLSv1.3. Gunicorn's names are taken too: TLS, TLS_SERVER, SSLv23 and TLSv1_2 mean TLSv1.2, TLSv1_3 means TLSv1.3.
   *
   * SSL. Flag: `--ssl-version VERSION`. Default: `"TLSv1.2"`.
   */
  sslVersion?: 'TLSv1.2' | 'TLSv1.3' | 'TLS' | 'TLS_SERVER' | 'SSLv23' | 'TLSv1_2' | 'TLSv1_3';
  /**
   * The access log format: Gunicorn's atoms as %(atom)s (h l u t r m U q H s B b f a T M D L p, %({header}i)s, %({header}o)s, %({variable}e)s), or json for one JSON object per line. Default %(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"
   *
   * Logging. Flag: `--access-logformat STRING`, `--access-log-format STRING`. Default: `"%(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\""`.
   */
  accessLogFormat?: string;
  /**
   * Redirect the workers' stdout and stderr (console.log, uncaught errors) into the error log.
   *
   * Logging. Flag: `--capture-output`. Default: `false`.
   */
  captureOutput?: boolean;
  /**
   * Serve /metrics (Prometheus text format, aggregated over every worker), /ready and /live from the master at HOST:PORT. Off by default. Never exposed to the app's clients: bind it to a private address.
   *
   * Logging. Flag: `--metrics-bind ADDRESS`. Default: `null`.
   */
  metricsBind?: string | null;
  /**
   * Send Gunicorn's statsd metrics (tusk.requests, tusk.request.duration, tusk.request.status.CODE, tusk.workers, tusk.log.*) to HOST:PORT over UDP, from the master, once a second. Off by default.
   *
   * Logging. Flag: `--statsd-host STATSD_ADDR`. Default: `null`.
   */
  statsdHost?: string | null;
  /**
   * Prefix before every statsd metric name, a dot added: shop gives shop.tusk.requests. Default: none (tusk.requests).
   *
   * Logging. Flag: `--statsd-prefix STATSD_PREFIX`. Default: `""`.
   */
  statsdPrefix?: string;
  /**
   * Tags added to every statsd metric, DogStatsD style: comma-separated key:value (or key) pairs, e.g. env:prod,app:shop.
   *
   * Logging. Flag: `--dogstatsd-tags DOGSTATSD_TAGS`. Default: `""`.
   */
  dogstatsdTags?: string;
  /**
   * Peers trusted to say who the client is (X-Forwarded-For, Forwarded) and whether it came over https (secure_scheme_headers, Forwarded proto=): a comma list of IPs and CIDRs, or * for any. Peers on unix sockets are always trusted. Default $FORWARDED_ALLOW_IPS, else 127.0.0.1,::1.
   *
   * Server mechanics. Flag: `--forwarded-allow-ips STRING`. Default: `["127.0.0.1","::1"]`.
   */
  forwardedAllowIps?: string[];
  /**
   * Headers with which a trusted proxy (forwarded_allow_ips) marks a request as https, and the value each must have (compared without regard to case). A config file gives an object; the command line a comma list of HEADER=VALUE; "" for none.
   *
   * Server mechanics. Flag: `--secure-scheme-headers HEADER=VALUE,...`. Default: `{"X-FORWARDED-PROTOCOL":"ssl","X-FORWARDED-PROTO":"https","X-FORWARDED-SSL":"on"}`.
   */
  secureSchemeHeaders?: object;
  /**
   * Every connection starts with a PROXY protocol header (version 1 or 2, as haproxy, nginx and cloud load balancers send), whose source address becomes the client address. A connection from a peer not in proxy_allow_ips, or without a valid header within header_timeout, is closed.
   *
   * Server mechanics. Flag: `--proxy-protocol`. Default: `false`.
   */
  proxyProtocol?: boolean;
  /**
   * Peers allowed to connect with a PROXY protocol header: a comma list of IPs and CIDRs, or * for any. Peers on unix sockets are always allowed.
   *
   * Server mechanics. Flag: `--proxy-allow-ips STRING`. Default: `["127.0.0.1","::1"]`.
   */
  proxyAllowIps?: string[];
  /**
   * Directory for the workers' heartbeat files. Default /dev/shm when it exists, else the OS temp dir.
   *
   * Server mechanics. Flag: `--worker-tmp-dir DIR`. Default: `null`.
   */
  workerTmpDir?: string | null;
  /**
   * Set an environment variable in the workers: KEY=VALUE, repeatable (in a config file a list of them, or an object { KEY: 'VALUE' }). It wins over the master's environment; tusk's own variables (TUSK_WORKER_ID, PORT) win over it, except NODE_APP_INSTANCE, which tusk leaves alone when set.
   *
   * Server mechanics. Flag: `-e ENV`, `--env ENV`. Default: `[]`.
   */
  rawEnv?: string | string[] | Record<string, string>;
  /**
   * The master's control socket, which tusk ctl talks to (mode 0600: only its user, and root). Default: beside the pidfile when there is one (app.pid: app.ctl), else tusk-<master pid>.ctl in the worker tmp dir.
   *
   * Server mechanics. Flag: `--control-socket PATH`. Default: `null`.
   */
  controlSocket?: string | null;
  /**
   * Run without a control socket.
   *
   * Server mechanics. Flag: `--no-control-socket`. Default: `false`.
   */
  controlSocketDisable?: boolean;
  /**
   * on_starting(server), in the master: as the master starts: after the pidfile is written, before the listeners are bound. A promise it returns: awaited before binding. A throw: the server does not start (exit 3).
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  onStarting?: Hooks['on_starting'] | null;
  /**
   * nworkers_changed(server, newValue, oldValue), in the master: after on_starting with oldValue null, then whenever the number of workers changes: TTIN, TTOU, WINCH (to 0), a reload with another `workers`, a failed reload rolled back. A promise it returns: not awaited (a rejection is logged). A throw: logged with the hook's name; tusk carries on.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  nworkersChanged?: Hooks['nworkers_changed'] | null;
  /**
   * when_ready(server), in the master: once the listeners are bound, before the first workers are spawned. A promise it returns: awaited before the first workers are spawned. A throw: the server does not start (exit 3).
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  whenReady?: Hooks['when_ready'] | null;
  /**
   * pre_fork(server, worker), in the master: just before each worker (or spare) is spawned; worker.pid is null. A promise it returns: not awaited (a rejection is logged). A throw: logged with the hook's name; tusk carries on.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  preFork?: Hooks['pre_fork'] | null;
  /**
   * post_fork(server, worker), in the worker: first thing in the new worker process, before the app is loaded. A promise it returns: awaited before the app is loaded. A throw: the worker fails to boot (exit 3): the server stops, or a reload is rolled back.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  postFork?: Hooks['post_fork'] | null;
  /**
   * post_worker_init(worker), in the worker: after the app is loaded, before the worker accepts or reports ready. A promise it returns: awaited before the worker accepts. A throw: the worker fails to boot (exit 3): the server stops, or a reload is rolled back.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  postWorkerInit?: Hooks['post_worker_init'] | null;
  /**
   * pre_request(worker, req), in the worker: for each request, before the app sees it (requests refused for a limit never reach it). A promise it returns: not awaited (a rejection is logged). A throw: logged with the hook's name; tusk carries on; the request is served.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  preRequest?: Hooks['pre_request'] | null;
  /**
   * post_request(worker, req, res), in the worker: after each response has ended, or was cut short. A promise it returns: not awaited (a rejection is logged). A throw: logged with the hook's name; tusk carries on.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  postRequest?: Hooks['post_request'] | null;
  /**
   * on_reload(server), in the master: on HUP, once the configuration is read again (server.settings shows the new one), before anything changes and the new generation is spawned. A promise it returns: awaited before the new generation is spawned. A throw: logged with the hook's name; tusk carries on.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  onReload?: Hooks['on_reload'] | null;
  /**
   * pre_exec(server), in the master: on USR2, just before the new master is started (the pidfile is already renamed to PIDFILE.oldbin). A promise it returns: not awaited (a rejection is logged). A throw: logged with the hook's name; tusk carries on.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  preExec?: Hooks['pre_exec'] | null;
  /**
   * worker_int(worker), in the worker: on INT or QUIT (a quick stop), before the worker exits. A promise it returns: awaited (the master SIGKILLs a worker 1 s into a quick stop). A throw: logged with the hook's name; tusk carries on.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  workerInt?: Hooks['worker_int'] | null;
  /**
   * worker_abort(worker), in the worker: on SIGABRT, which the master sends to a worker whose heartbeat timed out (after logging its stack), even when its event loop is stuck in JavaScript; SIGKILL follows 1 s later. A promise it returns: not awaited (a stuck worker runs nothing after it). A throw: logged with the hook's name; tusk carries on.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  workerAbort?: Hooks['worker_abort'] | null;
  /**
   * worker_exit(server, worker), in the worker: as a worker exits (graceful stop, quick stop, max_requests, the app's own exit); for a worker a signal killed (SIGKILL, a native crash), the master runs it after reaping. A promise it returns: awaited before the worker exits (within graceful_timeout). A throw: logged with the hook's name; tusk carries on.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  workerExit?: Hooks['worker_exit'] | null;
  /**
   * child_exit(server, worker), in the master: after each worker process is reaped, however it ended. A promise it returns: not awaited (a rejection is logged). A throw: logged with the hook's name; tusk carries on.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  childExit?: Hooks['child_exit'] | null;
  /**
   * on_exit(server), in the master: after the last worker is gone, just before the master exits. A promise it returns: awaited before exit, up to graceful_timeout. A throw: logged with the hook's name; tusk carries on.
   *
   * Server hooks. A function in the config file only. Default: `null`.
   */
  onExit?: Hooks['on_exit'] | null;
}
