// tls.ts — TLS for every interface: reads and checks the certificate settings (certfile, keyfile,
// ca_certs, cert_reqs, ciphers, ssl_version) into one TlsMaterial, with a one-line ConfigError
// naming the setting at fault. The master checks it when the configuration is resolved (at startup,
// and again on each HUP, so a bad renewed certificate keeps the old workers serving); each worker
// reads the files anew when it boots, which is how a reload picks up a renewed certificate. The
// node interface wraps its sockets with secureContext(); the engine (native/tls/) gets the same
// PEM bytes and builds its own SSL_CTX with the OpenSSL that Node ships (see docs/tls.md).
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import tls from 'node:tls';
import { ConfigError } from './errors.js';
import type { Settings } from './config/settings.js';

/** The lowest TLS version a client may use, in the spelling Node's tls and the engine take. */
export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

/**
 * ssl_version: the floor, by the names Node uses and by Gunicorn's (Python's ssl module). Gunicorn's
 * TLS, TLS_SERVER and SSLv23 negotiate the highest version both sides have: here that is a floor of
 * TLS 1.2, Node's own. Its TLSv1_2 (exactly 1.2 in Python) is a floor of 1.2 here, TLSv1_3 one of 1.3.
 * SSLv3, TLSv1 and TLSv1_1 are refused: the OpenSSL that Node ships does not offer them at its
 * default security level.
 */
export const TLS_VERSIONS: Readonly<Record<string, TlsVersion>> = {
  'TLSv1.2': 'TLSv1.2', 'TLSv1.3': 'TLSv1.3',
  TLS: 'TLSv1.2', TLS_SERVER: 'TLSv1.2', SSLv23: 'TLSv1.2', TLSv1_2: 'TLSv1.2', TLSv1_3: 'TLSv1.3',
};

/** cert_reqs, as Gunicorn (Python's ssl.CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED). */
export const CERT_REQS = { none: 0, optional: 1, required: 2 } as const;
export type CertReqs = (typeof CERT_REQS)[keyof typeof CERT_REQS];

/** The settings TLS reads. */
export type TlsSettings = Pick<Settings, 'certfile' | 'keyfile' | 'ca_certs' | 'cert_reqs' | 'ciphers' | 'ssl_version'>;

/** What a TLS listener serves with, read from the files. */
export interface TlsMaterial {
  /** The certificate chain, PEM: the server's certificate first. */
  cert: Buffer;
  /** The private key, PEM (from keyfile, else from certfile). */
  key: Buffer;
  /** CA certificates that client certificates are checked against, PEM; null: none. */
  ca: Buffer | null;
  verify: CertReqs;
  ciphers: string | null;
  minVersion: TlsVersion;
}

/** The one protocol both the engine and the node interface offer over ALPN. */
export const ALPN_PROTOCOLS = ['http/1.1'];

function bad(setting: string, why: string): never {
  throw new ConfigError(`${setting}: ${why}`);
}

function readPem(setting: string, file: string, cwd: string): Buffer {
  const full = path.resolve(cwd, file);
  try {
    return fs.readFileSync(full);
  } catch (err) {
    return bad(setting, `cannot read ${full} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** OpenSSL's message without its library prefix, on one line. */
function reason(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!.replace(/^error:[0-9A-F]+:[^:]*:[^:]*:/, '');
}

/**
 * Reads and checks the TLS settings, relative to `cwd`; null when TLS is off (no certfile). Every
 * failure is a ConfigError naming the setting: an unreadable file, a file that holds no certificate
 * or key, a key that does not match the certificate, a CA file without certificates, ciphers
 * OpenSSL does not know, or a setting that needs certfile without it.
 */
export function loadTls(s: TlsSettings, cwd: string): TlsMaterial | null {
  if (s.certfile === null) {
    if (s.keyfile !== null) bad('keyfile', 'needs certfile');
    if (s.ca_certs !== null) bad('ca_certs', 'needs certfile');
    if (s.cert_reqs !== CERT_REQS.none) bad('cert_reqs', 'needs certfile');
    return null;
  }
  const cert = readPem('certfile', s.certfile, cwd);
  try {
    new crypto.X509Certificate(cert);
  } catch (err) {
    bad('certfile', `no PEM certificate in ${s.certfile} (${reason(err)})`);
  }
  const key = s.keyfile === null ? cert : readPem('keyfile', s.keyfile, cwd);
  const keySetting = s.keyfile === null ? 'certfile' : 'keyfile';
  try {
    crypto.createPrivateKey(key);
  } catch (err) {
    if (s.keyfile === null) bad('certfile', `no PEM private key in ${s.certfile}, and keyfile is not set`);
    bad('keyfile', `no PEM private key in ${s.keyfile} (${reason(err)})`);
  }
  const ca = s.ca_certs === null ? null : readPem('ca_certs', s.ca_certs, cwd);
  if (ca !== null && !ca.includes('-----BEGIN CERTIFICATE-----')) bad('ca_certs', `no PEM certificate in ${s.ca_certs}`);
  if (s.cert_reqs !== CERT_REQS.none && ca === null) bad('cert_reqs', 'checking client certificates needs ca_certs');
  const material: TlsMaterial = { cert, key, ca, verify: s.cert_reqs, ciphers: s.ciphers, minVersion: s.ssl_version };
  try {
    secureContext(material);
  } catch (err) {
    const why = reason(err);
    if (/cipher/i.test(why)) bad('ciphers', `OpenSSL accepts none of ${JSON.stringify(s.ciphers)} (${why})`);
    if (/key values mismatch/i.test(why)) bad(keySetting, `the private key does not match the certificate in ${s.certfile}`);
    bad(ca !== null && /ca|x509|pem/i.test(why) ? 'ca_certs' : 'certfile', why);
  }
  return material;
}

/** A SecureContext of node:tls for the material: the node interface's, and the master's check. */
export function secureContext(m: TlsMaterial): tls.SecureContext {
  return tls.createSecureContext({
    cert: m.cert, key: m.key, minVersion: m.minVersion,
    ...(m.ca ? { ca: m.ca } : {}),
    ...(m.ciphers ? { ciphers: m.ciphers } : {}),
  });
}

/** The options of a server-side tls.TLSSocket for the material (the node interface). */
export function tlsSocketOptions(m: TlsMaterial): tls.TLSSocketOptions {
  return {
    isServer: true,
    secureContext: secureContext(m),
    ALPNProtocols: ALPN_PROTOCOLS,
    requestCert: m.verify !== CERT_REQS.none,
    rejectUnauthorized: m.verify === CERT_REQS.required,
  };
}
