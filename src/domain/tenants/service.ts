import { isoTime } from '../../lib/clock.js';
import { UniqueViolation } from '../../storage/errors.js';
import { apisRepo } from '../../storage/repositories/apis.js';
import type { PageRequest, Page } from '../../storage/repositories/paging.js';
import { tenantsRepo } from '../../storage/repositories/tenants.js';
import { builtInAdminApi } from '../apis/built-in.js';
import type { AdminReach } from '../admin-reach.js';
import { transactAudited } from '../audit/record.js';
import type { DomainContext } from '../context.js';
import { ConflictError, InvalidError, NotFoundError, type Actor } from '../errors.js';
import { activateNewKey } from '../keys/service.js';
import { refuseCertificateTrustEscalation } from './certificate-trust-escalation.js';
import { clientCaFieldErrors, clientCaThumbprints } from './client-cas.js';
import { DEFAULT_TENANT, DEFAULT_TOKEN_TTL, type SigningAlg, type Tenant } from './model.js';

export interface TenantInput {
  id: string;
  name?: string | undefined;
  signingAlg?: SigningAlg | undefined;
  accessTokenTtl?: number | undefined;
  /** PEM certificates of CAs trusted for tls_client_auth besides TESSERA_TLS_CLIENT_CA (RFC 8705 §2.1). */
  tlsClientCas?: string[] | undefined;
}

export interface TenantPatch {
  name?: string | undefined;
  signingAlg?: SigningAlg | undefined;
  accessTokenTtl?: number | undefined;
  /** Replaces the tenant's trusted CAs (omitted: unchanged). */
  tlsClientCas?: string[] | undefined;
}

export class TenantsService {
  constructor(private readonly ctx: DomainContext) {}

  async get(id: string): Promise<Tenant> {
    const tenant = await tenantsRepo.get(this.ctx.db, id);
    if (!tenant) throw new NotFoundError('tenant', id);
    return tenant;
  }

  list(page: PageRequest, only?: string): Promise<Page<Tenant>> {
    return tenantsRepo.list(this.ctx.db, page, only);
  }

  /** Creates a tenant with its first signing key, its next key and the built-in API `urn:tessera:admin`. */
  async create(actor: Actor, input: TenantInput): Promise<Tenant> {
    const nowMs = this.ctx.clock.now();
    const now = isoTime(nowMs);
    const tenant: Tenant = {
      id: input.id,
      name: input.name ?? input.id,
      signingAlg: input.signingAlg ?? 'RS256',
      accessTokenTtl: input.accessTokenTtl ?? DEFAULT_TOKEN_TTL,
      tlsClientCas: input.tlsClientCas ?? [],
      createdAt: now,
      updatedAt: now,
    };
    validate(tenant);
    try {
      await transactAudited(this.ctx, async (trx, audit) => {
        await tenantsRepo.insert(trx, tenant);
        const { active: key } = await activateNewKey(this.ctx, trx, tenant.id, tenant.signingAlg);
        await apisRepo.insert(trx, builtInAdminApi(tenant.id, nowMs));
        await audit.record({
          tenantId: tenant.id,
          actor,
          action: 'tenant.create',
          targetType: 'tenant',
          targetId: tenant.id,
          details: {
            name: tenant.name,
            signing_alg: tenant.signingAlg,
            access_token_ttl: tenant.accessTokenTtl,
            tls_client_cas: clientCaThumbprints(tenant.tlsClientCas),
            kid: key.kid,
          },
        });
      });
    } catch (err) {
      if (err instanceof UniqueViolation) throw new ConflictError(`tenant ${JSON.stringify(input.id)} already exists`);
      throw err;
    }
    await this.ctx.changes.publish({ kind: 'tenant', tenantId: tenant.id });
    return tenant;
  }

  /**
   * Changes settings; a new signing algorithm rotates to a key of that algorithm at once. A CA
   * added to `tls_client_cas` needs the admin scopes of the tenant's certificate clients (`reach`).
   */
  async update(actor: Actor, id: string, patch: TenantPatch, reach: AdminReach): Promise<Tenant> {
    const updated = await transactAudited(this.ctx, async (trx, audit) => {
      const tenant = await tenantsRepo.get(trx, id);
      if (!tenant) throw new NotFoundError('tenant', id);
      const next: Tenant = {
        ...tenant,
        name: patch.name ?? tenant.name,
        signingAlg: patch.signingAlg ?? tenant.signingAlg,
        accessTokenTtl: patch.accessTokenTtl ?? tenant.accessTokenTtl,
        tlsClientCas: patch.tlsClientCas ?? tenant.tlsClientCas,
        updatedAt: isoTime(this.ctx.clock.now()),
      };
      validate(next);
      await refuseCertificateTrustEscalation(trx, id, tenant.tlsClientCas, next.tlsClientCas, reach);
      await tenantsRepo.update(trx, next);
      const details: Record<string, unknown> = { changed: Object.keys(patch).filter((k) => patch[k as keyof TenantPatch] !== undefined) };
      if (patch.tlsClientCas !== undefined) details.tls_client_cas = clientCaThumbprints(next.tlsClientCas);
      if (next.signingAlg !== tenant.signingAlg) {
        const { active: key } = await activateNewKey(this.ctx, trx, id, next.signingAlg);
        details.kid = key.kid;
      }
      await audit.record({ tenantId: id, actor, action: 'tenant.update', targetType: 'tenant', targetId: id, details });
      return next;
    });
    await this.ctx.changes.publish({ kind: 'tenant', tenantId: id });
    return updated;
  }

  /** Deletes a tenant and everything it owns; the audit log keeps its events. */
  async delete(actor: Actor, id: string): Promise<void> {
    if (id === DEFAULT_TENANT) throw new ConflictError('the default tenant cannot be deleted');
    await transactAudited(this.ctx, async (trx, audit) => {
      if (!(await tenantsRepo.delete(trx, id))) throw new NotFoundError('tenant', id);
      // Installation-wide: the tenant's own log is unreachable once it is gone.
      await audit.record({ tenantId: null, actor, action: 'tenant.delete', targetType: 'tenant', targetId: id });
    });
    await this.ctx.changes.publish({ kind: 'tenant', tenantId: id });
  }
}

/** 422 when the tenant's settings break a rule (its CAs: clientCaFieldErrors). */
function validate(t: Tenant): void {
  const errors = clientCaFieldErrors(t.tlsClientCas);
  if (errors.length > 0) throw new InvalidError('the tenant is not valid', errors);
}
