import { availableParallelism } from 'node:os';
import { isAbsolute, normalize } from 'node:path';
import { parseAddressRange } from '../lib/outbound/addresses.js';
import { AllowList } from '../lib/outbound/allow-list.js';
import { isLoopbackHost } from '../lib/loopback.js';
import { parseDatabaseUrl } from '../storage/database.js';
import { readCaBundle, readTlsPair } from './tls-files.js';

/** Validated, frozen settings of one Tessera process, each documented in docs/configuration.md. */
export interface Config {
  readonly databaseUrl: string;
  /** External base URL of the public listener, no trailing slash: the default tenant's issuer. */
  readonly publicUrl: string;
  readonly publicHost: string;
  readonly publicPort: number;
  readonly adminHost: string;
  readonly adminPort: number;
  readonly adminToken: string | undefined;
  /** A bearer token that may read `/metrics` and nothing else (for a Prometheus scraper). */
  readonly metricsToken: string | undefined;
  /** TESSERA_SECRET: 64 hex characters, or undefined to use the generated file (SQLite only). */
  readonly secret: string | undefined;
  readonly logLevel: string;
  /** e.g. `%s.auth.example.com`: tenants served on their own host. */
  readonly tenantHost: string | undefined;
  /** `token` (default): every admin call needs a bearer token; `loopback`: loopback callers may omit it. */
  readonly adminAuth: 'token' | 'loopback';
  /** Seconds a signing key signs before the scheduled rotation replaces it; 0 turns it off. */
  readonly keyRotationInterval: number;
  /** Seconds the next signing key is published in the JWKS before it signs. */
  readonly keyPublishAhead: number;
  /** Failed client authentications per client id, and per source address, that lock it (RFC 6749 §2.3.1); 0 = off. */
  readonly bruteForceMaxFailures: number;
  /** Seconds: the window failures are counted in, and how long a lockout lasts. */
  readonly bruteForceWindow: number;
  /** PostgreSQL: connections in each process's pool. */
  readonly databasePoolSize: number;
  /**
   * Seconds the token endpoint keeps serving the clients it has in memory while the database is
   * unavailable; then it answers 503 to everyone until the database is back.
   */
  readonly outageGrace: number;
  /**
   * Which proxies in front of the public listener are believed about the client address
   * (X-Forwarded-For): none (false), all (true), a hop count, or addresses and CIDR ranges.
   */
  readonly trustProxy: boolean | number | readonly string[];
  /**
   * Processes serving the public listener (`tessera serve --workers N`, default one per core).
   * With 1 a single process serves both listeners; with more, a primary process serves the admin
   * listener and runs upkeep, and N worker processes share the public port.
   */
  readonly workers: number;
  /**
   * Host names, IP addresses and CIDR ranges outbound fetches (a client's jwks_uri) may reach
   * although they are not public, over http too; empty by default.
   */
  readonly outboundAllow: readonly string[];
  /** Token files a kubernetes federated issuer's `bearer_token_file` may name: absolute paths, or directories ending in `/`. */
  readonly federationTokenFiles: readonly string[];
  /** Seconds a request may take to arrive in full, headers and body; then 408 and the connection is closed. */
  readonly httpRequestTimeout: number;
  /** Seconds a connection may take to send a request's headers (at most httpRequestTimeout). */
  readonly httpHeadersTimeout: number;
  /** Seconds an idle keep-alive connection is kept open between requests. */
  readonly httpKeepAliveTimeout: number;
  /** Open connections each listener of each process accepts; more are closed at once. */
  readonly httpMaxConnections: number;
  /** Requests served on one connection before it is closed (`Connection: close`); 0 = no limit. */
  readonly httpMaxRequestsPerSocket: number;
  /** Seconds a shutdown waits for requests in flight before closing their connections. */
  readonly shutdownTimeout: number;
  /**
   * Seconds between rounds of background upkeep: the writes of counted token activity and secret
   * use, scheduled key rotation, purges of what has expired.
   */
  readonly upkeepInterval: number;
  /** Seconds between two writes of this server's token quota counts to the database, which also read the other servers' (docs/quotas.md). */
  readonly quotaSyncInterval: number;
  /** PEM file of the public listener's certificate (and its chain); with tlsKey, the public listener speaks HTTPS only. */
  readonly tlsCert: string | undefined;
  /** PEM file of the private key of tlsCert. */
  readonly tlsKey: string | undefined;
  /** PEM bundle of the CAs trusted for tls_client_auth in every tenant (RFC 8705 §2.1); tenants may add their own. */
  readonly tlsClientCa: string | undefined;
  /** Where client certificates may come from besides the TLS handshake: `client-cert` reads RFC 9440 headers from trusted proxies. */
  readonly clientCertHeader: 'off' | 'client-cert';
}

