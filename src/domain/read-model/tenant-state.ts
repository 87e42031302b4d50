import type { KeyObject } from 'node:crypto';
import { createLocalJWKSet, type JWK, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { BoundedMap } from '../../lib/bounded-map.js';
import type { Api } from '../apis/model.js';
import type { Client } from '../clients/model.js';
import type { FederatedIssuer } from '../federation/model.js';
import { FederationIndex } from './federation-index.js';
import type { Claims } from '../claims/model.js';
import { mergeClaims } from '../claims/merge.js';
import { computePermissions, type AudiencePermission, type Permissions } from '../clients/permissions.js';
import type { Grant } from '../grants/model.js';
import type { ServiceAccount } from '../service-accounts/model.js';
import type { SigningAlg, Tenant } from '../tenants/model.js';
import { Revocations } from './revocations.js';

/**
 * What the public endpoints need of a client, and nothing more (no name, no timestamps, no
 * secret records): the read model holds one per client of every tenant, so it stays small, and
 * equal lists are shared between clients.
 */
export type ClientRecord = Readonly<
  Pick<
    Client,
    | 'tenantId'
    | 'clientId'
    | 'clientType'
    | 'grantTypes'
    | 'audience'
    | 'scope'
    | 'tokenEndpointAuthMethod'
    | 'jwks'
    | 'jwksUri'
    | 'serviceAccountId'
    | 'accessTokenTtl'
    | 'active'
    | 'dpopBoundAccessTokens'
    | 'tlsClientAuth'
    | 'tlsClientCertificateBoundAccessTokens'
    | 'tokenQuota'
    | 'federatedCredentials'
    | 'claims'
    | 'claimMappings'
  >
>;

export interface ClientEntry {
  readonly client: ClientRecord;
  /** The client's number for the token path's counters (ClientSlots): the same across reloads. */
  readonly slot: number;
  /** Each secret's SHA-256 digest as a compact digest (compactDigest), its expiry as epoch ms. */
  readonly secrets: readonly { readonly id: string; readonly digest: string; readonly expiresAtMs: number | null }[];
}

/**
 * A SHA-256 digest stored as hex, as the read model holds it: its 32 bytes as a string of 32
 * one-byte characters (about 48 bytes of heap, where a 32-byte Buffer costs about 128 with its
 * view object), for a million clients' secrets. `digestBytes` gives the bytes back to compare.
 */
export function compactDigest(hex: string): string {
  return Buffer.from(hex, 'hex').toString('latin1');
}

/** The bytes of a compact digest (compactDigest), for a constant-time comparison. */
export function digestBytes(compact: string): Buffer {
  return Buffer.from(compact, 'latin1');
}

export interface Signer {
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly key: KeyObject;
}

export interface PublishedKey {
  readonly jwk: JWK;
  readonly publishUntilMs: number | null;
}

/** Everything of one tenant's settings the public endpoints read, except clients. */
export interface TenantSettings {
  readonly tenant: Tenant;
  readonly serviceAccounts: ReadonlyMap<string, ServiceAccount>;
  readonly apisById: ReadonlyMap<string, Api>;
  readonly apisByIdentifier: ReadonlyMap<string, Api>;
  readonly grantsByClient: ReadonlyMap<string, readonly Grant[]>;
  readonly grantsByServiceAccount: ReadonlyMap<string, readonly Grant[]>;
  readonly signer: Signer | null;
  /** The tenant's federated issuers (workload identity federation). */
  readonly federatedIssuers: readonly FederatedIssuer[];
  readonly publishedKeys: readonly PublishedKey[];
}

/** One tenant in memory: settings are replaced whole, clients one by one. */
/** At most this many access tokens are remembered as verified per tenant and process (verifiedTokens). */
export const MAX_VERIFIED_ACCESS_TOKENS = 4096;

/** An access token whose signature one of the tenant's keys verified: its payload and the key's kid. */
export interface VerifiedAccessToken {
  readonly payload: Readonly<JWTPayload>;
  readonly kid: string | undefined;
}

export class TenantState {
  readonly clients = new Map<string, ClientEntry>();
  /** Revoked jtis and client cut-offs: replaced whole by the read model. */
  revocations: Revocations = Revocations.EMPTY;
  #settings: TenantSettings;
  #permissions = new Map<string, Permissions>();
  /** Permissions of clients no grant names, shared by every client with the same audience and scope. */
  #ownPermissions = new Map<readonly string[], Map<string, Permissions>>();
  #keySet: JWTVerifyGetKey | null = null;
  /** Access tokens the key set verified, by their exact text: forgotten with the key set. */
  #verifiedTokens: BoundedMap<string, VerifiedAccessToken> | null = null;
  /** Each client's merged claims by audience list (tokenClaims), kept until the client or the settings change. */
  #claims = new Map<string, Map<string, Claims | null>>();
  /** Which clients' federated credentials a token of each federated issuer may match. */
  readonly federation = new FederationIndex();

  constructor(settings: TenantSettings) {
    this.#settings = settings;
    this.federation.setIssuers(settings.federatedIssuers);
  }

  get settings(): TenantSettings {
    return this.#settings;
  }

  replaceSettings(settings: TenantSettings): void {
    this.#settings = settings;
    this.federation.setIssuers(settings.federatedIssuers);
    this.#permissions = new Map();
    this.#ownPermissions = new Map();
    this.#claims = new Map();
    this.#keySet = null;
    this.#verifiedTokens = null;
  }

  setClient(entry: ClientEntry): void {
    this.federation.setClient(entry, this.clients.get(entry.client.clientId));
    this.clients.set(entry.client.clientId, entry);
    this.#permissions.delete(entry.client.clientId);
    this.#claims.delete(entry.client.clientId);
  }

  removeClient(clientId: string): void {
    const entry = this.clients.get(clientId);
    if (entry) this.federation.removeClient(entry);
    this.clients.delete(clientId);
    this.#permissions.delete(clientId);
    this.#claims.delete(clientId);
  }

  /**
   * The client's permissions, computed once and kept until the client or the settings change.
   * Clients that hold no grants (of their own or through their service account) share them by
   * audience and scope, so a hundred thousand alike clients cost one computation.
   */
  permissions(client: ClientRecord): Permissions {
    const cached = this.#permissions.get(client.clientId);
    if (cached) return cached;
    const s = this.#settings;
    const own = s.grantsByClient.get(client.clientId) ?? [];
    const viaAccount = (client.serviceAccountId ? s.grantsByServiceAccount.get(client.serviceAccountId) : undefined) ?? [];
    const compute = () => computePermissions(client, { apisById: s.apisById, apisByIdentifier: s.apisByIdentifier, grants: [...own, ...viaAccount] });
    if (own.length > 0 || viaAccount.length > 0) {
      const perms = compute();
      this.#permissions.set(client.clientId, perms);
      return perms;
    }
    // Keyed by the audience list itself (the read model shares equal lists) and the scope string.
    let byScope = this.#ownPermissions.get(client.audience);
    if (!byScope) this.#ownPermissions.set(client.audience, (byScope = new Map<string, Permissions>()));
    let perms = byScope.get(client.scope);
    if (!perms) byScope.set(client.scope, (perms = compute()));
    return perms;
  }

  /**
   * The configured claims of a token of the client for these audiences (docs/claims.md): each
   * API's in audience order, then the service account's, then the client's; computed once per
   * client and audience list, and null without a lookup when none of them has claims.
   */
  tokenClaims(client: ClientRecord, audiences: readonly AudiencePermission[]): Claims | null {
    const account = client.serviceAccountId === null ? null : (this.#settings.serviceAccounts.get(client.serviceAccountId)?.claims ?? null);
    if (client.claims === null && account === null && audiences.every((a) => a.api === null || a.api.claims === null)) return null;
    // Audiences are printable text: a line feed never occurs in one.
    const key = audiences.map((a) => a.audience).join('\n');
    let byAudiences = this.#claims.get(client.clientId);
    if (!byAudiences) this.#claims.set(client.clientId, (byAudiences = new Map<string, Claims | null>()));
    let merged = byAudiences.get(key);
    if (merged === undefined) byAudiences.set(key, (merged = mergeClaims([...audiences.map((a) => a.api?.claims ?? null), account, client.claims])));
    return merged;
  }

  /** Public JWKs to publish now (retired keys until their last token has expired). */
  jwks(nowMs: number): JWK[] {
    return this.#settings.publishedKeys.filter((k) => k.publishUntilMs === null || k.publishUntilMs > nowMs).map((k) => k.jwk);
  }

  /**
   * A jose key resolver over every key the tenant keeps (built once per settings); callers check
   * with `isPublished` that the key that verified is still in the JWKS.
   */
  verificationKeys(): JWTVerifyGetKey {
    this.#keySet ??= createLocalJWKSet({ keys: this.#settings.publishedKeys.map((k) => k.jwk) });
    return this.#keySet;
  }

  /**
   * Access tokens verified by `verificationKeys()` in this process, by their exact text (the
   * oldest forgotten first, all of them when the settings change): what a token's signature
   * proves is checked once; its time, key, issuer and revocation are checked on every use.
   */
  verifiedTokens(): BoundedMap<string, VerifiedAccessToken> {
    this.#verifiedTokens ??= new BoundedMap(MAX_VERIFIED_ACCESS_TOKENS);
    return this.#verifiedTokens;
  }

  /** Whether the key `kid` is in the JWKS at `nowMs`. */
  isPublished(kid: string | undefined, nowMs: number): boolean {
    return this.#settings.publishedKeys.some((k) => k.jwk.kid === kid && (k.publishUntilMs === null || k.publishUntilMs > nowMs));
  }
}
