import { isoTime } from '../../lib/clock.js';
import { timeOrderedId } from '../../lib/random.js';
import { UniqueViolation } from '../../storage/errors.js';
import { apisRepo } from '../../storage/repositories/apis.js';
import { grantsRepo } from '../../storage/repositories/grants.js';
import type { Page, PageRequest } from '../../storage/repositories/paging.js';
import { transactAudited } from '../audit/record.js';
import type { DomainContext } from '../context.js';
import { ConflictError, InvalidError, NotFoundError, type Actor } from '../errors.js';
import { claimsFieldErrors, storedClaims } from '../claims/rules.js';
import { clientsOf, tokenSizeErrors } from '../claims/size-check.js';
import type { Executor } from '../../storage/repositories/executor.js';
import { BUILT_IN_API_FIXED } from './built-in.js';
import type { Api, TokenExchangePolicy } from './model.js';
import { normaliseScopes, reservedIdentifierError } from './rules.js';

export interface ApiInput {
  name?: string | undefined;
  identifier: string;
  scopes?: { value: string; description?: string | undefined }[] | undefined;
  accessTokenTtl?: number | null | undefined;
  dpopBoundAccessTokens?: boolean | undefined;
  /** A JSON object, or null for none (checked: claimsFieldErrors). */
  claims?: unknown;
  tokenExchange?: TokenExchangePolicy | undefined;
}

/** What an update changes: an absent (or undefined) member keeps its value. */
export type ApiPatch = Omit<ApiInput, 'identifier'> & { identifier?: string | undefined };

/** The built-in API takes a new token lifetime and nothing else. */
function checkBuiltInPatch(api: Api, patch: ApiPatch): void {
  if (!api.builtIn) return;
  const others = Object.entries(patch).filter(([member, value]) => member !== 'accessTokenTtl' && value !== undefined);
  if (others.length > 0) throw new ConflictError(BUILT_IN_API_FIXED);
}

/** 422 when a client could get a token for the API larger than the bound (docs/claims.md#token-size). */
async function refuseOversizedTokens(trx: Executor, api: Api): Promise<void> {
  if (api.claims === null) return;
  const clients = await clientsOf(trx, api.tenantId);
  const errors = await tokenSizeErrors(trx, api.tenantId, clients, { api }, '/claims');
  if (errors.length > 0) throw new InvalidError('the API is not valid', errors);
}

function duplicate(identifier: string): ConflictError {
  return new ConflictError(`an API with identifier ${JSON.stringify(identifier)} already exists`);
}

export class ApisService {
  constructor(private readonly ctx: DomainContext) {}

  async get(tenantId: string, id: string): Promise<Api> {
    const api = await apisRepo.get(this.ctx.db, tenantId, id);
    if (!api) throw new NotFoundError('API', id);
    return api;
  }

  list(tenantId: string, page: PageRequest): Promise<Page<Api>> {
    return apisRepo.list(this.ctx.db, tenantId, page);
  }

  async create(actor: Actor, tenantId: string, input: ApiInput): Promise<Api> {
    const normalised = normaliseScopes(input.scopes);
    const { scopes } = normalised;
    const errors = [...reservedIdentifierError(input.identifier), ...normalised.errors, ...claimsFieldErrors(input.claims, '/claims')];
    if (errors.length > 0) throw new InvalidError('the API is not valid', errors);
    const nowMs = this.ctx.clock.now();
    const api: Api = {
      tenantId,
      id: timeOrderedId('api_', nowMs),
      name: input.name ?? input.identifier,
      identifier: input.identifier,
      scopes,
      accessTokenTtl: input.accessTokenTtl ?? null,
      dpopBoundAccessTokens: input.dpopBoundAccessTokens ?? false,
      tokenExchange: input.tokenExchange ?? 'allow',
      builtIn: false,
      claims: storedClaims(input.claims),
      createdAt: isoTime(nowMs),
      updatedAt: isoTime(nowMs),
    };
    try {
      await transactAudited(this.ctx, async (trx, audit) => {
        await refuseOversizedTokens(trx, api);
        await apisRepo.insert(trx, api);
        await audit.record({
          tenantId,
          actor,
          action: 'api.create',
          targetType: 'api',
          targetId: api.id,
          details: {
            name: api.name,
            identifier: api.identifier,
            scopes: scopes.map((s) => s.value),
            access_token_ttl: api.accessTokenTtl,
            dpop_bound_access_tokens: api.dpopBoundAccessTokens,
            claims: api.claims,
            token_exchange: api.tokenExchange,
          },
        });
      });
    } catch (err) {
      if (err instanceof UniqueViolation) throw duplicate(input.identifier);
      throw err;
    }
    await this.ctx.changes.publish({ kind: 'tenant', tenantId });
    return api;
  }

