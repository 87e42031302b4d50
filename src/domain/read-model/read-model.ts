import { apisRepo } from '../../storage/repositories/apis.js';
import { clientsRepo, type TokenClient } from '../../storage/repositories/clients.js';
import { federatedIssuersRepo } from '../../storage/repositories/federated-issuers.js';
import { grantsRepo } from '../../storage/repositories/grants.js';
import { serviceAccountsRepo } from '../../storage/repositories/service-accounts.js';
import { signingKeysRepo } from '../../storage/repositories/signing-keys.js';
import { tenantsRepo } from '../../storage/repositories/tenants.js';
import { revokedTokensRepo } from '../../storage/repositories/revoked-tokens.js';
import { tokenCutoffsRepo } from '../../storage/repositories/token-cutoffs.js';
import { isoTime } from '../../lib/clock.js';
import type { Change } from '../changes.js';
import type { DomainContext } from '../context.js';
import { keysWithinLimits } from '../clients/keys.js';
import type { Grant } from '../grants/model.js';
import { openPrivateKey } from '../keys/crypto.js';
import { spentCutoffsBeforeMs } from '../revocations/model.js';
import { ClientSlots } from './client-slots.js';
import { Revocations } from './revocations.js';
import { compactDigest, TenantState, type ClientEntry, type Signer, type TenantSettings } from './tenant-state.js';

/** Clients read from the database at a time when a tenant is loaded: few enough that each page is garbage before the next (a large tenant never inflates the heap). */
const CLIENT_PAGE = 500;

/** Equal lists and strings of different clients, kept once (most clients share their grant types, audience and scope). */
class Interned {
  readonly #lists = new Map<string, readonly string[]>();
  /** Lists already looked up, by identity: a page of clients shares its equal lists (clientsRepo.tokenPage), each is serialized once. */
  readonly #seen = new WeakMap<readonly string[], readonly string[]>();
  readonly #strings = new Map<string, string>();

  list(values: readonly string[]): readonly string[] {
    let out = this.#seen.get(values);
    if (out) return out;
    const key = JSON.stringify(values);
    out = this.#lists.get(key);
    if (!out) this.#lists.set(key, (out = Object.freeze([...values])));
    this.#seen.set(values, out);
    return out;
  }

  string(value: string): string {
    let out = this.#strings.get(value);
    if (out === undefined) this.#strings.set(value, (out = value));
    return out;
  }
}

const NO_SECRETS: ClientEntry['secrets'] = Object.freeze([]);

/** The compact record of a client the public endpoints read (tenant-state.ts `ClientRecord`). */
function toEntry(client: TokenClient, interned: Interned, slots: ClientSlots): ClientEntry {
  const slot = slots.slotOf(client.tenantId, client.clientId);
  return {
    slot,
    client: {
      tenantId: interned.string(client.tenantId),
      // The slots' copy of the id: one string per client however often the client is reloaded.
      clientId: slots.clientOf(slot),
      clientType: client.clientType,
      grantTypes: interned.list(client.grantTypes) as string[],
      audience: interned.list(client.audience) as string[],
      scope: interned.string(client.scope),
      tokenEndpointAuthMethod: client.tokenEndpointAuthMethod,
      jwks: client.jwks === null ? null : keysWithinLimits(client.jwks),
      jwksUri: client.jwksUri,
      serviceAccountId: client.serviceAccountId,
      accessTokenTtl: client.accessTokenTtl,
      active: client.active,
      dpopBoundAccessTokens: client.dpopBoundAccessTokens,
      tlsClientAuth: client.tlsClientAuth,
      tlsClientCertificateBoundAccessTokens: client.tlsClientCertificateBoundAccessTokens,
      tokenQuota: client.tokenQuota,
      federatedCredentials: client.federatedCredentials,
      claims: client.claims,
      claimMappings: client.claimMappings,
    },
    secrets:
      client.secrets.length === 0
        ? NO_SECRETS
        : client.secrets.map((s) => ({
            id: s.id,
            digest: compactDigest(s.digest),
            expiresAtMs: s.expiresAt === null ? null : Date.parse(s.expiresAt),
          })),
  };
}

