import { isoTime } from '../../lib/clock.js';
import { timeOrderedId } from '../../lib/random.js';
import { UniqueViolation } from '../../storage/errors.js';
import { apisRepo } from '../../storage/repositories/apis.js';
import { clientsRepo } from '../../storage/repositories/clients.js';
import { grantsRepo, type GrantFilter } from '../../storage/repositories/grants.js';
import type { Page, PageRequest } from '../../storage/repositories/paging.js';
import { serviceAccountsRepo } from '../../storage/repositories/service-accounts.js';
import { refuseEscalation, wouldHold, type AdminReach } from '../admin-reach.js';
import type { Api } from '../apis/model.js';
import { transactAudited } from '../audit/record.js';
import type { DomainContext } from '../context.js';
import { ConflictError, InvalidError, NotFoundError, type Actor, type FieldError } from '../errors.js';
import type { Executor } from '../../storage/repositories/executor.js';
import { clientsOf, tokenSizeErrors } from '../claims/size-check.js';
import type { Grant } from './model.js';
import { undefinedScopeErrors } from './scopes.js';

export interface GrantInput {
  clientId?: string | undefined;
  serviceAccountId?: string | undefined;
  apiId?: string | undefined;
  apiIdentifier?: string | undefined;
  scopes: string[];
}

/** 422 when the grant would let a client get a token larger than the bound (docs/claims.md#token-size). */
async function refuseOversizedTokens(trx: Executor, grant: Grant): Promise<void> {
  const client = grant.clientId === null ? undefined : await clientsRepo.get(trx, grant.tenantId, grant.clientId);
  const clients = grant.serviceAccountId === null ? (client ? [client] : []) : await clientsOf(trx, grant.tenantId, grant.serviceAccountId);
  const errors = await tokenSizeErrors(trx, grant.tenantId, clients, {}, '/scopes');
  if (errors.length > 0) throw new InvalidError('the grant is not valid', errors);
}

export class GrantsService {
  constructor(private readonly ctx: DomainContext) {}

  async get(tenantId: string, id: string): Promise<Grant> {
    const grant = await grantsRepo.get(this.ctx.db, tenantId, id);
    if (!grant) throw new NotFoundError('grant', id);
    return grant;
  }

  list(tenantId: string, page: PageRequest, filter: GrantFilter = {}): Promise<Page<Grant>> {
    return grantsRepo.list(this.ctx.db, tenantId, page, filter);
  }

  /**
   * Gives a client or a service account scopes of one API (one grant per subject and API). On the
   * built-in API, only scopes the caller holds itself (`reach`).
   */
  async create(actor: Actor, tenantId: string, input: GrantInput, reach: AdminReach): Promise<{ grant: Grant; api: Api }> {
    const fields: FieldError[] = [];
    if ((input.clientId === undefined) === (input.serviceAccountId === undefined)) {
      fields.push({ pointer: '/client_id', detail: 'give exactly one of client_id and service_account_id' });
    }
    if ((input.apiId === undefined) === (input.apiIdentifier === undefined)) {
      fields.push({ pointer: '/api_id', detail: 'give exactly one of api_id and api_identifier' });
    }
    if (fields.length > 0) throw new InvalidError('the grant is not valid', fields);
    const nowMs = this.ctx.clock.now();
    try {
      const result = await transactAudited(this.ctx, async (trx, audit) => {
        const api = input.apiId ? await apisRepo.get(trx, tenantId, input.apiId) : await apisRepo.getByIdentifier(trx, tenantId, input.apiIdentifier!);
        if (!api) fields.push({ pointer: input.apiId ? '/api_id' : '/api_identifier', detail: 'no such API in this tenant' });
        if (input.clientId && !(await clientsRepo.get(trx, tenantId, input.clientId))) {
          fields.push({ pointer: '/client_id', detail: 'no such client in this tenant' });
        }
        if (input.serviceAccountId && !(await serviceAccountsRepo.get(trx, tenantId, input.serviceAccountId))) {
          fields.push({ pointer: '/service_account_id', detail: 'no such service account in this tenant' });
        }
        if (api) fields.push(...undefinedScopeErrors(api, input.scopes));
        if (fields.length > 0 || !api) throw new InvalidError('the grant is not valid', fields);
        if (api.builtIn) refuseEscalation(reach, input.scopes, wouldHold(`a grant on ${api.identifier}`));
        const grant: Grant = {
          tenantId,
          id: timeOrderedId('grt_', nowMs),
          clientId: input.clientId ?? null,
          serviceAccountId: input.serviceAccountId ?? null,
          apiId: api.id,
          scopes: [...new Set(input.scopes)],
          createdAt: isoTime(nowMs),
        };
        await grantsRepo.insert(trx, grant);
        await refuseOversizedTokens(trx, grant);
        await audit.record({
          tenantId,
          actor,
          action: 'grant.create',
          targetType: 'grant',
          targetId: grant.id,
          details: { client_id: grant.clientId, service_account_id: grant.serviceAccountId, api_id: api.id, scopes: grant.scopes },
        });
        return { grant, api };
      });
      await this.ctx.changes.publish({ kind: 'tenant', tenantId });
      return result;
    } catch (err) {
      if (err instanceof UniqueViolation) {
        throw new ConflictError('this client or service account already has a grant on this API; change its scopes with PATCH /grants/{id}');
      }
      throw err;
    }
  }

  /**
   * Replaces the scopes of a grant (same rules as `create`: scopes the API defines; on the
   * built-in API only scopes the caller holds itself).
   */
  async update(actor: Actor, tenantId: string, id: string, scopes: readonly string[], reach: AdminReach): Promise<{ grant: Grant; api: Api }> {
    const result = await transactAudited(this.ctx, async (trx, audit) => {
      const grant = await grantsRepo.get(trx, tenantId, id);
      // A grant's API exists while the grant does (deleting an API deletes its grants).
      const api = grant && (await apisRepo.get(trx, tenantId, grant.apiId));
      if (!grant || !api) throw new NotFoundError('grant', id);
      const errors = undefinedScopeErrors(api, scopes);
      if (errors.length > 0) throw new InvalidError('the grant is not valid', errors);
      if (api.builtIn) refuseEscalation(reach, scopes, wouldHold(`a grant on ${api.identifier}`));
      const next: Grant = { ...grant, scopes: [...new Set(scopes)] };
      await grantsRepo.updateScopes(trx, tenantId, id, next.scopes);
      await refuseOversizedTokens(trx, next);
      await audit.record({
        tenantId,
        actor,
        action: 'grant.update',
        targetType: 'grant',
        targetId: id,
        details: { client_id: grant.clientId, service_account_id: grant.serviceAccountId, api_id: api.id, previous_scopes: grant.scopes, scopes: next.scopes },
      });
      return { grant: next, api };
    });
    await this.ctx.changes.publish({ kind: 'tenant', tenantId });
    return result;
  }

  async delete(actor: Actor, tenantId: string, id: string): Promise<void> {
    await transactAudited(this.ctx, async (trx, audit) => {
      const grant = await grantsRepo.get(trx, tenantId, id);
      if (!grant) throw new NotFoundError('grant', id);
      await grantsRepo.delete(trx, tenantId, id);
      await audit.record({
        tenantId,
        actor,
        action: 'grant.delete',
        targetType: 'grant',
        targetId: id,
        details: { client_id: grant.clientId, service_account_id: grant.serviceAccountId, api_id: grant.apiId, scopes: grant.scopes },
      });
    });
    await this.ctx.changes.publish({ kind: 'tenant', tenantId });
  }
}
