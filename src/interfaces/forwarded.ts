// interfaces/forwarded.ts — the client behind proxies, for node-interface apps. Node's own http
// parses their requests, so `req.socket.remoteAddress` stays the peer (the proxy; with the PROXY
// protocol, the client its header named). `clientOf(req)` applies the same rule the engine applies
// for fetch and native apps — forwarded_allow_ips, X-Forwarded-For / Forwarded, secure_scheme_headers
// — by calling that very code in the addon (native/http/forwarded.cc); `trustProxy` hands the same
// allow-list to Express (`app.set('trust proxy', trustProxy)`).
import type http from 'node:http';
import { addon, type Forwarded } from '../native.js';
import { defaultSettings, type Settings } from '../config/settings.js';

/** A request's client as tusk sees it through trusted proxies. */
export interface ClientInfo {
  /** The client's address: the peer, or the one a trusted proxy names. */
  remoteAddress: string;
  /** Its port; 0 when the proxy named the address without one. */
  remotePort: number;
  /** A trusted proxy says the request came over https. */
  secure: boolean;
}

let rule: Forwarded | null = null;

/** The worker's (or embedded server's) settings for clientOf and trustProxy. */
export function useForwardedSettings(settings: Pick<Settings, 'forwarded_allow_ips' | 'secure_scheme_headers'>): void {
  rule = new addon.Forwarded(settings.forwarded_allow_ips, Object.entries(settings.secure_scheme_headers).flat());
}

/** Outside a tusk worker: the defaults (and FORWARDED_ALLOW_IPS). */
function current(): Forwarded {
  if (!rule) useForwardedSettings(defaultSettings(process.env));
  return rule!;
}

/** The client of a node-interface request, through the proxies forwarded_allow_ips trusts. */
export function clientOf(req: http.IncomingMessage): ClientInfo {
  const [remoteAddress, remotePort, secure] = current().resolve(req.socket.remoteAddress, req.socket.remotePort, req.rawHeaders);
  return { remoteAddress, remotePort, secure };
}

/**
 * Express's `trust proxy` as a function of tusk's forwarded_allow_ips: with
 * `app.set('trust proxy', trustProxy)`, req.ip, req.ips, req.protocol and req.secure follow the
 * same allow-list as tusk (Express reads X-Forwarded-For and X-Forwarded-Proto only).
 */
export function trustProxy(address: string): boolean {
  return current().trusts(address);
}
