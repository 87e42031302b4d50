import { isoTime } from '../../lib/clock.js';
import { sha256Hex } from '../../lib/digest.js';
import { randomToken, timeOrderedId } from '../../lib/random.js';
import { adminTokensRepo } from '../../storage/repositories/admin-tokens.js';
import type { Page, PageRequest } from '../../storage/repositories/paging.js';
import { tenantsRepo } from '../../storage/repositories/tenants.js';
import { transactAudited } from '../audit/record.js';
import type { DomainContext } from '../context.js';
import { InvalidError, NotFoundError, type Actor } from '../errors.js';
import type { AdminToken } from './model.js';

/** Prefix of generated admin tokens, so that secret scanners can recognise a leaked one. */
export const ADMIN_TOKEN_PREFIX = 'tsr_at_';
export const MIN_ADMIN_TOKEN_LENGTH = 32;

export class AdminTokensService {
  constructor(private readonly ctx: DomainContext) {}

  /** The token a bearer value names, if any (looked up by SHA-256 digest). */
  authenticate(value: string): Promise<AdminToken | undefined> {
    return adminTokensRepo.findByDigest(this.ctx.db, sha256Hex(value));
  }

  list(page: PageRequest, tenantId?: string): Promise<Page<AdminToken>> {
    return adminTokensRepo.list(this.ctx.db, page, tenantId);
  }

  /** Creates a token; its value is returned here only and stored as a digest. */
  async create(actor: Actor, input: { name: string; tenantId?: string | null | undefined; value?: string }): Promise<{ token: AdminToken; value: string }> {
    const value = input.value ?? `${ADMIN_TOKEN_PREFIX}${randomToken(32)}`;
    const nowMs = this.ctx.clock.now();
    const token: AdminToken = {
      id: timeOrderedId('at_', nowMs),
      tenantId: input.tenantId ?? null,
      name: input.name,
      digest: sha256Hex(value),
      createdAt: isoTime(nowMs),
    };
    await transactAudited(this.ctx, async (trx, audit) => {
      if (token.tenantId !== null && !(await tenantsRepo.get(trx, token.tenantId))) {
        throw new InvalidError(`no tenant ${JSON.stringify(token.tenantId)}`, [{ pointer: '/tenant', detail: 'no such tenant' }]);
      }
      await adminTokensRepo.insert(trx, token);
      await audit.record({
        tenantId: token.tenantId,
        actor,
        action: 'admin_token.create',
        targetType: 'admin_token',
        targetId: token.id,
        details: { name: token.name, tenant: token.tenantId },
      });
    });
    return { token, value };
  }

  /** Registers a known value (TESSERA_ADMIN_TOKEN) unless it is registered already. */
  async ensure(actor: Actor, name: string, value: string): Promise<boolean> {
    if (await this.authenticate(value)) return false;
    await this.create(actor, { name, value });
    return true;
  }

  async delete(actor: Actor, id: string, limitTo?: string): Promise<void> {
    await transactAudited(this.ctx, async (trx, audit) => {
      const token = await adminTokensRepo.get(trx, id);
      if (!token || (limitTo !== undefined && token.tenantId !== limitTo)) throw new NotFoundError('admin token', id);
      await adminTokensRepo.delete(trx, id);
      await audit.record({
        tenantId: token.tenantId,
        actor,
        action: 'admin_token.delete',
        targetType: 'admin_token',
        targetId: id,
        details: { name: token.name },
      });
    });
  }
}
