import type { FastifyRequest } from 'fastify';
import type { AdminAppDeps } from '../deps.js';
import type { AdminPrincipal } from './auth.js';
import { unauthorized } from './challenges.js';

/** A compact JWS (three base64url parts): presented as an access token, not as an admin token. */
export function looksLikeJwt(value: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(value);
}

/**
 * The caller a Tessera access token for `urn:tessera:admin` makes (docs/security.md#admin-scopes):
 * verified against the issuing tenant's keys in memory, its `iss` deciding the reach.
 */
export async function accessTokenPrincipal(_token: string, _request: FastifyRequest, _deps: AdminAppDeps): Promise<AdminPrincipal> {
  throw unauthorized('access tokens are not accepted by the admin API yet', 'invalid_token');
}
