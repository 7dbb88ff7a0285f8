// index.ts — tusk's public API: start a master from code, resolve settings, and the types.
export { Arbiter, VERSION, type ArbiterOptions } from './arbiter.js';
export { resolveConfig, formatSettings, type ResolvedConfig, type ConfigSources, type Actions } from './config/load.js';
export { SETTINGS, SECTIONS, defaultSettings, settingSections, type Settings, type SettingName, type SettingSpec, type Section } from './config/settings.js';
export { defineConfig, type TuskConfig } from './config/define.js';
export type { ConfigOptions, CamelCaseOptions } from './config/options.js';
export { EXIT, TuskError, ConfigError, BindError, BootError, AppLoadError, type ExitCode } from './errors.js';
export { parseBind, type BindAddress } from './config/bind.js';
export { loadApp, type OnServer } from './app/load.js';
export { parseAppSpec, type AppSpec, type Literal } from './app/spec.js';
export type { NodeListener } from './interfaces/node.js';
export { serve, type ServeOptions, type EmbeddedServer } from './serve.js';
export { metrics, DEFAULT_BUCKETS, type Metrics, type Counter, type Gauge, type Histogram, type Labels, type MetricType } from './metrics.js';
export { StatsBook, type Figures, type TrackedWorker } from './stats.js';
export { RESTART_REASONS, Restarts, type RestartReason, type Restart, type SlotRecord } from './restarts.js';
export type { NativeRequest, NativeResponse, NativeHandler } from './interfaces/native.js';
export type { FetchHandler, ServeInfo } from './interfaces/fetch.js';
export type { InterfaceName } from './interfaces/index.js';
export {
  HOOKS, type Hooks, type HookName, type HookResult, type HookSettings, type HookSpec, type HookLogger, type ServerInfo, type Server,
  type WorkerInfo, type Worker, type WorkerExit, type HookRequest, type HookResponse,
} from './config/hooks.js';
export { clientOf, trustProxy, type ClientInfo } from './interfaces/forwarded.js';
export type { Request as ControlRequest, Response as ControlResponse, Action as ControlAction, ActionResult, ConfigResult } from './control/protocol.js';
export type { ServerStatus, WorkerStatus, WorkerState, WorkerSummary } from './status.js';
