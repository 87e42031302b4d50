import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AdminAppDeps } from '../deps.js';
import type { AdminReach } from '../../domain/admin-reach.js';
import type { Actor } from '../../domain/errors.js';
import { DEFAULT_TENANT } from '../../domain/tenants/model.js';
import type { Page, PageRequest } from '../../domain/paging.js';
import { limitedToTenant } from './challenges.js';
import { Problem } from './problem.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant a tenant-scoped admin route acts on (checked to exist and to be allowed). */
    tenantId: string;
    /** The tenant `tenantOfRoute` names, when the caller's authentication has already seen it exist (the same statement). */
    tenantSeen: string | null;
  }
}

/** The tenant a request would act on if its route is tenant-scoped: `/tenants/{tenant}/…`, else the default tenant. */
export function tenantOfRoute(request: FastifyRequest): string {
  return (request.params as { tenant?: string } | undefined)?.tenant ?? DEFAULT_TENANT;
}

/**
 * For routes mounted at `/tenants/{tenant}` and, for the default tenant, at the root: resolves the
 * tenant, refuses a token limited to another tenant (403) and an unknown tenant (404).
 */
export function registerTenantScope(scope: FastifyInstance, deps: AdminAppDeps): void {
  scope.decorateRequest('tenantId', '');
  // Before body validation: a token limited to another tenant learns nothing about the body's shape.
  scope.addHook('preValidation', async (request) => {
    const id = tenantOfRoute(request);
    const caller = request.admin;
    if (caller !== null && caller.tenantId !== null && caller.tenantId !== id) throw limitedToTenant(caller);
    // An admin token's lookup also asked whether the tenant exists: no second round trip.
    if (request.tenantSeen !== id) await deps.services.tenants.get(id);
    request.tenantId = id;
  });
}

/** The actor of a mutation: the caller and its `?reason=`. */
export function actorOf(request: FastifyRequest): Actor {
  return {
    id: request.admin?.actorId ?? 'anonymous',
    reason: (request.query as { reason?: string } | undefined)?.reason,
    requestId: request.id,
    detail: request.admin?.detail,
  };
}

/** What the caller holds, and so may hand out: its tenant limit and its scopes (none without a principal). */
export function reachOf(request: FastifyRequest): AdminReach {
  return { tenantId: request.admin?.tenantId ?? null, scopes: request.admin?.scopes ?? [] };
}

/** `limit` and the opaque `cursor` of a list request. */
export function pageOf(query: { limit?: number; cursor?: string }): PageRequest {
  let after: string | undefined;
  if (query.cursor !== undefined) {
    after = Buffer.from(query.cursor, 'base64url').toString('utf8');
    if (after === '' || Buffer.from(after, 'utf8').toString('base64url') !== query.cursor) {
      throw new Problem(400, 'Bad Request', 'the cursor is not valid', [{ pointer: '/cursor', detail: 'use next_cursor of a previous page' }]);
    }
  }
  return { limit: query.limit ?? 50, after };
}

/** `{items, next_cursor}` of a page. */
export function listOf<T, U>(page: Page<T>, present: (item: T) => U): { items: U[]; next_cursor: string | null } {
  return {
    items: page.items.map(present),
    next_cursor: page.nextKey === null ? null : Buffer.from(page.nextKey, 'utf8').toString('base64url'),
  };
}
