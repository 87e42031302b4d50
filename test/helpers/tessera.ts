import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/app/config.js';
import { createLogger } from '../../src/app/logger.js';
import { startServer, type RunningServer } from '../../src/app/server.js';
import type { Clock } from '../../src/lib/clock.js';
import type { JwtVerifier } from '../../src/lib/jwt-verifier.js';
import type { TestDialect } from './dialects.js';
import { freePort } from './ports.js';
import { sharedPostgres } from './postgres.js';

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body, or undefined when the body is empty or not JSON. */
  body: any;
}

async function toResult(response: Response): Promise<HttpResult> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}

export interface TestTessera {
  readonly server: RunningServer;
  readonly config: Config;
  readonly dialect: TestDialect;
  readonly dataDir: string;
  /** Base URL of the public listener, also the default tenant's issuer. */
  readonly publicUrl: string;
  readonly adminUrl: string;
  readonly adminToken: string;
  /** Every log line written so far (JSON text). */
  readonly logs: string[];
  /** Calls the admin API with the bootstrap token (or `token`), JSON in and out. */
  admin(method: string, path: string, body?: unknown, options?: { token?: string | null; headers?: Record<string, string> }): Promise<HttpResult>;
  /** POSTs a form to the public listener. */
  form(path: string, params: Record<string, string | string[]>, headers?: Record<string, string>): Promise<HttpResult>;
  /** Raw request to the public listener. */
  publicFetch(path: string, init?: RequestInit): Promise<HttpResult>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** The store: a fresh SQLite file in `dataDir` (default), or a fresh database on the file's PostgreSQL server. */
  dialect?: TestDialect;
  dataDir?: string;
  env?: Record<string, string>;
  clock?: Clock;
  /** Keep the data directory after close (for restart tests). */
  keepData?: boolean;
  /** Imports keys and checks JWT signatures in place of jose's (to count what reaches it). */
  jwtVerifier?: JwtVerifier;
}

/** The store settings of a fresh test store of `dialect`. */
export async function storeEnv(dialect: TestDialect, dataDir: string): Promise<Record<string, string>> {
  if (dialect === 'sqlite') return { TESSERA_DATABASE_URL: `sqlite:${join(dataDir, 'tessera.db')}` };
  const url = await (await sharedPostgres()).createDatabase();
  return { TESSERA_DATABASE_URL: url, TESSERA_SECRET: randomBytes(32).toString('hex') };
}

/** Starts a real Tessera on 127.0.0.1 with a fresh store (SQLite file or PostgreSQL database), as `serve` would. */
export async function startTessera(options: StartOptions = {}): Promise<TestTessera> {
  const dialect = options.dialect ?? 'sqlite';
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tessera-test-'));
  const adminToken = options.env?.TESSERA_ADMIN_TOKEN ?? `test-admin-token-${randomBytes(16).toString('hex')}`;
  const store = await storeEnv(dialect, dataDir);
  const logs: string[] = [];
  const start = async () => {
    const [publicPort, adminPort] = [await freePort(), await freePort()];
    const config = loadConfig({
      ...store,
      TESSERA_PUBLIC_URL: `http://127.0.0.1:${publicPort}`,
      TESSERA_PUBLIC_PORT: String(publicPort),
      TESSERA_ADMIN_PORT: String(adminPort),
      TESSERA_ADMIN_TOKEN: adminToken,
      TESSERA_LOG_LEVEL: 'info',
      // Every suite calls from 127.0.0.1: the default lockout (10 failures a minute per address)
      // would couple unrelated tests. Counting stays on; test/security/brute-force.test.ts sets its own limits.
      TESSERA_BRUTE_FORCE_MAX_FAILURES: '1000',
      ...options.env,
    });
    const logger = createLogger(config.logLevel, { write: (line: string) => void logs.push(line) });
    const injected = { ...(options.clock ? { clock: options.clock } : {}), ...(options.jwtVerifier ? { jwtVerifier: options.jwtVerifier } : {}) };
    return { config, server: await startServer(config, { logger, ...injected }) };
  };
  const { config, server } = await retryOnPortClash(start);
  const publicUrl = server.publicAddress;
  const adminUrl = server.adminAddress;
  return {
    server,
    config,
    dialect,
    dataDir,
    publicUrl,
    adminUrl,
    adminToken,
    logs,
    async admin(method, path, body, opts = {}) {
      const token = opts.token === undefined ? adminToken : opts.token;
      const headers: Record<string, string> = { ...opts.headers };
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] ??= 'application/json';
      const response = await fetch(`${adminUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      return toResult(response);
    },
    async form(path, params, headers = {}) {
      const search = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) for (const one of Array.isArray(v) ? v : [v]) search.append(k, one);
      const response = await fetch(`${publicUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: search.toString(),
      });
      return toResult(response);
    },
    async publicFetch(path, init) {
      return toResult(await fetch(`${publicUrl}${path}`, init));
    },
    async close() {
      await server.close();
      if (!options.keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A port found free may be taken before the server binds it (by any outgoing connection's
 * ephemeral port, for instance): start again on other ports.
 */
export async function retryOnPortClash<T>(start: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= attempts || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    }
  }
}

/** `Authorization: Basic` per RFC 6749 §2.3.1 (form-urlencoded, then base64). */
export function basic(clientId: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}`;
}

/** Decodes a JWT's header and payload without verifying (for assertions only). */
export function decodeJwt(token: string): { header: any; payload: any } {
  const [h, p] = token.split('.');
  return { header: JSON.parse(Buffer.from(h!, 'base64url').toString()), payload: JSON.parse(Buffer.from(p!, 'base64url').toString()) };
}
