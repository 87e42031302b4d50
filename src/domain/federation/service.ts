import type { JSONWebKeySet } from 'jose';
import { isoTime } from '../../lib/clock.js';
import { timeOrderedId } from '../../lib/random.js';
import { UniqueViolation } from '../../storage/errors.js';
import type { Executor } from '../../storage/repositories/executor.js';
import { clientsRepo } from '../../storage/repositories/clients.js';
import { federatedCredentialsRepo } from '../../storage/repositories/federated-credentials.js';
import { federatedIssuersRepo } from '../../storage/repositories/federated-issuers.js';
import type { Page, PageRequest } from '../../storage/repositories/paging.js';
import { refuseEscalation, type AdminReach } from '../admin-reach.js';
import { transactAudited } from '../audit/record.js';
import { adminScopesHeld } from '../clients/admin-scopes-held.js';
import type { DomainContext } from '../context.js';
import type { DocumentFetcher } from '../document-fetcher.js';
import { ConflictError, InvalidError, NotFoundError, type Actor } from '../errors.js';
import type { Issuers } from '../tenants/issuers.js';
import { effectiveAudiences } from './audiences.js';
import { issuerSettingErrors, issuerUrlRefusals, refuseIssuerConflicts, type TokenFiles } from './issuer-checks.js';
import { DEFAULT_MAX_TOKEN_AGE, type FederatedIssuer, type FederatedIssuerKind, type FederationAlg } from './model.js';

export interface FederatedIssuerInput {
  name: string;
  issuer: string;
  /** One of FEDERATED_ISSUER_KINDS (checked here: 422 otherwise). */
  kind?: string | undefined;
  jwks?: JSONWebKeySet | null | undefined;
  jwksUri?: string | null | undefined;
  discoveryUrl?: string | null | undefined;
  audiences?: string[] | null | undefined;
  maxTokenAge?: number | undefined;
  requireJti?: boolean | undefined;
  bearerTokenFile?: string | null | undefined;
  allowLongerThanAssertion?: boolean | undefined;
  /** Each one of FEDERATION_ALGS (checked here: 422 otherwise). */
  algorithms?: string[] | null | undefined;
}

/** What an update changes: an absent (or undefined) member keeps its value; null resets a nullable one. */
export type FederatedIssuerPatch = { [K in keyof FederatedIssuerInput]?: FederatedIssuerInput[K] | undefined };

/** Clients named in the conflict of deleting an issuer that credentials still name. */
const NAMED_CLIENTS = 5;

/** The settings that decide whose tokens the issuer's credentials accept: on an issuer trusted by a client holding admin scopes, only a caller holding them changes them. */
const TRUST_SETTINGS: readonly (keyof FederatedIssuerPatch)[] = ['kind', 'issuer', 'jwks', 'jwksUri', 'discoveryUrl', 'audiences'];

/** The issuer's settings as the audit log records them (keys by kid: the key material is public but long). */
function auditable(i: FederatedIssuer): Record<string, unknown> {
  return {
    name: i.name,
    kind: i.kind,
    issuer: i.issuer,
    jwks_kids: i.jwks === null ? null : i.jwks.keys.map((k) => k.kid ?? null),
    jwks_uri: i.jwksUri,
    discovery_url: i.discoveryUrl,
    audiences: i.audiences,
    max_token_age: i.maxTokenAge,
    require_jti: i.requireJti,
    bearer_token_file: i.bearerTokenFile,
    // Not `allow_longer_than_assertion`: the audit log redacts every key ending in `_assertion`.
    allow_longer_than_assertion_expiry: i.allowLongerThanAssertion,
    algorithms: i.algorithms,
  };
}

/** Keeps only the `keys` member of a JWK Set: what verification reads. */
function keySet(jwks: JSONWebKeySet | null): JSONWebKeySet | null {
  return jwks === null ? null : { keys: jwks.keys };
}

function duplicate(issuer: string): ConflictError {
  return new ConflictError(`a federated issuer ${JSON.stringify(issuer)} already exists in this tenant`);
}

/**
 * The federated issuers of each tenant (docs/federation.md): platforms whose tokens authenticate
 * clients. Every change is audited and published as a `federated-issuer` change.
 */
