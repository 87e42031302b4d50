import { isoTime } from '../../lib/clock.js';
import { ADMIN_API_IDENTIFIER, ADMIN_API_NAME, ADMIN_SCOPE_DESCRIPTIONS, ADMIN_SCOPES } from '../admin-scopes.js';
import type { Api } from './model.js';

/** The id of the built-in API in every tenant (the same as migration 0009 gives it). */
export const BUILT_IN_API_ID = 'api_tessera_admin';

/** Identifiers under this prefix belong to Tessera: no API may be created or renamed to one. */
export const RESERVED_IDENTIFIER_PREFIX = 'urn:tessera:';

/** The one change the built-in API accepts. */
export const BUILT_IN_API_FIXED = `the built-in API ${ADMIN_API_IDENTIFIER}: only access_token_ttl can change`;

/** The built-in API `urn:tessera:admin` of a new tenant, with the fixed scopes of the admin API. */
export function builtInAdminApi(tenantId: string, nowMs: number): Api {
  return {
    tenantId,
    id: BUILT_IN_API_ID,
    name: ADMIN_API_NAME,
    identifier: ADMIN_API_IDENTIFIER,
    scopes: ADMIN_SCOPES.map((value) => ({ value, description: ADMIN_SCOPE_DESCRIPTIONS[value] })),
    accessTokenTtl: null,
    dpopBoundAccessTokens: false,
    tokenExchange: 'allow',
    builtIn: true,
    claims: null,
    createdAt: isoTime(nowMs),
    updatedAt: isoTime(nowMs),
  };
}
