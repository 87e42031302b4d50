import type { JWK } from 'jose';
import type { Clock } from '../../lib/clock.js';
import type { Change } from '../changes.js';
import { publicJwkProblem } from '../../lib/public-jwk.js';
import { MAX_CLIENT_KEYS } from './keys.js';
import type { Client } from './model.js';

/** Fetches the document at a jwks_uri (with its own timeout and size limit). */
export type JwksLoader = (uri: string) => Promise<unknown>;

export interface ClientKeysOptions {
  readonly clock: Clock;
  readonly load: JwksLoader;
  /** How long fetched keys are used before they are fetched again (default 5 min). */
  readonly maxAgeMs?: number;
  /** Least time between two fetches of one client's jwks_uri, whatever asks for it (default 10 s). */
  readonly minIntervalMs?: number;
}

interface Entry {
  readonly uri: string;
  /** The URL as errors name it: without its query, which may carry a credential. */
  readonly shown: string;
  keys: readonly JWK[] | null;
  fetchedAtMs: number;
  attemptedAtMs: number;
  error: string | null;
  inflight: Promise<void> | null;
}

function withoutQuery(uri: string): string {
  try {
    const url = new URL(uri);
    return `${url.origin}${url.pathname}`;
  } catch {
    return 'an invalid URL';
  }
}

/**
 * The usable keys of a fetched JWK Set (RFC 7517 §5): public signing keys of a supported type;
 * private, symmetric and unsupported members are skipped. Throws when nothing usable is left.
 */
export function usableKeys(doc: unknown): JWK[] {
  const keys = typeof doc === 'object' && doc !== null ? (doc as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys)) throw new Error('the document is not a JWK Set');
  const usable = keys.filter((k): k is JWK => publicJwkProblem(k) === null).slice(0, MAX_CLIENT_KEYS);
  if (usable.length === 0) throw new Error('the JWK Set holds no usable public signing key');
  return usable;
}

/**
 * The keys that verify a private_key_jwt client's assertions (RFC 7523 §2.2): its inline `jwks`,
 * or its `jwks_uri`'s, fetched on first use and used for at most `maxAgeMs` after the fetch that
 * found them. An unknown `kid` or a signature that does not verify may ask for a refresh, which
 * is honoured at most once per `minIntervalMs` per client; a failed fetch is remembered for that
 * interval too, so a broken key server is not hammered. Per process; `forget` drops a client's
 * keys when it changes (the change feed calls it in every process).
 */
export class ClientKeys {
  /** Per tenant, per client id. */
  readonly #entries = new Map<string, Map<string, Entry>>();
  readonly #clock: Clock;
  readonly #load: JwksLoader;
  readonly #maxAgeMs: number;
  readonly #minIntervalMs: number;

  constructor(options: ClientKeysOptions) {
    this.#clock = options.clock;
    this.#load = options.load;
    this.#maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
    this.#minIntervalMs = options.minIntervalMs ?? 10_000;
  }

  /** The client's keys; `refresh` asks for a new fetch of its jwks_uri (e.g. for an unknown kid). Throws when none can be had. */
  async keysOf(client: Pick<Client, 'tenantId' | 'clientId' | 'jwks' | 'jwksUri'>, options?: { refresh?: boolean }): Promise<readonly JWK[]> {
    if (client.jwks !== null) return client.jwks.keys;
    if (client.jwksUri === null) return [];
    let tenant = this.#entries.get(client.tenantId);
    if (!tenant) this.#entries.set(client.tenantId, (tenant = new Map<string, Entry>()));
    let entry = tenant.get(client.clientId);
    if (!entry || entry.uri !== client.jwksUri) {
      const uri = client.jwksUri;
      entry = { uri, shown: withoutQuery(uri), keys: null, fetchedAtMs: 0, attemptedAtMs: Number.NEGATIVE_INFINITY, error: null, inflight: null };
      tenant.set(client.clientId, entry);
    }
    const now = this.#clock.now();
    const fresh = entry.keys !== null && now - entry.fetchedAtMs < this.#maxAgeMs;
    if (entry.inflight) await entry.inflight;
    else if ((!fresh || options?.refresh === true) && now - entry.attemptedAtMs >= this.#minIntervalMs) await this.#fetch(entry, now);
    if (entry.keys === null) throw new Error(`jwks_uri ${entry.shown}: ${entry.error ?? 'not fetched'}`);
    // Keys past their age are not used, even while a refetch waits for its interval.
    if (now - entry.fetchedAtMs >= this.#maxAgeMs)
      throw new Error(`jwks_uri ${entry.shown}: keys older than ${this.#maxAgeMs / 1000} s; ${entry.error ?? 'refetch not due yet'}`);
    return entry.keys;
  }

  /** Drops what was fetched for the clients a change concerns: one client, or every client of a tenant (a revocation or a federated issuer concerns none). */
  forget(change: Change): void {
    if (change.kind === 'revocations' || change.kind === 'federated-issuer') return;
    if (change.kind === 'client') this.#entries.get(change.tenantId)?.delete(change.clientId);
    else this.#entries.delete(change.tenantId);
  }

  /** Drops everything fetched (after changes may have been missed). */
  forgetAll(): void {
    this.#entries.clear();
  }

  #fetch(entry: Entry, now: number): Promise<void> {
    entry.attemptedAtMs = now;
    entry.inflight = (async () => {
      try {
        entry.keys = usableKeys(await this.#load(entry.uri));
        entry.fetchedAtMs = now;
        entry.error = null;
      } catch (err) {
        entry.error = err instanceof Error ? err.message : String(err);
        // Keys still within their age survive a failed refresh; older ones are not trusted.
        if (now - entry.fetchedAtMs >= this.#maxAgeMs) entry.keys = null;
      } finally {
        entry.inflight = null;
      }
    })();
    return entry.inflight;
  }
}