export class FederatedIssuersService {
  constructor(
    private readonly ctx: DomainContext,
    /** Checks every URL the issuer's keys will be fetched from, as its fetches will be (docs/hardening.md, "Outbound fetches"). */
    private readonly documents: DocumentFetcher,
    /** The tenants' issuer identifiers: the default audiences. */
    private readonly issuers: Issuers,
    /** The token files an operator lets kubernetes issuers send (`bearer_token_file`), and the setting that lists them. */
    private readonly tokenFiles: TokenFiles = { paths: [], settingName: 'the token file list' },
  ) {}

  async get(tenantId: string, id: string): Promise<FederatedIssuer> {
    const issuer = await federatedIssuersRepo.get(this.ctx.db, tenantId, id);
    if (!issuer) throw new NotFoundError('federated issuer', id);
    return issuer;
  }

  list(tenantId: string, page: PageRequest): Promise<Page<FederatedIssuer>> {
    return federatedIssuersRepo.list(this.ctx.db, tenantId, page);
  }

  /** The `aud` values the issuer's tokens may carry at its tenant. */
  effectiveAudiences(issuer: FederatedIssuer): string[] {
    return effectiveAudiences(issuer, this.issuers.issuerOf(issuer.tenantId));
  }

  async create(actor: Actor, tenantId: string, input: FederatedIssuerInput): Promise<FederatedIssuer> {
    const nowMs = this.ctx.clock.now();
    const issuer: FederatedIssuer = {
      id: timeOrderedId('fi_', nowMs),
      tenantId,
      name: input.name,
      kind: (input.kind ?? 'oidc') as FederatedIssuerKind,
      issuer: input.issuer,
      jwks: keySet(input.jwks ?? null),
      jwksUri: input.jwksUri ?? null,
      discoveryUrl: input.discoveryUrl ?? null,
      audiences: input.audiences ?? null,
      maxTokenAge: input.maxTokenAge ?? DEFAULT_MAX_TOKEN_AGE,
      requireJti: input.requireJti ?? false,
      bearerTokenFile: input.bearerTokenFile ?? null,
      allowLongerThanAssertion: input.allowLongerThanAssertion ?? false,
      algorithms: (input.algorithms ?? null) as FederationAlg[] | null,
      createdAt: isoTime(nowMs),
      updatedAt: isoTime(nowMs),
    };
    await this.#validate(issuer);
    try {
      await transactAudited(this.ctx, async (trx, audit) => {
        await this.#checkConflicts(trx, issuer);
        await federatedIssuersRepo.insert(trx, issuer);
        await audit.record({
          tenantId,
          actor,
          action: 'federated_issuer.create',
          targetType: 'federated_issuer',
          targetId: issuer.id,
          details: auditable(issuer),
        });
      });
    } catch (err) {
      if (err instanceof UniqueViolation) throw duplicate(issuer.issuer);
      throw err;
    }
    await this.ctx.changes.publish({ kind: 'federated-issuer', tenantId, issuerId: issuer.id });
    return issuer;
  }