function index(grants: Grant[], key: (g: Grant) => string | null): Map<string, Grant[]> {
  const out = new Map<string, Grant[]>();
  for (const g of grants) {
    const k = key(g);
    if (k === null) continue;
    const list = out.get(k) ?? [];
    list.push(g);
    out.set(k, list);
  }
  return out;
}

/**
 * The in-memory read model of every tenant: what the token endpoint, the JWKS and discovery
 * read, so that issuing a token touches no database. Changes reload only what they name, and
 * are applied one at a time per tenant so a slow reload never overwrites a newer one.
 */
export class ReadModel {
  readonly #tenants = new Map<string, TenantState>();
  readonly #queues = new Map<string, Promise<void>>();
  /** Per tenant, the client reload queued and not yet started, which later client changes join. */
  readonly #waitingClients = new Map<string, { readonly ids: Set<string>; readonly applied: Promise<void> }>();
  /** Every client's number for the token path's counters: kept across reloads. */
  readonly slots = new ClientSlots();
  /** Started afresh by every full load, so that values no client uses any more are let go. */
  #interned = new Interned();
  #loadedAtMs: number | null = null;
  #syncedAtMs: number | null = null;
  #missedSinceMs: number | null = null;
  #failures = 0;

  constructor(private readonly ctx: DomainContext) {}

  /** When every tenant was last loaded in full (epoch ms), or null before the first load. */
  get loadedAtMs(): number | null {
    return this.#loadedAtMs;
  }

  /** When the model last took in the database's state: a full load or a change applied. */
  get syncedAtMs(): number | null {
    return this.#syncedAtMs;
  }

  /**
   * Since when the model may lack a change because applying it, or a full load, failed (epoch ms);
   * null when nothing failed since the last full load.
   */
  get missedSinceMs(): number | null {
    return this.#missedSinceMs;
  }

  tenant(id: string): TenantState | undefined {
    return this.#tenants.get(id);
  }

