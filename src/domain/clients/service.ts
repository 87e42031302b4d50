import type { JSONWebKeySet } from 'jose';
import { isoTime } from '../../lib/clock.js';
import { randomBase32, timeOrderedId } from '../../lib/random.js';
import { UniqueViolation } from '../../storage/errors.js';
import { clientsRepo } from '../../storage/repositories/clients.js';
import type { Executor } from '../../storage/repositories/executor.js';
import { federatedCredentialsRepo } from '../../storage/repositories/federated-credentials.js';
import { federatedIssuersRepo } from '../../storage/repositories/federated-issuers.js';
import type { Page, PageRequest } from '../../storage/repositories/paging.js';
import { serviceAccountsRepo } from '../../storage/repositories/service-accounts.js';
import { holdsEveryAdminScope, refuseEscalation, wouldHold, type AdminReach } from '../admin-reach.js';
import { splitScope } from '../apis/model.js';
import type { AuditEvent } from '../audit/model.js';
import { transactAudited, writeAudited } from '../audit/record.js';
import type { DomainContext } from '../context.js';
import type { DocumentFetcher } from '../document-fetcher.js';
import { ConflictError, InvalidError, NotFoundError, type Actor, type FieldError } from '../errors.js';
import { firstOverlap, resolveCredentials, type FederatedCredentialInput } from '../federation/credentials.js';
import type { FederatedIssuer } from '../federation/model.js';
import type { ClaimMappings } from '../claims/model.js';
import { claimsFieldErrors, storedClaims } from '../claims/rules.js';
import { tokenSizeErrors } from '../claims/size-check.js';
import { quotaMembers, type TokenQuota } from '../quotas/model.js';
import { adminScopesHeld } from './admin-scopes-held.js';
import { jwksUriProblem } from './keys.js';
import { isConfidential, usesSecret, type Client, type ClientSecret, type ClientType, type TlsClientAuthName, type TokenEndpointAuthMethod } from './model.js';
import { clientFieldErrors } from './rules.js';
import { issueSecret } from './secrets.js';
import { storedTlsClientAuth } from './tls-names.js';

export interface ClientInput {
  clientId?: string | undefined;
  clientName?: string | undefined;
  clientType?: ClientType | undefined;
  grantTypes?: string[] | undefined;
  responseTypes?: string[] | undefined;
  audience?: string[] | undefined;
  scope?: string | undefined;
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod | null | undefined;
  jwks?: JSONWebKeySet | null | undefined;
  jwksUri?: string | null | undefined;
  serviceAccountId?: string | null | undefined;
  accessTokenTtl?: number | null | undefined;
  active?: boolean | undefined;
  dpopBoundAccessTokens?: boolean | undefined;
  /** tls_client_auth's certificate field and value (RFC 8705 §2.1.2); null clears it. */
  tlsClientAuth?: TlsClientAuthName | null | undefined;
  /** RFC 8705 §3: bind every token to the certificate of the request's TLS connection. */
  tlsClientCertificateBoundAccessTokens?: boolean | undefined;
  /** Tokens per UTC hour and day (docs/quotas.md); null removes the quota. */
  tokenQuota?: TokenQuota | null | undefined;
  /** Replaces the client's federated credentials (omitted: unchanged). */
  federatedCredentials?: FederatedCredentialInput[] | undefined;
  /** A JSON object, or null for none (checked: claimsFieldErrors). */
  claims?: unknown;
  /** `federated` clients: token claim name to federated token claim name, or null for none. */
  claimMappings?: ClaimMappings | null | undefined;
}

export type ClientPatch = Omit<ClientInput, 'clientId'>;

/**
 * The changes that decide who can authenticate as a client (its credentials) or what it may
 * obtain: on a client that holds scopes of `urn:tessera:admin`, only a caller holding them makes them.
 */
const GUARDED_CHANGES: readonly (keyof ClientPatch)[] = [
  'clientType',
  'tokenEndpointAuthMethod',
  'jwks',
  'jwksUri',
  'tlsClientAuth',
  'federatedCredentials',
  'serviceAccountId',
];