  /** Changes an issuer; whose tokens it accepts only as far as the caller (`reach`) holds the admin scopes of the clients trusting it. */
  async update(actor: Actor, tenantId: string, id: string, patch: FederatedIssuerPatch, reach: AdminReach): Promise<FederatedIssuer> {
    const current = await this.get(tenantId, id);
    const pick = <T>(value: T | undefined, kept: T): T => (value === undefined ? kept : value);
    const next: FederatedIssuer = {
      ...current,
      name: pick(patch.name, current.name),
      kind: pick(patch.kind as FederatedIssuerKind | undefined, current.kind),
      issuer: pick(patch.issuer, current.issuer),
      jwks: patch.jwks === undefined ? current.jwks : keySet(patch.jwks),
      jwksUri: pick(patch.jwksUri, current.jwksUri),
      discoveryUrl: pick(patch.discoveryUrl, current.discoveryUrl),
      audiences: pick(patch.audiences, current.audiences),
      maxTokenAge: pick(patch.maxTokenAge, current.maxTokenAge),
      requireJti: pick(patch.requireJti, current.requireJti),
      bearerTokenFile: pick(patch.bearerTokenFile, current.bearerTokenFile),
      allowLongerThanAssertion: pick(patch.allowLongerThanAssertion, current.allowLongerThanAssertion),
      algorithms: pick(patch.algorithms as FederationAlg[] | null | undefined, current.algorithms),
      updatedAt: isoTime(this.ctx.clock.now()),
    };
    await this.#validate(next);
    try {
      await transactAudited(this.ctx, async (trx, audit) => {
        if (!(await federatedIssuersRepo.get(trx, tenantId, id))) throw new NotFoundError('federated issuer', id);
        await this.#checkConflicts(trx, next);
        if (TRUST_SETTINGS.some((setting) => patch[setting] !== undefined)) {
          const held = new Set<string>();
          for (const clientId of new Set((await federatedCredentialsRepo.ofIssuer(trx, tenantId, id)).map((c) => c.clientId))) {
            const client = await clientsRepo.get(trx, tenantId, clientId);
            if (client) for (const scope of await adminScopesHeld(trx, client)) held.add(scope);
          }
          refuseEscalation(reach, held, `clients trusting federated issuer ${id} hold scopes the caller does not hold`);
        }
        await federatedIssuersRepo.update(trx, next);
        await audit.record({
          tenantId,
          actor,
          action: 'federated_issuer.update',
          targetType: 'federated_issuer',
          targetId: id,
          details: auditable(next),
        });
      });
    } catch (err) {
      if (err instanceof UniqueViolation) throw duplicate(next.issuer);
      throw err;
    }
    await this.ctx.changes.publish({ kind: 'federated-issuer', tenantId, issuerId: id });
    return next;
  }

  /** Deletes an issuer no federated credential names any more (409 naming the clients otherwise). */
  async delete(actor: Actor, tenantId: string, id: string): Promise<void> {
    await transactAudited(this.ctx, async (trx, audit) => {
      await federatedIssuersRepo.lockRegistrations(trx);
      const issuer = await federatedIssuersRepo.get(trx, tenantId, id);
      if (!issuer) throw new NotFoundError('federated issuer', id);
      const clients = await federatedCredentialsRepo.clientsOfIssuer(trx, tenantId, id, NAMED_CLIENTS + 1);
      if (clients.length > 0) {
        const named = clients
          .slice(0, NAMED_CLIENTS)
          .map((c) => JSON.stringify(c))
          .join(', ');
        const more = clients.length > NAMED_CLIENTS ? ' and more' : '';
        throw new ConflictError(`federated issuer ${JSON.stringify(id)} is named by federated credentials of clients ${named}${more}; remove them first`);
      }
      await federatedIssuersRepo.delete(trx, tenantId, id);
      await audit.record({
        tenantId,
        actor,
        action: 'federated_issuer.delete',
        targetType: 'federated_issuer',
        targetId: id,
        details: { issuer: issuer.issuer },
      });
    });
    await this.ctx.changes.publish({ kind: 'federated-issuer', tenantId, issuerId: id });
  }

  /**
   * The settings' rules, then every URL to be fetched checked where it leads (resolving its host)
   * before any transaction opens, so that no lock waits on DNS; a URL the rules already refuse is
   * not looked up.
   */
  async #validate(issuer: FederatedIssuer): Promise<void> {
    const errors = issuerSettingErrors(issuer, this.tokenFiles);
    errors.push(...(await issuerUrlRefusals(issuer, this.documents, new Set(errors.map((e) => e.pointer)))));
    if (errors.length > 0) throw new InvalidError('the federated issuer is not valid', errors);
  }

  /**
   * Inside the transaction, after taking the registrations' lock: the issuer is new to its tenant,
   * and no other tenant that trusts the same `issuer` accepts an audience this one accepts (a
   * token meant for one tenant would work in the other).
   */
  async #checkConflicts(trx: Executor, issuer: FederatedIssuer): Promise<void> {
    await federatedIssuersRepo.lockRegistrations(trx);
    await refuseIssuerConflicts(trx, issuer, (tenantId) => this.issuers.issuerOf(tenantId));
  }
}
