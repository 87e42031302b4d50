import { scopesBeyond, type AdminScope } from './admin-scopes.js';
import { EscalationError, ForbiddenError } from './errors.js';

/**
 * What the caller of an admin operation holds, and so may hand out (docs/security.md#admin-scopes):
 * the one tenant it is limited to (null: every tenant) and its scopes of `urn:tessera:admin`.
 */
export interface AdminReach {
  readonly tenantId: string | null;
  readonly scopes: readonly AdminScope[];
}

/** The reach of Tessera itself and of the operator at the database (bootstrap, `tessera admin-token create`): everything. */
export const FULL_REACH: AdminReach = Object.freeze({ tenantId: null, scopes: Object.freeze(['admin'] as AdminScope[]) });

/**
 * Refuses (403, `excess_scopes`) handing out `requested` scopes of `urn:tessera:admin` beyond the
 * caller's; the detail is `why` followed by the excess scopes.
 */
export function refuseEscalation(reach: AdminReach, requested: Iterable<string>, why: string): void {
  const excess = scopesBeyond(reach.scopes, requested);
  if (excess.length > 0) throw new EscalationError(`${why}: ${excess.join(', ')}`, excess);
}

/**
 * Whether `reach` holds `admin`, so every scope of `urn:tessera:admin` (the built-in API's scopes
 * are ADMIN_SCOPES, fixed): it hands out nothing beyond its own, and the scopes a change would hand
 * out need not be read to know it.
 */
export const holdsEveryAdminScope = (reach: AdminReach): boolean => reach.scopes.includes('admin');

/** The detail of an escalation: `what` would hold scopes the caller does not hold. */
export const wouldHold = (what: string): string => `${what} would hold scopes the caller does not hold`;

/** Refuses (403) a caller limited to one tenant acting for every tenant (`tenantId` null) or for another one. */
export function refuseWiderTenant(reach: AdminReach, tenantId: string | null, what: string): void {
  if (reach.tenantId === null || reach.tenantId === tenantId) return;
  throw new ForbiddenError(
    tenantId === null
      ? `a caller limited to tenant ${reach.tenantId} cannot create ${what} for every tenant`
      : `a caller limited to tenant ${reach.tenantId} cannot create ${what} for tenant ${tenantId}`,
  );
}
