// config/bind.ts — reading a bind address, Gunicorn's forms: HOST:PORT, [IPv6]:PORT, unix:PATH and
// fd://N. A bad one is a ConfigError naming `bind`; making the socket is listeners.ts's job.
import { ConfigError, describe } from '../errors.js';

export type BindAddress =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'unix'; path: string }
  | { kind: 'fd'; fd: number };

/** The forms a bind address may take, as error messages and --help name them. */
export const BIND_FORMS = 'HOST:PORT, [IPv6]:PORT, unix:PATH or fd://N';

/** The port of HOST or [IPv6] without one. */
const DEFAULT_PORT = 8000;

function badBind(spec: string, why: string): never {
  throw new ConfigError(`bind: expected ${BIND_FORMS} (${why}), got ${describe(spec)}`);
}

function parsePort(spec: string, text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) badBind(spec, 'port must be 0 to 65535');
  return Number(text);
}

/** Parses one bind address; throws a ConfigError naming `bind`. */
export function parseBind(spec: string): BindAddress {
  if (spec.startsWith('unix:')) {
    const path = spec.slice(5);
    if (!path) badBind(spec, 'empty socket path');
    return { kind: 'unix', path };
  }
  if (spec.startsWith('fd://')) {
    const text = spec.slice(5);
    if (!/^\d+$/.test(text)) badBind(spec, 'fd must be a descriptor number');
    return { kind: 'fd', fd: Number(text) };
  }
  if (spec.startsWith('[')) {
    const m = /^\[([0-9A-Fa-f:.%\w]+)\](?::(\d*))?$/.exec(spec);
    if (!m || !m[1]!.includes(':')) badBind(spec, 'malformed IPv6 address');
    return { kind: 'tcp', host: m[1]!, port: m[2] ? parsePort(spec, m[2]) : DEFAULT_PORT };
  }
  const colon = spec.lastIndexOf(':');
  const host = colon < 0 ? spec : spec.slice(0, colon);
  const port = colon < 0 ? DEFAULT_PORT : parsePort(spec, spec.slice(colon + 1));
  if (host.includes(':')) badBind(spec, 'put an IPv6 address in brackets');
  if (host !== '' && !/^[A-Za-z0-9.-]+$/.test(host)) badBind(spec, 'malformed host');
  return { kind: 'tcp', host: host || '0.0.0.0', port };
}

/** The bind setting: one address or a list, each checked by parseBind. */
export function parseBinds(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new ConfigError(`bind: expected at least one address, got ${describe(value)}`);
  return list.map((item) => {
    if (typeof item !== 'string') throw new ConfigError(`bind: expected ${BIND_FORMS}, got ${describe(item)}`);
    parseBind(item);
    return item;
  });
}
