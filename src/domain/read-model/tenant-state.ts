import type { KeyObject } from 'node:crypto';
import { createLocalJWKSet, type JWK, type JWTVerifyGetKey } from 'jose';
import type { Api } from '../apis/model.js';
import type { Client } from '../clients/model.js';
import { computePermissions, type Permissions } from '../clients/permissions.js';
import type { Grant } from '../grants/model.js';
import type { ServiceAccount } from '../service-accounts/model.js';
import type { SigningAlg, Tenant } from '../tenants/model.js';
import { Revocations } from './revocations.js';

/** A client as the token endpoint needs it: secrets as digest bytes, expiry as epoch ms. */
export interface ClientEntry {
  readonly client: Client;
  readonly secrets: readonly { readonly id: string; readonly digest: Buffer; readonly expiresAtMs: number | null }[];
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
  readonly publishedKeys: readonly PublishedKey[];
}

/** One tenant in memory: settings are replaced whole, clients one by one. */
export class TenantState {
  readonly clients = new Map<string, ClientEntry>();
  /** Revoked jtis and client cut-offs: replaced whole by the read model. */
  revocations: Revocations = Revocations.EMPTY;
  #settings: TenantSettings;
  #permissions = new Map<string, Permissions>();
  #keySet: JWTVerifyGetKey | null = null;

  constructor(settings: TenantSettings) {
    this.#settings = settings;
  }

  get settings(): TenantSettings {
    return this.#settings;
  }

  replaceSettings(settings: TenantSettings): void {
    this.#settings = settings;
    this.#permissions = new Map();
    this.#keySet = null;
  }

  setClient(entry: ClientEntry): void {
    this.clients.set(entry.client.clientId, entry);
    this.#permissions.delete(entry.client.clientId);
  }

  removeClient(clientId: string): void {
    this.clients.delete(clientId);
    this.#permissions.delete(clientId);
  }

  /** The client's permissions, computed once and kept until the client or the settings change. */
  permissions(client: Client): Permissions {
    let perms = this.#permissions.get(client.clientId);
    if (!perms) {
      const s = this.#settings;
      const grants = [
        ...(s.grantsByClient.get(client.clientId) ?? []),
        ...(client.serviceAccountId ? (s.grantsByServiceAccount.get(client.serviceAccountId) ?? []) : []),
      ];
      perms = computePermissions(client, { apisById: s.apisById, apisByIdentifier: s.apisByIdentifier, grants });
      this.#permissions.set(client.clientId, perms);
    }
    return perms;
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

  /** Whether the key `kid` is in the JWKS at `nowMs`. */
  isPublished(kid: string | undefined, nowMs: number): boolean {
    return this.#settings.publishedKeys.some((k) => k.jwk.kid === kid && (k.publishUntilMs === null || k.publishUntilMs > nowMs));
  }
}
