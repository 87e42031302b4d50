import type { TokenToRevoke } from '../domain/revocations/service.js';
import type { Clock } from '../lib/clock.js';
import type { AuthenticatedClient } from './client-auth/index.js';
import type { BruteForceGuard } from './brute-force.js';
import type { ClientAuthDeps } from './client-auth/index.js';
import { authenticateEndpointClient, tokenParameter, type ClientEndpointRequest } from './endpoint-client.js';
import { OAuthError } from './errors.js';
import { inspectAccessToken } from './introspection.js';

export interface RevocationOutcome {
  client: AuthenticatedClient;
  /** The token to record as revoked, or null when there is nothing to do (invalid, expired, unknown, already revoked). */
  revoke: TokenToRevoke | null;
  /** Why nothing is revoked: for the log only. */
  reason?: string;
}

/**
 * The revocation endpoint (RFC 7009 §2.1), decided without side effects: the caller authenticates
 * as a client of the tenant; `token` is required, `token_type_hint` is optional and ignored (only
 * access tokens exist, so there is no type to refuse with unsupported_token_type).
 *
 * - A token that is not an active access token of this tenant (malformed, foreign, expired,
 *   already revoked) needs no action: the answer is 200 (RFC 7009 §2.2).
 * - An active token issued to another client is refused with `unauthorized_client`: §2.1 says the
 *   server "verifies whether the token was issued to the client making the revocation request. If
 *   this validation fails, the request is refused and the client is informed of the error". This
 *   tells the caller nothing introspection would not (any client of the tenant may introspect),
 *   and it is what Ory Hydra (fosite) does; node-oidc-provider refuses too, with invalid_request.
 * - The caller's own active token is revoked until its `exp`.
 */
export async function handleRevocationRequest(
  req: ClientEndpointRequest,
  deps: { clock: Clock; clientAuth: ClientAuthDeps; guard: BruteForceGuard },
): Promise<RevocationOutcome> {
  const nowMs = deps.clock.now();
  const client = await authenticateEndpointClient(req, nowMs, deps);
  const token = tokenParameter(req.params);
  const inspection = await inspectAccessToken(token, { tenant: req.tenant, issuer: req.issuer, nowMs });
  if (!inspection.active) return { client, revoke: null, reason: inspection.reason };
  const { jti, client_id: owner, exp } = inspection.claims;
  const caller = client.entry.client.clientId;
  if (owner !== caller) {
    throw new OAuthError('unauthorized_client', 'The token was not issued to this client.', {
      detail: `client ${caller} tried to revoke token ${jti} of client ${owner}`,
    });
  }
  return { client, revoke: { jti, clientId: owner, expiresAtMs: exp * 1000 } };
}
