import type { AdminToken } from '../../domain/admin-tokens/model.js';
import type { AdminPrincipal } from './auth.js';

/** The prefix of an admin token's actor id in the audit log: `admin-token:{id}`. */
export const ADMIN_TOKEN_ACTOR = 'admin-token:';

/** The caller an authenticated admin token makes: its tenant limit and its scopes. */
export function adminTokenPrincipal(token: AdminToken): AdminPrincipal {
  return { actorId: `${ADMIN_TOKEN_ACTOR}${token.id}`, kind: 'admin-token', tenantId: token.tenantId, scopes: token.scopes };
}