/** A secret as the caller sees it once: its id, value and dates. */
export interface SecretShownOnce {
  id: string;
  value: string;
  createdAt: string;
  expiresAt: string | null;
}

function auditable(c: Client, issuers: readonly FederatedIssuer[]): Record<string, unknown> {
  return {
    client_name: c.clientName,
    client_type: c.clientType,
    grant_types: c.grantTypes,
    audience: c.audience,
    scope: c.scope,
    token_endpoint_auth_method: c.tokenEndpointAuthMethod,
    jwks_kids: c.jwks === null ? null : c.jwks.keys.map((k) => k.kid ?? null),
    jwks_uri: c.jwksUri,
    service_account_id: c.serviceAccountId,
    access_token_ttl: c.accessTokenTtl,
    active: c.active,
    dpop_bound_access_tokens: c.dpopBoundAccessTokens,
    tls_client_auth: c.tlsClientAuth,
    tls_client_certificate_bound_access_tokens: c.tlsClientCertificateBoundAccessTokens,
    token_quota: c.tokenQuota && quotaMembers(c.tokenQuota),
    federated_credentials: c.federatedCredentials.map((f) => ({
      issuer: issuers.find((i) => i.id === f.issuerId)?.issuer ?? f.issuerId,
      subject: f.subject,
      claims: f.claims,
    })),
    claims: c.claims,
    claim_mappings: c.claimMappings,
  };
}

/** Keeps only the `keys` member of a JWK Set: what verification reads. */
function keySet(jwks: JSONWebKeySet | null): JSONWebKeySet | null {
  return jwks === null ? null : { keys: jwks.keys };
}

export class ClientsService {
  constructor(
    private readonly ctx: DomainContext,
    /** Checks a new jwks_uri as its fetches will be checked (docs/hardening.md, "Outbound fetches"). */
    private readonly documents: DocumentFetcher,
  ) {}

  async get(tenantId: string, clientId: string): Promise<Client> {
    const client = await clientsRepo.get(this.ctx.db, tenantId, clientId);
    if (!client) throw new NotFoundError('client', clientId);
    return client;
  }

  list(tenantId: string, page: PageRequest, filter: { serviceAccountId?: string | undefined } = {}): Promise<Page<Client>> {
    return clientsRepo.list(this.ctx.db, tenantId, page, filter);
  }

  /** The `issuer` of each federated issuer these clients' credentials name, by issuer id (none read when they hold none). */
  async issuerNames(tenantId: string, clients: readonly Client[]): Promise<Map<string, string>> {
    if (clients.every((c) => c.federatedCredentials.length === 0)) return new Map();
    return new Map((await federatedIssuersRepo.all(this.ctx.db, tenantId)).map((i) => [i.id, i.issuer]));
  }

