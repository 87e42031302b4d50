import { isoTime } from '../../lib/clock.js';
import { timeOrderedId } from '../../lib/random.js';
import { UniqueViolation } from '../../storage/errors.js';
import { clientsRepo } from '../../storage/repositories/clients.js';
import type { Page, PageRequest } from '../../storage/repositories/paging.js';
import { serviceAccountsRepo } from '../../storage/repositories/service-accounts.js';
import { transactAudited } from '../audit/record.js';
import type { DomainContext } from '../context.js';
import { claimsFieldErrors, storedClaims } from '../claims/rules.js';
import { clientsOf, tokenSizeErrors } from '../claims/size-check.js';
import { ConflictError, InvalidError, NotFoundError, type Actor } from '../errors.js';
import type { ServiceAccount } from './model.js';

export interface ServiceAccountInput {
  userName: string;
  displayName?: string | undefined;
  active?: boolean | undefined;
  /** A JSON object, or null for none (checked: claimsFieldErrors). */
  claims?: unknown;
}

/** What an update changes: an absent (or undefined) member keeps its value. */
export type ServiceAccountPatch = Omit<ServiceAccountInput, 'userName'> & { userName?: string | undefined };

function duplicate(userName: string): ConflictError {
  return new ConflictError(`a service account with user_name ${JSON.stringify(userName)} already exists`);
}

export class ServiceAccountsService {
  constructor(private readonly ctx: DomainContext) {}

  async get(tenantId: string, id: string): Promise<ServiceAccount> {
    const sa = await serviceAccountsRepo.get(this.ctx.db, tenantId, id);
    if (!sa) throw new NotFoundError('service account', id);
    return sa;
  }

  list(tenantId: string, page: PageRequest, search?: string): Promise<Page<ServiceAccount>> {
    return serviceAccountsRepo.list(this.ctx.db, tenantId, page, search);
  }

  async create(actor: Actor, tenantId: string, input: ServiceAccountInput): Promise<ServiceAccount> {
    const errors = claimsFieldErrors(input.claims, '/claims');
    if (errors.length > 0) throw new InvalidError('the service account is not valid', errors);
    const nowMs = this.ctx.clock.now();
    const sa: ServiceAccount = {
      tenantId,
      id: timeOrderedId('sa_', nowMs),
      userName: input.userName,
      displayName: input.displayName ?? '',
      active: input.active ?? true,
      claims: storedClaims(input.claims),
      createdAt: isoTime(nowMs),
      updatedAt: isoTime(nowMs),
    };
    try {
      await transactAudited(this.ctx, async (trx, audit) => {
        await serviceAccountsRepo.insert(trx, sa);
        await audit.record({
          tenantId,
          actor,
          action: 'service_account.create',
          targetType: 'service_account',
          targetId: sa.id,
          details: { user_name: sa.userName, display_name: sa.displayName, active: sa.active, claims: sa.claims },
        });
      });
    } catch (err) {
      if (err instanceof UniqueViolation) throw duplicate(input.userName);
      throw err;
    }
    await this.ctx.changes.publish({ kind: 'tenant', tenantId });
    return sa;
  }

  async update(actor: Actor, tenantId: string, id: string, patch: ServiceAccountPatch): Promise<ServiceAccount> {
    const errors = claimsFieldErrors(patch.claims, '/claims');
    if (errors.length > 0) throw new InvalidError('the service account is not valid', errors);
    let updated: ServiceAccount;
    try {
      updated = await transactAudited(this.ctx, async (trx, audit) => {
        const sa = await serviceAccountsRepo.get(trx, tenantId, id);
        if (!sa) throw new NotFoundError('service account', id);
        const next: ServiceAccount = {
          ...sa,
          userName: patch.userName ?? sa.userName,
          displayName: patch.displayName ?? sa.displayName,
          active: patch.active ?? sa.active,
          claims: patch.claims === undefined ? sa.claims : storedClaims(patch.claims),
          updatedAt: isoTime(this.ctx.clock.now()),
        };
        if (patch.claims !== undefined && next.claims !== null) {
          const clients = await clientsOf(trx, tenantId, id);
          const errors = await tokenSizeErrors(trx, tenantId, clients, { serviceAccount: next }, '/claims');
          if (errors.length > 0) throw new InvalidError('the service account is not valid', errors);
        }
        await serviceAccountsRepo.update(trx, next);
        await audit.record({
          tenantId,
          actor,
          action: 'service_account.update',
          targetType: 'service_account',
          targetId: id,
          details: { user_name: next.userName, display_name: next.displayName, active: next.active, claims: next.claims },
        });
        return next;
      });
    } catch (err) {
      if (err instanceof UniqueViolation) throw duplicate(patch.userName ?? '');
      throw err;
    }
    await this.ctx.changes.publish({ kind: 'tenant', tenantId });
    return updated;
  }

  /** Deletes a service account and its grants; refused while clients still act for it. */
  async delete(actor: Actor, tenantId: string, id: string): Promise<void> {
    await transactAudited(this.ctx, async (trx, audit) => {
      const sa = await serviceAccountsRepo.get(trx, tenantId, id);
      if (!sa) throw new NotFoundError('service account', id);
      const clients = await clientsRepo.countForServiceAccount(trx, tenantId, id);
      if (clients > 0) {
        throw new ConflictError(`${clients} client(s) act for this service account; delete them or move them to another account first`);
      }
      await serviceAccountsRepo.delete(trx, tenantId, id);
      await audit.record({
        tenantId,
        actor,
        action: 'service_account.delete',
        targetType: 'service_account',
        targetId: id,
        details: { user_name: sa.userName },
      });
    });
    await this.ctx.changes.publish({ kind: 'tenant', tenantId });
  }
}