  tenantIds(): string[] {
    return [...this.#tenants.keys()];
  }

  /** Loads every tenant (at start, and as a safety net). */
  async loadAll(): Promise<void> {
    this.#interned = new Interned();
    const failuresBefore = this.#failures;
    try {
      const ids = await tenantsRepo.listIds(this.ctx.db);
      for (const gone of [...this.#tenants.keys()].filter((id) => !ids.includes(id))) this.#tenants.delete(gone);
      for (const id of ids) await this.#enqueue(id, () => this.#applyTenant(id, true));
    } catch (err) {
      this.#missed();
      throw err;
    }
    const now = this.ctx.clock.now();
    this.#loadedAtMs = now;
    this.#syncedAtMs = now;
    // A change that failed while this load ran may concern a tenant it had already read: keep it.
    if (this.#failures === failuresBefore) this.#missedSinceMs = null;
  }

  /** Applies one change, after any change of the same tenant still being applied. */
  apply(change: Change): Promise<void> {
    return this.#applyOne(change).then(
      () => {
        this.#syncedAtMs = this.ctx.clock.now();
      },
      (err: unknown) => {
        this.#missed();
        throw err;
      },
    );
  }

  #missed(): void {
    this.#failures += 1;
    this.#missedSinceMs ??= this.ctx.clock.now();
  }

  #applyOne(change: Change): Promise<void> {
    if (change.kind === 'client') return this.#applyClient(change.tenantId, change.clientId);
    return this.#enqueue(change.tenantId, () => {
      switch (change.kind) {
        case 'tenant':
        case 'federated-issuer':
          return this.#applyTenant(change.tenantId, false);
        case 'configuration':
          return this.#applyTenant(change.tenantId, true);
        case 'revocations':
          return this.#applyRevocations(change.tenantId);
      }
    });
  }

  #enqueue(tenantId: string, work: () => Promise<void>): Promise<void> {
    const previous = this.#queues.get(tenantId) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(work);
    this.#queues.set(tenantId, next);
    return next.finally(() => {
      if (this.#queues.get(tenantId) === next) this.#queues.delete(tenantId);
    });
  }

  /**
   * Reloads a client, with the other clients of its tenant whose changes arrive before the reload
   * starts (up to CLIENT_PAGE): one read for many concurrent writes. Every reload still reads the
   * store after the change it stands for has committed, in the tenant's order.
   */
  #applyClient(tenantId: string, clientId: string): Promise<void> {
    const waiting = this.#waitingClients.get(tenantId);
    if (waiting && waiting.ids.size < CLIENT_PAGE) {
      waiting.ids.add(clientId);
      return waiting.applied;
    }
    const ids = new Set([clientId]);
    const batch = {
      ids,
      applied: this.#enqueue(tenantId, () => {
        if (this.#waitingClients.get(tenantId) === batch) this.#waitingClients.delete(tenantId);
        return this.#reloadClients(tenantId, [...ids]);
      }),
    };
    this.#waitingClients.set(tenantId, batch);
    return batch.applied;
  }

  async #reloadClients(tenantId: string, clientIds: string[]): Promise<void> {
    const state = this.#tenants.get(tenantId);
    if (!state) return;
    const found = new Map((await clientsRepo.tokenClients(this.ctx.db, tenantId, clientIds)).map((c) => [c.clientId, c]));
    for (const clientId of clientIds) {
      const client = found.get(clientId);
      if (client) state.setClient(toEntry(client, this.#interned, this.slots));
      else state.removeClient(clientId);
    }
  }

  async #applyTenant(tenantId: string, reloadClients: boolean): Promise<void> {
    const settings = await this.#loadSettings(tenantId);
    if (!settings) {
      this.#tenants.delete(tenantId);
      return;
    }
    let state = this.#tenants.get(tenantId);
    if (state && !reloadClients) {
      state.replaceSettings(settings);
      return;
    }
    state = new TenantState(settings);
    for (let after: string | null = null; ;) {
      const page = await clientsRepo.tokenPage(this.ctx.db, tenantId, after, CLIENT_PAGE);
      for (const client of page) state.setClient(toEntry(client, this.#interned, this.slots));
      const last = page.at(-1);
      if (page.length < CLIENT_PAGE || last === undefined) break;
      after = last.clientId;
    }
    state.revocations = await this.#loadRevocations(tenantId);
    this.#tenants.set(tenantId, state);
  }

  async #applyRevocations(tenantId: string): Promise<void> {
    const state = this.#tenants.get(tenantId);
    if (state) state.revocations = await this.#loadRevocations(tenantId);
  }

  /** Revocations of tokens not yet expired, and cut-offs recent enough to catch a token not yet expired. */
  async #loadRevocations(tenantId: string): Promise<Revocations> {
    const now = this.ctx.clock.now();
    const [revoked, cutoffs] = await Promise.all([
      revokedTokensRepo.unexpired(this.ctx.db, tenantId, isoTime(now)),
      tokenCutoffsRepo.setSince(this.ctx.db, tenantId, isoTime(spentCutoffsBeforeMs(now))),
    ]);
    return new Revocations(revoked, cutoffs);
  }

  async #loadSettings(tenantId: string): Promise<TenantSettings | undefined> {
    const db = this.ctx.db;
    const tenant = await tenantsRepo.get(db, tenantId);
    if (!tenant) return undefined;
    const [serviceAccounts, apis, grants, keys, federatedIssuers] = await Promise.all([
      serviceAccountsRepo.all(db, tenantId),
      apisRepo.all(db, tenantId),
      grantsRepo.all(db, tenantId),
      signingKeysRepo.all(db, tenantId),
      federatedIssuersRepo.all(db, tenantId),
    ]);
    const active = keys.find((k) => k.status === 'active');
    const signer: Signer | null = active
      ? { kid: active.kid, alg: active.alg, key: openPrivateKey(this.ctx.kek, tenantId, active.kid, active.sealedPrivateKey) }
      : null;
    return {
      tenant,
      serviceAccounts: new Map(serviceAccounts.map((sa) => [sa.id, sa])),
      apisById: new Map(apis.map((a) => [a.id, a])),
      apisByIdentifier: new Map(apis.map((a) => [a.identifier, a])),
      grantsByClient: index(grants, (g) => g.clientId),
      grantsByServiceAccount: index(grants, (g) => g.serviceAccountId),
      signer,
      federatedIssuers,
      publishedKeys: keys.map((k) => ({ jwk: k.publicJwk, publishUntilMs: k.publishUntil === null ? null : Date.parse(k.publishUntil) })),
    };
  }
}