/** Settings as flags of `tessera serve`; each overrides its environment variable. */
export type ConfigFlags = Partial<Record<keyof Config, string>>;

/** A setting is wrong; the message names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The environment variable of each setting (docs/configuration.md documents each one). */
export const VARIABLES: Readonly<Record<keyof Config, string>> = {
  databaseUrl: 'TESSERA_DATABASE_URL',
  publicUrl: 'TESSERA_PUBLIC_URL',
  publicHost: 'TESSERA_PUBLIC_HOST',
  publicPort: 'TESSERA_PUBLIC_PORT',
  adminHost: 'TESSERA_ADMIN_HOST',
  adminPort: 'TESSERA_ADMIN_PORT',
  adminToken: 'TESSERA_ADMIN_TOKEN',
  metricsToken: 'TESSERA_METRICS_TOKEN',
  secret: 'TESSERA_SECRET',
  logLevel: 'TESSERA_LOG_LEVEL',
  tenantHost: 'TESSERA_TENANT_HOST',
  adminAuth: 'TESSERA_ADMIN_AUTH',
  keyRotationInterval: 'TESSERA_KEY_ROTATION_INTERVAL',
  keyPublishAhead: 'TESSERA_KEY_PUBLISH_AHEAD',
  bruteForceMaxFailures: 'TESSERA_BRUTE_FORCE_MAX_FAILURES',
  bruteForceWindow: 'TESSERA_BRUTE_FORCE_WINDOW',
  databasePoolSize: 'TESSERA_DATABASE_POOL_SIZE',
  outageGrace: 'TESSERA_OUTAGE_GRACE',
  trustProxy: 'TESSERA_TRUST_PROXY',
  workers: 'TESSERA_WORKERS',
  outboundAllow: 'TESSERA_OUTBOUND_ALLOW',
  federationTokenFiles: 'TESSERA_FEDERATION_TOKEN_FILES',
  httpRequestTimeout: 'TESSERA_HTTP_REQUEST_TIMEOUT',
  httpHeadersTimeout: 'TESSERA_HTTP_HEADERS_TIMEOUT',
  httpKeepAliveTimeout: 'TESSERA_HTTP_KEEP_ALIVE_TIMEOUT',
  httpMaxConnections: 'TESSERA_HTTP_MAX_CONNECTIONS',
  httpMaxRequestsPerSocket: 'TESSERA_HTTP_MAX_REQUESTS_PER_SOCKET',
  shutdownTimeout: 'TESSERA_SHUTDOWN_TIMEOUT',
  upkeepInterval: 'TESSERA_UPKEEP_INTERVAL',
  quotaSyncInterval: 'TESSERA_QUOTA_SYNC_INTERVAL',
  tlsCert: 'TESSERA_TLS_CERT',
  tlsKey: 'TESSERA_TLS_KEY',
  tlsClientCa: 'TESSERA_TLS_CLIENT_CA',
  clientCertHeader: 'TESSERA_CLIENT_CERT_HEADER',
};

/** Most worker processes `--workers` accepts. */
export const MAX_WORKERS = 64;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function seconds(name: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 10 * 365 * 86_400) throw new ConfigError(`${name} must be a number of seconds, got ${JSON.stringify(value)}`);
  return Number(value);
}

function poolSize(value: string): number {
  const n = Number(value);
  // The migration lock holds one connection while the migrations run on another.
  if (!/^\d+$/.test(value) || n < 2 || n > 1000)
    throw new ConfigError(`TESSERA_DATABASE_POOL_SIZE must be a number of connections from 2 to 1000, got ${JSON.stringify(value)}`);
  return n;
}

function trustProxy(value: string): boolean | number | string[] {
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^\d+$/.test(value) && Number(value) <= 100) return Number(value);
  const entries = value.split(',').map((e) => e.trim());
  if (!entries.every((entry) => parseAddressRange(entry) !== null)) {
    throw new ConfigError(
      `TESSERA_TRUST_PROXY must be true, false, a number of proxy hops, or IP addresses and CIDR ranges separated by commas, got ${JSON.stringify(value)}`,
    );
  }
  return entries;
}

/** Host names, IP addresses and CIDR ranges separated by commas; the error names the first wrong entry. */
function outboundAllow(value: string): readonly string[] {
  try {
    return AllowList.parse(value).entries;
  } catch (err) {
    throw new ConfigError(`TESSERA_OUTBOUND_ALLOW must be host names, IP addresses and CIDR ranges separated by commas: ${(err as Error).message}`);
  }
}