  /** Updates an API; scopes it no longer defines are taken out of its grants in the same transaction. */
  async update(actor: Actor, tenantId: string, id: string, patch: ApiPatch): Promise<Api> {
    const normalised = patch.scopes === undefined ? undefined : normaliseScopes(patch.scopes);
    const errors = [...reservedIdentifierError(patch.identifier), ...(normalised?.errors ?? []), ...claimsFieldErrors(patch.claims, '/claims')];
    let updated: Api;
    try {
      updated = await transactAudited(this.ctx, async (trx, audit) => {
        const api = await apisRepo.get(trx, tenantId, id);
        if (!api) throw new NotFoundError('API', id);
        checkBuiltInPatch(api, patch);
        if (errors.length > 0) throw new InvalidError('the API is not valid', errors);
        const next: Api = {
          ...api,
          name: patch.name ?? api.name,
          identifier: patch.identifier ?? api.identifier,
          scopes: normalised?.scopes ?? api.scopes,
          accessTokenTtl: patch.accessTokenTtl === undefined ? api.accessTokenTtl : patch.accessTokenTtl,
          dpopBoundAccessTokens: patch.dpopBoundAccessTokens ?? api.dpopBoundAccessTokens,
          claims: patch.claims === undefined ? api.claims : storedClaims(patch.claims),
          tokenExchange: patch.tokenExchange ?? api.tokenExchange,
          updatedAt: isoTime(this.ctx.clock.now()),
        };
        if (patch.claims !== undefined || patch.identifier !== undefined) await refuseOversizedTokens(trx, next);
        await apisRepo.update(trx, next);
        if (normalised) {
          const defined = new Set(next.scopes.map((s) => s.value));
          for (const grant of await grantsRepo.all(trx, tenantId, { apiId: id })) {
            const kept = grant.scopes.filter((s) => defined.has(s));
            if (kept.length !== grant.scopes.length) await grantsRepo.updateScopes(trx, tenantId, grant.id, kept);
          }
        }
        await audit.record({
          tenantId,
          actor,
          action: 'api.update',
          targetType: 'api',
          targetId: id,
          details: {
            name: next.name,
            identifier: next.identifier,
            scopes: next.scopes.map((s) => s.value),
            access_token_ttl: next.accessTokenTtl,
            dpop_bound_access_tokens: next.dpopBoundAccessTokens,
            claims: next.claims,
            token_exchange: next.tokenExchange,
          },
        });
        return next;
      });
    } catch (err) {
      if (err instanceof UniqueViolation) throw duplicate(patch.identifier ?? '');
      throw err;
    }
    await this.ctx.changes.publish({ kind: 'tenant', tenantId });
    return updated;
  }

  /** Deletes an API and every grant on it (never the built-in one). */
  async delete(actor: Actor, tenantId: string, id: string): Promise<void> {
    await transactAudited(this.ctx, async (trx, audit) => {
      const api = await apisRepo.get(trx, tenantId, id);
      if (!api) throw new NotFoundError('API', id);
      if (api.builtIn) throw new ConflictError(`the built-in API ${api.identifier} cannot be deleted`);
      await apisRepo.delete(trx, tenantId, id);
      await audit.record({
        tenantId,
        actor,
        action: 'api.delete',
        targetType: 'api',
        targetId: id,
        details: { identifier: api.identifier },
      });
    });
    await this.ctx.changes.publish({ kind: 'tenant', tenantId });
  }
}
