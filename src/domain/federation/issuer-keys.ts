import type { JSONWebKeySet, JWK } from 'jose';
import type { Clock } from '../../lib/clock.js';
import type { Change } from '../changes.js';
import type { DocumentFetcher, FetchedDocument } from '../document-fetcher.js';
import { issuerKeySource, keySettingsOf, type KeySource } from './key-source.js';
import { federatedKeySet, spiffeRefreshHint } from './key-set.js';
import type { FederatedIssuer } from './model.js';

/** Reads a file's text (a Kubernetes projected token, read again at every fetch since it rotates). */
export type TextFileReader = (path: string) => Promise<string>;

/** How long fetched keys are kept when their server says nothing (Cache-Control max-age): 1 h. */
export const DEFAULT_KEYS_LIFETIME_MS = 3_600_000;
/** A server's max-age is clamped to 5 min–24 h. */
export const MIN_KEYS_LIFETIME_MS = 5 * 60_000;
export const MAX_KEYS_LIFETIME_MS = 24 * 3_600_000;
/** While an issuer is unreachable its last keys work until this long after the fetch that found them. */
export const STALE_KEYS_LIMIT_MS = 24 * 3_600_000;
/** At most one refetch per issuer per 30 s for an unknown kid; a failed first fetch is remembered as long; background refreshes are as far apart at least. */
export const REFETCH_INTERVAL_MS = 30_000;
/** Keys past this share of their lifetime are refreshed in the background. */
export const REFRESH_AT = 0.8;

export interface FederatedKeysOptions {
  readonly clock: Clock;
  readonly documents: Pick<DocumentFetcher, 'fetchDocument'>;
  /** Reads a kubernetes issuer's `bearer_token_file`. */
  readonly readFile: TextFileReader;
  /** Told why a background refresh failed (callers of keysFor hear of other failures by the Error they get). */
  readonly onRefreshFailure?: (issuer: FederatedIssuer, reason: string) => void;
}

/** What a caller wants: the `kid` of the token it verifies, and whether it asks for a refetch (a signature that did not verify). */
export interface KeysRequest {
  readonly kid: string | undefined;
  readonly refresh?: boolean;
}

interface Entry {
  /** The issuer's key settings the keys were fetched for. */
  readonly settings: string;
  keys: readonly JWK[] | null;
  /** When the keys were fetched, and how long they are fresh. */
  fetchedAtMs: number;
  lifetimeMs: number;
  /** When the last fetch of any kind started, and the last one a caller waited for (unknown kid or refresh). */
  attemptedAtMs: number;
  refetchedAtMs: number;
  error: string | null;
  inflight: Promise<void> | null;
}

/** A Cache-Control max-age (or a SPIFFE refresh hint) as a lifetime in milliseconds: 5 min–24 h, 1 h without one. */
export function keysLifetimeMs(maxAgeSeconds: number | null): number {
  if (maxAgeSeconds === null) return DEFAULT_KEYS_LIFETIME_MS;
  return Math.min(MAX_KEYS_LIFETIME_MS, Math.max(MIN_KEYS_LIFETIME_MS, maxAgeSeconds * 1000));
}

/**
 * The keys that verify federated issuers' tokens (docs/hardening.md, "Federated issuers' keys"): inline
 * `jwks` at once; else fetched from `jwks_uri` or through OIDC discovery, on first use (awaited),
 * then cached per process for the server's max-age (5 min–24 h, 1 h by default), refreshed in the
 * background past 80% of that; a token with a kid the cache lacks waits for one refetch, at most one
 * per issuer per 30 s; while the issuer is unreachable the last keys work for 24 h after the fetch
 * that found them. `forget` drops an issuer's keys when it changes (the change feed calls it in
 * every process).
 */
export class FederatedKeys {
  /** Per federated issuer id. */
  readonly #entries = new Map<string, Entry>();
  /** Inline key sets already through the gate, by the read model's object. */
  readonly #inline = new WeakMap<JSONWebKeySet, readonly JWK[]>();
  readonly #clock: Clock;
  readonly #documents: Pick<DocumentFetcher, 'fetchDocument'>;
  readonly #readFile: TextFileReader;
  readonly #onRefreshFailure: (issuer: FederatedIssuer, reason: string) => void;

  constructor(options: FederatedKeysOptions) {
    this.#clock = options.clock;
    this.#documents = options.documents;
    this.#readFile = options.readFile;
    this.#onRefreshFailure = options.onRefreshFailure ?? (() => {});
  }