/** Absolute paths of files, or of directories ending in `/`, separated by commas. */
function federationTokenFiles(value: string): readonly string[] {
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const wrong = entries.find((e) => !isAbsolute(e) || normalize(e) !== e);
  if (wrong !== undefined) {
    throw new ConfigError(`TESSERA_FEDERATION_TOKEN_FILES must be absolute paths (a directory ends in /) separated by commas, got ${JSON.stringify(wrong)}`);
  }
  return entries;
}

/** `auto` (one per core) or a whole number of worker processes. */
function workers(value: string): number {
  if (value === 'auto') return Math.min(availableParallelism(), MAX_WORKERS);
  return integer('TESSERA_WORKERS', value, 1, MAX_WORKERS, ' (or auto: one per core)');
}

function port(name: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new ConfigError(`${name} must be a port number (0-65535), got ${JSON.stringify(value)}`);
  return n;
}

/** A whole number in [min, max]; the error names the variable. */
function integer(name: string, value: string, min: number, max: number, unit = ''): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}${unit}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Reads settings from flags, then the environment, then defaults; every error names the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, flags: ConfigFlags = {}): Config {
  const get = (key: keyof Config): string | undefined => {
    const v = flags[key] ?? env[VARIABLES[key]];
    return v === '' ? undefined : v;
  };
  const databaseUrl = get('databaseUrl') ?? 'sqlite:./data/tessera.db';
  try {
    parseDatabaseUrl(databaseUrl);
  } catch (err) {
    throw new ConfigError(`TESSERA_DATABASE_URL: ${(err as Error).message}`);
  }
  const publicUrl = (get('publicUrl') ?? 'http://localhost:4444').replace(/\/+$/, '');
  let parsedPublic: URL;
  try {
    parsedPublic = new URL(publicUrl);
  } catch {
    throw new ConfigError(`TESSERA_PUBLIC_URL must be an absolute http(s) URL, got ${JSON.stringify(publicUrl)}`);
  }
  if (!['http:', 'https:'].includes(parsedPublic.protocol) || parsedPublic.search || parsedPublic.hash) {
    throw new ConfigError('TESSERA_PUBLIC_URL must be an http(s) URL without query or fragment');
  }
  const adminToken = get('adminToken');
  if (adminToken !== undefined && adminToken.length < 32) throw new ConfigError('TESSERA_ADMIN_TOKEN must be at least 32 characters');
  const metricsToken = get('metricsToken');
  if (metricsToken !== undefined && !/^[\x21-\x7e]{32,512}$/.test(metricsToken)) {
    // What a Bearer header can carry (the admin API reads at most 512 characters).
    throw new ConfigError('TESSERA_METRICS_TOKEN must be 32 to 512 printable ASCII characters, without spaces');
  }
  const secret = get('secret');
  if (secret !== undefined && !/^[0-9a-fA-F]{64}$/.test(secret)) {
    throw new ConfigError('TESSERA_SECRET must be 32 random bytes written as 64 hex characters (e.g. `openssl rand -hex 32`)');
  }
  if (secret === undefined && parseDatabaseUrl(databaseUrl).dialect === 'postgres') {
    throw new ConfigError('TESSERA_SECRET is required with PostgreSQL: every process must share it (`openssl rand -hex 32`)');
  }
  const logLevel = get('logLevel') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`TESSERA_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const tenantHost = get('tenantHost');
  if (tenantHost !== undefined && (tenantHost.split('%s').length !== 2 || /[/\s]/.test(tenantHost))) {
    throw new ConfigError('TESSERA_TENANT_HOST must be a host name containing %s once, e.g. %s.auth.example.com');
  }
  const adminAuth = get('adminAuth') ?? 'token';
  if (adminAuth !== 'token' && adminAuth !== 'loopback') throw new ConfigError('TESSERA_ADMIN_AUTH must be token or loopback');
  const adminHost = get('adminHost') ?? '127.0.0.1';
  if (adminAuth === 'loopback' && !isLoopbackHost(adminHost)) {
    throw new ConfigError('TESSERA_ADMIN_AUTH=loopback requires TESSERA_ADMIN_HOST to be a loopback address');
  }
  const httpRequestTimeout = integer('TESSERA_HTTP_REQUEST_TIMEOUT', get('httpRequestTimeout') ?? '10', 1, 3600, ' seconds');
  const httpHeadersTimeout = integer('TESSERA_HTTP_HEADERS_TIMEOUT', get('httpHeadersTimeout') ?? String(Math.min(5, httpRequestTimeout)), 1, 3600, ' seconds');
  if (httpHeadersTimeout > httpRequestTimeout) {
    throw new ConfigError(`TESSERA_HTTP_HEADERS_TIMEOUT (${httpHeadersTimeout}) must not exceed TESSERA_HTTP_REQUEST_TIMEOUT (${httpRequestTimeout})`);
  }
  const tlsCert = get('tlsCert');
  const tlsKey = get('tlsKey');
  if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new ConfigError('TESSERA_TLS_CERT and TESSERA_TLS_KEY must be set together (or neither)');
  if (tlsCert !== undefined && tlsKey !== undefined) {
    try {
      readTlsPair({ certPath: tlsCert, keyPath: tlsKey });
    } catch (err) {
      throw new ConfigError(`TESSERA_TLS_CERT, TESSERA_TLS_KEY: ${(err as Error).message}`);
    }
  }
  const tlsClientCa = get('tlsClientCa');
  if (tlsClientCa !== undefined) {
    try {
      readCaBundle(tlsClientCa);
    } catch (err) {
      throw new ConfigError(`TESSERA_TLS_CLIENT_CA: ${(err as Error).message}`);
    }
  }
  const trust = trustProxy(get('trustProxy') ?? 'false');
  const clientCertHeader = get('clientCertHeader') ?? 'off';
  if (clientCertHeader !== 'off' && clientCertHeader !== 'client-cert') {
    throw new ConfigError(`TESSERA_CLIENT_CERT_HEADER must be off or client-cert, got ${JSON.stringify(clientCertHeader)}`);
  }
  if (clientCertHeader !== 'off' && trust === false) {
    throw new ConfigError('TESSERA_CLIENT_CERT_HEADER=client-cert requires TESSERA_TRUST_PROXY: the header is read only from trusted proxies');
  }
  return Object.freeze({
    databaseUrl,
    publicUrl,
    publicHost: get('publicHost') ?? '127.0.0.1',
    publicPort: port('TESSERA_PUBLIC_PORT', get('publicPort') ?? '4444'),
    adminHost,
    adminPort: port('TESSERA_ADMIN_PORT', get('adminPort') ?? '4445'),
    adminToken,
    metricsToken,
    secret,
    logLevel,
    tenantHost,
    adminAuth,
    keyRotationInterval: seconds('TESSERA_KEY_ROTATION_INTERVAL', get('keyRotationInterval') ?? String(30 * 86_400)),
    keyPublishAhead: seconds('TESSERA_KEY_PUBLISH_AHEAD', get('keyPublishAhead') ?? String(86_400)),
    bruteForceMaxFailures: integer('TESSERA_BRUTE_FORCE_MAX_FAILURES', get('bruteForceMaxFailures') ?? '10', 0, 1000, ' (0 turns brute-force protection off)'),
    bruteForceWindow: integer('TESSERA_BRUTE_FORCE_WINDOW', get('bruteForceWindow') ?? '60', 1, 86_400, ' seconds'),
    databasePoolSize: poolSize(get('databasePoolSize') ?? '10'),
    outageGrace: seconds('TESSERA_OUTAGE_GRACE', get('outageGrace') ?? '300'),
    trustProxy: trust,
    workers: workers(get('workers') ?? 'auto'),
    outboundAllow: outboundAllow(get('outboundAllow') ?? ''),
    federationTokenFiles: federationTokenFiles(get('federationTokenFiles') ?? ''),
    httpRequestTimeout,
    httpHeadersTimeout,
    httpKeepAliveTimeout: integer('TESSERA_HTTP_KEEP_ALIVE_TIMEOUT', get('httpKeepAliveTimeout') ?? '5', 1, 3600, ' seconds'),
    httpMaxConnections: integer('TESSERA_HTTP_MAX_CONNECTIONS', get('httpMaxConnections') ?? '10000', 1, 1_000_000, ' connections'),
    httpMaxRequestsPerSocket: integer('TESSERA_HTTP_MAX_REQUESTS_PER_SOCKET', get('httpMaxRequestsPerSocket') ?? '0', 0, 1_000_000_000, ' (0: no limit)'),
    shutdownTimeout: integer('TESSERA_SHUTDOWN_TIMEOUT', get('shutdownTimeout') ?? '10', 1, 3600, ' seconds'),
    upkeepInterval: integer('TESSERA_UPKEEP_INTERVAL', get('upkeepInterval') ?? '60', 1, 3600, ' seconds'),
    quotaSyncInterval: integer('TESSERA_QUOTA_SYNC_INTERVAL', get('quotaSyncInterval') ?? '30', 1, 60, ' seconds'),
    tlsCert,
    tlsKey,
    tlsClientCa,
    clientCertHeader,
  });
}