  /**
   * Registers a client; a confidential one gets its first secret, returned here only. It may
   * obtain no scope of `urn:tessera:admin` the caller (`reach`) does not hold.
   */
  async create(actor: Actor, tenantId: string, input: ClientInput, reach: AdminReach): Promise<{ client: Client; secret: SecretShownOnce | null }> {
    const nowMs = this.ctx.clock.now();
    const clientType = input.clientType ?? 'machine_to_machine';
    const clientId = input.clientId ?? randomBase32(24);
    const client: Client = {
      tenantId,
      clientId,
      clientName: input.clientName ?? '',
      clientType,
      grantTypes: input.grantTypes ?? (isConfidential(clientType) ? ['client_credentials'] : []),
      responseTypes: input.responseTypes ?? [],
      audience: input.audience ?? [],
      scope: splitScope(input.scope ?? '').join(' '),
      tokenEndpointAuthMethod: input.tokenEndpointAuthMethod ?? null,
      jwks: keySet(input.jwks ?? null),
      jwksUri: input.jwksUri ?? null,
      serviceAccountId: input.serviceAccountId ?? null,
      accessTokenTtl: input.accessTokenTtl ?? null,
      active: input.active ?? true,
      dpopBoundAccessTokens: input.dpopBoundAccessTokens ?? false,
      tlsClientAuth: input.tlsClientAuth ? storedTlsClientAuth(input.tlsClientAuth) : null,
      tlsClientCertificateBoundAccessTokens: input.tlsClientCertificateBoundAccessTokens ?? false,
      tokenQuota: input.tokenQuota ?? null,
      createdAt: isoTime(nowMs),
      updatedAt: isoTime(nowMs),
      secrets: [],
      federatedCredentials: [],
      claims: storedClaims(input.claims),
      claimMappings: input.claimMappings ?? null,
    };
    const issued = usesSecret(client) ? issueSecret(clientId, nowMs) : null;
    if (issued) client.secrets.push(issued.record);
    const destination = [...(await this.#jwksUriRefusal(input.jwksUri)), ...claimsFieldErrors(input.claims, '/claims')];
    const eventOf = (issuers: readonly FederatedIssuer[]) =>
      ({ tenantId, actor, action: 'client.create', targetType: 'client', targetId: clientId, details: auditable(client, issuers) }) as const;
    const insert = (db: Executor, recorded: AuditEvent) => clientsRepo.insertNew(db, client, issued?.record ?? null, recorded);
    try {
      if (input.federatedCredentials === undefined && holdsEveryAdminScope(reach) && clientsRepo.insertsNewInOneStatement(this.ctx.db)) {
        // Nothing to lock, no escalation to read, one statement to write: the checks read what they
        // would read inside a transaction (each statement sees what has committed before it), and the
        // write needs no transaction around it.
        await this.#validate(this.ctx.db, client, destination);
        await writeAudited(this.ctx, eventOf([]), insert);
      } else
        await transactAudited(this.ctx, async (trx, audit) => {
          const issuers = await this.#federate(trx, client, input.federatedCredentials);
          await this.#validate(trx, client, [...destination, ...issuers.errors]);
          await this.#checkOverlaps(trx, client);
          if (!holdsEveryAdminScope(reach)) refuseEscalation(reach, await adminScopesHeld(trx, client), wouldHold(`client ${JSON.stringify(clientId)}`));
          await audit.recordWith(eventOf(issuers.all), (recorded) => insert(trx, recorded));
          if (input.federatedCredentials !== undefined) await federatedCredentialsRepo.replace(trx, tenantId, clientId, client.federatedCredentials);
        });
    } catch (err) {
      if (err instanceof UniqueViolation) throw new ConflictError(`client ${JSON.stringify(clientId)} already exists`);
      throw err;
    }
    await this.ctx.changes.publish({ kind: 'client', tenantId, clientId });
    const secret = issued && { id: issued.record.id, value: issued.value, createdAt: issued.record.createdAt, expiresAt: null };
    return { client, secret };
  }

  /** Changes a client; its credentials and what it may obtain only as far as the caller (`reach`) holds its scopes of `urn:tessera:admin`. */
  async update(actor: Actor, tenantId: string, clientId: string, patch: ClientPatch, reach: AdminReach): Promise<Client> {
    const destination = [...(await this.#jwksUriRefusal(patch.jwksUri)), ...claimsFieldErrors(patch.claims, '/claims')];
    const updated = await transactAudited(this.ctx, async (trx, audit) => {
      const client = await clientsRepo.get(trx, tenantId, clientId);
      if (!client) throw new NotFoundError('client', clientId);
      const next: Client = {
        ...client,
        clientName: patch.clientName ?? client.clientName,
        clientType: patch.clientType ?? client.clientType,
        grantTypes: patch.grantTypes ?? client.grantTypes,
        responseTypes: patch.responseTypes ?? client.responseTypes,
        audience: patch.audience ?? client.audience,
        scope: patch.scope === undefined ? client.scope : splitScope(patch.scope).join(' '),
        tokenEndpointAuthMethod: patch.tokenEndpointAuthMethod === undefined ? client.tokenEndpointAuthMethod : patch.tokenEndpointAuthMethod,
        jwks: patch.jwks === undefined ? client.jwks : keySet(patch.jwks),
        jwksUri: patch.jwksUri === undefined ? client.jwksUri : patch.jwksUri,
        serviceAccountId: patch.serviceAccountId === undefined ? client.serviceAccountId : patch.serviceAccountId,
        accessTokenTtl: patch.accessTokenTtl === undefined ? client.accessTokenTtl : patch.accessTokenTtl,
        active: patch.active ?? client.active,
        dpopBoundAccessTokens: patch.dpopBoundAccessTokens ?? client.dpopBoundAccessTokens,
        tlsClientAuth: patch.tlsClientAuth === undefined ? client.tlsClientAuth : patch.tlsClientAuth && storedTlsClientAuth(patch.tlsClientAuth),
        tlsClientCertificateBoundAccessTokens: patch.tlsClientCertificateBoundAccessTokens ?? client.tlsClientCertificateBoundAccessTokens,
        claims: patch.claims === undefined ? client.claims : storedClaims(patch.claims),
        claimMappings: patch.claimMappings === undefined ? client.claimMappings : patch.claimMappings,
        tokenQuota: patch.tokenQuota === undefined ? client.tokenQuota : patch.tokenQuota,
        updatedAt: isoTime(this.ctx.clock.now()),
      };
      const issuers = await this.#federate(trx, next, patch.federatedCredentials);
      await this.#validate(trx, next, [...destination, ...issuers.errors]);
      await this.#checkOverlaps(trx, next);
      if (GUARDED_CHANGES.some((field) => patch[field] !== undefined)) {
        refuseEscalation(reach, await adminScopesHeld(trx, next), wouldHold(`client ${JSON.stringify(clientId)}`));
      }
      await clientsRepo.update(trx, next);
      if (patch.federatedCredentials !== undefined) await federatedCredentialsRepo.replace(trx, tenantId, clientId, next.federatedCredentials);
      await audit.record({
        tenantId,
        actor,
        action: 'client.update',
        targetType: 'client',
        targetId: clientId,
        details: auditable(next, issuers.all),
      });
      return next;
    });
    await this.ctx.changes.publish({ kind: 'client', tenantId, clientId });
    return updated;
  }

  /** Deletes the client with its secrets and grants. */
  async delete(actor: Actor, tenantId: string, clientId: string): Promise<void> {
    await transactAudited(this.ctx, async (trx, audit) => {
      if (!(await clientsRepo.delete(trx, tenantId, clientId))) throw new NotFoundError('client', clientId);
      await audit.record({ tenantId, actor, action: 'client.delete', targetType: 'client', targetId: clientId });
    });
    await this.ctx.changes.publish({ kind: 'client', tenantId, clientId });
    await this.ctx.changes.publish({ kind: 'tenant', tenantId });
  }

  /**
   * Adds a secret (rotation). With `expiresIn` (seconds), every older secret expires that long
   * from now, so both work during the overlap. Refused when the client holds scopes of
   * `urn:tessera:admin` the caller (`reach`) does not.
   */
  async addSecret(actor: Actor, tenantId: string, clientId: string, reach: AdminReach, expiresIn?: number): Promise<SecretShownOnce> {
    const nowMs = this.ctx.clock.now();
    const issued = issueSecret(clientId, nowMs);
    await transactAudited(this.ctx, async (trx, audit) => {
      const client = await clientsRepo.get(trx, tenantId, clientId);
      if (!client) throw new NotFoundError('client', clientId);
      if (!isConfidential(client.clientType)) throw new ConflictError(`a ${client.clientType} client is public and has no secrets`);
      if (client.tokenEndpointAuthMethod === 'federated') {
        throw new ConflictError('a federated client authenticates with its federated credentials and has no secrets');
      }
      if (client.tokenEndpointAuthMethod === 'tls_client_auth' || client.tokenEndpointAuthMethod === 'self_signed_tls_client_auth') {
        throw new ConflictError(`a ${client.tokenEndpointAuthMethod} client authenticates with its certificate and has no secrets`);
      }
      if (!usesSecret(client)) throw new ConflictError('a private_key_jwt client authenticates with its keys and has no secrets');
      refuseEscalation(reach, await adminScopesHeld(trx, client), `client ${JSON.stringify(clientId)} holds scopes the caller does not hold`);
      if (expiresIn !== undefined) await clientsRepo.expireSecrets(trx, tenantId, clientId, isoTime(nowMs + expiresIn * 1000));
      await clientsRepo.insertSecret(trx, tenantId, issued.record);
      await audit.record({
        tenantId,
        actor,
        action: 'client.secret.create',
        targetType: 'client',
        targetId: clientId,
        details: { secret_id: issued.record.id, old_secrets_expire_in: expiresIn ?? null },
      });
    });
    await this.ctx.changes.publish({ kind: 'client', tenantId, clientId });
    return { id: issued.record.id, value: issued.value, createdAt: issued.record.createdAt, expiresAt: null };
  }

  async deleteSecret(actor: Actor, tenantId: string, clientId: string, secretId: string): Promise<void> {
    await transactAudited(this.ctx, async (trx, audit) => {
      if (!(await clientsRepo.get(trx, tenantId, clientId))) throw new NotFoundError('client', clientId);
      if (!(await clientsRepo.deleteSecret(trx, tenantId, clientId, secretId))) throw new NotFoundError('client secret', secretId);
      await audit.record({
        tenantId,
        actor,
        action: 'client.secret.delete',
        targetType: 'client',
        targetId: clientId,
        details: { secret_id: secretId },
      });
    });
    await this.ctx.changes.publish({ kind: 'client', tenantId, clientId });
  }

  /**
   * A new jwks_uri is checked where its fetches will go (resolving its host) before the
   * transaction opens, so that no lock waits on DNS; a URL the rules already refuse is not.
   */
  async #jwksUriRefusal(uri: string | null | undefined): Promise<FieldError[]> {
    if (typeof uri !== 'string' || jwksUriProblem(uri) !== null) return [];
    const refusal = await this.documents.refusal(uri);
    return refusal === null ? [] : [{ pointer: '/jwks_uri', detail: refusal }];
  }

  /**
   * The tenant's federated issuers, and, when the input gives federated credentials, the client's
   * new ones resolved against them (set on `c`) with their field errors. Takes the registrations'
   * lock first, so that the overlap check and the write see no concurrent registration.
   */
  async #federate(trx: Executor, c: Client, inputs: FederatedCredentialInput[] | undefined): Promise<{ all: FederatedIssuer[]; errors: FieldError[] }> {
    if (inputs !== undefined) await federatedIssuersRepo.lockRegistrations(trx);
    const all = inputs !== undefined || c.federatedCredentials.length > 0 ? await federatedIssuersRepo.all(trx, c.tenantId) : [];
    if (inputs === undefined) return { all, errors: [] };
    const nowMs = this.ctx.clock.now();
    const resolved = resolveCredentials(inputs, all, c.federatedCredentials, () => timeOrderedId('fc_', nowMs));
    c.federatedCredentials = resolved.credentials;
    return { all, errors: resolved.errors };
  }

  /** 409 when a federated credential of the client could match the same token as another client's (a token names one client). */
  async #checkOverlaps(trx: Executor, c: Client): Promise<void> {
    const others = [];
    for (const issuerId of new Set(c.federatedCredentials.map((f) => f.issuerId))) {
      others.push(...(await federatedCredentialsRepo.ofIssuer(trx, c.tenantId, issuerId)).filter((h) => h.clientId !== c.clientId));
    }
    const overlap = firstOverlap(c.federatedCredentials, others);
    if (overlap) {
      throw new ConflictError(
        `federated credential ${overlap.index} could match the same tokens as a federated credential of client ${JSON.stringify(overlap.clientId)}; a token must name one client`,
      );
    }
  }

  async #validate(trx: Executor, c: Client, destination: FieldError[]): Promise<void> {
    const errors = [...clientFieldErrors(c), ...destination];
    if (c.serviceAccountId !== null && !(await serviceAccountsRepo.get(trx, c.tenantId, c.serviceAccountId))) {
      errors.push({ pointer: '/service_account_id', detail: `service account ${JSON.stringify(c.serviceAccountId)} does not exist` });
    }
    if (errors.length === 0) errors.push(...(await tokenSizeErrors(trx, c.tenantId, [c], {}, '/claims')));
    if (errors.length > 0) throw new InvalidError('the client metadata is not valid', errors);
  }
}

export type { ClientSecret };