  /** The issuer's usable keys (at most 50). Throws an Error whose message is the reason when none can be had. */
  async keysFor(issuer: FederatedIssuer, request: KeysRequest): Promise<readonly JWK[]> {
    if (issuer.jwks !== null) return this.#inlineKeys(issuer.jwks);
    const entry = this.#entry(issuer);
    const now = this.#clock.now();
    if (!this.#usable(entry, now)) {
      if (entry.inflight) await entry.inflight;
      else if (now - entry.attemptedAtMs >= REFETCH_INTERVAL_MS) await this.#fetch(issuer, entry, now);
    } else if (request.refresh === true || (request.kid !== undefined && !entry.keys?.some((k) => k.kid === request.kid))) {
      if (entry.inflight) await entry.inflight;
      else if (now - entry.refetchedAtMs >= REFETCH_INTERVAL_MS) {
        entry.refetchedAtMs = now;
        await this.#fetch(issuer, entry, now);
      }
    } else if (now - entry.fetchedAtMs >= entry.lifetimeMs * REFRESH_AT && !entry.inflight && now - entry.attemptedAtMs >= REFETCH_INTERVAL_MS) {
      void this.#fetch(issuer, entry, now).then(() => {
        if (entry.error !== null) this.#onRefreshFailure(issuer, entry.error);
      });
    }
    if (entry.keys === null) throw new Error(entry.error ?? 'keys not fetched');
    if (!this.#usable(entry, this.#clock.now())) throw new Error(`keys fetched more than 24 h ago; ${entry.error ?? 'not refetched'}`);
    return entry.keys;
  }

  /** Resolves once every fetch under way (background refreshes included) has ended. */
  async settled(): Promise<void> {
    await Promise.all([...this.#entries.values()].flatMap((e) => (e.inflight ? [e.inflight] : [])));
  }

  /** Drops the fetched keys of the federated issuer a change concerns. */
  forget(change: Change): void {
    if (change.kind === 'federated-issuer') this.#entries.delete(change.issuerId);
  }

  /** Drops everything fetched (after changes may have been missed). */
  forgetAll(): void {
    this.#entries.clear();
  }

  #inlineKeys(jwks: JSONWebKeySet): readonly JWK[] {
    let keys = this.#inline.get(jwks);
    if (keys === undefined) this.#inline.set(jwks, (keys = federatedKeySet(jwks)));
    return keys;
  }

  #entry(issuer: FederatedIssuer): Entry {
    const settings = keySettingsOf(issuer);
    let entry = this.#entries.get(issuer.id);
    if (entry?.settings !== settings) {
      entry = {
        settings,
        keys: null,
        fetchedAtMs: 0,
        lifetimeMs: DEFAULT_KEYS_LIFETIME_MS,
        attemptedAtMs: Number.NEGATIVE_INFINITY,
        refetchedAtMs: Number.NEGATIVE_INFINITY,
        error: null,
        inflight: null,
      };
      this.#entries.set(issuer.id, entry);
    }
    return entry;
  }

  /** Whether the entry holds keys young enough to use (an unreachable issuer's keys work for 24 h). */
  #usable(entry: Entry, now: number): boolean {
    return entry.keys !== null && now - entry.fetchedAtMs < STALE_KEYS_LIMIT_MS;
  }

  /** Fetches the issuer's keys into the entry; concurrent callers share it. Never rejects: a failure is kept as the entry's error. */
  #fetch(issuer: FederatedIssuer, entry: Entry, now: number): Promise<void> {
    entry.attemptedAtMs = now;
    entry.inflight = (async () => {
      try {
        const source = issuerKeySource(issuer);
        const { json, maxAgeSeconds } = await this.#keySetDocument(source);
        const keys = federatedKeySet(json);
        entry.keys = keys;
        entry.fetchedAtMs = this.#clock.now();
        entry.lifetimeMs = keysLifetimeMs(maxAgeSeconds ?? (issuer.kind === 'spiffe' ? spiffeRefreshHint(json) : null));
        entry.error = null;
      } catch (err) {
        // Keys fetched before stay: they work until STALE_KEYS_LIMIT_MS after their fetch.
        entry.error = err instanceof Error ? err.message : String(err);
      } finally {
        entry.inflight = null;
      }
    })();
    return entry.inflight;
  }

  /** The JWK Set document (or SPIFFE bundle), through discovery when the issuer names no jwks_uri. */
  async #keySetDocument(source: KeySource): Promise<FetchedDocument> {
    const bearer = source.bearerTokenFile === null ? undefined : await this.#bearerToken(source.bearerTokenFile);
    const get = async (what: string, url: string) => {
      try {
        return await this.#documents.fetchDocument(url, bearer !== undefined && source.sendsBearerTo(url) ? { bearer } : {});
      } catch (err) {
        throw new Error(`${what} ${source.shown(url)}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    };
    if (source.jwksUri !== null) return get('jwks_uri', source.jwksUri);
    const discovery = await get('discovery', source.discoveryUrl);
    return get('jwks_uri', source.jwksUriOfDiscovery(discovery.json));
  }

  /** The token in a kubernetes issuer's bearer_token_file, read now (projected tokens rotate). Never logged. */
  async #bearerToken(path: string): Promise<string> {
    let text: string;
    try {
      text = await this.#readFile(path);
    } catch (err) {
      throw new Error(`bearer_token_file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
    }
    const token = text.trim();
    if (token === '') throw new Error(`bearer_token_file ${path} is empty`);
    // A service account token is a JWT: a file holding anything else (another secret of this machine) is not sent anywhere.
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) throw new Error(`bearer_token_file ${path} does not hold a JWT`);
    return token;
  }
}
